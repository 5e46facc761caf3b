"""Media types: how a Content-Type header is matched to what an operation documents, and how the
gateway treats each kind of body (parsed JSON, multipart form fields, opaque bytes).

Matching follows what clients really send: parameters other than `charset` are significant
(`application/json; format=pandas-records` is its own type), `charset` and case are not, and a
documented `text/*` or `*/*` catches what is more specific.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import orjson

from gateway.contract.schema import SchemaValidator


class BodyKind(StrEnum):
    """How the gateway reads a body: parsed and validated, form fields checked, or streamed."""

    JSON = "json"
    MULTIPART = "multipart"
    BINARY = "binary"


def normalise_media_type(value: str) -> str:
    """`Application/JSON; charset=UTF-8; format=x` -> `application/json; format=x` (charset dropped)."""
    main, _, rest = value.partition(";")
    params = []
    for raw in rest.split(";"):
        key, _, val = raw.strip().partition("=")
        key = key.strip().lower()
        if key and key != "charset":
            params.append(f"{key}={val.strip().strip(chr(34))}")
    return "; ".join([main.strip().lower(), *sorted(params)])


def media_kind(media_type: str) -> BodyKind:
    """The body kind of a media type: `+json` types are JSON, form data is multipart, the rest bytes."""
    main = normalise_media_type(media_type).partition(";")[0]
    if main == "application/json" or main.endswith("+json"):
        return BodyKind.JSON
    if main == "multipart/form-data":
        return BodyKind.MULTIPART
    return BodyKind.BINARY


@dataclass(frozen=True, slots=True)
class MediaTypeSpec:
    """One media type of a request body or response, with its compiled schema.

    `validator` is None for opaque (binary) bodies; for multipart it checks the form fields, of
    which `json_fields` carry JSON text (their `encoding` contentType is JSON) and `file_fields`
    carry files (a binary `contentMediaType` or `format: binary`).
    """

    media_type: str
    validator: SchemaValidator | None
    kind: BodyKind
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


class MediaTypeTable:
    """Media types of one body, matched the way clients send Content-Type headers."""

    __slots__ = ("_by_key", "_by_main", "keys")

    def __init__(self, specs: Iterable[MediaTypeSpec]) -> None:
        self._by_key: dict[str, MediaTypeSpec] = {}
        self._by_main: dict[str, MediaTypeSpec] = {}
        self.keys: list[str] = []
        for spec in specs:
            key = normalise_media_type(spec.media_type)
            self._by_key[key] = spec
            self._by_main.setdefault(key.partition(";")[0], spec)
            self.keys.append(spec.media_type)

    def find(self, content_type: str | None) -> MediaTypeSpec | None:
        """The documented media type a Content-Type header stands for: exact (parameters and all),
        then by main type, then a documented `type/*` or `*/*`."""
        if not content_type:
            return None
        key = normalise_media_type(content_type)
        main = key.partition(";")[0]
        return (
            self._by_key.get(key)
            or self._by_main.get(main)
            or self._by_main.get(main.split("/")[0] + "/*")
            or self._by_main.get("*/*")
        )

    def __bool__(self) -> bool:
        return bool(self._by_key)
