"""Handlers of the assays v1 operations: create, list, set_active, the interactive baseline and
runs, get_baseline and get_results, really computed over the pipelines' inference history.

An interactive run analyses one window per `interval` (default: the width) from the window's
`start`, else from the baseline's end, until the data ends; windows holding no inference are
skipped. `get_results` computes the stored assay's runs the same way, keeping the windows that
have ended by now. Results are deterministic: `analyzed_at` is the window's end and
`elapsed_millis` 0. A baseline with no data in its range gives no results (the interactive
baseline answers null, as the spec allows).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

from sandbox.assays.data import (
    ASSAY_DATA,
    EPOCH,
    AssayData,
    AssayInputError,
    PerStore,
    Timeline,
    Window,
    analysis_windows,
    input_errors_answer_400,
    render_time,
    result_id,
    time_range,
)
from sandbox.assays.history import IoPath, parse_iopath, to_baseline_row
from sandbox.assays.math import (
    Aggregation,
    ScoreResult,
    Summary,
    score,
    status,
    summarize_baseline,
    summary_to_v1,
)
from sandbox.assays.v1_definition import (
    AssayDefinitionV1,
    BaselineSource,
    FixedBaseline,
    StaticBaseline,
    SummarizerV1,
    client_shapes,
    parse_baseline,
    parse_definition,
    parse_summarizer,
)
from sandbox.core.context import body
from sandbox.core.records import Pipeline
from sandbox.core.responses import json_response
from sandbox.core.store import UnknownEntity


@dataclass(slots=True)
class StoredAssayV1:
    """A created assay: its definition plus what the list operation reports about it."""

    id: int
    definition: AssayDefinitionV1
    workspace_name: str
    active: bool
    created_at: datetime
    updated_at: datetime

    def to_json(self) -> dict[str, Any]:
        d = self.definition
        summarizer = d.summarizer.view if d.summarizer else d.raw["summarizer"]
        return {
            "id": self.id,
            "name": d.name,
            "active": self.active,
            "status": "created",
            "warning_threshold": d.warning_threshold,
            "alert_threshold": d.alert_threshold,
            "pipeline_id": d.pipeline_id,
            "pipeline_name": d.pipeline_name,
            "workspace_id": d.workspace_id,
            "workspace_name": self.workspace_name,
            "last_run": None,
            "next_run": (d.window_start or self.created_at).isoformat(),
            "run_until": d.raw.get("run_until"),
            "updated_at": self.updated_at.isoformat(),
            "baseline": d.raw["baseline"],
            "window": d.raw["window"],
            "summarizer": summarizer,
        }

    def to_client_json(self) -> dict[str, Any]:
        """The assay as get_assay_by_id answers it: window and baseline in the client's shapes."""
        return {**self.to_json(), **client_shapes(self.definition), "created_at": self.created_at.isoformat()}


@dataclass(frozen=True, slots=True)
class PreparedRun:
    """A definition with its pipelines resolved and its baseline summarised, ready to score windows."""

    assay_id: int | None
    definition: AssayDefinitionV1
    summarizer: SummarizerV1
    baseline: Summary
    baseline_json: dict[str, Any]
    timeline: Timeline

    def origin(self) -> datetime:
        """Where the first window starts: the window's start, the baseline's end, else the first
        inference's time rounded down to a whole number of widths since the epoch."""
        d = self.definition
        if d.window_start is not None:
            return d.window_start
        end = d.baseline.end if isinstance(d.baseline, FixedBaseline) else self.baseline.end
        if end is not None:
            return end
        first = self.timeline.records[0].time if len(self.timeline) else EPOCH
        return first - (first - EPOCH) % d.width

    def windows(
        self,
        completed_by: datetime | None = None,
        starting: tuple[datetime | None, datetime | None] = (None, None),
        limit: int | None = None,
    ) -> list[Window]:
        d = self.definition
        return analysis_windows(
            self.timeline,
            self.origin(),
            d.width,
            d.step,
            stop=d.run_until,
            completed_by=completed_by,
            starting=starting,
            limit=limit,
        )

    def _result(
        self,
        window_summary: Summary,
        scored: ScoreResult,
        run_status: str,
        start: datetime | None,
        analyzed_at: datetime | None,
    ) -> dict[str, Any]:
        d = self.definition
        return {
            "id": None,
            "assay_id": self.assay_id,
            "window_start": render_time(start or analyzed_at),
            "analyzed_at": render_time(analyzed_at),
            "elapsed_millis": 0,
            "iopath": d.iopath,
            "pipeline_id": None,
            "baseline_summary": self.baseline_json,
            "window_summary": summary_to_v1(window_summary),
            "warning_threshold": d.warning_threshold,
            "alert_threshold": d.alert_threshold,
            "score": scored.score,
            "scores": scored.scores,
            "bin_index": scored.bin_index,
            "summarizer": self.summarizer.view,
            "status": run_status,
            "created_at": None,
        }

    def baseline_run(self, now: datetime) -> dict[str, Any]:
        """The interactive baseline: the baseline scored against itself (all zero)."""
        as_window = replace(
            self.baseline, edge_names=self.baseline.binning.window_edge_names(), is_baseline=False
        )
        zero = ScoreResult(0.0, [0.0] * len(self.baseline.aggregated_values), None)
        return self._result(
            as_window,
            zero,
            status(0.0, None, None, baseline_run=True),
            self.baseline.start,
            self.baseline.end or now,
        )

    def window_run(self, window: Window) -> dict[str, Any]:
        d, s = self.definition, self.summarizer
        summary = window.summarize(self.timeline, d.path, self.baseline, d.window_model)
        scored = score(self.baseline, summary, s.metric, s.bin_weights)
        run_status = status(scored.score, d.warning_threshold, d.alert_threshold)
        return self._result(summary, scored, run_status, window.start, window.end)


class AssaysV1:
    """A sandbox's v1 assays, and the resolution of definitions against its store."""

    def __init__(self, data: AssayData) -> None:
        self.data = data
        self.store = data.store
        self.assays: dict[int, StoredAssayV1] = {}

    def get(self, assay_id: int) -> StoredAssayV1:
        try:
            return self.assays[assay_id]
        except KeyError:
            raise UnknownEntity("assay", assay_id) from None

    def in_workspace(self, assay: StoredAssayV1, query: Mapping[str, Any]) -> StoredAssayV1:
        """`assay`, if it lies in the workspace the optional workspace_id / workspace_name name
        (else a 404)."""
        workspace_id, workspace_name = query.get("workspace_id"), query.get("workspace_name")
        if workspace_id not in (None, assay.definition.workspace_id) or workspace_name not in (
            None,
            assay.workspace_name,
        ):
            raise UnknownEntity("assay", assay.id)
        return assay

    def create(self, definition: AssayDefinitionV1) -> StoredAssayV1:
        self._pipelines(definition)
        workspace = self.store.workspace(definition.workspace_id)
        now = self.store.now()
        assay = StoredAssayV1(len(self.assays) + 1, definition, workspace.name, definition.active, now, now)
        self.assays[assay.id] = assay
        return assay

    def listing(self, query: Mapping[str, Any]) -> list[StoredAssayV1]:
        """Assays matching every given filter (pipeline_id, workspace_id, workspace_name), newest
        first; a filter naming nothing that exists is a 404."""
        pipeline_id, workspace_id, workspace_name = (
            query.get(key) for key in ("pipeline_id", "workspace_id", "workspace_name")
        )
        if pipeline_id is not None:
            self.store.pipeline(pipeline_id)
        if workspace_id is not None:
            self.store.workspace(workspace_id)
        if workspace_name is not None and all(
            w.name != workspace_name for w in self.store.workspaces.values()
        ):
            raise UnknownEntity("workspace", workspace_name)
        found = [
            assay
            for assay in self.assays.values()
            if pipeline_id in (None, assay.definition.pipeline_id)
            and workspace_id in (None, assay.definition.workspace_id)
            and workspace_name in (None, assay.workspace_name)
        ]
        return sorted(found, key=lambda a: a.id, reverse=True)

    def _pipelines(self, d: AssayDefinitionV1) -> tuple[Pipeline, Pipeline | None]:
        """The window's pipeline and the baseline's (None unless a Fixed baseline); 404s."""
        self.store.workspace(d.workspace_id)
        own = self.store.pipeline(d.pipeline_id)
        window_pipeline = self.data.pipeline_named(d.workspace_id, d.window_pipeline, own)
        baseline_pipeline = None
        if isinstance(d.baseline, FixedBaseline):
            baseline_pipeline = self.data.pipeline_named(d.workspace_id, d.baseline.pipeline, own)
        return window_pipeline, baseline_pipeline

    def summarize(
        self,
        source: BaselineSource,
        summarizer: SummarizerV1,
        history: tuple[Pipeline, IoPath] | None,
    ) -> Summary | None:
        """The baseline's summary (a Fixed baseline's values are read from `history`: a
        pipeline and the path in its records); None when it holds no values."""
        if isinstance(source, StaticBaseline):
            baseline = source.summary
        else:
            start = end = None
            if isinstance(source, FixedBaseline):
                assert history is not None
                pipeline, path = history
                start, end = source.start, source.end
                values = self.data.timeline(pipeline).values(path, start, end, source.model)
            else:
                values = list(source.values)
            if not values:
                return None
            baseline = summarize_baseline(
                values,
                bin_mode=summarizer.bin_mode,
                num_bins=summarizer.num_bins,
                aggregation=summarizer.aggregation,
                add_outlier_edges=summarizer.add_outlier_edges,
                provided_edges=summarizer.provided_edges,
                start=start,
                end=end,
            )
        if baseline.aggregation is Aggregation.EDGES and not all(map(math.isfinite, baseline.edges)):
            # SummaryV1.aggregated_values holds numbers only: the +inf outlier edge has no rendering.
            raise AssayInputError("the Edges aggregation needs add_outlier_edges false (finite edges)")
        return baseline

    def prepare(self, assay_id: int | None, d: AssayDefinitionV1) -> PreparedRun | None:
        """Resolve and summarise the baseline; None when its range holds no data."""
        summarizer = d.runnable_summarizer()
        window_pipeline, baseline_pipeline = self._pipelines(d)
        history = None if baseline_pipeline is None else (baseline_pipeline, d.path)
        baseline = self.summarize(d.baseline, summarizer, history)
        if baseline is None:
            return None
        timeline = self.data.timeline(window_pipeline)
        return PreparedRun(assay_id, d, summarizer, baseline, summary_to_v1(baseline), timeline)

    def stored_results(
        self, assay: StoredAssayV1, starting: tuple[datetime | None, datetime | None], limit: int | None
    ) -> list[dict[str, Any]]:
        """A stored assay's results: its windows that have ended by now, oldest first."""
        run = self.prepare(assay.id, assay.definition)
        if run is None:
            return []
        windows = run.windows(self.store.now(), starting, limit)
        results = [run.window_run(window) for window in windows]
        for window, result in zip(windows, results, strict=True):
            result["id"] = result_id(assay.id, window.index)
            result["pipeline_id"] = assay.definition.pipeline_id
            result["created_at"] = result["analyzed_at"]
        return results


def _with_documented_assay(data: AssayData) -> AssaysV1:
    """A sandbox's v1 assays, starting with the 000 document's "api assay" on the canned pipeline:
    the documents list and activate assays that already exist."""
    book = AssaysV1(data)
    pipeline = data.canned_pipeline
    if pipeline is not None:
        book.create(
            parse_definition(
                {
                    "name": "api assay",
                    "pipeline_id": pipeline.id,
                    "pipeline_name": pipeline.name,
                    "workspace_id": pipeline.workspace_id,
                    "active": True,
                    "status": "active",
                    "iopath": "output dense_2 0",
                    "baseline": {
                        "Fixed": {
                            "pipeline": pipeline.name,
                            "model": "housepricemodel",
                            "start_at": "2023-01-01T00:00:00-05:00",
                            "end_at": "2023-01-02T00:00:00-05:00",
                        }
                    },
                    "window": {"pipeline": pipeline.name, "model": "housepricemodel", "width": "24 hours"},
                    "summarizer": {
                        "type": "UnivariateContinuous",
                        "bin_mode": "Quantile",
                        "aggregation": "Density",
                        "metric": "PSI",
                        "num_bins": 5,
                        "add_outlier_edges": True,
                    },
                    "warning_threshold": 0.0,
                    "alert_threshold": 0.1,
                }
            )
        )
    return book


ASSAYS_V1 = PerStore(
    lambda the_store, the_settings: _with_documented_assay(ASSAY_DATA.of(the_store, the_settings))
)


# --------------------------------------------------------------------------- handlers


@input_errors_answer_400
async def assays_create(request: web.Request) -> web.StreamResponse:
    assay = ASSAYS_V1(request).create(parse_definition(body(request)))
    return json_response({"assay_id": assay.id})


async def assays_list(request: web.Request) -> web.StreamResponse:
    return json_response([assay.to_json() for assay in ASSAYS_V1(request).listing(body(request))])


async def assays_set_active(request: web.Request) -> web.StreamResponse:
    data, book = body(request), ASSAYS_V1(request)
    assay = book.get(data["id"])
    assay.active, assay.updated_at = data["active"], book.store.now()
    return json_response({"id": assay.id, "active": assay.active})


@input_errors_answer_400
async def assays_run_interactive_baseline(request: web.Request) -> web.StreamResponse:
    data, book = body(request), ASSAYS_V1(request)
    run = book.prepare(data["id"], parse_definition(data))
    return json_response(None if run is None else run.baseline_run(book.store.now()))


@input_errors_answer_400
async def assays_run_interactive(request: web.Request) -> web.StreamResponse:
    data, book = body(request), ASSAYS_V1(request)
    run = book.prepare(data["id"], parse_definition(data))
    return json_response([] if run is None else [run.window_run(w) for w in run.windows()])


@input_errors_answer_400
async def assays_get_baseline(request: web.Request) -> web.StreamResponse:
    data, book = body(request), ASSAYS_V1(request)
    name = data["pipeline_name"]
    if data.get("workspace_id") is not None:
        pipeline = book.store.pipeline_by_name(data["workspace_id"], name)
    else:
        found = next((p for p in book.store.pipelines.values() if p.name == name), None)
        if found is None:
            raise UnknownEntity("pipeline", name)
        pipeline = found
    records = book.data.timeline(pipeline).between(*time_range(data))
    model, limit = data.get("model_name"), data.get("limit")
    if model is not None:
        records = [r for r in records if r.model == model]
    if limit is not None:  # an integer in JSON Schema's sense: 1e9 and 1000000000.0 count
        records = records[: int(limit)]
    return json_response([to_baseline_row(r) for r in records])


@input_errors_answer_400
async def assays_get_results(request: web.Request) -> web.StreamResponse:
    data, book = body(request), ASSAYS_V1(request)
    assay = book.get(data["assay_id"])
    wanted = data.get("pipeline_id")
    if wanted is not None and book.store.pipeline(wanted).id != assay.definition.pipeline_id:
        return json_response([])
    return json_response(book.stored_results(assay, time_range(data), data.get("limit")))


@input_errors_answer_400
async def assays_get_assay_results(request: web.Request) -> web.StreamResponse:
    """The client's results path: get_results between `start` and `end`, within a workspace."""
    data, book = body(request), ASSAYS_V1(request)
    assay = book.in_workspace(book.get(data["assay_id"]), data)
    return json_response(book.stored_results(assay, time_range(data), None))


async def assays_get_assay_by_id(request: web.Request) -> web.StreamResponse:
    data, book = body(request), ASSAYS_V1(request)
    assay = book.in_workspace(book.get(data["id"]), data)
    return json_response(assay.to_client_json())


@input_errors_answer_400
async def assays_summarize(request: web.Request) -> web.StreamResponse:
    """A baseline's summary: a vector of values, or a fixed window of a pipeline's history."""
    data, book = body(request), ASSAYS_V1(request)
    summarizer = parse_summarizer(data["summarizer"])
    if summarizer is None:
        raise AssayInputError("the sandbox summarises with univariate summarizers only")
    source = parse_baseline({"calculated": data["baseline"]}, summarizer)
    history = None
    if isinstance(source, FixedBaseline):
        window = data["baseline"]["fixed_window"]
        pipeline = book.store.pipeline_by_name(window["workspace_id"], source.pipeline)
        history = (pipeline, parse_iopath(window["path"]))
    summary = book.summarize(source, summarizer, history)
    if summary is None:
        raise AssayInputError("the baseline holds no values")
    return json_response(summary_to_v1(summary))


HANDLERS: dict[str, Handler] = {
    "assays_create": assays_create,
    "assays_list": assays_list,
    "assays_set_active": assays_set_active,
    "assays_run_interactive_baseline": assays_run_interactive_baseline,
    "assays_get_baseline": assays_get_baseline,
    "assays_run_interactive": assays_run_interactive,
    "assays_get_results": assays_get_results,
    "assays_get_assay_results": assays_get_assay_results,
    "assays_summarize": assays_summarize,
    "assays_get_assay_by_id": assays_get_assay_by_id,
}
