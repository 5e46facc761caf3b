"""Unit tests for sandbox.assays.math: the numbers come from the source documents.

Documents: 000 (assays v1 run_interactive), 001 (assays v2 get_results), 002 (v1 tutorial,
run_interactive on 'input 0 0'). A few extra numbers come from the public Wallaroo
model-insights tutorial (one window of 1812 values against a 1813-value baseline, scored
with every metric); those are marked as such.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Sequence
from datetime import UTC, datetime

import pytest

from sandbox.assays.math import (
    PSI_ZERO_SUBSTITUTE,
    Aggregation,
    Metric,
    Summary,
    compute_statistics,
    edge_name,
    make_binning,
    parse_aggregation,
    parse_bin_mode,
    parse_metric,
    quantile_nearest_rank,
    score,
    status,
    summarize_baseline,
    summarize_window,
    summary_from_v1,
    summary_from_v2,
    summary_to_v1,
    summary_to_v2,
)

REL = 1e-12


def close(actual: float, expected: float) -> bool:
    return math.isclose(actual, expected, rel_tol=REL, abs_tol=0.0 if expected else 1e-300)


def assert_all_close(actual: Sequence[float], expected: Sequence[float]) -> None:
    assert len(actual) == len(expected)
    for i, (a, e) in enumerate(zip(actual, expected, strict=True)):
        assert close(a, e), f"bin {i}: {a!r} != {e!r}"


def from_values(values: Sequence[float], aggregation: str = "Density", outliers: bool = True) -> Summary:
    """A Summary carrying given aggregated values (edges are irrelevant to scoring)."""
    n = len(values) - (2 if outliers else 0)
    binning = make_binning(range(1, 1001), "Quantile", n, add_outlier_edges=outliers)
    return Summary(
        count=1,
        min=0.0,
        max=0.0,
        mean=0.0,
        median=0.0,
        std=0.0,
        edge_names=binning.baseline_edge_names,
        aggregated_values=tuple(values),
        aggregation=parse_aggregation(aggregation),
        binning=binning,
        counts=tuple(0 for _ in values),
        is_baseline=True,
    )


# ----------------------------------------------------------------- document numbers (PSI)

DOC000_BASELINE = [
    0.0,
    0.19889502762430936,
    0.19889502762430936,
    0.20441988950276244,
    0.19889502762430936,
    0.19889502762430936,
    0.0,
]
DOC000_WINDOW = [
    0.0,
    0.17032967032967034,
    0.17582417582417584,
    0.23626373626373623,
    0.1978021978021978,
    0.1978021978021978,
    0.02197802197802198,
]
DOC000_SCORES = [
    0.0,
    0.0044288126945783235,
    0.00284446741288289,
    0.004610114809454446,
    6.021116179797982e-06,
    6.021116179797982e-06,
    0.02513774491992636,
]
DOC000_SCORE = 0.037033182069201614

DOC002_BASELINE = [0.0, 0.5739514348785872, 0.0, 0.3383002207505519, 0.0, 0.08774834437086093, 0.0]
DOC002_WINDOW = [0.0, 0.5883002207505519, 0.0, 0.3162251655629139, 0.0, 0.09547461368653422, 0.0]
DOC002_SCORES = [
    0.0,
    0.0003543090106786176,
    0.0,
    0.0014896074883327124,
    0.0,
    0.0006519997195836994,
    0.0,
]
DOC002_SCORE = 0.002495916218595029


def test_psi_doc000_from_printed_densities() -> None:
    result = score(from_values(DOC000_BASELINE), from_values(DOC000_WINDOW), "PSI")
    assert_all_close(result.scores, DOC000_SCORES)
    assert close(result.score, DOC000_SCORE)
    assert result.bin_index is None


def test_psi_zero_bins_use_the_0_005_substitute() -> None:
    # Both empty -> 0.0; baseline empty vs 4/182 -> (w - 0.005) * ln(w / 0.005).
    assert PSI_ZERO_SUBSTITUTE == 0.005
    result = score(from_values(DOC000_BASELINE), from_values(DOC000_WINDOW))
    assert result.scores[0] == 0.0
    w = 4 / 182
    assert result.scores[6] == (w - 0.005) * math.log(w / 0.005) == 0.02513774491992636


def test_psi_doc001_v2_window_all_in_first_bin() -> None:
    base = from_values([0.2] * 5, outliers=False)
    window = from_values([1.0, 0.0, 0.0, 0.0, 0.0], outliers=False)
    result = score(base, window, "PSI")
    assert_all_close(result.scores, [1.2875503299472804] + [0.7193314935522176] * 4)
    assert close(result.score, 4.1648763041561505)
    assert status(result.score, 0.1, 0.1) == "Alert"


def test_psi_doc002() -> None:
    result = score(from_values(DOC002_BASELINE), from_values(DOC002_WINDOW))
    assert_all_close(result.scores, DOC002_SCORES)
    assert close(result.score, DOC002_SCORE)


def _values_with_counts(edges: Sequence[float], counts: Sequence[int]) -> list[float]:
    """Window values giving ``counts`` per bin for a v1 outlier layout over ``edges``."""
    values: list[float] = []
    last = len(edges) - 1
    for i, n in enumerate(counts):
        if i == 0:
            point = edges[0] - 1.0
        elif i == last:
            point = edges[last - 1] + 1.0
        else:
            point = edges[i]  # right-closed: the upper edge belongs to the bin
        values.extend([point] * n)
    return values


def test_doc000_end_to_end_from_counts() -> None:
    rng = random.Random(181)
    baseline_values = rng.sample(range(1_000_000), 181)
    base = summarize_baseline([12.0 + v / 1e6 for v in baseline_values])
    assert base.counts == (0, 36, 36, 37, 36, 36, 0)
    assert_all_close(base.aggregated_values, DOC000_BASELINE)
    window = summarize_window(_values_with_counts(base.edges, [0, 31, 32, 43, 36, 36, 4]), base)
    assert window.count == 182
    assert window.counts == (0, 31, 32, 43, 36, 36, 4)
    assert_all_close(window.aggregated_values, DOC000_WINDOW)
    result = score(base, window, Metric.PSI)
    assert_all_close(result.scores, DOC000_SCORES)
    assert close(result.score, DOC000_SCORE)
    assert status(result.score, 0.0, 0.1) == "Warning"


def test_doc002_duplicate_edges_leave_empty_bins() -> None:
    # Standardised bedroom counts: ties at -0.3976 and 0.6753 make q_20 == q_40, q_60 == q_80.
    lo, three, four, hi = -3.6163810435665233, -0.39764636440424433, 0.6752651953165153, 7.112734553641073
    baseline = [lo] + [-1.470557924125004] * 200 + [three] * 839 + [four] * 613
    baseline += [1.7481767350372748] * 150 + [2.82] * 8 + [hi]
    assert len(baseline) == 1812
    base = summarize_baseline(baseline)
    assert base.edges == (lo, three, three, four, four, hi, math.inf)
    assert base.counts == (0, 1040, 0, 613, 0, 159, 0)
    assert_all_close(base.aggregated_values, DOC002_BASELINE)
    v1 = summary_to_v1(base)
    assert v1["edges"] == [lo, three, three, four, four, hi, None]
    assert v1["edge_names"] == ["left_outlier", "q_20", "q_40", "q_60", "q_80", "q_100", "right_outlier"]
    window_values = [three] * 1066 + [four] * 573 + [3.8939998744787943] * 173
    window = summarize_window(window_values, base)
    assert window.counts == (0, 1066, 0, 573, 0, 173, 0)
    assert list(window.edge_names) == [
        "left_outlier",
        "e_-3.98e-1",
        "e_-3.98e-1",
        "e_6.75e-1",
        "e_6.75e-1",
        "e_7.11e0",
        "right_outlier",
    ]
    result = score(base, window)
    assert_all_close(result.scores, DOC002_SCORES)
    assert close(result.score, DOC002_SCORE)


# ----------------------------------------------------------------- quantile rule


def test_quantile_split_of_181_distinct_values() -> None:
    rng = random.Random(7)
    values = sorted({rng.uniform(-5, 5) for _ in range(181)})
    assert len(values) == 181
    shuffled = values[:]
    random.Random(3).shuffle(shuffled)
    base = summarize_baseline(shuffled)
    # nearest rank floor(p*n + 1/2): ranks 36, 72, 109, 145, 181 (1-based)
    assert base.edges == (values[0], values[35], values[71], values[108], values[144], values[180], math.inf)
    assert base.counts == (0, 36, 36, 37, 36, 36, 0)
    assert base.aggregated_values[1] == 36 / 181
    assert base.aggregated_values[3] == 37 / 181


def test_quantile_nearest_rank_values() -> None:
    data = list(range(1, 11))  # n = 10
    assert [quantile_nearest_rank(data, k, 4) for k in range(5)] == [1, 3, 5, 8, 10]
    assert quantile_nearest_rank([5.0], 1, 5) == 5.0
    with pytest.raises(ValueError):
        quantile_nearest_rank([], 1, 5)


# Public Wallaroo model-insights tutorial: baseline 1813 values, window 1812 values.
TUTORIAL_BASE_COUNTS = [0, 363, 362, 363, 362, 363, 0]
TUTORIAL_WINDOW_COUNTS = [6, 345, 377, 333, 385, 365, 1]


def _tutorial_pair(aggregation: str = "Density") -> tuple[Summary, Summary]:
    values = [10.0 + i / 1000 for i in range(1813)]
    random.Random(1813).shuffle(values)
    base = summarize_baseline(values, aggregation=aggregation)
    assert base.counts == tuple(TUTORIAL_BASE_COUNTS)
    window = summarize_window(_values_with_counts(base.edges, TUTORIAL_WINDOW_COUNTS), base)
    assert window.counts == tuple(TUTORIAL_WINDOW_COUNTS)
    return base, window


def test_tutorial_psi_with_left_and_right_outliers() -> None:
    base, window = _tutorial_pair()
    result = score(base, window, "PSI")
    assert_all_close(
        result.scores,
        [
            0.0006959467613300823,
            0.0004941766212731371,
            0.0003452027689633905,
            0.0014095463411471284,
            0.0007957390027837054,
            7.341649894282799e-06,
            0.00980308228898587,
        ],
    )
    assert close(result.score, 0.013551035434377596)


TUTORIAL_ABS_DIFFS = [
    0.0033112582781456954,
    0.009823277798679891,
    0.008388338331573902,
    0.016445794354971288,
    0.012803349369101491,
    0.001214249795139094,
    0.0005518763796909492,
]


def test_tutorial_sumdiff_is_half_the_sum() -> None:
    base, window = _tutorial_pair()
    result = score(base, window, "Sum of the Difference of Bins")
    assert_all_close(result.scores, TUTORIAL_ABS_DIFFS)
    assert close(result.score, 0.02626907215365116)
    assert result.bin_index is None


def test_tutorial_maxdiff_reports_bin_index() -> None:
    base, window = _tutorial_pair()
    result = score(base, window, "Maximum Difference of Bins")
    assert_all_close(result.scores, TUTORIAL_ABS_DIFFS)
    assert close(result.score, 0.016445794354971288)
    assert result.bin_index == 3


def test_tutorial_cumulative_psi() -> None:
    base, window = _tutorial_pair("Cumulative")
    assert window.aggregation is Aggregation.CUMULATIVE
    assert window.aggregated_values[-1] == 1.0
    assert window.aggregated_values[0] == 6 / 1812
    result = score(base, window, "PSI")
    assert_all_close(
        result.scores,
        [
            0.0033112582781456954,
            0.006512019520534207,
            0.0018763188110397233,
            0.01456947554393151,
            0.0017661261748300738,
            0.0005518763796908965,
            0.0,
        ],
    )
    assert close(result.score, 0.028587074708172105)


# ----------------------------------------------------------------- binning


def test_equal_width_binning() -> None:
    base = summarize_baseline([float(v) for v in range(11)], bin_mode="Equal")
    assert base.edges == (0.0, 2.0, 4.0, 6.0, 8.0, 10.0, math.inf)
    assert base.counts == (0, 3, 2, 2, 2, 2, 0)  # 0 (the min) falls in the first real bin
    assert list(base.edge_names) == [
        "left_outlier",
        "p_2.00e0",
        "p_4.00e0",
        "p_6.00e0",
        "p_8.00e0",
        "p_1.00e1",
        "right_outlier",
    ]
    assert summary_to_v2(base, "in.x")["bins"]["mode"] == {"Equal": 5}


def test_equal_width_last_edge_is_exactly_the_max() -> None:
    values = [0.1 * i for i in range(31)]
    base = summarize_baseline(values, bin_mode="Equal", num_bins=7)
    assert base.edges[-2] == max(values)
    assert base.counts[-1] == 0
    assert sum(base.counts) == 31


def test_outlier_bins_catch_values_outside_the_baseline_range() -> None:
    base = summarize_baseline([float(v) for v in range(11)], bin_mode="Equal")
    window = summarize_window([-5.0, 0.0, 10.0, 10.5, 100.0], base)
    assert window.counts == (1, 1, 0, 0, 0, 1, 2)
    assert window.aggregated_values == (0.2, 0.2, 0.0, 0.0, 0.0, 0.2, 0.4)
    assert window.min == -5.0 and window.max == 100.0


def test_without_outlier_edges_out_of_range_values_clamp() -> None:
    base = summarize_baseline([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], num_bins=3, add_outlier_edges=False)
    assert base.edges == (2.0, 4.0, 6.0)
    assert list(base.edge_names) == ["q_33.33", "q_66.67", "q_100"]
    window = summarize_window([-1.0, 3.0, 99.0], base)
    assert window.counts == (1, 1, 1)


def test_v2_layout_has_open_first_and_last_bins() -> None:
    base = summarize_baseline([float(v) for v in range(1, 101)], layout="v2")
    assert base.edges == (20.0, 40.0, 60.0, 80.0, math.inf)
    assert base.aggregated_values == (0.2, 0.2, 0.2, 0.2, 0.2)
    assert list(base.labels) == ["< 20%", "20% - 40%", "40% - 60%", "60% - 80%", "> 80%"]
    window = summarize_window([-10.0, 0.5, 20.0, 1000.0], base)
    assert window.counts == (3, 0, 0, 0, 1)


def test_provided_edges_with_and_without_lower_edge() -> None:
    data = [11.5, 12.5, 13.5, 14.5, 15.5]
    base = summarize_baseline(data, bin_mode="Provided", provided_edges=[11.0, 12.0, 13.0, 14.0, 15.0, 16.0])
    assert base.edges == (11.0, 12.0, 13.0, 14.0, 15.0, 16.0, math.inf)
    assert list(base.edge_names)[1:3] == ["e_1.20e1", "e_1.30e1"]
    assert base.counts == (0, 1, 1, 1, 1, 1, 0)
    no_lower = summarize_baseline(data, bin_mode="Provided", provided_edges=[12.0, 13.0, 14.0, 15.0, 16.0])
    assert no_lower.edges[0] == 11.5
    assert summary_to_v2(no_lower, "out.y")["bins"]["mode"] == {"Provided": [12.0, 13.0, 14.0, 15.0, 16.0]}
    with pytest.raises(ValueError):
        summarize_baseline(data, bin_mode="Provided", provided_edges=[12.0, 13.0])
    with pytest.raises(ValueError):
        summarize_baseline(data, bin_mode="Provided", provided_edges=[13.0, 12.0, 14.0, 15.0, 16.0])


def test_empty_baseline_is_rejected() -> None:
    with pytest.raises(ValueError):
        summarize_baseline([])
    with pytest.raises(ValueError):
        summarize_baseline([math.nan, math.inf])


# ----------------------------------------------------------------- metrics on small cases


def _small_pair(aggregation: str = "Density") -> tuple[Summary, Summary]:
    base = summarize_baseline(
        [1.0, 2.0, 3.0, 4.0, 5.0, 6.0], num_bins=3, add_outlier_edges=False, aggregation=aggregation
    )
    window = summarize_window([1.0, 3.0, 3.0, 5.0, 5.0, 5.0, 5.0, 6.0, 7.0, 8.0], base)
    assert window.counts == (1, 2, 7)
    return base, window


def test_sumdiff_and_maxdiff_small_case() -> None:
    base, window = _small_pair()
    diffs = [abs(0.1 - 1 / 3), abs(0.2 - 1 / 3), abs(0.7 - 1 / 3)]
    s = score(base, window, "SumDiff")
    assert_all_close(s.scores, diffs)
    assert close(s.score, sum(diffs) / 2)
    assert close(s.score, 0.36666666666666664)
    m = score(base, window, Metric.MAX_DIFF)
    assert close(m.score, abs(0.7 - 1 / 3))
    assert m.bin_index == 2


def test_psi_small_case() -> None:
    base, window = _small_pair()
    expected = [(w - 1 / 3) * math.log(w / (1 / 3)) for w in (0.1, 0.2, 0.7)]
    result = score(base, window)
    assert_all_close(result.scores, expected)
    assert close(result.score, math.fsum(expected))


def test_cumulative_small_case() -> None:
    base, window = _small_pair("Cumulative")
    assert_all_close(base.aggregated_values, [1 / 3, 2 / 3, 1.0])
    assert_all_close(window.aggregated_values, [0.1, 0.3, 1.0])
    psi = score(base, window, "PSI")
    assert_all_close(psi.scores[:2], [1 / 3 - 0.1, 2 / 3 - 0.3])
    assert psi.scores[2] == 0.0
    assert close(psi.score, 0.6)
    top = score(base, window, "MaxDiff")
    assert top.bin_index == 1
    assert close(top.score, 2 / 3 - 0.3)


def test_bin_weights_are_normalised() -> None:
    base, window = _small_pair()
    plain = score(base, window, "PSI")
    weighted = score(base, window, "PSI", bin_weights=[0, 1, 1])
    assert weighted.scores[0] == 0.0
    assert_all_close(weighted.scores[1:], [plain.scores[1] / 2, plain.scores[2] / 2])
    assert close(weighted.score, (plain.scores[1] + plain.scores[2]) / 2)
    with pytest.raises(ValueError):
        score(base, window, "PSI", bin_weights=[1, 1])


def test_bin_count_mismatch_is_rejected() -> None:
    base, _ = _small_pair()
    other = summarize_window([1.0], summarize_baseline([1.0, 2.0, 3.0]))
    with pytest.raises(ValueError):
        score(base, other)


def test_metric_and_mode_names() -> None:
    assert parse_metric("Maximum Difference of Bins") is Metric.MAX_DIFF
    assert parse_metric("maxdiff") is Metric.MAX_DIFF
    assert parse_metric("Sum of the Difference of Bins") is Metric.SUM_DIFF
    assert parse_metric("PSI") is Metric.PSI
    assert parse_bin_mode("equal").value == "Equal"
    assert parse_aggregation("cumulative") is Aggregation.CUMULATIVE
    with pytest.raises(ValueError):
        parse_metric("KL")


# ----------------------------------------------------------------- status


@pytest.mark.parametrize(
    ("value", "warning", "alert", "expected"),
    [
        (0.037033182069201614, 0.0, 0.1, "Warning"),  # doc 000
        (0.002495916218595029, 0.0, 0.1, "Warning"),  # doc 002
        (4.1648763041561505, 0.1, 0.1, "Alert"),  # doc 001
        (0.11, None, 0.25, "Ok"),  # tutorial: no warning threshold
        (0.1, 0.05, 0.1, "Alert"),  # boundary is inclusive
        (0.05, 0.05, 0.1, "Warning"),
        (0.049, 0.05, 0.1, "Ok"),
    ],
)
def test_status_thresholds(value: float, warning: float | None, alert: float, expected: str) -> None:
    assert status(value, warning, alert) == expected


def test_status_baseline_run() -> None:
    assert status(0.0, 0.0, 0.1, baseline_run=True) == "BaselineRun"


# ----------------------------------------------------------------- statistics / empty windows


def test_statistics_population_std_and_midpoint_median() -> None:
    stats = compute_statistics([4.0, 1.0, 3.0, 2.0, math.nan])
    assert (stats.count, stats.min, stats.max, stats.mean, stats.median) == (4, 1.0, 4.0, 2.5, 2.5)
    assert stats.std == math.sqrt(1.25)
    assert compute_statistics([3.0, 1.0, 2.0]).median == 2.0


def test_empty_window_is_finite_and_json_safe() -> None:
    base = summarize_baseline([float(v) for v in range(1, 101)])
    window = summarize_window([], base, start=datetime(2023, 1, 2, 5, tzinfo=UTC))
    assert (window.count, window.min, window.max, window.mean, window.median, window.std) == (
        0,
        0,
        0,
        0,
        0,
        0,
    )
    assert window.aggregated_values == (0.0,) * 7
    result = score(base, window, "PSI")
    assert_all_close(result.scores, [0.0] + [0.7193314935522176] * 5 + [0.0])
    assert close(result.score, 5 * 0.7193314935522176)
    json.dumps(summary_to_v1(window), allow_nan=False)
    json.dumps(summary_to_v2(window, "out.dense_2"), allow_nan=False)
    cumulative = summarize_window([math.nan], base, aggregation="Cumulative")
    assert cumulative.count == 0 and cumulative.aggregated_values == (0.0,) * 7
    assert score(base, summarize_window([], base), "MaxDiff").score == pytest.approx(0.2)


# ----------------------------------------------------------------- rendering


def test_edge_name_format_matches_documents() -> None:
    assert edge_name(12.525982856750488) == "e_1.25e1"
    assert edge_name(12.772802352905272) == "e_1.28e1"
    assert edge_name(14.095687866210938) == "e_1.41e1"
    assert edge_name(-0.39764636440424433) == "e_-3.98e-1"
    assert edge_name(7.112734553641073) == "e_7.11e0"
    assert edge_name(12.56, "p") == "p_1.26e1"


V1_KEYS = [
    "count",
    "min",
    "max",
    "mean",
    "median",
    "std",
    "edges",
    "edge_names",
    "aggregated_values",
    "aggregation",
    "start",
    "end",
]


def test_v1_rendering_shape() -> None:
    start, end = datetime(2023, 1, 1, 5, tzinfo=UTC), datetime(2023, 1, 2, 5, tzinfo=UTC)
    base = summarize_baseline([float(v) for v in range(181)], start=start, end=end)
    out = summary_to_v1(base)
    assert list(out) == V1_KEYS
    assert out["edges"][-1] is None and len(out["edges"]) == 7
    assert out["edge_names"] == ["left_outlier", "q_20", "q_40", "q_60", "q_80", "q_100", "right_outlier"]
    assert out["start"] == "2023-01-01T05:00:00Z" and out["end"] == "2023-01-02T05:00:00Z"
    assert out["aggregation"] == "Density" and out["count"] == 181
    window = summary_to_v1(summarize_window([1.0, 2.0], base))
    assert window["edge_names"][0] == "left_outlier" and window["edge_names"][-1] == "right_outlier"
    assert window["edge_names"][1] == "e_3.50e1"
    assert window["start"] is None
    json.dumps(out, allow_nan=False)


def test_v2_rendering_shape() -> None:
    base = summarize_baseline([float(v) for v in range(1, 101)], layout="v2")
    out = summary_to_v2(base, "out.Model_Confidence_Level")
    assert list(out) == [
        "name",
        "bins",
        "aggregated_values",
        "aggregation",
        "statistics",
        "start",
        "end",
    ]
    assert out["name"] == "out.Model_Confidence_Level"
    assert out["bins"] == {
        "mode": {"Quantile": 5},
        "edges": [20.0, 40.0, 60.0, 80.0, "INFINITY"],
        "labels": ["< 20%", "20% - 40%", "40% - 60%", "60% - 80%", "> 80%"],
    }
    assert list(out["statistics"]) == ["count", "min", "max", "mean", "median", "std"]
    assert out["statistics"]["count"] == 100
    assert out["aggregated_values"] == [0.2] * 5
    v1_layout = summary_to_v2(summarize_baseline([1.0, 2.0, 3.0, 4.0, 5.0]), "in.x")
    assert v1_layout["bins"]["edges"][-1] == "INFINITY"
    json.dumps(out, allow_nan=False)


DOC001_BASELINE = {
    "name": "assay baseline from csv ''",
    "bins": {
        "mode": {"Quantile": 5},
        "edges": [0.388652376, 0.5923209300000001, 0.78850774, 0.895255028, "INFINITY"],
        "labels": ["< 20%", "20% - 40%", "40% - 60%", "60% - 80%", "> 80%"],
    },
    "aggregated_values": [0.2, 0.2, 0.2, 0.2, 0.2],
    "aggregation": "Density",
    "statistics": {
        "count": 100,
        "min": 0.3479154,
        "max": 0.9972307,
        "mean": 0.7354536938095237,
        "median": 0.779883915,
        "std": 0.1851688980561408,
    },
    "start": None,
    "end": None,
}


def test_doc001_v2_baseline_summary_round_trip_and_window() -> None:
    base = summary_from_v2(DOC001_BASELINE)
    assert base.counts == (20, 20, 20, 20, 20)
    rendered = summary_to_v2(base, DOC001_BASELINE["name"])
    assert rendered == DOC001_BASELINE
    window = summarize_window(
        [0.0] * 256,
        base,
        start=datetime(2025, 3, 19, 16, 43, tzinfo=UTC),
        end=datetime(2025, 3, 19, 16, 44, tzinfo=UTC),
    )
    out = summary_to_v2(window, "out.Model_Confidence_Level")
    assert out["aggregated_values"] == [1.0, 0.0, 0.0, 0.0, 0.0]
    assert out["statistics"] == {"count": 256, "min": 0.0, "max": 0.0, "mean": 0.0, "median": 0.0, "std": 0.0}
    assert out["start"] == "2025-03-19T16:43:00Z" and out["end"] == "2025-03-19T16:44:00Z"
    result = score(base, window, "PSI")
    assert close(result.score, 4.1648763041561505)
    assert status(result.score, 0.1, 0.1) == "Alert"


def test_doc000_v1_baseline_summary_round_trip() -> None:
    doc = {
        "count": 181,
        "min": 12.002464294433594,
        "max": 14.095687866210938,
        "mean": 12.892810610776449,
        "median": 12.862584114074709,
        "std": 0.4259400394014014,
        "edges": [
            12.002464294433594,
            12.525982856750488,
            12.772802352905272,
            12.960931777954102,
            13.246906280517578,
            14.095687866210938,
            None,
        ],
        "edge_names": ["left_outlier", "q_20", "q_40", "q_60", "q_80", "q_100", "right_outlier"],
        "aggregated_values": DOC000_BASELINE,
        "aggregation": "Density",
        "start": "2023-01-01T05:00:00Z",
        "end": "2023-01-02T05:00:00Z",
    }
    base = summary_from_v1(doc)
    assert summary_to_v1(base) == doc
    assert base.counts == (0, 36, 36, 37, 36, 36, 0)
    window = summarize_window(_values_with_counts(base.edges, [0, 31, 32, 43, 36, 36, 4]), base)
    assert summary_to_v1(window)["edge_names"] == [
        "left_outlier",
        "e_1.25e1",
        "e_1.28e1",
        "e_1.30e1",
        "e_1.32e1",
        "e_1.41e1",
        "right_outlier",
    ]
    assert close(score(base, window).score, DOC000_SCORE)


def test_bin_mode_none_is_one_bin_over_the_baseline_range() -> None:
    values = [float(v) for v in range(1, 101)]
    baseline = summarize_baseline(values, bin_mode="None", num_bins=5)
    assert list(baseline.aggregated_values) == [0.0, 1.0, 0.0]  # left outlier, the range, right outlier
    window = summarize_window([0.0, 50.0, 50.5, 500.0], baseline)
    assert list(window.aggregated_values) == [0.25, 0.5, 0.25]
