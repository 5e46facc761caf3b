"""The live contract-drift report: which operations broke the contract, where, how, since when.

Rows are keyed by (operation, direction, location, folded pointer, kind). The folded pointer has
array indices as `*` and keys of free-form objects as `{key}` (see `gateway.contract.violations`),
so the keys are bounded by the spec: a list of 1,000 items or an object with 3,000 invented keys
is one row. Rows hold no values of the messages: `expected` comes from the schema and `found` only
describes a value (`string of 12 characters`); both are clipped.

Request rows (client mistakes) and response rows (upstream drift, what the platform team watches)
have separate budgets, so one cannot crowd out the other; when a budget is full, new rows of that
direction are dropped and counted. Undocumented calls that an `unlisted: forward` upstream passed
on are rows of their own (upstream, method, path shape - see `gateway.contract.path_shape`), with
a third budget: what a platform team reads to see what an SDK upgrade calls that the contract
does not describe yet. Each row remembers, per team (at most `max_teams` of them),
its own count, first and last seen and sample request id. A team's view shows its own request
rows and every response row, with its own sample request id only; the admin view shows everything.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from gateway.contract import Violation

DIRECTIONS = ("request", "response")
UNDOCUMENTED = "undocumented"
MAX_TEXT = 160  # longest expected/found/pointer text a row keeps


@dataclass(slots=True)
class Seen:
    """How often and when a row was seen, and one request it was seen in."""

    count: int
    first_seen: float
    last_seen: float
    sample_request_id: str

    def again(self, now: float) -> None:
        self.count += 1
        self.last_seen = now


@dataclass(slots=True)
class DriftRow:
    operation: str
    direction: str
    location: str
    pointer: str
    kind: str
    expected: str
    found: str
    seen: Seen
    teams: dict[str, Seen] = field(default_factory=dict)

    def as_dict(self, seen: Seen, sample_request_id: str | None) -> dict[str, Any]:
        return {
            "operation": self.operation,
            "direction": self.direction,
            "location": self.location,
            "pointer": self.pointer,
            "kind": self.kind,
            "expected": self.expected,
            "found": self.found,
            "count": seen.count,
            "first_seen": _iso(seen.first_seen),
            "last_seen": _iso(seen.last_seen),
            "sample_request_id": sample_request_id,
        }


@dataclass(slots=True)
class UndocumentedRow:
    upstream: str
    method: str
    path: str
    seen: Seen
    teams: dict[str, Seen] = field(default_factory=dict)

    def as_dict(self, seen: Seen) -> dict[str, Any]:
        return {
            "upstream": self.upstream,
            "method": self.method,
            "path": self.path,
            "count": seen.count,
            "first_seen": _iso(seen.first_seen),
            "last_seen": _iso(seen.last_seen),
            "sample_request_id": seen.sample_request_id,
        }


def _seen_by(teams: dict[str, Seen], team: str, now: float, request_id: str, max_teams: int) -> None:
    """Count one more sighting for `team`, keeping at most `max_teams` teams per row."""
    mine = teams.get(team)
    if mine is not None:
        mine.again(now)
    elif len(teams) < max_teams:
        teams[team] = Seen(1, now, now, request_id)


def _iso(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts)) + f".{int(ts % 1 * 1000):03d}Z"


def _clip(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 3] + "..."


class DriftReport:
    """Aggregates violations since start; `snapshot()` renders GET /_gateway/violations."""

    def __init__(
        self,
        max_request_rows: int = 1000,
        max_response_rows: int = 1000,
        max_teams: int = 32,
        clock: Any = time.time,
        max_undocumented_rows: int = 200,
    ) -> None:
        self._rows: dict[tuple[str, str, str, str, str], DriftRow] = {}
        self._undocumented: dict[tuple[str, str, str], UndocumentedRow] = {}
        self._budget = {"request": max_request_rows, "response": max_response_rows}
        self._used = dict.fromkeys(DIRECTIONS, 0)
        self._max_undocumented = max_undocumented_rows
        self.dropped = dict.fromkeys((*DIRECTIONS, UNDOCUMENTED), 0)
        self._max_teams = max_teams
        self._clock = clock
        self.started = clock()

    def record(
        self,
        operation: str,
        direction: str,
        violations: Iterable[Violation],
        request_id: str,
        team: str = "anonymous",
    ) -> None:
        now = self._clock()
        for v in violations:
            pointer = _clip(v.folded_pointer)
            key = (operation, direction, v.location, pointer, v.kind)
            row = self._rows.get(key)
            if row is None:
                if self._used[direction] >= self._budget[direction]:
                    self.dropped[direction] += 1
                    continue
                self._used[direction] += 1
                seen = Seen(1, now, now, request_id)
                row = DriftRow(
                    operation, direction, v.location, pointer, v.kind, _clip(v.expected), _clip(v.found), seen
                )
                self._rows[key] = row
            else:
                row.seen.again(now)
            _seen_by(row.teams, team, now, request_id, self._max_teams)

    def record_undocumented(
        self, upstream: str, method: str, path_shape: str, request_id: str, team: str
    ) -> None:
        """One call no operation describes, forwarded to `upstream`, by its method and path shape."""
        now = self._clock()
        key = (upstream, method, _clip(path_shape))
        row = self._undocumented.get(key)
        if row is None:
            if len(self._undocumented) >= self._max_undocumented:
                self.dropped[UNDOCUMENTED] += 1
                return
            row = self._undocumented[key] = UndocumentedRow(*key, Seen(1, now, now, request_id))
        else:
            row.seen.again(now)
        _seen_by(row.teams, team, now, request_id, self._max_teams)

    def snapshot(self, team: str | None = None) -> dict[str, Any]:
        """The report as `team` may read it, or everything when `team` is None (an admin key)."""
        shown: list[tuple[DriftRow, dict[str, Any]]] = []
        for row in self._rows.values():
            mine = row.teams.get(team) if team is not None else None
            if team is None:
                entry = row.as_dict(row.seen, row.seen.sample_request_id)
                entry["teams"] = sorted(row.teams)
            elif row.direction == "response":
                entry = row.as_dict(row.seen, mine.sample_request_id if mine else None)
            elif mine is not None:
                entry = row.as_dict(mine, mine.sample_request_id)
            else:
                continue
            shown.append((row, entry))
        shown.sort(key=lambda pair: (-pair[1]["count"], pair[0].operation, pair[0].pointer))
        operations: dict[str, int] = {}
        for row, entry in shown:
            operations[row.operation] = operations.get(row.operation, 0) + entry["count"]
        undocumented = []
        for call in self._undocumented.values():
            if team is None:
                undocumented.append({**call.as_dict(call.seen), "teams": sorted(call.teams)})
            elif team in call.teams:
                undocumented.append(call.as_dict(call.teams[team]))
        undocumented.sort(key=lambda entry: (-entry["count"], entry["path"], entry["method"]))
        return {
            "since": _iso(self.started),
            "scope": "all" if team is None else "team",
            "team": team,
            "total": sum(operations.values()),
            "operations": operations,
            "violations": [entry for _, entry in shown],
            "undocumented": undocumented,
            "dropped_rows": dict(self.dropped),
        }
