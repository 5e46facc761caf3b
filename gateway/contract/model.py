"""The compiled form of a spec operation: what the hot path needs and nothing it must look up.

An `Operation` holds its parameters (with the scalar type used to coerce their strings), its
request media types and its responses by status, every schema already compiled, and for a
GraphQL operation its compiled GraphQL schema.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from gateway.contract.graphql_schema import GraphQLContract
from gateway.contract.media_types import MediaTypeTable
from gateway.contract.schema import SchemaValidator
from gateway.contract.violations import Violation

_INTEGER = re.compile(r"[+-]?\d+")
PATH_PARAMETER = re.compile(r"\{([^}/]+)\}")  # a {name} in a path template
# RFC 3986 pchar minus "%": what a path parameter may carry unencoded ("/" and "?" never)
_PCHAR_SAFE = "!$&'()*+,;=:@"


@dataclass(frozen=True, slots=True)
class ParameterSpec:
    """A query, path or header parameter, with the scalar type used to coerce its string value."""

    name: str
    location: str
    required: bool
    scalar_type: str | None
    validator: SchemaValidator

    def coerce(self, raw: str) -> Any:
        """Turn the raw string into the schema's scalar type where it parses; else keep the string."""
        if self.scalar_type == "integer" and _INTEGER.fullmatch(raw.strip()):
            return int(raw)
        if self.scalar_type == "number":
            try:
                return float(raw)
            except ValueError:
                return raw
        if self.scalar_type == "boolean" and raw in ("true", "false"):
            return raw == "true"
        return raw

    def violations(self, source: Mapping[str, str]) -> list[Violation]:
        """How this parameter's value in `source` (query or path parameters) breaks its schema."""
        raw = source.get(self.name)
        if raw is None:
            if not self.required:
                return []
            detail = f"{self.location} parameter {self.name!r} is required"
            return [
                Violation(
                    self.location, "/" + self.name, "required", "a required parameter", "missing", detail
                )
            ]
        return [v.under("/" + self.name) for v in self.validator.violations(self.coerce(raw), self.location)]


@dataclass(frozen=True, slots=True)
class Operation:
    """One spec operation, ready for the hot path."""

    operation_id: str
    method: str
    path_template: str
    tags: tuple[str, ...]
    security: tuple[str, ...]
    anonymous: bool  # `security: []` (or an empty requirement): callable without a gateway key
    parameters: tuple[ParameterSpec, ...]
    body_required: bool
    request_media: MediaTypeTable
    responses: Mapping[str, MediaTypeTable]
    spec: Mapping[str, Any] = field(repr=False)
    graphql: GraphQLContract | None = None  # `x-mlops-graphql-schema`: the body is a GraphQL request

    def path_for(self, path_params: Mapping[str, str]) -> str:
        """The canonical path of this operation with its (decoded) path parameters filled in:
        the exact path the upstream receives for a request validated as this operation."""
        if not path_params:
            return self.path_template
        return PATH_PARAMETER.sub(
            lambda m: quote(path_params[m.group(1)], safe=_PCHAR_SAFE), self.path_template
        )

    def response_media(self, status: int) -> MediaTypeTable | None:
        """The documented media types for a status: exact code, then `2XX`, then `default`."""
        table = self.responses.get(str(status))
        if table is None:
            table = self.responses.get(f"{str(status)[0]}XX") or self.responses.get("default")
        return table

    def parameter_violations(
        self, query: Mapping[str, str], path_params: Mapping[str, str]
    ) -> list[Violation]:
        """How the query and path parameters of a request break the contract."""
        found: list[Violation] = []
        for param in self.parameters:
            if param.location == "query":
                found += param.violations(query)
            elif param.location == "path":
                found += param.violations(path_params)
        return found
