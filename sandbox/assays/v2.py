"""Handlers of the assays v2 operations: get (list), get by id, get_results, get_next_run,
set_active, and the client's schedule, preview and preview_baseline_binning, over the
pipelines' inference history.

A sandbox starts with `SEEDED` assays on the canned `housepricepipe` history (one active, one
inactive), whose baseline is the documents' baseline day; `schedule` adds more. A v2 assay runs
at `first_run + k * frequency`; each run analyses the window `[run - width, run)`. Results are
computed on demand for the runs whose window holds data and that are due by now; a preview
computes the same for the runs whose window lies in its range, on an assay that is never stored
(id: the nil UUID). `get_next_run` reports the last run that the data reaches and the one after it
(none while the assay is inactive). A baseline is summarised once, when the assay is made.
Everything is deterministic: seeded uuids come from the seed, `analyzed_at` is the window's end,
`elapsed_millis` 0.
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
    AssayInputError,
    PerStore,
    Window,
    analysis_windows,
    input_errors_answer_400,
    parse_time,
    render_time,
    result_id,
    time_range,
)
from sandbox.assays.history import DEFAULT_START
from sandbox.assays.math import Aggregation, BinMode, Metric, Summary, score, status, summary_to_v2
from sandbox.assays.v2_definition import (
    AssayDefinitionV2,
    DataOrigin,
    RangeBaseline,
    ScheduleV2,
    Target,
    UnivariateV2,
    baseline_summaries,
    parse_baseline,
    parse_definition,
    parse_summarizer,
    parse_targeting,
)
from sandbox.core.context import body
from sandbox.core.records import Pipeline
from sandbox.core.responses import json_response
from sandbox.core.settings import SandboxSettings
from sandbox.core.store import UnknownEntity

_SEVERITY = {"Ok": 0, "Warning": 1, "Alert": 2}
#: A preview's assay is not stored: it has no id of its own.
PREVIEW_ID = str(uuid.UUID(int=0))


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
SEEDED_SUMMARIZER = UnivariateV2(BinMode.QUANTILE, 5, None, Aggregation.DENSITY, Metric.PSI, None)


@dataclass(slots=True)
class AssayV2:
    """A v2 assay: its definition, its pipeline and its baseline summarised per monitored key."""

    id: str
    number: int
    name: str
    definition: AssayDefinitionV2
    baseline: dict[str, Summary]
    pipeline: Pipeline
    workspace_name: str
    created_at: datetime
    updated_at: datetime
    active: bool

    @property
    def schedule(self) -> ScheduleV2:
        return self.definition.schedule

    @property
    def width(self) -> timedelta:
        return self.definition.width

    @property
    def thresholds(self) -> Target:
        return self.definition.targets[0]

    def to_json(self) -> dict[str, Any]:
        d = self.definition
        return {
            "id": self.id,
            "name": self.name,
            "scheduling": d.schedule.to_json(),
            "baseline": {"Summary": {key: summary_to_v2(s, key) for key, s in self.baseline.items()}},
            "window": {"width": {"seconds": int(d.width.total_seconds())}},
            "summarizer": d.summarizer.to_json(),
            "targeting": {
                "data_origin": {
                    "pipeline_name": self.pipeline.name,
                    "pipeline_id": self.pipeline.id,
                    "workspace_name": self.workspace_name,
                    "workspace_id": self.pipeline.workspace_id,
                    "model_id": d.origin.model_id,
                    "locations": None,
                },
                "iopath": [t.to_json() for t in d.targets],
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
    """A sandbox's v2 assays (seeded, then scheduled) and their results."""

    def __init__(self, data: AssayData, the_settings: SandboxSettings) -> None:
        self.data = data
        self.store = data.store
        self.assays: dict[str, AssayV2] = {}
        self._ids = random.Random(f"assays-v2:{the_settings.seed}")
        pipeline = data.canned_pipeline
        if pipeline is not None:
            created = BASELINE_START + BASELINE_WIDTH
            for seed in SEEDED:
                self._add(self.make(self._seeded(seed, pipeline), seed.name, created)).active = seed.active

    def _seeded(self, seed: SeedAssay, pipeline: Pipeline) -> AssayDefinitionV2:
        end = BASELINE_START + BASELINE_WIDTH
        records = self.data.timeline(pipeline).between(BASELINE_START, end)
        return AssayDefinitionV2(
            baseline=RangeBaseline(BASELINE_START, end),
            summarizer=SEEDED_SUMMARIZER,
            # the first run analyses the day after the baseline
            schedule=ScheduleV2(end + BASELINE_WIDTH, None, seed.unit, seed.quantity),
            width=BASELINE_WIDTH,
            origin=DataOrigin(pipeline.id, pipeline.workspace_id, next((r.model for r in records), None)),
            targets=(seed.target,),
        )

    def make(self, definition: AssayDefinitionV2, name: str, now: datetime) -> AssayV2:
        """An active assay, not stored (id PREVIEW_ID, number 0), its baseline summarised; 404 for
        an unknown pipeline or one outside the named workspace."""
        pipeline = self.store.pipeline(definition.origin.pipeline_id)
        if pipeline.workspace_id != definition.origin.workspace_id:
            raise UnknownEntity("pipeline", pipeline.id)
        baseline = baseline_summaries(
            definition.baseline,
            definition.summarizer,
            definition.targets,
            self.data.timeline(pipeline),
            definition.origin.model_id,
        )
        workspace = self.store.workspace(pipeline.workspace_id)
        return AssayV2(PREVIEW_ID, 0, name, definition, baseline, pipeline, workspace.name, now, now, True)

    def _add(self, assay: AssayV2) -> AssayV2:
        """Store `assay` under a fresh id (drawn from the seeded generator)."""
        assay.id = str(uuid.UUID(int=self._ids.getrandbits(128), version=4))
        assay.number = len(self.assays) + 1
        self.assays[assay.id] = assay
        return assay

    def schedule(self, definition: AssayDefinitionV2, name: str) -> AssayV2:
        return self._add(self.make(definition, name, self.store.now()))

    def get(self, assay_id: str, query: Mapping[str, Any] | None = None) -> AssayV2:
        assay = self.assays.get(assay_id.lower())
        if assay is None or (query is not None and not assay.matches(query)):
            raise UnknownEntity("assay", assay_id)
        return assay

    def _due(self, assay: AssayV2) -> datetime:
        """The latest instant a run may have happened: now, capped by the schedule's end."""
        now, end = self.store.now(), assay.schedule.end
        return now if end is None else min(now, end)

    def windows(
        self,
        assay: AssayV2,
        starting: tuple[datetime | None, datetime | None],
        until: datetime | None = None,
    ) -> list[Window]:
        """The windows of the runs due by `until` (default: by now) whose window holds data and
        starts in `starting`."""
        due = self._due(assay)
        return analysis_windows(
            self.data.timeline(assay.pipeline),
            assay.schedule.first_run - assay.width,
            assay.width,
            assay.schedule.frequency,
            completed_by=due if until is None else min(until, assay.schedule.end or until),
            starting=starting,
        )

    def result(self, assay: AssayV2, window: Window) -> dict[str, Any]:
        timeline = self.data.timeline(assay.pipeline)
        d = assay.definition
        scores: dict[str, Any] = {}
        summaries: dict[str, Any] = {}
        worst = "Ok"
        for target in d.targets:
            for key, path in target.paths():
                summary = window.summarize(timeline, path, assay.baseline[key], d.origin.model_id)
                scored = score(assay.baseline[key], summary, d.summarizer.metric, d.summarizer.bin_weights)
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
        first_run, frequency, end = assay.schedule.first_run, assay.schedule.frequency, assay.schedule.end
        last: datetime | None = None
        if last_data is not None:
            bound = min(last_data + assay.width, self._due(assay))
            if bound >= first_run:
                last = first_run + ((bound - first_run) // frequency) * frequency
        upcoming = first_run if last is None else last + frequency
        scheduled = assay.active and (end is None or upcoming <= end)
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


@input_errors_answer_400
async def assays_v2_schedule(request: web.Request) -> web.StreamResponse:
    query = body(request)
    return json_response(ASSAYS_V2(request).schedule(parse_definition(query), query["name"]).id)


@input_errors_answer_400
async def assays_v2_preview(request: web.Request) -> web.StreamResponse:
    query, book = body(request), ASSAYS_V2(request)
    assay = book.make(parse_definition(query), "preview", book.store.now())
    start, end = parse_time(query["preview_start"]), parse_time(query["preview_end"])
    return json_response([book.result(assay, w) for w in book.windows(assay, (start, None), until=end)])


@input_errors_answer_400
async def assays_v2_preview_baseline_binning(request: web.Request) -> web.StreamResponse:
    query, book = body(request), ASSAYS_V2(request)
    baseline = query["baseline"]
    if "Summary" in baseline:
        return json_response(baseline["Summary"])  # already binned: returned as given
    if query.get("targeting") is None:
        raise AssayInputError("a baseline is binned for the targeting's fields: targeting is missing")
    origin, targets = parse_targeting(query["targeting"])
    pipeline = book.store.pipeline(origin.pipeline_id)
    summaries = baseline_summaries(
        parse_baseline(baseline),
        parse_summarizer(query["summarizer"]),
        targets,
        book.data.timeline(pipeline),
        origin.model_id,
    )
    return json_response({key: summary_to_v2(s, key) for key, s in summaries.items()})


HANDLERS: dict[str, Handler] = {
    "assays_v2_get": assays_v2_get,
    "assays_v2_get_by_id": assays_v2_get_by_id,
    "assays_v2_get_results": assays_v2_get_results,
    "assays_v2_get_next_run": assays_v2_get_next_run,
    "assays_v2_set_active": assays_v2_set_active,
    "assays_v2_schedule": assays_v2_schedule,
    "assays_v2_preview": assays_v2_preview,
    "assays_v2_preview_baseline_binning": assays_v2_preview_baseline_binning,
}
