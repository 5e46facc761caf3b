"""Unit tests for sandbox.assays.data: time and duration parsing, the Timeline, and the walk over
analysis windows (gaps skipped, schedule indexes kept, filters, the work budget)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sandbox.assays.data import (
    MAX_WINDOWS,
    AssayInputError,
    Timeline,
    analysis_windows,
    parse_duration,
    parse_time,
    result_id,
)
from sandbox.assays.history import parse_iopath
from sandbox.core.records import InferenceRecord

T0 = datetime(2023, 1, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)


def record(at: datetime, value: float = 1.0) -> InferenceRecord:
    return InferenceRecord(at, "p", "m", "sha", {"x": (value,)}, {"y": (value * 2,)}, 100)


def timeline_at(*hours: float) -> Timeline:
    return Timeline(record(T0 + h * HOUR, h) for h in hours)


def test_parse_time_and_duration() -> None:
    assert parse_time("2023-01-01T00:00:00-05:00") == datetime(2023, 1, 1, 5, tzinfo=UTC)
    assert parse_time("2023-01-01T05:00:00Z") == parse_time("2023-01-01T05:00:00") == T0 + 5 * HOUR
    assert parse_duration("24 hours") == parse_duration("1 day") == timedelta(days=1)
    assert parse_duration(" 2 weeks ") == timedelta(days=14)
    assert parse_duration("30 Minutes") == timedelta(minutes=30)
    # the SDK writes a fixed baseline window's width in milliseconds
    assert parse_duration("86400000 ms") == parse_duration("86400 seconds") == timedelta(days=1)
    assert parse_duration("1500 milliseconds") == timedelta(seconds=1.5)
    for bad in ("0 hours", "0 ms", "24 parsecs", "5 mss", "999999999 weeks"):
        with pytest.raises(AssayInputError):
            parse_duration(bad)
    with pytest.raises(AssayInputError):
        parse_time("yesterday")


def test_timeline_sorts_and_selects_half_open_ranges() -> None:
    timeline = timeline_at(3, 1, 2)
    assert [r.time for r in timeline.records] == [T0 + h * HOUR for h in (1, 2, 3)]
    assert timeline.last_time == T0 + 3 * HOUR
    assert timeline.values(parse_iopath("output y 0"), T0 + HOUR, T0 + 3 * HOUR) == [2.0, 4.0]
    assert timeline.values(parse_iopath("input x 0"), None, T0 + 2 * HOUR) == [1.0]
    assert list(timeline.between(T0 + 5 * HOUR, T0)) == []


def test_windows_skip_gaps_and_keep_schedule_indexes() -> None:
    timeline = timeline_at(0.5, 1.5, 7.2, 100.0)
    windows = analysis_windows(timeline, T0, HOUR, HOUR)
    assert [w.index for w in windows] == [0, 1, 7, 100]
    assert [(w.start, w.end) for w in windows][2] == (T0 + 7 * HOUR, T0 + 8 * HOUR)


def test_overlapping_and_gapped_windows() -> None:
    timeline = timeline_at(0.5, 2.5)
    overlapping = analysis_windows(timeline, T0, 2 * HOUR, HOUR)
    assert [w.index for w in overlapping] == [0, 1, 2]
    gapped = analysis_windows(timeline, T0, HOUR, 3 * HOUR)  # [0,1), [3,4): 2.5 falls between
    assert [w.index for w in gapped] == [0]


def test_stop_completion_start_filter_and_limit() -> None:
    timeline = timeline_at(*range(10))
    assert len(analysis_windows(timeline, T0, HOUR, HOUR)) == 10
    assert len(analysis_windows(timeline, T0, HOUR, HOUR, stop=T0 + 4 * HOUR)) == 4
    assert len(analysis_windows(timeline, T0, HOUR, HOUR, completed_by=T0 + 4.5 * HOUR)) == 4
    some = analysis_windows(timeline, T0, HOUR, HOUR, starting=(T0 + 2.5 * HOUR, T0 + 8 * HOUR))
    assert [w.index for w in some] == [3, 4, 5, 6, 7]
    assert [w.index for w in analysis_windows(timeline, T0, HOUR, HOUR, limit=2)] == [0, 1]
    assert analysis_windows(timeline, T0 + 20 * HOUR, HOUR, HOUR) == []


def test_work_budget_is_checked_before_any_summary() -> None:
    timeline = Timeline(record(T0 + timedelta(minutes=m)) for m in range(MAX_WINDOWS + 1))
    with pytest.raises(AssayInputError, match="narrow the range"):
        analysis_windows(timeline, T0, timedelta(minutes=1), timedelta(minutes=1))
    assert len(analysis_windows(timeline, T0, timedelta(minutes=1), timedelta(minutes=1), limit=5)) == 5
    with pytest.raises(AssayInputError):
        analysis_windows(timeline, T0, timedelta(0), HOUR)


def test_result_ids_depend_on_assay_and_window_only() -> None:
    assert result_id(1, 0) != result_id(1, 1) != result_id(2, 0)
    assert result_id(3, 7) == result_id(3, 7)
