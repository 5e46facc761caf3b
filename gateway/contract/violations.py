"""Contract violations: how an instance breaks its schema, in terms a client can act on.

jsonschema-rs reports errors as keyword objects; `violations_of` turns each into a `Violation`
with a location (body, query, path, header, response), an RFC 6901 pointer, the failed keyword
as its kind, and short expected/found texts. For a failed anyOf/oneOf it reports the alternative
the instance came closest to, not the whole tree, as a person reading the error would want.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import orjson

_SECRET = re.compile(r"pass|secret|token|api_?key|credential", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Violation:
    """One way an instance breaks its schema.

    `location` says which part of the message (body, query, path, header, response); `pointer` is
    an RFC 6901 JSON pointer inside it; `kind` is the JSON Schema keyword that failed (type,
    required, enum...) or a gateway check (content-type, status, json).
    """

    location: str
    pointer: str
    kind: str
    expected: str
    found: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in self.__slots__}


def json_pointer(parts: Iterable[str | int]) -> str:
    """Render path segments as an RFC 6901 pointer ("" is the whole document)."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def violations_of(errors: Iterable[Any], location: str) -> list[Violation]:
    """Every jsonschema-rs `ValidationError` in `errors` as violations at `location`."""
    return [_violation(specific, location) for error in errors for specific in _most_specific(error)]


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
    return Violation(location, json_pointer(parts), name, expected, found, str(message))
