"""Handlers of the assays v2 operations: get (list), get by id, get_results, get_next_run and
set_active, over assays seeded on the canned `housepricepipe` history.

The spec has no v2 create, so a sandbox starts with `SEEDED` assays (one active, one inactive),
whose baseline is the documents' baseline day. A v2 assay runs at `first_run + k * frequency`;
each run analyses the window `[run - width, run)`. Results are computed on demand for the runs
whose window holds data and that are due by now; `get_next_run` reports the last run that the
data reaches and the one after it (none while the assay is inactive). Everything is
deterministic: uuids come from the seed, `analyzed_at` is the window's end, `elapsed_millis` 0.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

from sandbox.assays.data import (
    ASSAY_DATA,
    AssayData,
    PerStore,
    Window,
    analysis_windows,
    input_errors_answer_400,
    render_time,
    result_id,
    time_range,
)
from sandbox.assays.history import DEFAULT_START, IoPath, parse_v2_field
from sandbox.assays.math import (
    Aggregation,
    BinMode,
    Metric,
    Summary,
    score,
    status,
    summarize_baseline,
    summary_to_v2,
)
from sandbox.core.context import body
from sandbox.core.records import Pipeline
from sandbox.core.responses import json_response
from sandbox.core.settings import SandboxSettings
from sandbox.core.store import UnknownEntity

_UNITS = {"Minute": 60, "Hour": 3600, "Day": 86_400, "Week": 604_800}
_SEVERITY = {"Ok": 0, "Warning": 1, "Alert": 2}


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
class SeedAssay:
    """A v2 assay every sandbox starts with."""

    name: str
    target: Target
    unit: str
    quantity: int
    active: bool


SEEDED = (
    SeedAssay("housepricedrift output assay", Target("out.dense_2", (0,), 0.1, 0.25), "Day", 1, True),
    SeedAssay("housepricedrift sqft_living assay", Target("in.tensor", (2,), 0.1, 0.25), "Hour", 12, False),
)
BASELINE_START = DEFAULT_START
BASELINE_WIDTH = timedelta(days=1)
QUANTILE_BINS = 5


@dataclass(slots=True)
class AssayV2:
    """A v2 assay: schedule, per-key baseline summaries, window width, summariser and targets."""

    id: str
    number: int
    name: str
    first_run: datetime
    end: datetime | None
    unit: str
    quantity: int
    baseline: dict[str, Summary]
    width: timedelta
    metric: Metric
    bin_weights: tuple[float, ...] | None
    pipeline: Pipeline
    workspace_name: str
    model_id: str | None
    targets: tuple[Target, ...]
    created_at: datetime
    updated_at: datetime
    active: bool

    @property
    def frequency(self) -> timedelta:
        return timedelta(seconds=_UNITS[self.unit] * self.quantity)

    @property
    def thresholds(self) -> Target:
        return self.targets[0]

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "scheduling": {
                "first_run": render_time(self.first_run),
                "end": render_time(self.end),
                "run_frequency": {"SimpleRunFrequency": {"unit": self.unit, "quantity": self.quantity}},
            },
            "baseline": {"Summary": {key: summary_to_v2(s, key) for key, s in self.baseline.items()}},
            "window": {"width": {"seconds": int(self.width.total_seconds())}},
            "summarizer": {
                "UnivariateContinuous": {
                    "bin_mode": {BinMode.QUANTILE.value: QUANTILE_BINS},
                    "aggregation": Aggregation.DENSITY.value,
                    "metric": self.metric.value,
                    "bin_weights": None if self.bin_weights is None else list(self.bin_weights),
                }
            },
            "targeting": {
                "data_origin": {
                    "pipeline_name": self.pipeline.name,
                    "pipeline_id": self.pipeline.id,
                    "workspace_name": self.workspace_name,
                    "workspace_id": self.pipeline.workspace_id,
                    "model_id": self.model_id,
                    "locations": None,
                },
                "iopath": [t.to_json() for t in self.targets],
            },
            "created_at": render_time(self.created_at),
            "updated_at": render_time(self.updated_at),
            "active": self.active,
        }

    def matches(self, query: Mapping[str, Any]) -> bool:
        """Whether the optional pipeline_name / workspace_id filters of a request admit it."""
        name, workspace_id = query.get("pipeline_name"), query.get("workspace_id")
        return (name is None or name == self.pipeline.name) and (
            workspace_id is None or workspace_id == self.pipeline.workspace_id
        )


class AssaysV2:
    """A sandbox's v2 assays (seeded) and their results."""

    def __init__(self, data: AssayData, the_settings: SandboxSettings) -> None:
        self.data = data
        self.store = data.store
        self.assays: dict[str, AssayV2] = {}
        pipeline = data.canned_pipeline
        if pipeline is not None:
            rng = random.Random(f"assays-v2:{the_settings.seed}")
            for number, seed in enumerate(SEEDED, 1):
                assay_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
                self.assays[assay_id] = self._seeded(seed, pipeline, assay_id, number)

    def _seeded(self, seed: SeedAssay, pipeline: Pipeline, assay_id: str, number: int) -> AssayV2:
        end = BASELINE_START + BASELINE_WIDTH
        timeline = self.data.timeline(pipeline)
        baseline = {
            key: summarize_baseline(
                timeline.values(path, BASELINE_START, end),
                num_bins=QUANTILE_BINS,
                layout="v2",
                start=BASELINE_START,
                end=end,
            )
            for key, path in seed.target.paths()
        }
        workspace = self.store.workspace(pipeline.workspace_id)
        model_id = next((r.model for r in timeline.between(BASELINE_START, end)), None)
        return AssayV2(
            id=assay_id,
            number=number,
            name=seed.name,
            first_run=end + BASELINE_WIDTH,  # the first run analyses the day after the baseline
            end=None,
            unit=seed.unit,
            quantity=seed.quantity,
            baseline=baseline,
            width=BASELINE_WIDTH,
            metric=Metric.PSI,
            bin_weights=None,
            pipeline=pipeline,
            workspace_name=workspace.name,
            model_id=model_id,
            targets=(seed.target,),
            created_at=end,
            updated_at=end,
            active=seed.active,
        )

    def get(self, assay_id: str, query: Mapping[str, Any] | None = None) -> AssayV2:
        assay = self.assays.get(assay_id.lower())
        if assay is None or (query is not None and not assay.matches(query)):
            raise UnknownEntity("assay", assay_id)
        return assay

    def _due(self, assay: AssayV2) -> datetime:
        """The latest instant a run may have happened: now, capped by the schedule's end."""
        now = self.store.now()
        return now if assay.end is None else min(now, assay.end)

    def windows(self, assay: AssayV2, starting: tuple[datetime | None, datetime | None]) -> list[Window]:
        """The windows of the runs due by now whose window holds data and starts in `starting`."""
        timeline = self.data.timeline(assay.pipeline)
        return analysis_windows(
            timeline,
            assay.first_run - assay.width,
            assay.width,
            assay.frequency,
            completed_by=self._due(assay),
            starting=starting,
        )

    def result(self, assay: AssayV2, window: Window) -> dict[str, Any]:
        timeline = self.data.timeline(assay.pipeline)
        scores: dict[str, Any] = {}
        summaries: dict[str, Any] = {}
        worst = "Ok"
        for target in assay.targets:
            for key, path in target.paths():
                summary = window.summarize(timeline, path, assay.baseline[key], assay.model_id)
                scored = score(assay.baseline[key], summary, assay.metric, assay.bin_weights)
                scores[key] = {"score": scored.score, "scores": scored.scores, "bin_index": scored.bin_index}
                summaries[key] = summary_to_v2(summary, key)
                worst = max(
                    worst, status(scored.score, target.warning, target.alert), key=_SEVERITY.__getitem__
                )
        at = render_time(window.end)
        return {
            "id": result_id(assay.number, window.index),
            "assay_id": assay.id,
            "analyzed_at": at,
            "elapsed_millis": 0,
            "scores": scores,
            "status": worst,
            "summaries": summaries,
            "window_end": at,
            "window_start": render_time(window.start),
            "created_at": at,
            "updated_at": at,
            "workspace_id": assay.pipeline.workspace_id,
            "workspace_name": assay.workspace_name,
            "pipeline_id": assay.pipeline.id,
            "warning_threshold": assay.thresholds.warning,
            "alert_threshold": assay.thresholds.alert,
        }

    def runs(self, assay: AssayV2) -> dict[str, str | None]:
        """{last_run, next_run}: the last scheduled run the data reaches (and due by now), the next."""
        last_data = self.data.timeline(assay.pipeline).last_time
        last: datetime | None = None
        if last_data is not None:
            bound = min(last_data + assay.width, self._due(assay))
            if bound >= assay.first_run:
                last = assay.first_run + ((bound - assay.first_run) // assay.frequency) * assay.frequency
        upcoming = assay.first_run if last is None else last + assay.frequency
        scheduled = assay.active and (assay.end is None or upcoming <= assay.end)
        return {"last_run": render_time(last), "next_run": render_time(upcoming if scheduled else None)}


ASSAYS_V2 = PerStore(
    lambda the_store, the_settings: AssaysV2(ASSAY_DATA.of(the_store, the_settings), the_settings)
)


# --------------------------------------------------------------------------- handlers

_ACTIVE_FILTER = {"All": None, "ActiveOnly": True, "InactiveOnly": False}


async def assays_v2_get(request: web.Request) -> web.StreamResponse:
    query = body(request)
    wanted = _ACTIVE_FILTER[query["active"]]
    found = [
        a.to_json()
        for a in ASSAYS_V2(request).assays.values()
        if (wanted is None or a.active is wanted) and a.matches(query)
    ]
    return json_response(found)


async def assays_v2_get_by_id(request: web.Request) -> web.StreamResponse:
    query = body(request)
    return json_response(ASSAYS_V2(request).get(query["id"], query).to_json())


@input_errors_answer_400
async def assays_v2_get_results(request: web.Request) -> web.StreamResponse:
    query, book = body(request), ASSAYS_V2(request)
    assay = book.get(query["id"], {"workspace_id": query.get("workspace_id")})
    return json_response([book.result(assay, w) for w in book.windows(assay, time_range(query))])


async def assays_v2_get_next_run(request: web.Request) -> web.StreamResponse:
    book = ASSAYS_V2(request)
    return json_response(book.runs(book.get(body(request)["assay_id"])))


async def assays_v2_set_active(request: web.Request) -> web.StreamResponse:
    query, book = body(request), ASSAYS_V2(request)
    assay = book.get(query["assay_id"])
    assay.active, assay.updated_at = query["active"], book.store.now()
    return json_response(None)


HANDLERS: dict[str, Handler] = {
    "assays_v2_get": assays_v2_get,
    "assays_v2_get_by_id": assays_v2_get_by_id,
    "assays_v2_get_results": assays_v2_get_results,
    "assays_v2_get_next_run": assays_v2_get_next_run,
    "assays_v2_set_active": assays_v2_set_active,
}
