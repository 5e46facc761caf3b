"""The contract: spec/openapi.yaml compiled once at start-up into operations, media types,
validators and a router, so the hot path does look-ups and validation only.

One concept per module: `source` reads the spec, `compiler` turns it into `model` objects whose
schemas are `schema` validators, `media_types` matches Content-Type headers, `violations` says how
an instance breaks a schema, `router` finds an operation, `compiled` holds the result.
"""

from gateway.contract.compiled import Contract
from gateway.contract.errors import ContractError
from gateway.contract.media_types import BodyKind, MediaTypeSpec, MediaTypeTable, media_kind
from gateway.contract.model import Operation, ParameterSpec
from gateway.contract.router import MethodNotAllowed, PathNotFound
from gateway.contract.schema import SchemaValidator
from gateway.contract.source import DEFAULT_SPEC_PATH, read_spec
from gateway.contract.violations import Violation, json_pointer

__all__ = [
    "DEFAULT_SPEC_PATH",
    "BodyKind",
    "Contract",
    "ContractError",
    "MediaTypeSpec",
    "MediaTypeTable",
    "MethodNotAllowed",
    "Operation",
    "ParameterSpec",
    "PathNotFound",
    "SchemaValidator",
    "Violation",
    "json_pointer",
    "media_kind",
    "read_spec",
]
