"""Compiled JSON Schemas: one jsonschema-rs validator per schema of the spec, built at start-up.

All validators share one registry holding the spec's `components/schemas`, so a `$ref` to
`#/components/schemas/...` resolves without copying the components into every schema (this halved
the gateway's resident memory).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jsonschema_rs

from gateway.contract.errors import ContractError
from gateway.contract.violations import Violation, violations_of

SPEC_URI = "urn:mlops-gateway:spec"


def schema_registry(document: Mapping[str, Any]) -> jsonschema_rs.Registry:
    """The registry that every validator of `document` resolves its component references in."""
    schemas = (document.get("components") or {}).get("schemas") or {}
    return jsonschema_rs.Registry([(SPEC_URI, {"components": {"schemas": schemas}})])


class SchemaValidator:
    """A compiled JSON Schema; answers nothing when valid, every violation otherwise."""

    __slots__ = ("_validator", "schema_pointer")

    def __init__(
        self, schema: Mapping[str, Any], registry: jsonschema_rs.Registry, schema_pointer: str
    ) -> None:
        """Compile `schema` (found at `schema_pointer` in the spec) against `registry`."""
        self.schema_pointer = schema_pointer
        try:
            self._validator = jsonschema_rs.validator_for(
                _absolute_refs(schema), registry=registry, validate_formats=True
            )
        except Exception as exc:  # jsonschema-rs raises ValueError / ReferencingError subclasses
            raise ContractError(f"cannot compile schema at {schema_pointer}: {exc}") from exc

    def is_valid(self, instance: Any) -> bool:
        return bool(self._validator.is_valid(instance))

    def violations(self, instance: Any, location: str) -> list[Violation]:
        if self._validator.is_valid(instance):
            return []
        return violations_of(self._validator.iter_errors(instance), location)


def _absolute_refs(schema: Any) -> Any:
    """A copy of `schema` whose document-local component references point into the registry."""
    if isinstance(schema, dict):
        return {
            key: SPEC_URI + value
            if key == "$ref" and isinstance(value, str) and value.startswith("#/components/")
            else _absolute_refs(value)
            for key, value in schema.items()
        }
    if isinstance(schema, list):
        return [_absolute_refs(item) for item in schema]
    return schema
