"""Contract violations: how an instance breaks its schema, in terms a client can act on, and
without a single value of the instance in them.

jsonschema-rs reports errors as keyword objects; `violations_of` turns each into a `Violation`
with a location (body, query, path, header, response), an RFC 6901 pointer, the failed keyword
as its kind, and short expected/found texts. For a failed anyOf/oneOf it reports the alternative
the instance came closest to, not the whole tree, as a person reading the error would want.

Violations are logged, kept in the drift report and rendered in problem bodies, so nothing in
them comes from the instance's values: `expected` and `message` are built from the schema side
(keyword, types, enum, limit), never from jsonschema-rs's message (which quotes the instance),
and `found` only describes the value (`string of 12 characters`, `object with 3 keys`). Object
keys do reach the pointer, so keys longer than `MAX_KEY` are shown as `{key}`. Each violation
also has a `folded` pointer for aggregation, bounded by the spec: array indices become `*` and
keys of free-form objects (matched by additionalProperties / patternProperties, i.e. not named
in `properties`) become `{key}`, decided by walking the error's evaluation path alongside it.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

_SECRET = re.compile(r"pass|secret|token|api_?key|credential", re.IGNORECASE)
_INDEX = re.compile(r"/\d+(?=/|$)")
FREE_KEY = "{key}"  # a key of a free-form object, or one too long to show
MAX_KEY = 64
_PLAIN = re.compile(r"[A-Za-z0-9!#$%&'*+.^_`|~/-]{1,64}(;.*)?")
# keywords of an evaluation path that step into one child of the instance: into a named property,
# a free-form key, or an array item
_NAMED = "properties"
_FREE_KEYS = {"additionalProperties": 0, "unevaluatedProperties": 0, "patternProperties": 1}
_ITEMS = {"items": 0, "additionalItems": 0, "unevaluatedItems": 0, "contains": 0, "prefixItems": 1}
# keywords followed by an index or name that step into another subschema, not into the instance
_SUBSCHEMA_WITH_NAME = {"allOf", "anyOf", "oneOf", "$defs", "definitions", "dependentSchemas"}


@dataclass(frozen=True, slots=True)
class Violation:
    """One way an instance breaks its schema.

    `location` says which part of the message (body, query, path, header, response); `pointer` is
    an RFC 6901 JSON pointer inside it; `kind` is the JSON Schema keyword that failed (type,
    required, enum...) or a gateway check (content-type, status, json). `folded` is the pointer
    the drift report aggregates by (None: the pointer with array indices folded to `*`).
    """

    location: str
    pointer: str
    kind: str
    expected: str
    found: str
    message: str
    folded: str | None = None

    @property
    def folded_pointer(self) -> str:
        return self.folded if self.folded is not None else _INDEX.sub("/*", self.pointer)

    def under(self, prefix: str) -> Violation:
        """The same violation with both pointers inside `prefix` (e.g. a parameter's name)."""
        return dataclasses.replace(self, pointer=prefix + self.pointer, folded=prefix + self.folded_pointer)

    def as_dict(self) -> dict[str, str]:
        """The members a problem body shows (the folded pointer is the drift report's)."""
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


def violations_of(errors: Iterable[Any], location: str) -> list[Violation]:
    """Every jsonschema-rs `ValidationError` in `errors` as violations at `location`."""
    return [_violation(specific, location) for error in errors for specific in _most_specific(error)]


def describe(value: Any) -> str:
    """What a value is, without any of it: its JSON type and size."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return f"string of {_count(len(value), 'character')}"
    if isinstance(value, list):
        return f"array of {_count(len(value), 'item')}"
    if isinstance(value, dict):
        return f"object with {_count(len(value), 'key')}"
    return type(value).__name__


def header_excerpt(value: str) -> str:
    """A header value as a violation may show it: a plain media type as is, anything else described."""
    if _PLAIN.fullmatch(value):
        return value.split(";", 1)[0].strip()
    return describe(value)


def _count(n: int, noun: str) -> str:
    return f"1 {noun}" if n == 1 else f"{n:,} {noun}s"


def _short(value: Any, limit: int = 80) -> str:
    """A schema-side value (enum options, a limit, a pattern) in a bounded text."""
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


def folded_parts(instance_path: Sequence[str | int], evaluation_path: Sequence[str | int]) -> list[str]:
    """The instance path with every segment the spec does not name folded: `*` for array items,
    `{key}` for keys of free-form objects. A key is kept only where the evaluation path steps
    into it through `properties/<that key>`, so the result is bounded by the spec."""
    folded: list[str] = []
    step, depth = 0, 0
    while step < len(evaluation_path) and depth < len(instance_path):
        keyword = evaluation_path[step]
        if keyword == _NAMED and step + 1 < len(evaluation_path):
            name, segment = evaluation_path[step + 1], instance_path[depth]
            folded.append(str(segment) if segment == name and isinstance(segment, str) else FREE_KEY)
            step, depth = step + 2, depth + 1
        elif isinstance(keyword, str) and keyword in _FREE_KEYS:
            folded.append(FREE_KEY)
            step, depth = step + 1 + _FREE_KEYS[keyword], depth + 1
        elif isinstance(keyword, str) and keyword in _ITEMS:
            folded.append("*")
            step, depth = step + 1 + _ITEMS[keyword], depth + 1
        else:
            step += 2 if keyword in _SUBSCHEMA_WITH_NAME else 1
    folded += ["*" if isinstance(s, int) else FREE_KEY for s in instance_path[depth:]]
    return folded


def _violation(error: Any, location: str) -> Violation:
    kind = error.kind
    name = kind.name
    parts: list[str | int] = list(error.instance_path)
    folded = folded_parts(parts, list(getattr(error, "evaluation_path", error.schema_path)))
    instance = error.instance
    found = describe(instance)
    if name == "required":
        parts.append(kind.property)
        folded.append(str(kind.property))
        expected, found = "a required property", "missing"
    elif name == "type":
        expected = "type " + " or ".join(kind.types)
    elif name == "enum":
        expected = "one of " + _short(kind.options)
    elif name in ("anyOf", "oneOfNotValid", "oneOfMultipleValid"):
        missing = [b[0].kind.property for b in kind.context if len(b) == 1 and b[0].kind.name == "required"]
        if name != "oneOfMultipleValid" and len(missing) == len(kind.context):
            expected, found = "one of the properties " + ", ".join(missing), "none of them"
        else:
            expected = "exactly one alternative" if name.startswith("oneOf") else "at least one alternative"
    elif name == "additionalProperties":
        expected = "no properties beyond those named"
        found = f"{_count(len(getattr(kind, 'unexpected', ())), 'unexpected property')}"
    else:
        expected = name + " " + _short(getattr(kind, "value", ""))
    if name == "required":
        message = f"{kind.property!r} is a required property"
    else:
        message = f"expected {expected}, found {found}"
    if any(_SECRET.search(str(part)) for part in parts):
        found, message = "<redacted>", f"{name} violation (value redacted)"
    shown = [FREE_KEY if isinstance(p, str) and len(p) > MAX_KEY else p for p in parts]
    return Violation(location, json_pointer(shown), name, expected, found, message, json_pointer(folded))
