"""Unit tests for sandbox.assays.history: determinism, shape, selection and drift of the canned history."""

from __future__ import annotations

import json
import struct
from datetime import UTC, datetime, timedelta

import pytest

from sandbox.assays.history import (
    DEFAULT_START,
    FEATURE_COUNT,
    InferenceRecord,
    IoPath,
    drift_shift,
    generate_history,
    has_field,
    parse_iopath,
    parse_v2_field,
    select_records,
    select_values,
    to_baseline_row,
)
from sandbox.assays.math import score, status, summarize_baseline, summarize_window

DAY = timedelta(days=1)


@pytest.fixture(scope="module")
def history() -> list[InferenceRecord]:
    return generate_history(0)


def test_same_seed_same_history() -> None:
    assert generate_history(5, days=4, per_day=30) == generate_history(5, days=4, per_day=30)


def test_different_seed_different_history() -> None:
    a = generate_history(5, days=2, per_day=30)
    b = generate_history(6, days=2, per_day=30)
    assert [r.outputs for r in a] != [r.outputs for r in b]
    assert [r.time for r in a] != [r.time for r in b]


def test_days_counts_and_time_order(history: list[InferenceRecord]) -> None:
    times = [r.time for r in history]
    assert times == sorted(times)
    assert times[0] >= DEFAULT_START and times[-1] < DEFAULT_START + 31 * DAY
    per_day = [
        len(select_records(history, DEFAULT_START + d * DAY, DEFAULT_START + (d + 1) * DAY))
        for d in range(31)
    ]
    assert per_day[0] == 181
    assert all(179 <= n <= 183 for n in per_day)
    assert sum(per_day) == len(history)
    assert all(r.time.microsecond % 1000 == 0 for r in history)


def test_record_shape(history: list[InferenceRecord]) -> None:
    record = history[0]
    assert record.pipeline == "housepricepipe" and record.model == "housepricemodel"
    assert list(record.inputs) == ["tensor"] and len(record.inputs["tensor"]) == FEATURE_COUNT
    assert list(record.outputs) == ["dense_2"] and len(record.outputs["dense_2"]) == 1
    value = record.outputs["dense_2"][0]
    assert struct.unpack("f", struct.pack("f", value))[0] == value  # float32 model output


def test_baseline_day_resembles_the_documents(history: list[InferenceRecord]) -> None:
    values = select_values(history, "output dense_2 0", DEFAULT_START, DEFAULT_START + DAY)
    base = summarize_baseline(values)
    assert base.count == 181
    assert base.counts == (0, 36, 36, 37, 36, 36, 0)
    assert 12.5 < base.mean < 13.3 and 0.3 < base.std < 0.55
    assert 11.0 < base.min < base.max < 15.0


def test_select_by_iopath_v2_field_and_position(history: list[InferenceRecord]) -> None:
    start, end = DEFAULT_START + 3 * DAY, DEFAULT_START + 4 * DAY
    out = select_values(history, "output dense_2 0", start, end)
    assert out == [r.outputs["dense_2"][0] for r in select_records(history, start, end)]
    assert select_values(history, parse_v2_field("out.dense_2", 0), start, end) == out
    tensor3 = select_values(history, "input tensor 3", start, end)
    assert tensor3 == [r.inputs["tensor"][3] for r in select_records(history, start, end)]
    assert select_values(history, "input 0 3", start, end) == tensor3  # field by position
    flat = select_values(history, parse_v2_field("in.tensor"), start, end)
    assert len(flat) == FEATURE_COUNT * len(out)
    assert select_values(history, "output missing 0", start, end) == []
    assert select_values(history, "output dense_2 1", start, end) == []
    assert has_field(history, "input tensor 16") and not has_field(history, "input tensor 17")


def test_bedrooms_feature_has_ties_like_document_002(history: list[InferenceRecord]) -> None:
    values = select_values(history, "input tensor 0", DEFAULT_START, DEFAULT_START + DAY)
    base = summarize_baseline(values)
    assert base.edges[1] == base.edges[2] == -0.39764636440424433
    assert base.edges[3] == base.edges[4] == 0.6752651953165153
    assert base.counts[2] == 0 and base.counts[4] == 0


def test_time_range_is_half_open() -> None:
    t0 = datetime(2023, 1, 1, 5, tzinfo=UTC)
    records = [
        InferenceRecord(
            t0 + timedelta(hours=h), "p", "m", "sha", {"tensor": (float(h),)}, {"y": (float(h),)}, 1
        )
        for h in range(4)
    ]
    got = select_values(records, "output y 0", t0 + timedelta(hours=1), t0 + timedelta(hours=3))
    assert got == [1.0, 2.0]
    naive = select_values(records, "output y 0", datetime(2023, 1, 1, 5), datetime(2023, 1, 1, 6))
    assert naive == [0.0]
    assert select_values(records, "output y 0", model="other") == []
    assert select_values(records, "output y 0", pipeline="p") == [0.0, 1.0, 2.0, 3.0]


def test_parse_iopath() -> None:
    assert parse_iopath("output dense_2 0") == IoPath("output", "dense_2", 0)
    assert parse_iopath("input tensor 5") == IoPath("input", "tensor", 5)
    assert parse_iopath("input 0 0").field == "0"
    assert parse_iopath("output dense_2 0").v2_field == "out.dense_2"
    assert parse_v2_field("in.tensor", 2).v1_iopath == "input tensor 2"
    for bad in ("sideways dense_2 0", "output dense_2", "output dense_2 x", "output dense_2 -1"):
        with pytest.raises(ValueError):
            parse_iopath(bad)
    with pytest.raises(ValueError):
        parse_v2_field("dense_2")


def test_baseline_row_shape(history: list[InferenceRecord]) -> None:
    record = history[0]
    row = to_baseline_row(record)
    assert list(row) == ["time", "in.tensor", "out.dense_2", "metadata.last_model", "metadata.profile"]
    assert isinstance(row["time"], int)
    assert row["time"] == int(record.time.timestamp() * 1000)
    assert len(row["in.tensor"]) == 17 and len(row["out.dense_2"]) == 1
    assert row["metadata.last_model"] == '{"model_name": "housepricemodel", "model_sha": "test_version"}'
    profile = json.loads(row["metadata.profile"])
    assert list(profile) == ["elapsed_ns"] and isinstance(profile["elapsed_ns"], int)
    json.dumps(row, allow_nan=False)


def test_drift_shift_schedule() -> None:
    assert drift_shift(0, 31, 1.0) == 0.0
    assert drift_shift(4, 31, 1.0) == 0.0  # quiet period: 31 // 6 = 5 days
    assert drift_shift(5, 31, 1.0) > 0.0
    assert drift_shift(30, 31, 1.0) == pytest.approx(0.9)
    assert drift_shift(30, 31, 0.0) == 0.0


def _daily_scores(records: list[InferenceRecord]) -> list[float]:
    base = summarize_baseline(select_values(records, "output dense_2 0", DEFAULT_START, DEFAULT_START + DAY))
    scores = []
    for d in range(1, 31):
        start = DEFAULT_START + d * DAY
        window = summarize_window(select_values(records, "output dense_2 0", start, start + DAY), base)
        scores.append(score(base, window, "PSI").score)
    return scores


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_drift_gives_a_mix_of_statuses(seed: int) -> None:
    scores = _daily_scores(generate_history(seed))
    statuses = {status(s, 0.1, 0.25) for s in scores}
    assert statuses == {"Ok", "Warning", "Alert"}
    assert sum(scores[-7:]) / 7 > 0.5 > sum(scores[:7]) / 7
    assert status(scores[-1], 0.1, 0.25) == "Alert"


def test_no_drift_stays_calm() -> None:
    scores = _daily_scores(generate_history(1, drift=0.0))
    assert max(scores) < 0.25
    assert sum(scores[-7:]) / 7 < 0.15


def test_zero_per_day_gives_empty_history() -> None:
    assert generate_history(1, days=3, per_day=0) == []
    with pytest.raises(ValueError):
        generate_history(1, days=-1)
