"""The documents' examples (tests/data/seed_examples) as test data: loading, the wire form of each
example, schema-guided mutations that must be rejected, and two independent verdicts on an
instance - openapi-core's full request/response validation and the gateway's compiled fast path.
Both verdicts are lists of JSON pointers of failing locations (empty when valid)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

import orjson
import yaml
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse
from urllib3 import encode_multipart_formdata

from gateway.contract import Contract, json_pointer
from tests.support import ROOT

SEED_DIR = ROOT / "tests" / "data" / "seed_examples"
SPEC_PATH = ROOT / "spec" / "openapi.yaml"
PATH_EXAMPLES = {"deployment": "modeldeploy-15", "testId": "182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e"}
AUTH = {"Authorization": "Bearer example-token"}


@cache
def spec_document() -> dict[str, Any]:
    return yaml.safe_load(SPEC_PATH.read_text())


@cache
def contract() -> Contract:
    return Contract(spec_document())


@cache
def openapi_core() -> OpenAPI:
    return OpenAPI.from_dict(spec_document())


@dataclass(frozen=True)
class SeedExample:
    name: str
    operation_id: str
    kind: str
    content_type: str
    status: int | None
    raw: dict[str, Any]

    @property
    def path_template(self) -> str:
        return contract().operations[self.operation_id].path_template

    @property
    def path(self) -> str:
        return re.sub(r"\{(\w+)\}", lambda m: PATH_EXAMPLES[m.group(1)], self.path_template)

    def wire_value(self) -> Any:
        """The value as it travels: query parameters and multipart fields are text."""
        if self.operation_id == "models_upload_stream" and self.kind == "request":
            return {k: str(v) for k, v in self.raw["query"].items()}
        if self.operation_id == "models_upload" and self.kind == "request":
            return {k: str(v) for k, v in self.raw["form"].items()}
        return self.raw["value"]

    def embedded_value(self, document: dict[str, Any]) -> Any:
        """The same example as spec/openapi.yaml embeds it."""
        key = self.name.split(".", 1)[1].replace(".", "_")
        op = document["paths"][self.path_template]["post"]
        if self.kind == "response":
            media = op["responses"][str(self.status)]["content"][self.content_type]
            return media["examples"][key]["value"]
        if self.operation_id == "models_upload_stream":
            return {
                p["name"]: str(p["examples"][key]["value"])
                for p in op["parameters"]
                if key in p.get("examples", {})
            }
        return op["requestBody"]["content"][self.content_type]["examples"][key]["value"]


def _load() -> list[SeedExample]:
    examples = []
    for file in sorted(SEED_DIR.glob("*.json")):
        raw = json.loads(file.read_text())
        examples.append(
            SeedExample(
                name=file.stem,
                operation_id=raw["operationId"],
                kind=raw["kind"],
                content_type=raw["content_type"],
                status=raw.get("status"),
                raw=raw,
            )
        )
    return examples


SEED_EXAMPLES = _load()


# -- verdicts ----------------------------------------------------------------------------------


def _request(example: SeedExample, value: Any) -> MockRequest:
    if example.operation_id == "models_upload_stream":
        return MockRequest(
            "http://127.0.0.1",
            "post",
            example.path,
            headers=AUTH,
            args=value,
            data=b"\x00model-bytes",
            content_type="application/octet-stream",
        )
    if example.operation_id == "models_upload":
        fields = {**value, "file": ("ccfraud.onnx", b"\x00model-bytes")}
        body, content_type = encode_multipart_formdata(fields)
        return MockRequest(
            "http://127.0.0.1", "post", example.path, headers=AUTH, data=body, content_type=content_type
        )
    return MockRequest(
        "http://127.0.0.1",
        "post",
        example.path,
        headers=AUTH,
        data=orjson.dumps(value),
        content_type=example.content_type,
    )


def _most_specific(error: Any) -> list[Any]:
    """The same best-match rule as gateway.contract applies to anyOf/oneOf failures."""
    if error.validator not in ("anyOf", "oneOf") or not error.context:
        return [error]
    branches: dict[int, list[Any]] = {}
    for sub in error.context:
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)
    here = list(error.absolute_path)
    candidates = [
        b
        for b in branches.values()
        if not (len(b) == 1 and b[0].validator == "type" and list(b[0].absolute_path) == here)
    ]
    if not candidates or (
        len(candidates) > 1 and all(len(b) == 1 and b[0].validator == "required" for b in candidates)
    ):
        return [error]
    return [specific for sub in min(candidates, key=len) for specific in _most_specific(sub)]


def _pointers_from_jsonschema(errors: Any) -> list[str]:
    pointers = []
    for error in (specific for e in errors for specific in _most_specific(e)):
        parts = list(error.absolute_path)
        if error.validator == "required":
            missing = re.match(r"'(.+)' is a required property", error.message)
            if missing:
                parts.append(missing.group(1))
        pointers.append(json_pointer(parts))
    return pointers


def openapi_core_verdict(example: SeedExample, value: Any) -> list[str]:
    """Failing locations according to openapi-core's full request or response validation."""
    api = openapi_core()
    request = _request(example, value if example.kind == "request" else _first_request(example))
    try:
        if example.kind == "request":
            api.validate_request(request)
        else:
            response = MockResponse(orjson.dumps(value), status_code=example.status or 200)
            api.validate_response(request, response)
    except Exception as exc:  # openapi-core raises one exception per failing body or parameter
        inner = _pointers_from_jsonschema(getattr(exc.__cause__, "schema_errors", ()))
        name = getattr(exc, "name", None)  # a query/path parameter error names the parameter
        if name is not None:
            return ["/" + name + (pointer or "") for pointer in inner or [""]]
        return inner or [f"<{type(exc).__name__}: {exc}>"]
    return []


def _first_request(example: SeedExample) -> Any:
    requests = [
        ex for ex in SEED_EXAMPLES if ex.operation_id == example.operation_id and ex.kind == "request"
    ]
    return requests[0].wire_value() if requests else {}


def fast_path_verdict(example: SeedExample, value: Any) -> list[str]:
    """Failing locations according to the gateway's compiled validators (gateway.contract)."""
    op = contract().operations[example.operation_id]
    if example.kind == "response":
        media = op.response_media(example.status or 200).find(example.content_type)
        return [v.pointer for v in media.validator.violations(value, "response")]
    if example.operation_id == "models_upload_stream":
        return [v.pointer for v in op.parameter_violations(value, {})]
    media = op.request_media.find(example.content_type)
    if example.operation_id == "models_upload":
        value = {**value, "file": "<the file part>"}
    return [v.pointer for v in media.validator.violations(value, "body")]


# -- mutations ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mutation:
    label: str
    pointer: str
    value: Any


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    """Follow $ref and merge allOf, enough to read required/properties/type/enum."""
    document = spec_document()
    while "$ref" in schema:
        node: Any = document
        for part in schema["$ref"][2:].split("/"):
            node = node[part]
        schema = {**node, **{k: v for k, v in schema.items() if k != "$ref"}}
    if "allOf" in schema:
        merged: dict[str, Any] = {"required": [], "properties": {}}
        for sub in [schema, *schema["allOf"]]:
            sub = _resolve({k: v for k, v in sub.items() if k != "allOf"})
            merged["required"] += sub.get("required", [])
            merged["properties"].update(sub.get("properties", {}))
            merged.update({k: v for k, v in sub.items() if k not in ("required", "properties")})
        return merged
    return schema


_WRONG_VALUES: list[tuple[str, Any]] = [
    ("string", "mutated"),
    ("integer", 7),
    ("array", []),
    ("object", {}),
]


def _types(schema: dict[str, Any]) -> set[str]:
    declared = schema.get("type")
    types = {declared} if isinstance(declared, str) else set(declared or [])
    return types | {"number"} if "integer" in types else types


def _set(value: Any, parts: list[str | int], new: Any, drop: bool = False) -> Any:
    copy = orjson.loads(orjson.dumps(value))
    node = copy
    for part in parts[:-1]:
        node = node[part]
    if drop:
        del node[parts[-1]]
    else:
        node[parts[-1]] = new
    return copy


def _enum_targets(value: Any, schema: dict[str, Any], parts: list[str | int]) -> Iterator[list[str | int]]:
    schema = _resolve(schema)
    if "enum" in schema and isinstance(value, str):
        yield parts
    if isinstance(value, dict):
        for key, sub in schema.get("properties", {}).items():
            if key in value:
                yield from _enum_targets(value[key], sub, [*parts, key])
    if isinstance(value, list) and value and "items" in schema:
        yield from _enum_targets(value[0], schema["items"], [*parts, 0])


def _container(value: Any, schema: dict[str, Any]) -> tuple[Any, dict[str, Any], list[str | int]]:
    """Descend from an array to its first item (and from an anyOf to its first object
    alternative): the object whose fields get mutated."""
    schema = _resolve(schema)
    parts: list[str | int] = []
    while isinstance(value, list) and value and "items" in schema:
        value, schema, parts = value[0], _resolve(schema["items"]), [*parts, 0]
    if "properties" not in schema and "anyOf" in schema:
        objects = [_resolve(alt) for alt in schema["anyOf"]]
        schema = next((alt for alt in objects if "properties" in alt), schema)
    return value, schema, parts


def _schema_of(example: SeedExample) -> dict[str, Any]:
    op = spec_document()["paths"][example.path_template]["post"]
    if example.kind == "response":
        return op["responses"][str(example.status)]["content"][example.content_type]["schema"]
    if example.operation_id == "models_upload_stream":
        return {
            "type": "object",
            "required": [p["name"] for p in op["parameters"] if p.get("required")],
            "properties": {p["name"]: p["schema"] for p in op["parameters"]},
        }
    return op["requestBody"]["content"][example.content_type]["schema"]


def mutations(example: SeedExample) -> list[Mutation]:
    """Drop a required field, change a field's type, break an enum: each must be rejected."""
    value = example.wire_value()
    schema = _schema_of(example)
    target, target_schema, base = _container(value, schema)
    if not isinstance(target, dict) or not target:
        return []
    found: list[Mutation] = []
    for key in target_schema.get("required", []):
        if key in target:
            parts = [*base, key]
            found.append(
                Mutation(f"{example.name}:drop:{key}", json_pointer(parts), _set(value, parts, None, True))
            )
            break
    text_only = (
        example.operation_id in ("models_upload", "models_upload_stream") and example.kind == "request"
    )
    for key, sub in target_schema.get("properties", {}).items():
        sub = _resolve(sub)
        if key not in target or "type" not in sub:
            continue
        if text_only:
            if sub.get("pattern") or "integer" in _types(sub):
                wrong: Any = "not-a-number"
            else:
                continue
        else:
            wrong = next((v for t, v in _WRONG_VALUES if t not in _types(sub)), None)
        parts = [*base, key]
        found.append(Mutation(f"{example.name}:retype:{key}", json_pointer(parts), _set(value, parts, wrong)))
        break
    for parts in _enum_targets(value, schema, []):
        found.append(
            Mutation(
                f"{example.name}:enum:{json_pointer(parts)}",
                json_pointer(parts),
                _set(value, parts, "NotInTheEnum"),
            )
        )
        break
    return found
