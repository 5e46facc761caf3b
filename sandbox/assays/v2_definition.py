"""An assay v2 definition - the body of schedule and preview, the baseline and summariser of
preview_baseline_binning - parsed into what the v2 book runs, and its baseline summarised.

The client sends `{"UnivariateContinuous": {bin_mode, aggregation, metric, bin_weights}}`, a
scheduling `{first_run, end, run_frequency: {"SimpleRunFrequency": {unit, quantity}}}`, a window
`{width: {seconds}}`, a targeting `{data_origin, iopath: [{field, indexes, thresholds}]}` and a
baseline that is a time range of the pipeline's history (`Static: [start, end]`, `Rolling:
{start, width}`), values (`Vector`) or ready summaries (`Summary`, as the SDK converts a v1
baseline). What the sandbox cannot compute (a multivariate summariser, a cron schedule, the
QuantileWithExplicitOutliers bins) is an AssayInputError, answered 400.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sandbox.assays.data import (
    AssayInputError,
    Timeline,
    parse_optional_time,
    parse_time,
    render_time,
)
from sandbox.assays.history import IoPath, parse_v2_field
from sandbox.assays.math import (
    Aggregation,
    BinMode,
    Metric,
    Summary,
    parse_aggregation,
    parse_metric,
    summarize_baseline,
    summary_from_v2,
)
from sandbox.assays.v1_definition import VectorBaseline

UNIT_SECONDS = {"Minute": 60, "Hour": 3600, "Day": 86_400, "Week": 604_800}


@dataclass(frozen=True, slots=True)
class Target:
    """One monitored field: 'out.dense_2' with element indexes (None: the whole field)."""

    field: str
    indexes: tuple[int, ...] | None
    warning: float | None
    alert: float | None

    def paths(self) -> list[tuple[str, IoPath]]:
        """(summary key, path) per monitored value: 'out.dense_2.0', or the field itself."""
        if self.indexes is None:
            return [(self.field, parse_v2_field(self.field))]
        return [(f"{self.field}.{i}", parse_v2_field(self.field, i)) for i in self.indexes]

    def to_json(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "indexes": None if self.indexes is None else list(self.indexes),
            "thresholds": {"warning": self.warning, "alert": self.alert},
        }


@dataclass(frozen=True, slots=True)
class UnivariateV2:
    """A univariate continuous summariser: binning, aggregation, metric and bin weights."""

    bin_mode: BinMode
    num_bins: int
    provided_edges: tuple[float, ...] | None
    aggregation: Aggregation
    metric: Metric
    bin_weights: tuple[float, ...] | None

    def bin_mode_json(self) -> Any:
        if self.bin_mode is BinMode.NONE:
            return BinMode.NONE.value
        if self.bin_mode is BinMode.PROVIDED:
            return {BinMode.PROVIDED.value: list(self.provided_edges or ())}
        return {self.bin_mode.value: self.num_bins}

    def to_json(self) -> dict[str, Any]:
        return {
            "UnivariateContinuous": {
                "bin_mode": self.bin_mode_json(),
                "aggregation": self.aggregation.value,
                "metric": self.metric.value,
                "bin_weights": None if self.bin_weights is None else list(self.bin_weights),
            }
        }

    def summarize(self, values: list[float], start: datetime | None, end: datetime | None) -> Summary:
        """A baseline summary of `values` in the v2 layout (ValueError when there are none)."""
        return summarize_baseline(
            values,
            bin_mode=self.bin_mode,
            num_bins=len(self.provided_edges or ()) if self.bin_mode is BinMode.PROVIDED else self.num_bins,
            aggregation=self.aggregation,
            provided_edges=self.provided_edges,
            layout="v2",
            start=start,
            end=end,
        )


@dataclass(frozen=True, slots=True)
class ScheduleV2:
    """Runs at `first_run + k * frequency` until `end` (if any)."""

    first_run: datetime
    end: datetime | None
    unit: str
    quantity: int

    @property
    def frequency(self) -> timedelta:
        return timedelta(seconds=UNIT_SECONDS[self.unit] * self.quantity)

    def to_json(self) -> dict[str, Any]:
        return {
            "first_run": render_time(self.first_run),
            "end": render_time(self.end),
            "run_frequency": {"SimpleRunFrequency": {"unit": self.unit, "quantity": self.quantity}},
        }


@dataclass(frozen=True, slots=True)
class RangeBaseline:
    """Baseline values read from the pipeline's history over `[start, end)`."""

    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class SummaryBaselineV2:
    """Baseline summaries given in the request, by key."""

    summaries: Mapping[str, Summary]


BaselineV2 = RangeBaseline | VectorBaseline | SummaryBaselineV2


@dataclass(frozen=True, slots=True)
class DataOrigin:
    """Whose inferences an assay reads: a pipeline (and optionally one model's records)."""

    pipeline_id: int
    workspace_id: int
    model_id: str | None


@dataclass(frozen=True, slots=True)
class AssayDefinitionV2:
    """What a v2 assay analyses and when, however the request spelled it."""

    baseline: BaselineV2
    summarizer: UnivariateV2
    schedule: ScheduleV2
    width: timedelta
    origin: DataOrigin
    targets: tuple[Target, ...]


def _bin_mode(raw: Any) -> tuple[BinMode, int, tuple[float, ...] | None]:
    if raw == BinMode.NONE.value:
        return BinMode.NONE, 1, None
    ((name, argument),) = raw.items()
    if name == BinMode.PROVIDED.value:
        edges = tuple(float(e) for e in argument)
        if not edges:
            raise AssayInputError("Provided bins need at least one edge")
        return BinMode.PROVIDED, len(edges), edges
    if name in (BinMode.QUANTILE.value, BinMode.EQUAL.value):
        return BinMode(name), int(argument), None
    raise AssayInputError(f"the sandbox does not compute {name} bins")


def parse_summarizer(raw: Mapping[str, Any]) -> UnivariateV2:
    univariate = raw.get("UnivariateContinuous")
    if univariate is None:
        raise AssayInputError("the sandbox runs UnivariateContinuous summarizers only")
    mode, num_bins, edges = _bin_mode(univariate["bin_mode"])
    weights = univariate.get("bin_weights")
    return UnivariateV2(
        bin_mode=mode,
        num_bins=num_bins,
        provided_edges=edges,
        aggregation=parse_aggregation(univariate["aggregation"]),
        metric=parse_metric(univariate["metric"]),
        bin_weights=None if weights is None else tuple(float(w) for w in weights),
    )


def parse_baseline(raw: Mapping[str, Any]) -> BaselineV2:
    if "Static" in raw:
        start, end = (parse_time(t) for t in raw["Static"])
        if end <= start:
            raise AssayInputError("a Static baseline must end after it starts")
        return RangeBaseline(start, end)
    if "Rolling" in raw:
        start = parse_time(raw["Rolling"]["start"])
        return RangeBaseline(start, start + timedelta(seconds=raw["Rolling"]["width"]["seconds"]))
    if "Vector" in raw:
        return VectorBaseline(tuple(float(v) for v in raw["Vector"] if v is not None))
    if "Summary" in raw:
        try:
            return SummaryBaselineV2({key: summary_from_v2(s) for key, s in raw["Summary"].items()})
        except (ValueError, KeyError) as exc:
            raise AssayInputError(f"Summary baseline: {exc}") from None
    raise AssayInputError("a baseline needs Static, Rolling, Vector or Summary")


def parse_targeting(raw: Mapping[str, Any]) -> tuple[DataOrigin, tuple[Target, ...]]:
    origin = raw["data_origin"]
    targets = []
    for path in raw["iopath"]:
        thresholds = path.get("thresholds") or {}
        indexes = path.get("indexes")
        target = Target(
            path["field"],
            None if indexes is None else tuple(indexes),
            thresholds.get("warning"),
            thresholds.get("alert"),
        )
        target.paths()  # a field the sandbox cannot read is a 400 now, not at the first run
        targets.append(target)
    if not targets:
        raise AssayInputError("the targeting names no iopath")
    return DataOrigin(origin["pipeline_id"], origin["workspace_id"], origin.get("model_id")), tuple(targets)


def parse_schedule(raw: Mapping[str, Any]) -> ScheduleV2:
    simple = raw["run_frequency"].get("SimpleRunFrequency")
    if simple is None:
        raise AssayInputError("the sandbox runs SimpleRunFrequency schedules only")
    return ScheduleV2(
        parse_time(raw["first_run"]), parse_optional_time(raw.get("end")), simple["unit"], simple["quantity"]
    )


def parse_definition(body: Mapping[str, Any]) -> AssayDefinitionV2:
    """Normalise a spec-valid AssayV2Definition body; raises AssayInputError for what cannot run."""
    origin, targets = parse_targeting(body["targeting"])
    return AssayDefinitionV2(
        baseline=parse_baseline(body["baseline"]),
        summarizer=parse_summarizer(body["summarizer"]),
        schedule=parse_schedule(body["scheduling"]),
        width=timedelta(seconds=body["window"]["width"]["seconds"]),
        origin=origin,
        targets=targets,
    )


def baseline_summaries(
    baseline: BaselineV2,
    summarizer: UnivariateV2,
    targets: tuple[Target, ...],
    timeline: Timeline,
    model: str | None,
) -> dict[str, Summary]:
    """The baseline's summary per monitored key ('out.dense_2.0'); AssayInputError when a key has
    no values (or a given Summary baseline lacks it)."""
    found: dict[str, Summary] = {}
    for key, path in (pair for target in targets for pair in target.paths()):
        if isinstance(baseline, SummaryBaselineV2):
            if key not in baseline.summaries:
                raise AssayInputError(f"the Summary baseline has no summary for {key}")
            found[key] = baseline.summaries[key]
            continue
        start: datetime | None = None
        end: datetime | None = None
        if isinstance(baseline, RangeBaseline):
            start, end = baseline.start, baseline.end
            values = timeline.values(path, start, end, model)
        else:
            values = list(baseline.values)
        if not values:
            raise AssayInputError(f"the baseline holds no values at {key}")
        found[key] = summarizer.summarize(values, start, end)
    return found
