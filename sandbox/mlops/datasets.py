"""What an inference answer or a log page shows of each record: the `dataset[]`,
`dataset.exclude[]` and `dataset.separator` query parameters the official SDK sends.

A record is `{time, in, out, check_failures, anomaly, metadata}` with nested objects. Without
`dataset[]` every part is shown; `*` selects everything but `metadata`; named parts (`metadata`,
`out`, ...) are added or chosen.
`dataset.exclude[]` drops parts (a top-level name, or a dotted path such as `in.tensor`). A
separator flattens nested objects into `in.tensor`-style keys, as the engine does for `.`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from multidict import MultiMapping

ALL = "*"
OPT_IN = frozenset({"metadata"})


@dataclass(frozen=True, slots=True)
class Dataset:
    """The parts of a record to show, those to drop, and the separator to flatten with."""

    include: tuple[str, ...] | None = None  # None: every part
    exclude: tuple[str, ...] = ()
    separator: str | None = None

    @classmethod
    def from_query(cls, query: MultiMapping[str]) -> Dataset:
        return cls(
            tuple(query.getall("dataset[]", [])) or None,
            tuple(query.getall("dataset.exclude[]", [])),
            query.get("dataset.separator") or None,
        )

    def apply(self, record: Mapping[str, Any]) -> dict[str, Any]:
        include = self.include
        chosen = {
            key: value
            for key, value in record.items()
            if include is None or key in include or (ALL in include and key not in OPT_IN)
        }
        for path in self.exclude:
            _drop(chosen, path.split("."))
        return _flatten(chosen, self.separator) if self.separator else chosen


def _drop(record: dict[str, Any], path: Sequence[str]) -> None:
    head, *rest = path
    if not rest:
        record.pop(head, None)
    elif isinstance(record.get(head), dict):
        record[head] = dict(record[head])
        _drop(record[head], rest)


def _flatten(record: Mapping[str, Any], separator: str, prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in record.items():
        name = f"{prefix}{separator}{key}" if prefix else key
        if isinstance(value, Mapping) and value:
            flat.update(_flatten(value, separator, name))
        else:
            flat[name] = value
    return flat
