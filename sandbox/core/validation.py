"""Request validation against the contract: one middleware for every operation.

For the matched operation it checks the declared query and path parameters, the Content-Type
against the documented media types, and decodes the body by kind:

* JSON: read up to the JSON limit, parsed with orjson, validated with the operation's compiled
  schema; handlers get it from `context.body`.
* multipart/form-data: file parts are spooled to disk while hashed, text fields stay text unless
  the spec's `encoding` makes them JSON (`MediaTypeSpec.json_fields`), then the fields are
  validated with the operation's compiled schema; handlers get `context.FORM`.
* anything else (application/octet-stream): the raw body is spooled to disk; `context.UPLOAD`.

Every failure is a 400 naming the violations; a body past its limit is a 413 where the operation
documents 413 and a 400 elsewhere. Spooled files a handler did not adopt are removed afterwards.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import orjson
from aiohttp import BodyPartReader, web
from aiohttp.typedefs import Handler, Middleware

from gateway.contract import (
    BodyKind,
    Contract,
    MediaTypeSpec,
    Operation,
    SchemaValidator,
    Violation,
)
from sandbox.core.context import BODY, FORM, MEDIA_TYPE, OPERATION, PATH_PARAMS, QUERY, UPLOAD, FormData
from sandbox.core.errors import ApiError
from sandbox.core.records import StoredFile
from sandbox.core.settings import SandboxSettings
from sandbox.core.uploads import CHUNK_BYTES, TooLarge, spool

MAX_MESSAGE = 200


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


def _form_value(media: MediaTypeSpec, name: str, raw: bytes) -> Any:
    value = media.form_value(name, raw.decode("utf-8"))
    if name in media.json_fields and isinstance(value, str):
        raise ApiError(400, f"the form field {name!r} is not JSON")
    return value


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

    def __init__(self, settings: SandboxSettings, incoming: Path) -> None:
        self.settings = settings
        self.incoming = incoming
        self.spooled: list[StoredFile] = []

    async def json(self, request: web.Request, validator: SchemaValidator | None, required: bool) -> None:
        raw = await _read_limited(
            request.content.iter_chunked(CHUNK_BYTES), self.settings.max_json_body_bytes
        )
        if not raw:
            if required:
                raise ApiError(400, "the request body is empty; a JSON document is required")
            return  # an optional body left out (the official client sends features/list this way)
        try:
            document = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise ApiError(400, f"the request body is not valid JSON: {exc}") from None
        violations = validator.violations(document, "body") if validator else []
        if violations:
            raise _bad_request(violations)
        request[BODY] = document

    async def form(self, request: web.Request, media: MediaTypeSpec) -> None:
        fields: dict[str, Any] = {}
        files: dict[str, StoredFile] = {}
        try:
            reader = await request.multipart()
            while (part := await reader.next()) is not None:
                if not isinstance(part, BodyPartReader) or not part.name:
                    raise ApiError(400, "every multipart part must be a named form field")
                if part.name in fields or part.name in files:
                    raise ApiError(400, f"the form field {part.name!r} appears more than once")
                if part.name not in media.json_fields and (
                    part.filename is not None or part.name in media.file_fields
                ):
                    files[part.name] = await self._spool_part(part, files)
                else:
                    raw = await _read_limited(_part_chunks(part), self.settings.max_form_field_bytes)
                    fields[part.name] = _form_value(media, part.name, raw)
        except (ValueError, AssertionError) as exc:  # malformed multipart framing, or text not UTF-8
            raise ApiError(400, f"the multipart body cannot be read: {exc}") from None
        as_document = {**fields, **{name: stored.file_name or "" for name, stored in files.items()}}
        violations = media.validator.violations(as_document, "body") if media.validator else []
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
        if media.kind is BodyKind.JSON:
            await self.json(request, media.validator, operation.body_required)
        elif media.kind is BodyKind.MULTIPART:
            await self.form(request, media)
        else:
            await self.raw(request)

    def discard_unadopted(self) -> None:
        for stored in self.spooled:
            stored.path.unlink(missing_ok=True)


def validation_middleware(
    contract: Contract,
    settings: SandboxSettings,
    incoming: Path,
    accept_invalid: Callable[[Operation], web.StreamResponse | None] = lambda operation: None,
) -> Middleware:
    """`accept_invalid` may answer an invalid request instead of its 400 (the accepts_invalid
    fault, `sandbox.faults.middleware`); the handler is then not called."""

    @web.middleware
    async def validate(request: web.Request, handler: Handler) -> web.StreamResponse:
        operation = request.get(OPERATION)
        if operation is None:
            return await handler(request)
        decoder = _BodyDecoder(settings, incoming)
        try:
            try:
                _decode_parameters(request, operation)
                if operation.request_media:
                    await decoder.decode(request, operation)
            except TooLarge as exc:
                raise _too_large(operation, exc.limit) from None
            except ApiError as exc:
                answer = accept_invalid(operation) if exc.status == 400 else None
                if answer is None:
                    raise
                return answer
            return await handler(request)
        finally:
            decoder.discard_unadopted()

    return validate


def _decode_parameters(request: web.Request, operation: Operation) -> None:
    query = dict(request.query.items())
    path_params = request[PATH_PARAMS]
    violations = operation.parameter_violations(query, path_params)
    if violations:
        raise _bad_request(violations)
    request[QUERY] = {
        p.name: p.coerce(query[p.name])
        for p in operation.parameters
        if p.location == "query" and p.name in query
    }
