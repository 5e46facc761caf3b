"""The status page's rolling window: buckets expire by an injected clock, 4xx and 5xx are counted
apart, p95 comes from the fixed-bucket histogram, and memory stays bounded."""

from __future__ import annotations

import pytest

from gateway.recent import BOUNDS, RecentWindow


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _only(window: RecentWindow, team: str | None = None) -> dict[str, object]:
    (row,) = window.snapshot(team)
    return row


def test_calls_and_errors_are_counted_per_team_and_operation() -> None:
    window = RecentWindow(clock=Clock())
    for status in (200, 201, 400, 404, 499, 502, 503):
        window.record("alpha", "workspaces_list", status, 0.01)
    window.record("beta", "workspaces_create", 200, 0.01)
    rows = window.snapshot()
    assert [(r["team"], r["operation"]) for r in rows] == [
        ("alpha", "workspaces_list"),
        ("beta", "workspaces_create"),
    ]
    assert (rows[0]["calls"], rows[0]["client_errors"], rows[0]["server_errors"]) == (7, 3, 2)
    assert [r["team"] for r in window.snapshot("beta")] == ["beta"]
    assert window.snapshot("gamma") == []


def test_buckets_older_than_the_window_expire() -> None:
    clock = Clock()
    window = RecentWindow(window_seconds=60, bucket_seconds=10, clock=clock)
    window.record("alpha", "op", 200, 0.01)
    clock.now += 30
    window.record("alpha", "op", 500, 0.01)
    assert _only(window)["calls"] == 2
    clock.now += 35  # the first call's bucket is now more than 60 s old
    assert (_only(window)["calls"], _only(window)["server_errors"]) == (1, 1)
    clock.now += 60
    assert window.snapshot() == []
    assert window._buckets == {}  # nothing kept for a quiet gateway


def test_p95_is_the_upper_bound_of_the_bucket_holding_it() -> None:
    clock = Clock()
    window = RecentWindow(clock=clock)
    for _ in range(94):
        window.record("alpha", "op", 200, 0.010)
    for _ in range(6):
        window.record("alpha", "op", 200, 0.800)
    clock.now += 20  # a second bucket: the window merges exactly
    p95 = _only(window)["p95_ms"]
    assert isinstance(p95, float) and 800 <= p95 < 800 * 1.25
    for _ in range(20):
        window.record("alpha", "op", 200, 0.010)  # now 114 of 120 are fast: p95 is in the 10 ms bucket
    p95 = _only(window)["p95_ms"]
    assert isinstance(p95, float) and 10 <= p95 < 12.5


def test_p95_never_exceeds_the_slowest_call_nor_breaks_above_the_last_bound() -> None:
    window = RecentWindow(clock=Clock())
    window.record("alpha", "op", 200, 0.0123)
    assert _only(window)["p95_ms"] == 12.3
    window.record("alpha", "slow", 504, 120.0)  # beyond the last bound (60 s)
    assert window.snapshot()[1]["p95_ms"] == 120000.0


def test_memory_is_bounded_by_buckets_and_cells() -> None:
    clock = Clock()
    window = RecentWindow(window_seconds=30, bucket_seconds=10, max_keys=3, clock=clock)
    for second in range(0, 600):
        clock.now = 1000.0 + second
        window.record("alpha", f"op{second % 5}", 200, 0.001)
    assert len(window._buckets) <= 3
    assert all(len(bucket) <= 3 for bucket in window._buckets.values())
    assert window.dropped > 0
    assert len(BOUNDS) < 64  # a cell is a small fixed array


def test_the_window_must_be_whole_buckets() -> None:
    with pytest.raises(ValueError):
        RecentWindow(window_seconds=45, bucket_seconds=10)
