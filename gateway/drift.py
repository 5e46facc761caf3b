"""The live contract-drift report: which operations broke the contract, where, how, since when.

Violations are aggregated per (operation, direction, pointer, kind). Array indices in pointers
are folded to `*` so that one missing field in a list of 1,000 items is one row, not 1,000. The
table is bounded; when full, new rows are dropped and counted so memory cannot grow without end.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from gateway.contract import Violation

_INDEX = re.compile(r"/\d+(?=/|$)")


@dataclass(slots=True)
class DriftRow:
    operation: str
    direction: str
    pointer: str
    kind: str
    expected: str
    found: str
    count: int
    first_seen: float
    last_seen: float
    sample_request_id: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "operation": self.operation,
            "direction": self.direction,
            "pointer": self.pointer,
            "kind": self.kind,
            "expected": self.expected,
            "found": self.found,
            "count": self.count,
            "first_seen": _iso(self.first_seen),
            "last_seen": _iso(self.last_seen),
            "sample_request_id": self.sample_request_id,
        }


def _iso(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts)) + f".{int(ts % 1 * 1000):03d}Z"


class DriftReport:
    """Aggregates violations since start; `snapshot()` renders GET /_gateway/violations."""

    def __init__(self, max_rows: int = 2000, clock: Any = time.time) -> None:
        self._rows: dict[tuple[str, str, str, str], DriftRow] = {}
        self._max_rows = max_rows
        self._clock = clock
        self.dropped = 0
        self.started = clock()

    def record(
        self, operation: str, direction: str, violations: Iterable[Violation], request_id: str
    ) -> None:
        now = self._clock()
        for v in violations:
            pointer = _INDEX.sub("/*", v.pointer)
            key = (operation, direction, pointer, v.kind)
            row = self._rows.get(key)
            if row is None:
                if len(self._rows) >= self._max_rows:
                    self.dropped += 1
                    continue
                self._rows[key] = DriftRow(
                    operation, direction, pointer, v.kind, v.expected, v.found, 1, now, now, request_id
                )
            else:
                row.count += 1
                row.last_seen = now

    def snapshot(self) -> dict[str, Any]:
        rows = sorted(self._rows.values(), key=lambda r: (-r.count, r.operation, r.pointer))
        operations: dict[str, int] = {}
        for row in rows:
            operations[row.operation] = operations.get(row.operation, 0) + row.count
        return {
            "since": _iso(self.started),
            "total": sum(r.count for r in rows),
            "operations": operations,
            "violations": [r.as_dict() for r in rows],
            "dropped_rows": self.dropped,
        }
