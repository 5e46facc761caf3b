"""The contract: spec/openapi.yaml loaded once, its operations found by method and path, and every
request and response schema compiled to a validator at start-up.

Nothing here resolves the spec at request time: `Contract.load` walks the document once, resolves
OpenAPI-level `$ref`s (request bodies, responses, parameters), and compiles each JSON Schema with
jsonschema-rs against the whole document so that `#/components/schemas/...` references resolve.
The hot path only does dictionary look-ups, one regex match for templated paths, and validation.
"""

from __future__ import annotations

import importlib.resources
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema_rs
import orjson
import yaml


def default_spec_path() -> Path:
    """The packaged contract: `openapi.yaml` of the `spec` data package, found through
    importlib.resources the same way in a checkout (its root on sys.path), an editable install and
    an installed wheel. pip installs unzipped, so the resource is a real file."""
    return Path(str(importlib.resources.files("spec").joinpath("openapi.yaml")))


DEFAULT_SPEC_PATH = default_spec_path()
_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_TEMPLATE = re.compile(r"\{([^}/]+)\}")
SPEC_URI = "urn:mlops-gateway:spec"
_SECRET = re.compile(r"pass|secret|token|api_?key|credential", re.IGNORECASE)


class ContractError(Exception):
    """The spec itself is unusable (missing operationId, dangling reference, ...)."""


class PathNotFound(LookupError):
    """No path template of the spec matches the request path."""


class MethodNotAllowed(LookupError):
    """The path exists in the spec but not with this method."""

    def __init__(self, allowed: list[str]) -> None:
        super().__init__(", ".join(allowed))
        self.allowed = allowed


@dataclass(frozen=True, slots=True)
class Violation:
    """One way an instance breaks its schema.

    `location` says which part of the message (body, query, path, response); `pointer` is an RFC 6901
    JSON pointer inside it; `kind` is the JSON Schema keyword that failed (type, required, enum...).
    """

    location: str
    pointer: str
    kind: str
    expected: str
    found: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {
            "location": self.location,
            "pointer": self.pointer,
            "kind": self.kind,
            "expected": self.expected,
            "found": self.found,
            "message": self.message,
        }


def json_pointer(parts: Iterable[str | int]) -> str:
    """Render path segments as an RFC 6901 pointer ("" is the whole document)."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value) if isinstance(value, str) else orjson.dumps(value, default=str).decode()
    return text if len(text) <= limit else text[: limit - 3] + "..."


class SchemaValidator:
    """A compiled JSON Schema; answers nothing when valid, every violation otherwise."""

    __slots__ = ("_validator", "schema_pointer")

    def __init__(self, schema: Mapping[str, Any], registry: Any, schema_pointer: str) -> None:
        """Compile `schema` (found at `schema_pointer`); its `#/components/...` references resolve
        in `registry`, which holds the spec's components once for every validator."""
        self.schema_pointer = schema_pointer
        try:
            self._validator = jsonschema_rs.validator_for(
                _absolute_refs(schema), registry=registry, validate_formats=True
            )
        except Exception as exc:  # jsonschema-rs raises ValueError / ReferencingError subclasses
            raise ContractError(f"cannot compile schema at {schema_pointer}: {exc}") from exc

    def is_valid(self, instance: Any) -> bool:
        return self._validator.is_valid(instance)

    def violations(self, instance: Any, location: str) -> list[Violation]:
        if self._validator.is_valid(instance):
            return []
        return [
            _violation(specific, location)
            for error in self._validator.iter_errors(instance)
            for specific in _most_specific(error)
        ]


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


def _most_specific(error: Any) -> list[Any]:
    """For a failed anyOf/oneOf, the errors of the alternative the instance came closest to.

    Alternatives the instance does not even have the type of are skipped; of the rest, the one
    with the fewest errors wins (the first on a tie). When every alternative only misses one
    required property (e.g. "user_id or email"), the anyOf error itself is the clearest answer.
    """
    if error.kind.name not in ("anyOf", "oneOfNotValid"):
        return [error]
    here = list(error.instance_path)
    branches = [
        branch
        for branch in error.kind.context
        if not (len(branch) == 1 and branch[0].kind.name == "type" and list(branch[0].instance_path) == here)
    ]
    if not branches or (
        len(branches) > 1 and all(len(b) == 1 and b[0].kind.name == "required" for b in branches)
    ):
        return [error]
    return [specific for sub in min(branches, key=len) for specific in _most_specific(sub)]


def _violation(error: Any, location: str) -> Violation:
    kind = error.kind
    name = kind.name
    parts = list(error.instance_path)
    instance = error.instance
    if name == "required":
        parts.append(kind.property)
        expected, found = "a required property", "missing"
    elif name == "type":
        expected, found = "type " + " or ".join(kind.types), _json_type(instance)
    elif name == "enum":
        expected, found = "one of " + _short(kind.options), _short(instance)
    elif name in ("anyOf", "oneOfNotValid", "oneOfMultipleValid"):
        missing = [b[0].kind.property for b in kind.context if len(b) == 1 and b[0].kind.name == "required"]
        if name != "oneOfMultipleValid" and len(missing) == len(kind.context):
            expected, found = "one of the properties " + ", ".join(missing), "none of them"
        else:
            expected = "exactly one alternative" if name.startswith("oneOf") else "at least one alternative"
            found = _short(instance)
    else:
        expected, found = name + " " + _short(getattr(kind, "value", "")), _short(instance)
    message = error.message
    if any(_SECRET.search(str(part)) for part in parts):
        found, message = "<redacted>", f"{name} violation (value redacted)"
    return Violation(location, json_pointer(parts), name, expected, found, message)


def _normalise_media_type(value: str) -> str:
    """`Application/JSON; charset=UTF-8; format=x` -> `application/json; format=x` (charset dropped)."""
    main, _, rest = value.partition(";")
    params = []
    for raw in rest.split(";"):
        key, _, val = raw.strip().partition("=")
        key = key.strip().lower()
        if key and key != "charset":
            params.append(f"{key}={val.strip().strip(chr(34))}")
    return "; ".join([main.strip().lower(), *sorted(params)])


JSON, MULTIPART, BINARY = "json", "multipart", "binary"


def media_kind(media_type: str) -> str:
    """How the gateway treats a body: parsed JSON, multipart form fields, or opaque bytes."""
    main = _normalise_media_type(media_type).partition(";")[0]
    if main == "application/json" or main.endswith("+json"):
        return JSON
    if main == "multipart/form-data":
        return MULTIPART
    return BINARY


@dataclass(frozen=True, slots=True)
class MediaTypeSpec:
    """One media type of a request body or response, with its compiled schema.

    `validator` is None for opaque (binary) bodies; for multipart it checks the form fields, of
    which `json_fields` carry JSON text (their `encoding` contentType is JSON) and `file_fields`
    carry files (a binary `contentMediaType` or `format: binary`).
    """

    media_type: str
    validator: SchemaValidator | None
    kind: str
    json_fields: frozenset[str] = frozenset()
    file_fields: frozenset[str] = frozenset()

    def form_value(self, name: str, text: str) -> Any:
        """A multipart text field as the schema sees it: JSON-decoded where its encoding says so
        (left as text when it does not parse, so validation reports it)."""
        if name in self.json_fields:
            try:
                return orjson.loads(text)
            except orjson.JSONDecodeError:
                return text
        return text


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
        if self.scalar_type == "integer" and re.fullmatch(r"[+-]?\d+", raw.strip()):
            return int(raw)
        if self.scalar_type == "number":
            try:
                return float(raw)
            except ValueError:
                return raw
        if self.scalar_type == "boolean" and raw in ("true", "false"):
            return raw == "true"
        return raw


class MediaTypeTable:
    """Media types of one body, matched the way clients send Content-Type headers."""

    __slots__ = ("_by_key", "_by_main", "keys")

    def __init__(self, specs: Iterable[MediaTypeSpec]) -> None:
        self._by_key: dict[str, MediaTypeSpec] = {}
        self._by_main: dict[str, MediaTypeSpec] = {}
        for spec in specs:
            key = _normalise_media_type(spec.media_type)
            self._by_key[key] = spec
            self._by_main.setdefault(key.partition(";")[0], spec)
        self.keys = [spec.media_type for spec in specs]

    def find(self, content_type: str | None) -> MediaTypeSpec | None:
        if not content_type:
            return None
        key = _normalise_media_type(content_type)
        found = self._by_key.get(key)
        if found is None:
            found = self._by_main.get(key.partition(";")[0])
        if found is None:
            main = key.partition(";")[0]
            found = self._by_main.get(main.split("/")[0] + "/*") or self._by_main.get("*/*")
        return found

    def __bool__(self) -> bool:
        return bool(self._by_key)


@dataclass(slots=True)
class Operation:
    """One spec operation, ready for the hot path."""

    operation_id: str
    method: str
    path_template: str
    tags: tuple[str, ...]
    security: tuple[str, ...]
    parameters: tuple[ParameterSpec, ...]
    body_required: bool
    request_media: MediaTypeTable
    responses: dict[str, MediaTypeTable]
    spec: Mapping[str, Any] = field(repr=False)

    @property
    def tag(self) -> str:
        return self.tags[0] if self.tags else "default"

    def response_media(self, status: int) -> MediaTypeTable | None:
        """The documented media types for a status: exact code, then `2XX`, then `default`."""
        table = self.responses.get(str(status))
        if table is None:
            table = self.responses.get(f"{str(status)[0]}XX") or self.responses.get("default")
        return table

    def parameter_violations(
        self, query: Mapping[str, str], path_params: Mapping[str, str]
    ) -> list[Violation]:
        found: list[Violation] = []
        for param in self.parameters:
            source = query if param.location == "query" else path_params
            if param.location not in ("query", "path"):
                continue
            raw = source.get(param.name)
            if raw is None:
                if param.required:
                    found.append(
                        Violation(
                            param.location,
                            "/" + param.name,
                            "required",
                            "a required parameter",
                            "missing",
                            f"{param.location} parameter {param.name!r} is required",
                        )
                    )
                continue
            for v in param.validator.violations(param.coerce(raw), param.location):
                found.append(
                    Violation(
                        v.location, "/" + param.name + v.pointer, v.kind, v.expected, v.found, v.message
                    )
                )
        return found


class Contract:
    """The compiled spec: operations by id, and a router from (method, path) to an operation."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document
        self.operations: dict[str, Operation] = {}
        self._exact: dict[str, dict[str, Operation]] = {}
        self._templated: list[tuple[re.Pattern[str], dict[str, Operation]]] = []
        schemas = (document.get("components") or {}).get("schemas") or {}
        root = jsonschema_rs.Registry([(SPEC_URI, {"components": {"schemas": schemas}})])
        default_security = _security_names(document.get("security", []))
        for path, item in (document.get("paths") or {}).items():
            by_method: dict[str, Operation] = {}
            for method in _METHODS:
                if method not in item:
                    continue
                op = self._compile_operation(root, path, method, item, default_security)
                if op.operation_id in self.operations:
                    raise ContractError(f"duplicate operationId {op.operation_id!r}")
                self.operations[op.operation_id] = op
                by_method[method.upper()] = op
            if _TEMPLATE.search(path):
                self._templated.append((_template_regex(path), by_method))
            else:
                self._exact[path] = by_method

    @classmethod
    def load(cls, path: str | Path = DEFAULT_SPEC_PATH) -> Contract:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise ContractError(f"cannot read spec {path}: {exc.strerror}") from exc
        try:
            document = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        except yaml.YAMLError as exc:
            raise ContractError(f"spec {path} is not valid YAML: {exc}") from exc
        if not isinstance(document, dict) or "paths" not in document:
            raise ContractError(f"spec {path} has no paths")
        return cls(document)

    def match(self, method: str, path: str) -> tuple[Operation, dict[str, str]]:
        """The operation for a request, with its path parameters; raises PathNotFound/MethodNotAllowed."""
        by_method = self._exact.get(path)
        params: dict[str, str] = {}
        if by_method is None:
            for regex, candidate in self._templated:
                m = regex.fullmatch(path)
                if m:
                    by_method, params = candidate, m.groupdict()
                    break
            else:
                raise PathNotFound(path)
        op = by_method.get(method.upper())
        if op is None:
            raise MethodNotAllowed(sorted(by_method))
        return op, params

    # -- compilation ---------------------------------------------------------------------------

    def _resolve(self, node: Mapping[str, Any], pointer: str) -> tuple[Mapping[str, Any], str]:
        """Follow OpenAPI-level `$ref`s (not schema refs) to the object and its pointer."""
        seen = set()
        while "$ref" in node:
            ref = node["$ref"]
            if not ref.startswith("#/") or ref in seen:
                raise ContractError(f"unsupported or circular reference {ref!r} at {pointer}")
            seen.add(ref)
            pointer = ref[1:]
            target: Any = self.document
            for part in pointer.lstrip("/").split("/"):
                part = part.replace("~1", "/").replace("~0", "~")
                if not isinstance(target, Mapping) or part not in target:
                    raise ContractError(f"dangling reference {ref!r}")
                target = target[part]
            node = target
        return node, pointer

    def _media_table(self, root: Any, content: Mapping[str, Any], pointer: str) -> MediaTypeTable:
        specs = []
        for media_type, media in content.items():
            media_pointer = pointer + "/content/" + media_type.replace("~", "~0").replace("/", "~1")
            kind = media_kind(media_type)
            validator = None
            if "schema" in media and kind != BINARY:
                validator = SchemaValidator(media["schema"], root, media_pointer + "/schema")
            json_fields: frozenset[str] = frozenset()
            file_fields: frozenset[str] = frozenset()
            if kind == MULTIPART:
                encodings = media.get("encoding", {})
                json_fields = frozenset(
                    n for n, enc in encodings.items() if media_kind(enc.get("contentType", "")) == JSON
                )
                properties, _ = self._resolve(media.get("schema", {}), media_pointer + "/schema")
                file_fields = frozenset(
                    name
                    for name, prop in properties.get("properties", {}).items()
                    if prop.get("format") == "binary"
                    or media_kind(prop.get("contentMediaType", "application/json")) == BINARY
                )
            specs.append(MediaTypeSpec(media_type, validator, kind, json_fields, file_fields))
        return MediaTypeTable(specs)

    def _compile_operation(
        self,
        root: Any,
        path: str,
        method: str,
        item: Mapping[str, Any],
        default_security: tuple[str, ...],
    ) -> Operation:
        spec = item[method]
        op_pointer = "/paths/" + path.replace("~", "~0").replace("/", "~1") + "/" + method
        operation_id = spec.get("operationId")
        if not operation_id:
            raise ContractError(f"{method.upper()} {path} has no operationId")
        params = []
        raw_params = [*item.get("parameters", []), *spec.get("parameters", [])]
        for index, raw in enumerate(raw_params):
            param, ptr = self._resolve(raw, f"{op_pointer}/parameters/{index}")
            schema, _ = self._resolve(param.get("schema", {}), ptr + "/schema")
            scalar = schema.get("type") if isinstance(schema.get("type"), str) else None
            params.append(
                ParameterSpec(
                    name=param["name"],
                    location=param["in"],
                    required=bool(param.get("required", param["in"] == "path")),
                    scalar_type=scalar,
                    validator=SchemaValidator(param.get("schema", {}), root, ptr + "/schema"),
                )
            )
        body_required = False
        request_media = MediaTypeTable([])
        if "requestBody" in spec:
            body, body_pointer = self._resolve(spec["requestBody"], op_pointer + "/requestBody")
            body_required = bool(body.get("required", False))
            request_media = self._media_table(root, body.get("content", {}), body_pointer)
        responses: dict[str, MediaTypeTable] = {}
        for status, raw in (spec.get("responses") or {}).items():
            response, response_pointer = self._resolve(raw, f"{op_pointer}/responses/{status}")
            responses[str(status).upper()] = self._media_table(
                root, response.get("content", {}), response_pointer
            )
        security = _security_names(spec["security"]) if "security" in spec else default_security
        return Operation(
            operation_id=operation_id,
            method=method.upper(),
            path_template=path,
            tags=tuple(spec.get("tags", [])),
            security=security,
            parameters=tuple(params),
            body_required=body_required,
            request_media=request_media,
            responses=responses,
            spec=spec,
        )


def _security_names(requirements: Iterable[Mapping[str, Any]]) -> tuple[str, ...]:
    return tuple(name for requirement in requirements for name in requirement)


def _template_regex(path: str) -> re.Pattern[str]:
    pattern, last = [], 0
    for m in _TEMPLATE.finditer(path):
        pattern.append(re.escape(path[last : m.start()]))
        pattern.append(f"(?P<{m.group(1)}>[^/]+)")
        last = m.end()
    pattern.append(re.escape(path[last:]))
    return re.compile("".join(pattern))
