"""Where the spec comes from: the packaged `spec/openapi.yaml` by default, or a file the config
names, read as YAML once at start-up."""

from __future__ import annotations

import importlib.resources
from pathlib import Path
from typing import Any

import yaml

from gateway.contract.errors import ContractError


def default_spec_path() -> Path:
    """The spec shipped with the gateway: `spec/openapi.yaml`, packaged as the data package `spec`
    so the same look-up works in a checkout, an editable install and an installed wheel."""
    return Path(str(importlib.resources.files("spec").joinpath("openapi.yaml")))


DEFAULT_SPEC_PATH = default_spec_path()


def read_spec(path: str | Path | None = None) -> dict[str, Any]:
    """The OpenAPI document at `path` (the packaged spec when None), checked to have paths."""
    path = DEFAULT_SPEC_PATH if path is None else Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ContractError(f"cannot read spec {path}: {exc.strerror}") from exc
    try:
        document = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        raise ContractError(f"spec {path} is not valid YAML: {exc}") from exc
    if not isinstance(document, dict) or "paths" not in document:
        raise ContractError(f"spec {path} has no paths")
    return document
