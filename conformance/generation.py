"""Keeping generated requests honest before they are sent.

Schemathesis labels each generated request positive (the spec says it is valid) or negative, and
its acceptance checks hold the upstream to that label. Two kinds of request would make those
checks accuse a correct upstream, so they are dropped or fixed here, on this run's schema only:

- positive requests the contract itself rejects. Schemathesis treats `format` as an annotation
  and can label e.g. `""` a valid `date-time`; the contract (like the gateway and the sandbox)
  asserts formats, so such a request is not valid data and proves nothing either way;
- headers that frame the HTTP message rather than carry API data (Transfer-Encoding,
  Content-Length, Host, Connection, ...): negative fuzzing invents headers, and a garbage
  `Transfer-Encoding` is refused by whatever HTTP server fronts the API, in that server's own
  format, which says nothing about the API's contract;
- multipart bodies that cannot say on the wire what they say in Python: a part needs a name, a
  name with control characters or quotes is not a parseable header, and a list value becomes
  several parts of one name. The file parts are moved last, because streaming readers (the gateway among them,
  as its README says) read the form fields before the file.

And one kind is made useful: a positive request to create something whose name is already taken
only ever learns "409 Conflict" (generators reuse simple names, and an upstream keeps what earlier
runs created). Body fields the spec lists in `x-mlops-unique` get a suffix unique to the run and
the request (`name` -> `name-c3f9a1-7`; an email's local part gets `+c3f9a1-7`), unless that
would make the request invalid.
"""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Iterator, Mapping
from typing import Any

from schemathesis.core import NotSet
from schemathesis.transport.serialization import serialize_binary

from gateway.contract import BodyKind, Contract, Operation

_UNSAFE_NAME_CHARACTERS = frozenset(chr(c) for c in range(32)) | {'"', "\\", "\x7f"}
_FRAMING_HEADERS = frozenset(
    {"connection", "content-length", "expect", "host", "keep-alive", "proxy-connection", "te", "trailer"}
    | {"transfer-encoding", "upgrade"}
)


def _contract_operation(contract: Contract, case: Any) -> Operation | None:
    raw = getattr(case.operation.definition, "raw", None)
    operation_id = raw.get("operationId") if isinstance(raw, Mapping) else None
    return contract.operations.get(operation_id) if isinstance(operation_id, str) else None


def _is_multipart(operation: Operation, case: Any) -> bool:
    media = operation.request_media.find(case.media_type)
    return media is not None and media.kind is BodyKind.MULTIPART and isinstance(case.body, dict)


def _has_lone_surrogate(value: Any) -> bool:
    """Whether a string anywhere in `value` holds a surrogate code point: not a Unicode scalar
    value, so not encodable as UTF-8, and JSON that escapes one is not interoperable (RFC 8259
    section 8.2); strict parsers such as orjson refuse it."""
    if isinstance(value, str):
        return any("\ud800" <= char <= "\udfff" for char in value)
    if isinstance(value, dict):
        return any(_has_lone_surrogate(k) or _has_lone_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_lone_surrogate(item) for item in value)
    return False


def wire_faithful(operation: Operation, case: Any) -> bool:
    """Whether the request reaches the API as generated: no message-framing headers, no surrogate
    code points, and for multipart, only single-valued parts with names that survive the
    Content-Disposition header."""
    if any(str(name).lower() in _FRAMING_HEADERS for name in (getattr(case, "headers", None) or {})):
        return False
    if _has_lone_surrogate(case.body):
        return False
    if not _is_multipart(operation, case):
        return True
    return all(
        name and not isinstance(value, list) and not _UNSAFE_NAME_CHARACTERS.intersection(name)
        for name, value in case.body.items()
    )


def contract_accepts(operation: Operation, case: Any) -> bool:
    """Whether the contract's own validators accept the request's parameters and body. A required
    body must be there and, for opaque bytes, not be empty: the gateway answers `empty-body` to
    a zero-byte upload, and the spec does not settle whether one is a model file."""
    if operation.body_required and (case.body is None or isinstance(case.body, NotSet)):
        return False
    query = {name: _wire_text(value) for name, value in (case.query or {}).items()}
    path = {name: _wire_text(value) for name, value in (case.path_parameters or {}).items()}
    if operation.parameter_violations(query, path):
        return False
    if isinstance(case.body, NotSet):  # an optional body left out (features/list)
        return True
    media = operation.request_media.find(case.media_type) if case.media_type else None
    if media is None:
        return True
    if media.kind is BodyKind.BINARY:
        return not operation.body_required or serialize_binary(case.body) != b""
    if media.validator is None:
        return True
    if media.kind is BodyKind.JSON:
        return media.validator.is_valid(case.body)
    if media.kind is BodyKind.MULTIPART and isinstance(case.body, dict):
        fields = {name: "<file>" if name in media.file_fields else value for name, value in case.body.items()}
        return media.validator.is_valid(fields)
    return True


def _wire_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def files_last(operation: Operation, case: Any) -> Any:
    """The case with its multipart file parts moved after the form fields."""
    if _is_multipart(operation, case):
        media = operation.request_media.find(case.media_type)
        assert media is not None
        fields = {k: v for k, v in case.body.items() if k not in media.file_fields}
        case.body = {**fields, **{k: v for k, v in case.body.items() if k in media.file_fields}}
    return case


UNIQUE_EXTENSION = "x-mlops-unique"


def _with_suffix(value: str, suffix: str) -> str:
    local, at, domain = value.rpartition("@")
    return f"{local}+{suffix}@{domain}" if at and local else f"{value}-{suffix}"


def unique_names(operation: Operation, case: Any, run_tag: str, counter: Iterator[int]) -> Any:
    """The positive case with its `x-mlops-unique` body fields made unique (see above); a value
    that already carries the run's tag (a stateful link passed on a name made unique earlier) is
    left alone."""
    fields = operation.spec.get(UNIQUE_EXTENSION) or ()
    positive = case.meta is not None and case.meta.generation.mode.is_positive
    if not fields or not positive or not isinstance(case.body, dict):
        return case
    original = case.body
    case.body = unique_body(operation, original, run_tag, f"{run_tag}-{next(counter)}")
    if not contract_accepts(operation, case):
        case.body = original
    return case


def unique_body(operation: Operation, body: dict[str, Any], run_tag: str, suffix: str) -> dict[str, Any]:
    """`body` with its `x-mlops-unique` string fields given `suffix`, unless they carry `run_tag`."""
    fields = operation.spec.get(UNIQUE_EXTENSION) or ()
    return {
        name: _with_suffix(value, suffix)
        if name in fields and isinstance(value, str) and value and run_tag not in value
        else value
        for name, value in body.items()
    }


class RequestPreparer:
    """Decides, per generated request, whether it is sent (`keep`) and how (`adjust`)."""

    def __init__(self, contract: Contract) -> None:
        self.contract = contract
        self.run_tag, self._counter = f"c{secrets.token_hex(3)}", itertools.count(1)

    def keep(self, case: Any) -> bool:
        operation = _contract_operation(self.contract, case)
        if operation is None:
            return True
        positive = case.meta is not None and case.meta.generation.mode.is_positive
        return wire_faithful(operation, case) and (not positive or contract_accepts(operation, case))

    def adjust(self, case: Any) -> Any:
        operation = _contract_operation(self.contract, case)
        if operation is None:
            return case
        return unique_names(operation, files_last(operation, case), self.run_tag, self._counter)


def install_generation_hooks(schema: Any, contract: Contract) -> None:
    """Apply a `RequestPreparer` to this schema's requests alone: generated ones through the
    `filter_case` / `map_case` hooks, the spec's examples through `before_add_examples`."""
    preparer = RequestPreparer(contract)

    def filter_case(context: Any, case: Any) -> bool:
        return preparer.keep(case)

    def map_case(context: Any, case: Any) -> Any:
        return preparer.adjust(case)

    def before_add_examples(context: Any, examples: list[Any]) -> None:
        examples[:] = [preparer.adjust(case) for case in examples if preparer.keep(case)]

    schema.hook(filter_case)
    schema.hook(map_case)
    schema.hook(before_add_examples)
