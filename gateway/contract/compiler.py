"""The compiler: every operation of an OpenAPI document to an `Operation`, once, at start-up.

It resolves OpenAPI-level `$ref`s (request bodies, responses, parameters) to the objects they
name, compiles each JSON Schema against the shared component registry, and classifies each media
type, so that request time needs no spec resolution at all. An operation carrying
`x-mlops-graphql-schema` also gets its GraphQL schema, compiled from the SDL file it names
(relative to `base_dir`, the spec's directory; each file once).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import jsonschema_rs

from gateway.contract.errors import ContractError
from gateway.contract.graphql_schema import SCHEMA_EXTENSION, GraphQLContract, load_graphql_schema
from gateway.contract.media_types import BodyKind, MediaTypeSpec, MediaTypeTable, media_kind
from gateway.contract.model import Operation, ParameterSpec
from gateway.contract.schema import SchemaValidator, schema_registry
from gateway.contract.violations import json_pointer

_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def follow_refs(
    document: Mapping[str, Any], node: Mapping[str, Any], pointer: str = ""
) -> tuple[Mapping[str, Any], str]:
    """Follow the document-local `$ref`s of an OpenAPI object (a parameter, request body,
    response or example; not schema refs) to the object they name, and its pointer."""
    seen = set()
    while "$ref" in node:
        ref = node["$ref"]
        if not ref.startswith("#/") or ref in seen:
            raise ContractError(f"unsupported or circular reference {ref!r} at {pointer}")
        seen.add(ref)
        pointer = ref[1:]
        target: Any = document
        for part in pointer.lstrip("/").split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(target, Mapping) or part not in target:
                raise ContractError(f"dangling reference {ref!r}")
            target = target[part]
        node = target
    return node, pointer


def compile_operations(document: Mapping[str, Any], base_dir: Path) -> Iterator[Operation]:
    """Every operation of `document` (whose files are read from `base_dir`), compiled; raises
    ContractError on an unusable spec."""
    compiler = _Compiler(document, base_dir)
    default_security = document.get("security", [])
    for path, item in (document.get("paths") or {}).items():
        for method in _METHODS:
            if method in item:
                yield compiler.operation(path, method, item, default_security)


class _Compiler:
    def __init__(self, document: Mapping[str, Any], base_dir: Path) -> None:
        self.document = document
        self.base_dir = base_dir
        self.registry: jsonschema_rs.Registry = schema_registry(document)
        self.graphql_schemas: dict[str, GraphQLContract] = {}

    def graphql_schema(self, file_name: Any, pointer: str) -> GraphQLContract:
        """The compiled SDL `file_name` names, compiled on its first mention."""
        if isinstance(file_name, str) and file_name in self.graphql_schemas:
            return self.graphql_schemas[file_name]
        compiled = load_graphql_schema(self.base_dir, file_name, pointer)
        self.graphql_schemas[compiled.file_name] = compiled
        return compiled

    def resolve(self, node: Mapping[str, Any], pointer: str) -> tuple[Mapping[str, Any], str]:
        """Follow OpenAPI-level `$ref`s (not schema refs) to the object and its pointer."""
        return follow_refs(self.document, node, pointer)

    def media_table(self, content: Mapping[str, Any], pointer: str) -> MediaTypeTable:
        specs = []
        for media_type, media in content.items():
            media_pointer = pointer + json_pointer(["content", media_type])
            kind = media_kind(media_type)
            validator = None
            if "schema" in media and kind is not BodyKind.BINARY:
                validator = SchemaValidator(media["schema"], self.registry, media_pointer + "/schema")
            json_fields: frozenset[str] = frozenset()
            file_fields: frozenset[str] = frozenset()
            if kind is BodyKind.MULTIPART:
                encodings = media.get("encoding", {})
                json_fields = frozenset(
                    n
                    for n, enc in encodings.items()
                    if media_kind(enc.get("contentType", "")) is BodyKind.JSON
                )
                properties, _ = self.resolve(media.get("schema", {}), media_pointer + "/schema")
                file_fields = frozenset(
                    name
                    for name, prop in properties.get("properties", {}).items()
                    if prop.get("format") == "binary"
                    or media_kind(prop.get("contentMediaType", "application/json")) is BodyKind.BINARY
                )
            specs.append(MediaTypeSpec(media_type, validator, kind, json_fields, file_fields))
        return MediaTypeTable(specs)

    def parameter(self, raw: Mapping[str, Any], pointer: str) -> ParameterSpec:
        param, ptr = self.resolve(raw, pointer)
        schema, _ = self.resolve(param.get("schema", {}), ptr + "/schema")
        scalar = schema.get("type") if isinstance(schema.get("type"), str) else None
        return ParameterSpec(
            name=param["name"],
            location=param["in"],
            required=bool(param.get("required", param["in"] == "path")),
            scalar_type=scalar,
            validator=SchemaValidator(param.get("schema", {}), self.registry, ptr + "/schema"),
        )

    def operation(
        self, path: str, method: str, item: Mapping[str, Any], default_security: list[Mapping[str, Any]]
    ) -> Operation:
        spec = item[method]
        op_pointer = json_pointer(["paths", path, method])
        operation_id = spec.get("operationId")
        if not operation_id:
            raise ContractError(f"{method.upper()} {path} has no operationId")
        raw_params = [*item.get("parameters", []), *spec.get("parameters", [])]
        params = [self.parameter(raw, f"{op_pointer}/parameters/{i}") for i, raw in enumerate(raw_params)]
        body_required = False
        request_media = MediaTypeTable([])
        if "requestBody" in spec:
            body, body_pointer = self.resolve(spec["requestBody"], op_pointer + "/requestBody")
            body_required = bool(body.get("required", False))
            request_media = self.media_table(body.get("content", {}), body_pointer)
        responses: dict[str, MediaTypeTable] = {}
        for status, raw in (spec.get("responses") or {}).items():
            response, response_pointer = self.resolve(raw, f"{op_pointer}/responses/{status}")
            responses[str(status).upper()] = self.media_table(response.get("content", {}), response_pointer)
        requirements = spec.get("security", default_security)
        graphql = None
        if SCHEMA_EXTENSION in spec:
            graphql = self.graphql_schema(spec[SCHEMA_EXTENSION], f"{op_pointer}/{SCHEMA_EXTENSION}")
        return Operation(
            operation_id=operation_id,
            method=method.upper(),
            path_template=path,
            tags=tuple(spec.get("tags", [])),
            security=tuple(name for requirement in requirements for name in requirement),
            anonymous=not requirements or any(not requirement for requirement in requirements),
            parameters=tuple(params),
            body_required=body_required,
            request_media=request_media,
            responses=responses,
            spec=spec,
            graphql=graphql,
        )
