"""What to break in a JSON body, read from the operation's response schema in the spec.

The body faults (missing_required_field, wrong_type, null_not_allowed, bad_enum) are not written
per endpoint: `BodyFaults.break_body` walks the answer breadth first (the top level, then nested
objects, and only the first item of each array) alongside the schemas that apply to each node
(`$ref`s followed, `allOf`/`anyOf`/`oneOf` branches gathered), proposes candidate changes in that
order, and keeps the first one that the operation's compiled validator really rejects with the
fault's kind at the changed location. A body with nothing to break (`{}`, `null`, an empty list,
fields typed `{}`) is left alone.

`BodyFaults.plausible_body` answers the valid-looking success body that accepts_invalid sends:
the spec's first example, or a minimal instance of the schema where there is none.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any

from gateway.contract import BodyKind, Contract, MediaTypeSpec, Operation, json_pointer
from sandbox.core.fault_switch import Fault

MAX_NODES = 500  # nodes of one body looked at
MAX_ATTEMPTS = 64  # candidate changes validated before giving up
_DROP = object()

#: Where a value sits in a JSON document: property names and array indices.
JsonPath = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Broken:
    """A body with one fault in it, and where a validator will point: `pointer` fails `kind`."""

    document: Any
    pointer: str
    kind: str


@dataclass(frozen=True, slots=True)
class _Node:
    path: JsonPath
    value: Any
    schemas: tuple[Mapping[str, Any], ...]


@dataclass(frozen=True, slots=True)
class _Candidate:
    path: JsonPath
    replacement: Any  # _DROP removes the property
    kind: str


def _other_type(value: Any) -> Any:
    """The same information with another JSON type, as a drifting upstream would send it."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return len(value)
    if isinstance(value, list):
        return {}
    if isinstance(value, dict):
        return []
    return "null"


def _outside(value: Any, allowed: Sequence[Any]) -> str:
    broken = "BROKEN" if isinstance(value, str) and value.isupper() else "Broken"
    while broken in allowed:
        broken += "!"
    return broken


def _swap(document: Any, path: JsonPath, replacement: Any) -> Any:
    """Put `replacement` at `path` (or drop the property) and answer what was there."""
    parent = document
    for part in path[:-1]:
        parent = parent[part]
    old = parent[path[-1]]
    if replacement is _DROP:
        del parent[path[-1]]
    else:
        parent[path[-1]] = replacement
    return old


def _required(schemas: Sequence[Mapping[str, Any]]) -> list[str]:
    return list(dict.fromkeys(name for s in schemas for name in s.get("required", ())))


def _types(schema: Mapping[str, Any]) -> list[str]:
    declared = schema.get("type", [])
    return [declared] if isinstance(declared, str) else list(declared)


def _enum_values(schemas: Sequence[Mapping[str, Any]]) -> list[Any]:
    return [value for s in schemas for value in s.get("enum", ())]


def _is_item(node: _Node) -> bool:
    return isinstance(node.path[-1], int)


def _candidates(fault: Fault, nodes: Sequence[_Node]) -> Iterator[_Candidate]:
    """Changes to try, best first: breadth first, object properties before array items, and (for
    wrong_type) scalars before containers."""
    fields = sorted((node for node in nodes if node.path), key=_is_item)  # the body is no field
    if fault is Fault.MISSING_REQUIRED_FIELD:
        for node in nodes:
            if isinstance(node.value, dict):
                for name in _required(node.schemas):
                    if name in node.value:
                        yield _Candidate((*node.path, name), _DROP, "required")
    elif fault is Fault.WRONG_TYPE:
        for node in sorted(fields, key=lambda node: isinstance(node.value, dict | list)):
            yield _Candidate(node.path, _other_type(node.value), "type")
    elif fault is Fault.NULL_NOT_ALLOWED:
        for node in fields:
            if node.value is not None:
                yield _Candidate(node.path, None, "type")
    elif fault is Fault.BAD_ENUM:
        for node in fields:
            allowed = _enum_values(node.schemas)
            if node.value in allowed:
                yield _Candidate(node.path, _outside(node.value, allowed), "enum")


class BodyFaults:
    """Schema-driven body faults for every operation of one contract."""

    BODY_FAULTS = frozenset(
        {Fault.MISSING_REQUIRED_FIELD, Fault.WRONG_TYPE, Fault.NULL_NOT_ALLOWED, Fault.BAD_ENUM}
    )

    def __init__(self, contract: Contract) -> None:
        self.document = contract.document
        self._plausible: dict[str, tuple[int, Any]] = {}

    # -- the spec document ---------------------------------------------------------------------

    def _at(self, pointer: str) -> Any:
        node: Any = self.document
        for part in pointer.lstrip("/").split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        return node

    def _flatten(self, schemas: Sequence[Any]) -> tuple[Mapping[str, Any], ...]:
        """Every schema that applies to one instance: refs followed, combinator branches gathered."""
        found: list[Mapping[str, Any]] = []
        seen: set[int] = set()
        queue = deque(schemas)
        while queue:
            schema = queue.popleft()
            if not isinstance(schema, Mapping) or id(schema) in seen:
                continue
            seen.add(id(schema))
            found.append(schema)
            ref = schema.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/"):
                queue.append(self._at(ref[1:]))
            for combinator in ("allOf", "anyOf", "oneOf"):
                queue.extend(schema.get(combinator, ()))
        return tuple(found)

    def _children(self, node: _Node) -> Iterator[_Node]:
        if isinstance(node.value, dict):
            for key, value in node.value.items():
                subs = [s["properties"][key] for s in node.schemas if key in s.get("properties", {})]
                if not subs:
                    subs = [s["additionalProperties"] for s in node.schemas if "additionalProperties" in s]
                yield _Node((*node.path, key), value, self._flatten(subs))
        elif isinstance(node.value, list) and node.value:
            subs = [s["items"] for s in node.schemas if "items" in s]
            subs += [s["prefixItems"][0] for s in node.schemas if s.get("prefixItems")]
            yield _Node((*node.path, 0), node.value[0], self._flatten(subs))

    def _nodes(self, document: Any, schema: Any) -> list[_Node]:
        """The body's nodes breadth first, each with its schemas (first array items only)."""
        queue = deque([_Node((), document, self._flatten([schema]))])
        nodes: list[_Node] = []
        while queue and len(nodes) < MAX_NODES:
            node = queue.popleft()
            nodes.append(node)
            queue.extend(self._children(node))
        return nodes

    @staticmethod
    def _json_media(operation: Operation, status: int, content_type: str | None) -> MediaTypeSpec | None:
        table = operation.response_media(status)
        media = table.find(content_type or "application/json") if table is not None else None
        return media if media is not None and media.kind is BodyKind.JSON and media.validator else None

    # -- faults ----------------------------------------------------------------------------------

    def break_body(
        self, fault: Fault, operation: Operation, status: int, content_type: str | None, document: Any
    ) -> Broken | None:
        """`document` (changed in place) with `fault` in it, or None when nothing in it can break."""
        media = self._json_media(operation, status, content_type)
        if fault not in self.BODY_FAULTS or media is None or media.validator is None:
            return None
        schema = self._at(media.validator.schema_pointer)
        for candidate in islice(_candidates(fault, self._nodes(document, schema)), MAX_ATTEMPTS):
            old = _swap(document, candidate.path, candidate.replacement)
            pointer = json_pointer(candidate.path)
            if any(
                v.pointer == pointer and v.kind == candidate.kind
                for v in media.validator.violations(document, "response")
            ):
                return Broken(document, pointer, candidate.kind)
            _swap(document, candidate.path, old)
        return None

    def plausible_body(self, operation: Operation) -> tuple[int, Any] | None:
        """(status, body) of a documented JSON success answer: the spec's first example, else a
        minimal instance of its schema; None when the operation has no JSON success answer."""
        if operation.operation_id in self._plausible:
            return self._plausible[operation.operation_id]
        for status in sorted(s for s in operation.responses if s.isdigit() and s.startswith("2")):
            media = self._json_media(operation, int(status), None)
            if media is None or media.validator is None:
                continue
            pointer = media.validator.schema_pointer
            spec = self._at(pointer.removesuffix("/schema"))
            examples = [e for e in spec.get("examples", {}).values() if "value" in e]
            body = examples[0]["value"] if examples else self._minimal(spec.get("schema", {}))
            self._plausible[operation.operation_id] = (int(status), body)
            return int(status), body
        return None

    def _minimal(self, schema: Any) -> Any:
        """The smallest instance of a schema: null where allowed, required properties only."""
        schemas = self._flatten([schema])
        types = [t for s in schemas for t in _types(s)]
        if "null" in types:
            return None
        enum = _enum_values(schemas)
        if enum:
            return enum[0]
        kind = types[0] if types else "object"
        if kind == "object":
            properties = {k: v for s in schemas for k, v in s.get("properties", {}).items()}
            return {name: self._minimal(properties.get(name, {})) for name in _required(schemas)}
        return {"array": [], "string": "", "integer": 0, "number": 0, "boolean": False}.get(kind)
