"""Assay mathematics for the sandbox: binning, summaries, drift scores and status.

This is the pure-Python stand-in for the upstream Wallaroo assay engine. It builds a
baseline summary (statistics, bin edges, aggregated bin values), summarises later windows
with the baseline's edges, scores a window against the baseline (PSI, MaxDiff, SumDiff)
and renders summaries in the v1 (``baseline_summary`` / ``window_summary``) and v2
(``summaries[field]``) JSON shapes.

Rules (derived from the example responses in the source documents; the tests pin them):

* Bins are right-closed: bin ``i`` holds ``edges[i-1] < v <= edges[i]``. With outlier
  edges (v1 ``add_outlier_edges``) the first edge is the baseline minimum and the
  left-outlier bin holds only values *strictly* below it, so the minimum itself falls in
  the first real bin; the last edge is ``+inf`` (right outliers). Repeated edges produce
  empty bins (a value equal to a repeated edge lands in the first of them).
* Quantile edges are nearest-rank order statistics: the edge for ``p = k/num_bins`` is the
  sorted value of 1-based rank ``floor(p*n + 1/2)`` (clamped to ``[1, n]``); no interpolation.
* Density is ``count / n``; Cumulative is ``cumulative_count / n``.
* PSI per bin is ``(w - b) * ln(w / b)`` where a density that is exactly ``0`` is replaced
  by :data:`PSI_ZERO_SUBSTITUTE` (0.005) on either side; the score is the sum.
* SumDiff per bin is ``|w - b|``, the score is half the sum; MaxDiff takes the maximum and
  reports its index as ``bin_index``. With Cumulative aggregation every metric's per-bin
  score is ``|w - b|`` and PSI/SumDiff sum them (no halving); MaxDiff takes the maximum.
* Bin weights are normalised to sum 1 and multiply the per-bin scores.
* Statistics use the population standard deviation (ddof = 0) and the midpoint median.
* Non-finite input values (NaN, +-inf) are ignored. An empty window yields count 0, all
  statistics 0.0 and all aggregated values 0.0; it still scores (PSI treats its zero
  densities like any other zero), so every number stays finite and JSON-safe.
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, NamedTuple, TypeVar

#: Density substituted for an exactly-empty bin in the PSI formula (both sides).
PSI_ZERO_SUBSTITUTE = 0.005

_INF = math.inf


class BinMode(StrEnum):
    """How baseline bin edges are chosen."""

    QUANTILE = "Quantile"
    EQUAL = "Equal"
    PROVIDED = "Provided"
    NONE = "None"  # no binning: the baseline's whole range is one bin (outlier bins aside)


class Aggregation(StrEnum):
    """How the values in each bin are aggregated."""

    DENSITY = "Density"
    CUMULATIVE = "Cumulative"
    EDGES = "Edges"


class Metric(StrEnum):
    """Distance between a baseline and a window."""

    PSI = "PSI"
    MAX_DIFF = "MaxDiff"
    SUM_DIFF = "SumDiff"


_METRIC_ALIASES: dict[str, Metric] = {
    "psi": Metric.PSI,
    "maxdiff": Metric.MAX_DIFF,
    "max_diff": Metric.MAX_DIFF,
    "maximum difference of bins": Metric.MAX_DIFF,
    "sumdiff": Metric.SUM_DIFF,
    "sum_diff": Metric.SUM_DIFF,
    "sum of the difference of bins": Metric.SUM_DIFF,
}


def parse_metric(name: str | Metric) -> Metric:
    """Accept 'PSI', 'MaxDiff', 'SumDiff' or the long v1 names ('Maximum Difference of Bins')."""
    if isinstance(name, Metric):
        return name
    try:
        return _METRIC_ALIASES[name.strip().lower()]
    except KeyError:
        raise ValueError(f"unknown metric: {name!r}") from None


_E = TypeVar("_E", bound=StrEnum)


def _parse_member(enum: type[_E], name: str | _E, what: str) -> _E:
    """The member of `enum` whose value is `name`, compared case-insensitively."""
    if isinstance(name, enum):
        return name
    wanted = name.strip().lower()
    for member in enum:
        if member.value.lower() == wanted:
            return member
    raise ValueError(f"unknown {what}: {name!r}")


def parse_bin_mode(name: str | BinMode) -> BinMode:
    """Accept 'Quantile', 'Equal', 'Provided' or 'None' (case-insensitive)."""
    return _parse_member(BinMode, name, "bin mode")


def parse_aggregation(name: str | Aggregation) -> Aggregation:
    """Accept 'Density', 'Cumulative' or 'Edges' (case-insensitive)."""
    return _parse_member(Aggregation, name, "aggregation")


# --------------------------------------------------------------------------- statistics


@dataclass(frozen=True, slots=True)
class Statistics:
    """Descriptive statistics of a set of values (all 0.0 when the set is empty)."""

    count: int
    min: float
    max: float
    mean: float
    median: float
    std: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "min": self.min,
            "max": self.max,
            "mean": self.mean,
            "median": self.median,
            "std": self.std,
        }


def _clean(values: Iterable[float]) -> list[float]:
    return sorted(float(v) for v in values if math.isfinite(v))


def compute_statistics(values: Iterable[float]) -> Statistics:
    """Count, min, max, mean, median (midpoint for even counts) and population std."""
    data = _clean(values)
    return _stats_sorted(data)


def _stats_sorted(data: list[float]) -> Statistics:
    n = len(data)
    if n == 0:
        return Statistics(0, 0.0, 0.0, 0.0, 0.0, 0.0)
    mean = math.fsum(data) / n
    mid = n // 2
    median = data[mid] if n % 2 else (data[mid - 1] + data[mid]) / 2.0
    var = math.fsum((x - mean) ** 2 for x in data) / n
    return Statistics(n, data[0], data[-1], mean, median, math.sqrt(var))


def quantile_nearest_rank(sorted_values: Sequence[float], k: int, parts: int) -> float:
    """The ``k/parts`` quantile of already-sorted values by nearest rank (no interpolation).

    The 1-based rank is ``floor(k*n/parts + 1/2)`` computed exactly in integers, clamped to
    ``[1, n]``. For n = 181 and 5 parts this picks ranks 36, 72, 109, 145, 181, which gives
    the 36/36/37/36/36 split of the documents' baseline.
    """
    n = len(sorted_values)
    if n == 0:
        raise ValueError("quantile of an empty set")
    if parts <= 0 or not 0 <= k <= parts:
        raise ValueError("need 0 <= k <= parts and parts > 0")
    rank = (2 * k * n + parts) // (2 * parts)
    rank = min(max(rank, 1), n)
    return sorted_values[rank - 1]


# --------------------------------------------------------------------------- binning


def edge_name(value: float, prefix: str = "e") -> str:
    """v1 edge name: ``prefix_`` + 3 significant digits in Rust-style scientific notation.

    ``12.525982856750488 -> 'e_1.25e1'``, ``-0.3976 -> 'e_-3.98e-1'``, ``7.11 -> 'e_7.11e0'``.
    """
    if not math.isfinite(value):
        return f"{prefix}_inf" if value > 0 else f"{prefix}_-inf"
    mantissa, exponent = f"{value:.2e}".split("e")
    return f"{prefix}_{mantissa}e{int(exponent)}"


def _pct(numerator: int, denominator: int) -> str:
    if (100 * numerator) % denominator == 0:
        return str(100 * numerator // denominator)
    return f"{100 * numerator / denominator:.2f}".rstrip("0").rstrip(".")


@dataclass(frozen=True, slots=True)
class Binning:
    """Bin layout shared by a baseline and its windows.

    ``edges[i]`` is the upper edge of bin ``i`` (the last may be ``inf``). When
    ``left_outlier`` is true bin 0 holds only values strictly below ``edges[0]``.
    ``baseline_edge_names`` are the v1 baseline names ('left_outlier', 'q_20', ...),
    ``labels`` the v2 labels ('< 20%', '20% - 40%', ...).
    """

    mode: BinMode
    num_bins: int
    edges: tuple[float, ...]
    left_outlier: bool
    right_outlier: bool
    baseline_edge_names: tuple[str, ...]
    labels: tuple[str, ...]
    provided_edges: tuple[float, ...] | None = None

    @property
    def bin_count(self) -> int:
        return len(self.edges)

    def index_of(self, value: float) -> int:
        """Bin index of ``value`` (right-closed bins; values past a finite last edge clamp)."""
        edges = self.edges
        if self.left_outlier and value == edges[0]:
            return 1 if len(edges) > 1 else 0
        idx = bisect.bisect_left(edges, value)
        return min(idx, len(edges) - 1)

    def window_edge_names(self) -> tuple[str, ...]:
        """v1 window names: outlier bins keep their names, the rest are 'e_<sci>'."""
        names: list[str] = []
        last = len(self.edges) - 1
        for i, edge in enumerate(self.edges):
            if i == 0 and self.left_outlier:
                names.append("left_outlier")
            elif i == last and self.right_outlier:
                names.append("right_outlier")
            else:
                names.append(edge_name(edge))
        return tuple(names)


def make_binning(
    values: Iterable[float],
    mode: str | BinMode = BinMode.QUANTILE,
    num_bins: int = 5,
    *,
    add_outlier_edges: bool = True,
    provided_edges: Sequence[float] | None = None,
    layout: str = "v1",
) -> Binning:
    """Compute the bin layout for a baseline.

    ``layout="v1"``: with ``add_outlier_edges`` the edges are ``[min, c_1 .. c_n, inf]``
    (``c_n`` is the max) with a strict left-outlier bin; without, they are ``[c_1 .. c_n]``
    and out-of-range values clamp into the first/last bin.
    ``layout="v2"``: edges are ``[c_1 .. c_{n-1}, inf]``: the first bin is open to the left
    and the last to the right (as in the v2 ``baseline.Summary`` example).
    ``provided_edges`` (mode Provided) are the upper edges of the ``num_bins`` bins,
    optionally preceded by the lower edge of the first bin (defaults to the baseline min).
    """
    bin_mode = parse_bin_mode(mode)
    if bin_mode is BinMode.NONE:
        bin_mode, num_bins = BinMode.EQUAL, 1
    if layout not in ("v1", "v2"):
        raise ValueError(f"unknown layout: {layout!r}")
    data = _clean(values)
    lower: float
    if bin_mode is BinMode.PROVIDED:
        if not provided_edges:
            raise ValueError("bin mode Provided needs provided_edges")
        given = [float(e) for e in provided_edges]
        if not all(math.isfinite(e) for e in given):
            raise ValueError("provided edges must be finite numbers")
        if any(b < a for a, b in itertools.pairwise(given)):
            raise ValueError("provided edges must be non-decreasing")
        if num_bins > 0 and len(given) == num_bins + 1:
            lower, uppers = given[0], given[1:]
        elif num_bins <= 0 or len(given) == num_bins:
            if not data:
                raise ValueError("baseline has no values to take the lower edge from")
            lower, uppers = min(data[0], given[0]), given
        else:
            raise ValueError(
                f"provided_edges must have num_bins ({num_bins}) or num_bins + 1 entries, got {len(given)}"
            )
        num_bins = len(uppers)
        bin_names = [edge_name(e) for e in uppers]
    else:
        if num_bins < 1:
            raise ValueError("num_bins must be at least 1")
        if not data:
            raise ValueError("baseline has no values")
        lower = data[0]
        if bin_mode is BinMode.QUANTILE:
            uppers = [quantile_nearest_rank(data, k, num_bins) for k in range(1, num_bins + 1)]
            bin_names = [f"q_{_pct(k, num_bins)}" for k in range(1, num_bins + 1)]
        else:
            width = (data[-1] - data[0]) / num_bins
            uppers = [data[0] + k * width for k in range(1, num_bins)] + [data[-1]]
            bin_names = [edge_name(e, "p") for e in uppers]
    pct_ranges = [(_pct(k - 1, num_bins), _pct(k, num_bins)) for k in range(1, num_bins + 1)]
    provided = tuple(float(e) for e in provided_edges) if provided_edges else None

    if layout == "v2":
        edges = (*uppers[:-1], _INF)
        if num_bins == 1:
            labels: tuple[str, ...] = ("0% - 100%",)
        else:
            labels = (
                f"< {pct_ranges[0][1]}%",
                *(f"{lo}% - {hi}%" for lo, hi in pct_ranges[1:-1]),
                f"> {pct_ranges[-1][0]}%",
            )
        return Binning(
            bin_mode, num_bins, edges, False, True, (*bin_names[:-1], "INFINITY"), labels, provided
        )

    middle_labels = tuple(f"{lo}% - {hi}%" for lo, hi in pct_ranges)
    if add_outlier_edges:
        return Binning(
            bin_mode,
            num_bins,
            (lower, *uppers, _INF),
            True,
            True,
            ("left_outlier", *bin_names, "right_outlier"),
            ("left_outlier", *middle_labels, "right_outlier"),
            provided,
        )
    return Binning(bin_mode, num_bins, tuple(uppers), False, False, tuple(bin_names), middle_labels, provided)


# --------------------------------------------------------------------------- summaries


@dataclass(frozen=True, slots=True)
class Summary(Statistics):
    """A baseline or window summary: statistics plus aggregated bin values."""

    edge_names: tuple[str, ...]
    aggregated_values: tuple[float, ...]
    aggregation: Aggregation
    binning: Binning
    counts: tuple[int, ...]
    is_baseline: bool
    start: datetime | None = None
    end: datetime | None = None

    @property
    def edges(self) -> tuple[float, ...]:
        return self.binning.edges

    @property
    def labels(self) -> tuple[str, ...]:
        return self.binning.labels

    @property
    def statistics(self) -> Statistics:
        return Statistics(self.count, self.min, self.max, self.mean, self.median, self.std)


def _aggregate(
    binning: Binning, counts: Sequence[int], total: int, aggregation: Aggregation
) -> tuple[float, ...]:
    if aggregation is Aggregation.EDGES:
        return binning.edges
    if total == 0:
        return tuple(0.0 for _ in counts)
    if aggregation is Aggregation.DENSITY:
        return tuple(c / total for c in counts)
    running = 0
    out: list[float] = []
    for c in counts:
        running += c
        out.append(running / total)
    return tuple(out)


def _summarize(
    data: list[float],
    binning: Binning,
    aggregation: Aggregation,
    *,
    is_baseline: bool,
    start: datetime | None,
    end: datetime | None,
) -> Summary:
    stats = _stats_sorted(data)
    counts = [0] * binning.bin_count
    for v in data:
        counts[binning.index_of(v)] += 1
    names = binning.baseline_edge_names if is_baseline else binning.window_edge_names()
    return Summary(
        **asdict(stats),
        edge_names=names,
        aggregated_values=_aggregate(binning, counts, stats.count, aggregation),
        aggregation=aggregation,
        binning=binning,
        counts=tuple(counts),
        is_baseline=is_baseline,
        start=start,
        end=end,
    )


def summarize_baseline(
    values: Iterable[float],
    *,
    bin_mode: str | BinMode = BinMode.QUANTILE,
    num_bins: int = 5,
    aggregation: str | Aggregation = Aggregation.DENSITY,
    add_outlier_edges: bool = True,
    provided_edges: Sequence[float] | None = None,
    layout: str = "v1",
    start: datetime | None = None,
    end: datetime | None = None,
) -> Summary:
    """Summarise baseline values, computing the bin edges (raises ValueError if empty)."""
    data = _clean(values)
    binning = make_binning(
        data,
        bin_mode,
        num_bins,
        add_outlier_edges=add_outlier_edges,
        provided_edges=provided_edges,
        layout=layout,
    )
    return _summarize(data, binning, parse_aggregation(aggregation), is_baseline=True, start=start, end=end)


def summarize_window(
    values: Iterable[float],
    baseline: Summary | Binning,
    *,
    aggregation: str | Aggregation | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> Summary:
    """Summarise window values with the baseline's edges (aggregation defaults to the baseline's)."""
    if isinstance(baseline, Summary):
        binning = baseline.binning
        agg = parse_aggregation(aggregation) if aggregation is not None else baseline.aggregation
    else:
        binning = baseline
        agg = parse_aggregation(aggregation) if aggregation is not None else Aggregation.DENSITY
    return _summarize(_clean(values), binning, agg, is_baseline=False, start=start, end=end)


# --------------------------------------------------------------------------- scoring


class ScoreResult(NamedTuple):
    """Total score, per-bin scores and the MaxDiff bin index (None for other metrics)."""

    score: float
    scores: list[float]
    bin_index: int | None


def _psi_term(w: float, b: float) -> float:
    if w == 0.0:
        w = PSI_ZERO_SUBSTITUTE
    if b == 0.0:
        b = PSI_ZERO_SUBSTITUTE
    return (w - b) * math.log(w / b)


def _abs_diff(w: float, b: float) -> float:
    if w == b:  # also covers inf == inf for the Edges aggregation
        return 0.0
    d = abs(w - b)
    return d if math.isfinite(d) else 0.0


def score(
    baseline: Summary,
    window: Summary,
    metric: str | Metric = Metric.PSI,
    bin_weights: Sequence[float] | None = None,
) -> ScoreResult:
    """Score a window against a baseline; see the module docstring for the exact rules."""
    m = parse_metric(metric)
    b_vals, w_vals = baseline.aggregated_values, window.aggregated_values
    if len(b_vals) != len(w_vals):
        raise ValueError(f"baseline has {len(b_vals)} bins but window has {len(w_vals)}")
    density = window.aggregation is Aggregation.DENSITY and baseline.aggregation is Aggregation.DENSITY
    if density and m is Metric.PSI:
        scores = [_psi_term(w, b) for w, b in zip(w_vals, b_vals, strict=True)]
    else:
        scores = [_abs_diff(w, b) for w, b in zip(w_vals, b_vals, strict=True)]

    if bin_weights is not None:
        weights = [float(x) for x in bin_weights]
        if len(weights) != len(scores):
            raise ValueError(f"bin_weights has {len(weights)} entries for {len(scores)} bins")
        if any(not math.isfinite(x) or x < 0 for x in weights):
            raise ValueError("bin_weights must be finite and non-negative")
        total_weight = math.fsum(weights)
        if total_weight == 0:
            scores = [0.0] * len(scores)
        else:
            scores = [s * (x / total_weight) for s, x in zip(scores, weights, strict=True)]

    if not scores:
        return ScoreResult(0.0, [], 0 if m is Metric.MAX_DIFF else None)
    if m is Metric.MAX_DIFF:
        top = max(scores)
        return ScoreResult(top, scores, scores.index(top))
    total = sum(scores)
    if m is Metric.SUM_DIFF and density:
        total /= 2.0
    return ScoreResult(total, scores, None)


def status(
    score_value: float,
    warning_threshold: float | None,
    alert_threshold: float | None,
    *,
    baseline_run: bool = False,
) -> str:
    """'BaselineRun', else 'Alert' (>= alert), 'Warning' (>= warning, when set) or 'Ok'."""
    if baseline_run:
        return "BaselineRun"
    if alert_threshold is not None and score_value >= alert_threshold:
        return "Alert"
    if warning_threshold is not None and score_value >= warning_threshold:
        return "Warning"
    return "Ok"


# --------------------------------------------------------------------------- rendering


def format_time(value: datetime | None) -> str | None:
    """RFC 3339 UTC with a 'Z' suffix ('2023-01-01T05:00:00Z'); naive datetimes are UTC."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _finite_or_none(values: Iterable[float]) -> list[float | None]:
    return [v if math.isfinite(v) else None for v in values]


def _finite_or_infinity(values: Iterable[float]) -> list[float | str]:
    return [v if math.isfinite(v) else ("INFINITY" if v > 0 else "-INFINITY") for v in values]


def summary_to_v1(summary: Summary) -> dict[str, Any]:
    """The v1 ``baseline_summary`` / ``window_summary`` object (+inf edges become None)."""
    return {
        "count": summary.count,
        "min": summary.min,
        "max": summary.max,
        "mean": summary.mean,
        "median": summary.median,
        "std": summary.std,
        "edges": _finite_or_none(summary.edges),
        "edge_names": list(summary.edge_names),
        "aggregated_values": _finite_or_none(summary.aggregated_values),
        "aggregation": summary.aggregation.value,
        "start": format_time(summary.start),
        "end": format_time(summary.end),
    }


def _v2_mode(binning: Binning) -> dict[str, Any]:
    if binning.mode is BinMode.PROVIDED:
        return {"Provided": list(binning.provided_edges or ())}
    return {binning.mode.value: binning.num_bins}


def summary_to_v2(summary: Summary, name: str) -> dict[str, Any]:
    """The v2 ``summaries[field]`` / ``baseline.Summary[field]`` object (+inf edges become 'INFINITY')."""
    return {
        "name": name,
        "bins": {
            "mode": _v2_mode(summary.binning),
            "edges": _finite_or_infinity(summary.edges),
            "labels": list(summary.labels),
        },
        "aggregated_values": _finite_or_infinity(summary.aggregated_values),
        "aggregation": summary.aggregation.value,
        "statistics": summary.statistics.to_dict(),
        "start": format_time(summary.start),
        "end": format_time(summary.end),
    }


# --------------------------------------------------------------------------- parsing


def _parse_edge(value: Any) -> float:
    if value is None:
        return _INF
    if isinstance(value, str):
        text = value.strip().upper()
        if text in ("INFINITY", "INF", "+INFINITY"):
            return _INF
        if text in ("-INFINITY", "-INF"):
            return -_INF
        return float(value)
    return float(value)


def _parse_time(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def _counts_from(values: Sequence[float], count: int, aggregation: Aggregation) -> tuple[int, ...]:
    if aggregation is Aggregation.EDGES or count == 0:
        return tuple(0 for _ in values)
    if aggregation is Aggregation.DENSITY:
        return tuple(round(v * count) for v in values)
    cumulative = [round(v * count) for v in values]
    return tuple(c - p for p, c in zip([0, *cumulative[:-1]], cumulative, strict=True))


def summary_from_v2(data: Mapping[str, Any]) -> Summary:
    """Rebuild a baseline Summary from a v2 ``baseline.Summary[field]`` object."""
    bins = data["bins"]
    mode_obj = bins.get("mode") or {"Quantile": len(bins["edges"])}
    (mode_name, mode_arg), *_ = mode_obj.items()
    mode = parse_bin_mode(mode_name)
    edges = tuple(_parse_edge(e) for e in bins["edges"])
    labels = tuple(bins.get("labels") or ())
    provided = tuple(float(e) for e in mode_arg) if mode is BinMode.PROVIDED else None
    num_bins = int(mode_arg) if mode is not BinMode.PROVIDED else len(edges)
    right = bool(edges) and edges[-1] == _INF
    names = tuple(edge_name(e) for e in edges)
    binning = Binning(mode, num_bins, edges, False, right, names, labels, provided)
    values = tuple(float(_parse_edge(v)) for v in data["aggregated_values"])
    return _stored_baseline(data, data.get("statistics") or {}, binning, binning.baseline_edge_names, values)


def summary_from_v1(data: Mapping[str, Any], bin_mode: str | BinMode = BinMode.QUANTILE) -> Summary:
    """Rebuild a baseline Summary from a v1 ``baseline_summary`` object."""
    edges = tuple(_parse_edge(e) for e in data["edges"])
    names = tuple(data.get("edge_names") or ())
    left = bool(names) and names[0] == "left_outlier"
    right = bool(names) and names[-1] == "right_outlier"
    num_bins = len(edges) - int(left) - int(right)
    labels = tuple(names) if names else tuple(edge_name(e) for e in edges)
    binning = Binning(parse_bin_mode(bin_mode), num_bins, edges, left, right, labels, labels)
    values = tuple(_parse_edge(v) for v in data["aggregated_values"])
    return _stored_baseline(data, data, binning, labels, values)


def _stored_baseline(
    data: Mapping[str, Any],
    stats: Mapping[str, Any],
    binning: Binning,
    edge_names: tuple[str, ...],
    values: tuple[Any, ...],
) -> Summary:
    """A baseline Summary from a stored summary's statistics, bins and aggregated values."""
    if len(values) != len(binning.edges):
        raise ValueError("aggregated_values and edges differ in length")
    aggregation = parse_aggregation(data.get("aggregation", "Density"))
    count = int(stats.get("count", 0))
    return Summary(
        count=count,
        min=float(stats.get("min", 0.0)),
        max=float(stats.get("max", 0.0)),
        mean=float(stats.get("mean", 0.0)),
        median=float(stats.get("median", 0.0)),
        std=float(stats.get("std", 0.0)),
        edge_names=edge_names,
        aggregated_values=values,
        aggregation=aggregation,
        binning=binning,
        counts=_counts_from(values, count, aggregation),
        is_baseline=True,
        start=_parse_time(data.get("start")),
        end=_parse_time(data.get("end")),
    )
