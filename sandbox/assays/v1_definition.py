"""An assay v1 definition, normalised from either request shape the spec accepts.

The documents send `iopath`, a `{"Fixed": {pipeline, model, start_at, end_at}}` baseline and a
window `{pipeline, model, width, start, interval}`; the official client sends the iopath as
`window.path`, a window `{path, pipeline_name, width, workspace_id, model_name, ...}` and a baseline
`{"calculated": {"fixed_window": Window}}`, `{"calculated": {"vector": [...]}}` or
`{"static": SummaryV1}`. Both become one `AssayDefinitionV1`, which is all the assay runs read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sandbox.assays.data import AssayInputError, parse_duration, parse_optional_time, parse_time
from sandbox.assays.history import IoPath, parse_iopath
from sandbox.assays.math import (
    Aggregation,
    BinMode,
    Metric,
    Summary,
    parse_aggregation,
    parse_bin_mode,
    parse_metric,
    summary_from_v1,
)


@dataclass(frozen=True, slots=True)
class FixedBaseline:
    """Baseline values read from a pipeline's history over `[start, end)`."""

    pipeline: str
    model: str | None
    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class VectorBaseline:
    """Baseline values given in the request."""

    values: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class StaticBaseline:
    """A baseline summary given in the request."""

    summary: Summary


BaselineSource = FixedBaseline | VectorBaseline | StaticBaseline

_STATISTICS = ("min", "max", "mean", "median", "std")


@dataclass(frozen=True, slots=True)
class SummarizerV1:
    """A univariate summariser's parameters, and the object results echo as `summarizer`."""

    bin_mode: BinMode
    num_bins: int
    aggregation: Aggregation
    metric: Metric
    bin_weights: tuple[float, ...] | None
    provided_edges: tuple[float, ...] | None
    add_outlier_edges: bool
    view: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class AssayDefinitionV1:
    """What an assay v1 analyses, however the request spelled it.

    `summarizer` is None for a multivariate summariser (stored, but not run by the sandbox).
    `raw` is the request body, which the list operation echoes.
    """

    name: str
    pipeline_id: int
    pipeline_name: str
    workspace_id: int
    active: bool
    iopath: str
    path: IoPath
    baseline: BaselineSource
    window_pipeline: str
    window_model: str | None
    width: timedelta
    interval: timedelta | None
    window_start: datetime | None
    summarizer: SummarizerV1 | None
    warning_threshold: float | None
    alert_threshold: float
    run_until: datetime | None
    raw: Mapping[str, Any]

    @property
    def step(self) -> timedelta:
        """How far apart consecutive windows start: the interval, else the width."""
        return self.interval or self.width

    def runnable_summarizer(self) -> SummarizerV1:
        if self.summarizer is None:
            raise AssayInputError("the sandbox runs univariate summarizers only")
        return self.summarizer


def parse_summarizer(raw: Mapping[str, Any]) -> SummarizerV1 | None:
    """A v1 summariser (SummarizerV1); None for a multivariate one."""
    if raw.get("type") != "UnivariateContinuous":
        return None
    try:
        bin_mode = parse_bin_mode(raw["bin_mode"])
        aggregation = parse_aggregation(raw["aggregation"])
        metric = parse_metric(raw["metric"])
    except ValueError as exc:
        raise AssayInputError(str(exc)) from None
    weights, edges = raw.get("bin_weights"), raw.get("provided_edges")
    view = {
        key: raw.get(key)
        for key in ("type", "bin_mode", "aggregation", "metric", "num_bins", "bin_weights", "provided_edges")
    }
    return SummarizerV1(
        bin_mode=bin_mode,
        num_bins=int(raw["num_bins"]),
        aggregation=aggregation,
        metric=metric,
        bin_weights=None if weights is None else tuple(float(w) for w in weights),
        provided_edges=None if edges is None else tuple(float(e) for e in edges),
        add_outlier_edges=bool(raw.get("add_outlier_edges", True)),
        view=view,
    )


def _window_bounds(window: Mapping[str, Any]) -> tuple[datetime, datetime]:
    start = window.get("start")
    if start is None:
        raise AssayInputError("a fixed_window baseline needs a start")
    begin = parse_time(start)
    return begin, begin + parse_duration(window["width"])


def parse_baseline(raw: Mapping[str, Any], summarizer: SummarizerV1 | None) -> BaselineSource:
    """Where a baseline's values come from: `{"Fixed": ...}`, `{"static": ...}` or
    `{"calculated": {"fixed_window" | "vector": ...}}`."""
    if "Fixed" in raw:
        fixed = raw["Fixed"]
        return FixedBaseline(
            fixed["pipeline"], fixed.get("model"), parse_time(fixed["start_at"]), parse_time(fixed["end_at"])
        )
    if "static" in raw:
        static = raw["static"]
        if not static["edges"]:
            raise AssayInputError("a static baseline needs at least one bin edge")
        # An empty summary carries null statistics; they play no part in scoring.
        static = {**static, **{key: 0.0 for key in _STATISTICS if static.get(key) is None}}
        try:
            summary = summary_from_v1(static, summarizer.bin_mode if summarizer else "Quantile")
        except ValueError as exc:
            raise AssayInputError(f"static baseline: {exc}") from None
        return StaticBaseline(summary)
    calculated = raw["calculated"]
    if "vector" in calculated:
        return VectorBaseline(tuple(float(v) for v in calculated["vector"] if v is not None))
    if "fixed_window" not in calculated:
        raise AssayInputError("a calculated baseline needs a fixed_window or a vector")
    window = calculated["fixed_window"]
    start, end = _window_bounds(window)
    return FixedBaseline(window["pipeline_name"], window.get("model_name"), start, end)


def parse_definition(body: Mapping[str, Any]) -> AssayDefinitionV1:
    """Normalise a spec-valid AssayDefinition body; raises AssayInputError for what cannot run."""
    window = body["window"]
    iopath = body.get("iopath") or window.get("path")
    if not iopath:
        raise AssayInputError("the assay names no iopath (top level or window.path)")
    try:
        path = parse_iopath(iopath)
    except ValueError as exc:
        raise AssayInputError(str(exc)) from None
    summarizer = parse_summarizer(body["summarizer"])
    interval = window.get("interval")
    warning = body.get("warning_threshold")
    return AssayDefinitionV1(
        name=body["name"],
        pipeline_id=body["pipeline_id"],
        pipeline_name=body["pipeline_name"],
        workspace_id=body["workspace_id"],
        active=body["active"],
        iopath=iopath.strip(),
        path=path,
        baseline=parse_baseline(body["baseline"], summarizer),
        window_pipeline=window.get("pipeline") or window.get("pipeline_name") or body["pipeline_name"],
        window_model=window.get("model") or window.get("model_name"),
        width=parse_duration(window["width"]),
        interval=None if interval is None else parse_duration(interval),
        window_start=parse_optional_time(window.get("start")),
        summarizer=summarizer,
        warning_threshold=None if warning is None else float(warning),
        alert_threshold=float(body["alert_threshold"]),
        run_until=parse_optional_time(body.get("run_until")),
        raw=body,
    )


def _duration_text(width: timedelta) -> str:
    """A duration as the client writes one: whole hours as "24 hours", else milliseconds."""
    millis = width // timedelta(milliseconds=1)
    hours, rest = divmod(millis, 3_600_000)
    return f"{hours} hours" if rest == 0 else f"{millis} ms"


def client_shapes(d: AssayDefinitionV1) -> dict[str, Any]:
    """The window and baseline of a definition in the generated client's shapes (a window with
    `path`, a `calculated` or `static` baseline), whichever shape the request used."""
    raw_window = d.raw["window"]
    window = {
        "path": d.iopath,
        "pipeline_name": d.window_pipeline,
        "model_name": d.window_model,
        "width": raw_window["width"],
        "workspace_id": d.workspace_id,
        "start": raw_window.get("start"),
        "interval": raw_window.get("interval"),
        "locations": raw_window.get("locations") or [],
    }
    baseline = d.raw["baseline"]
    if isinstance(d.baseline, FixedBaseline) and "Fixed" in baseline:
        fixed_window = {
            **window,
            "pipeline_name": d.baseline.pipeline,
            "model_name": d.baseline.model,
            "start": d.baseline.start.isoformat(),
            "width": _duration_text(d.baseline.end - d.baseline.start),
            "interval": None,
        }
        baseline = {"calculated": {"fixed_window": fixed_window}}
    return {"window": window, "baseline": baseline}
