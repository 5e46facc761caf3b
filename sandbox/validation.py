"""Request validation against the contract: one middleware for every operation.

For the matched operation it checks the declared query and path parameters, the Content-Type
against the documented media types, and decodes the body by kind:

* JSON: read up to the JSON limit, parsed with orjson, validated with the operation's compiled
  schema; handlers get it from `context.body`.
* multipart/form-data: file parts are spooled to disk while hashed, text fields stay text unless
  the spec's `encoding` makes them JSON, then the fields are validated with the operation's
  compiled schema; handlers get `context.FORM`.
* anything else (application/octet-stream): the raw body is spooled to disk; `context.UPLOAD`.

Every failure is a 400 naming the violations; a body past its limit is a 413 where the operation
documents 413 and a 400 elsewhere. Spooled files a handler did not adopt are removed afterwards.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import orjson
from aiohttp import BodyPartReader, web
from aiohttp.typedefs import Handler, Middleware

from gateway.contract import (
    BINARY,
    JSON,
    MULTIPART,
    Contract,
    Operation,
    SchemaValidator,
    Violation,
    media_kind,
)
from sandbox.context import BODY, FORM, MEDIA_TYPE, OPERATION, PATH_PARAMS, QUERY, UPLOAD, FormData
from sandbox.errors import ApiError
from sandbox.records import StoredFile
from sandbox.settings import SandboxSettings
from sandbox.uploads import CHUNK_BYTES, TooLarge, spool

MAX_MESSAGE = 200


@dataclass(frozen=True, slots=True)
class FormFields:
    """What the spec says about a multipart body's fields: which carry JSON text (their
    `encoding` contentType is JSON) and which carry files (`format: binary` or a binary
    `contentMediaType`); file fields are spooled even when sent without a filename."""

    json: frozenset[str]
    binary: frozenset[str]


def _deref(document: Mapping[str, Any], node: Mapping[str, Any]) -> Mapping[str, Any]:
    while "$ref" in node:
        target: Any = document
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def form_fields(contract: Contract) -> dict[str, FormFields]:
    """The fields of every multipart request body in the spec, by operationId."""
    document = contract.document
    found: dict[str, FormFields] = {}
    for operation in contract.operations.values():
        if "requestBody" not in operation.spec:
            continue
        content = _deref(document, operation.spec["requestBody"]).get("content", {})
        for media_type, media in content.items():
            if media_kind(media_type) != MULTIPART:
                continue
            schema = _deref(document, media.get("schema", {}))
            properties = {name: _deref(document, p) for name, p in schema.get("properties", {}).items()}
            encodings = media.get("encoding", {})
            found[operation.operation_id] = FormFields(
                frozenset(
                    name for name, enc in encodings.items() if media_kind(enc.get("contentType", "")) == JSON
                ),
                frozenset(
                    name
                    for name, prop in properties.items()
                    if prop.get("format") == "binary"
                    or ("contentMediaType" in prop and media_kind(prop["contentMediaType"]) == BINARY)
                ),
            )
    return found


def _bad_request(violations: list[Violation]) -> ApiError:
    # jsonschema messages quote the offending instance, which may be the whole body: keep them short.
    short = [
        v if len(v.message) <= MAX_MESSAGE else replace(v, message=f"expected {v.expected}, found {v.found}")
        for v in violations
    ]
    detail = "; ".join(f"{v.location}{v.pointer}: {v.message}" for v in short)
    return ApiError(400, f"invalid request: {detail}", violations=short)


def _too_large(operation: Operation, limit: int) -> ApiError:
    status = 413 if "413" in operation.responses else 400
    return ApiError(status, f"the request body exceeds the limit of {limit} bytes")


def _form_value(name: str, raw: bytes, declared: FormFields) -> Any:
    text = raw.decode("utf-8")
    if name not in declared.json:
        return text
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise ApiError(400, f"the form field {name!r} is not JSON: {exc}") from None


async def _read_limited(chunks: AsyncIterator[bytes], limit: int) -> bytes:
    data = bytearray()
    async for chunk in chunks:
        data += chunk
        if len(data) > limit:
            raise TooLarge(limit)
    return bytes(data)


async def _part_chunks(part: BodyPartReader) -> AsyncIterator[bytes]:
    while chunk := await part.read_chunk(CHUNK_BYTES):
        yield chunk


class _BodyDecoder:
    """Decodes and validates one request's body; remembers the files it spooled."""

    def __init__(self, settings: SandboxSettings, incoming: Path, forms: Mapping[str, FormFields]) -> None:
        self.settings = settings
        self.incoming = incoming
        self.forms = forms
        self.spooled: list[StoredFile] = []

    async def json(self, request: web.Request, validator: SchemaValidator | None, required: bool) -> None:
        raw = await _read_limited(
            request.content.iter_chunked(CHUNK_BYTES), self.settings.max_json_body_bytes
        )
        if not raw.strip():
            if required:
                raise ApiError(400, "the request body is empty; a JSON document is required")
            return
        try:
            document = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise ApiError(400, f"the request body is not valid JSON: {exc}") from None
        violations = validator.violations(document, "body") if validator else []
        if violations:
            raise _bad_request(violations)
        request[BODY] = document

    async def form(
        self, request: web.Request, operation: Operation, validator: SchemaValidator | None
    ) -> None:
        declared = self.forms[operation.operation_id]
        fields: dict[str, Any] = {}
        files: dict[str, StoredFile] = {}
        try:
            reader = await request.multipart()
            while (part := await reader.next()) is not None:
                if not isinstance(part, BodyPartReader) or not part.name:
                    raise ApiError(400, "every multipart part must be a named form field")
                if part.name in fields or part.name in files:
                    raise ApiError(400, f"the form field {part.name!r} appears more than once")
                if part.name not in declared.json and (
                    part.filename is not None or part.name in declared.binary
                ):
                    files[part.name] = await self._spool_part(part, files)
                else:
                    raw = await _read_limited(_part_chunks(part), self.settings.max_form_field_bytes)
                    fields[part.name] = _form_value(part.name, raw, declared)
        except (ValueError, AssertionError) as exc:  # malformed multipart framing, or text not UTF-8
            raise ApiError(400, f"the multipart body cannot be read: {exc}") from None
        as_document = {**fields, **{name: stored.file_name or "" for name, stored in files.items()}}
        violations = validator.violations(as_document, "body") if validator else []
        if violations:
            raise _bad_request(violations)
        request[FORM] = FormData(fields, files)

    async def _spool_part(self, part: BodyPartReader, files: Mapping[str, StoredFile]) -> StoredFile:
        remaining = self.settings.max_upload_bytes - sum(f.size for f in files.values())
        stored = await spool(_part_chunks(part), self.incoming, remaining, part.filename)
        self.spooled.append(stored)
        return stored

    async def raw(self, request: web.Request) -> None:
        stored = await spool(
            request.content.iter_chunked(CHUNK_BYTES), self.incoming, self.settings.max_upload_bytes
        )
        self.spooled.append(stored)
        request[UPLOAD] = stored

    async def decode(self, request: web.Request, operation: Operation) -> None:
        content_type = request.headers.get("Content-Type")
        media = operation.request_media.find(content_type)
        if media is None:
            if not request.body_exists and not operation.body_required:
                return
            expected = ", ".join(operation.request_media.keys)
            raise ApiError(400, f"unsupported Content-Type {content_type!r}; expected {expected}")
        request[MEDIA_TYPE] = media.media_type
        if media.kind == JSON:
            await self.json(request, media.validator, operation.body_required)
        elif media.kind == MULTIPART:
            await self.form(request, operation, media.validator)
        else:
            await self.raw(request)

    def discard_unadopted(self) -> None:
        for stored in self.spooled:
            stored.path.unlink(missing_ok=True)


def validation_middleware(contract: Contract, settings: SandboxSettings, incoming: Path) -> Middleware:
    forms = form_fields(contract)

    @web.middleware
    async def validate(request: web.Request, handler: Handler) -> web.StreamResponse:
        operation = request.get(OPERATION)
        if operation is None:
            return await handler(request)
        query = dict(request.query.items())
        violations = operation.parameter_violations(query, request[PATH_PARAMS])
        if violations:
            raise _bad_request(violations)
        request[QUERY] = {
            p.name: p.coerce(query[p.name])
            for p in operation.parameters
            if p.location == "query" and p.name in query
        }
        decoder = _BodyDecoder(settings, incoming, forms)
        try:
            if operation.request_media:
                await decoder.decode(request, operation)
            return await handler(request)
        except TooLarge as exc:
            raise _too_large(operation, exc.limit) from None
        finally:
            decoder.discard_unadopted()

    return validate
