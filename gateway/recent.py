"""The last few minutes of traffic per (team, operation), for the status page: calls, 4xx, 5xx, p95.

A ring of time buckets (by default 30 of 10 s: five minutes). Each bucket holds, per (team,
operation), the calls, the 4xx and 5xx answers and a fixed-bucket latency histogram; a bucket
older than the window is dropped the next time the window is touched, so a quiet gateway keeps
nothing. The labels are bounded already (team from the config or `anonymous`, operation an
operationId of the spec or `unlisted`/`unmatched`), and `max_keys` caps the cells of one bucket
anyway, counting what it drops.

p95 comes from a fixed-bucket histogram, not a sample: its bounds are geometric (x1.25, 0.5 ms to
60 s: at most 25% above the true value), so a cell is a small fixed array whatever the traffic, the
buckets of the window add up exactly (a per-bucket reservoir sample would need weighting to merge
and would be random), and an observation is one bisect. The p95 shown is the upper bound of the
histogram bucket holding the 95th percentile (never below the true value), clamped to the largest
duration seen.

The window is per process: with `listen.workers` > 1 each worker counts only the requests it
served, and the page says "this worker".
"""

from __future__ import annotations

import bisect
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

WINDOW_SECONDS = 300
BUCKET_SECONDS = 10
MAX_KEYS = 4096  # cells per bucket; teams x operations stays far below it with any sane config


def _bounds(low: float = 0.0005, high: float = 60.0, factor: float = 1.25) -> tuple[float, ...]:
    count = math.ceil(math.log(high / low) / math.log(factor))
    return tuple(low * factor**i for i in range(count + 1))


BOUNDS = _bounds()  # upper bounds in seconds; one more bucket holds everything above the last


@dataclass(slots=True)
class Cell:
    """One (team, operation) in one time bucket (or the sum over the window)."""

    calls: int = 0
    client_errors: int = 0
    server_errors: int = 0
    slowest: float = 0.0
    histogram: list[int] = field(default_factory=lambda: [0] * (len(BOUNDS) + 1))

    def add(self, other: Cell) -> None:
        self.calls += other.calls
        self.client_errors += other.client_errors
        self.server_errors += other.server_errors
        self.slowest = max(self.slowest, other.slowest)
        self.histogram = [a + b for a, b in zip(self.histogram, other.histogram, strict=True)]

    def quantile(self, q: float) -> float | None:
        """The upper bound of the histogram bucket holding the q-quantile (seconds), at most the
        slowest duration seen; None without calls."""
        if self.calls == 0:
            return None
        rank = math.ceil(q * self.calls)
        running = 0
        for index, count in enumerate(self.histogram):
            running += count
            if running >= rank:
                upper = BOUNDS[index] if index < len(BOUNDS) else self.slowest
                return min(upper, self.slowest)
        return self.slowest


class RecentWindow:
    """Calls, errors and latency of the last `window_seconds`, in `bucket_seconds` buckets."""

    def __init__(
        self,
        window_seconds: int = WINDOW_SECONDS,
        bucket_seconds: int = BUCKET_SECONDS,
        max_keys: int = MAX_KEYS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if window_seconds % bucket_seconds:
            raise ValueError("window_seconds must be a multiple of bucket_seconds")
        self.window_seconds = window_seconds
        self.bucket_seconds = bucket_seconds
        self._buckets_kept = window_seconds // bucket_seconds
        self._max_keys = max_keys
        self._clock = clock
        self._buckets: dict[int, dict[tuple[str, str], Cell]] = {}
        self._current = -1  # the bucket index last expired at
        self.dropped = 0  # observations not kept because a bucket was full

    def _expire(self) -> int:
        current = int(self._clock() // self.bucket_seconds)
        if current != self._current:  # a new bucket: the ones it pushes out of the window go
            self._current = current
            oldest = current - self._buckets_kept + 1
            for index in [i for i in self._buckets if i < oldest]:
                del self._buckets[index]
        return current

    def record(self, team: str, operation: str, status: int, seconds: float) -> None:
        bucket = self._buckets.setdefault(self._expire(), {})
        cell = bucket.get((team, operation))
        if cell is None:
            if len(bucket) >= self._max_keys:
                self.dropped += 1
                return
            cell = bucket[(team, operation)] = Cell()
        cell.calls += 1
        cell.client_errors += 400 <= status < 500
        cell.server_errors += status >= 500
        cell.slowest = max(cell.slowest, seconds)
        cell.histogram[bisect.bisect_left(BOUNDS, seconds)] += 1

    def snapshot(self, team: str | None = None) -> list[dict[str, Any]]:
        """One row per (team, operation) seen in the window, sorted; only `team`'s rows unless None."""
        self._expire()
        totals: dict[tuple[str, str], Cell] = {}
        for bucket in self._buckets.values():
            for key, cell in bucket.items():
                if team is None or key[0] == team:
                    totals.setdefault(key, Cell()).add(cell)
        rows = []
        for (who, operation), cell in sorted(totals.items()):
            p95 = cell.quantile(0.95)
            rows.append(
                {
                    "team": who,
                    "operation": operation,
                    "calls": cell.calls,
                    "client_errors": cell.client_errors,
                    "server_errors": cell.server_errors,
                    "p95_ms": None if p95 is None else round(p95 * 1000, 1),
                }
            )
        return rows
