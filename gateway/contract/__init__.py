"""The contract: spec/openapi.yaml compiled once at start-up into operations, media types,
validators and a router, so the hot path does look-ups and validation only.

One concept per module: `source` reads the spec, `compiler` turns it into `model` objects whose
schemas are `schema` validators, `media_types` matches Content-Type headers, `violations` says how
an instance breaks a schema, `router` finds an operation, `compiled` holds the result. GraphQL operations add
`graphql_schema` (the SDL compiled), `graphql_request` (a query checked against it, with
`graphql_messages` keeping its errors value-free) and `graphql_response` (an answer's data checked
against the query's selection). `links` reads how operations feed one another (`x-mlops-writes`,
success links), for the conformance suite and the sandbox's faults, not the hot path.
"""

from gateway.contract.compiled import Contract
from gateway.contract.errors import ContractError
from gateway.contract.graphql_request import (
    GraphQLChecker,
    GraphQLLimits,
    GraphQLProblem,
    GraphQLQuery,
    graphql_detail,
)
from gateway.contract.graphql_response import data_violations
from gateway.contract.graphql_schema import GraphQLContract
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
    "GraphQLChecker",
    "GraphQLContract",
    "GraphQLLimits",
    "GraphQLProblem",
    "GraphQLQuery",
    "MediaTypeSpec",
    "MediaTypeTable",
    "MethodNotAllowed",
    "Operation",
    "ParameterSpec",
    "PathNotFound",
    "SchemaValidator",
    "Violation",
    "data_violations",
    "graphql_detail",
    "json_pointer",
    "media_kind",
    "read_spec",
]
