"""Where the spec comes from: the packaged `spec/openapi.yaml` by default, or a file the config
names, read as YAML once at start-up."""

from __future__ import annotations

import hashlib
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


def read_spec(path: str | Path | None = None) -> tuple[dict[str, Any], str]:
    """The OpenAPI document at `path` (the packaged spec when None), checked to have paths, and the
    SHA-256 of the file's bytes (the spec a gateway runs, in `build_info`)."""
    path = DEFAULT_SPEC_PATH if path is None else Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ContractError(f"cannot read spec {path}: {exc.strerror}") from exc
    try:
        document = yaml.load(raw.decode("utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except UnicodeDecodeError as exc:
        raise ContractError(f"spec {path} is not UTF-8: {exc}") from exc
    except yaml.YAMLError as exc:
        raise ContractError(f"spec {path} is not valid YAML: {exc}") from exc
    if not isinstance(document, dict) or "paths" not in document:
        raise ContractError(f"spec {path} has no paths")
    return document, hashlib.sha256(raw).hexdigest()
