"""What the v1 and v2 assay handlers share: time parsing, a time-indexed view of a pipeline's
inference history, the walk over analysis windows, and the per-sandbox assay data.

A `Timeline` sorts a pipeline's records once and answers "the values at this iopath between these
two instants" with two bisections, so an interactive run over thirty daily windows touches each
record once. `analysis_windows` steps windows `[origin + k*step, origin + k*step + width)` forward
and skips the ones holding no inference at all: history can have gaps of months (canned 2023 data
followed by inferences made today) and an empty window has nothing to analyse. The window index
`k` is kept so that results can carry stable ids.

`AssayData` is made on a sandbox's first assay request (`PerStore`): it attaches the canned
history (`sandbox.assays.history.generate_history(seed)`) to the seeded `housepricedrift` /
`housepricepipe` pipeline, so the documents' examples find their data, and caches timelines.
The v1 and v2 assay books hang off it the same way. Result ids are a function of the assay and
the window's schedule index, so they do not depend on the order results are asked for.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, TypeVar
from weakref import WeakKeyDictionary

from aiohttp import web

from sandbox.assays.history import IoPath, generate_history, select_values
from sandbox.assays.math import Summary, format_time, summarize_window
from sandbox.core.context import settings, store
from sandbox.core.errors import ApiError
from sandbox.core.records import InferenceRecord, Pipeline
from sandbox.core.seed import HOUSEPRICE_MODEL, HOUSEPRICE_PIPELINE, HOUSEPRICE_WORKSPACE
from sandbox.core.settings import SandboxSettings
from sandbox.core.store import Store, UnknownEntity

T = TypeVar("T")

#: Upper bounds on what one request may analyse (guards against "1 minute" windows over years).
MAX_WINDOWS = 2_000
MAX_ANALYSED_RECORDS = 200_000
#: Result ids: `assay_number * RESULT_ID_BLOCK + window_index + 1`.
RESULT_ID_BLOCK = 1_000_000_000

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_DURATION = re.compile(
    r"^\s*([0-9]+)\s*(ms|(?:millisecond|second|minute|hour|day|week)s?)\s*$", re.IGNORECASE
)
_UNIT_MS = {"ms": 1, "millisecond": 1, "second": 1_000, "minute": 60_000, "hour": 3_600_000}
_UNIT_MS |= {"day": 24 * _UNIT_MS["hour"], "week": 168 * _UNIT_MS["hour"]}


class AssayInputError(ValueError):
    """A request that is valid against the spec but cannot be analysed (answered 400)."""


def parse_time(value: Any) -> datetime:
    """An RFC 3339 / ISO 8601 date-time as an aware UTC datetime (naive means UTC)."""
    try:
        parsed = datetime.fromisoformat(str(value).strip().replace("z", "Z"))
    except ValueError:
        raise AssayInputError(f"not a date-time: {value!r}") from None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def parse_optional_time(value: Any) -> datetime | None:
    return None if value is None else parse_time(value)


def time_range(query: Mapping[str, Any]) -> tuple[datetime | None, datetime | None]:
    """A request's optional `start` and `end` date-times."""
    return parse_optional_time(query.get("start")), parse_optional_time(query.get("end"))


def render_time(value: datetime | None) -> str | None:
    """'2023-01-02T05:00:00Z' (the assay results' style)."""
    return format_time(value)


def parse_duration(text: str) -> timedelta:
    """'24 hours', '1 day', '30 minutes', '2 weeks' or the SDK's '86400000 ms' as a positive
    timedelta."""
    match = _DURATION.match(text)
    if match is None:
        raise AssayInputError(f"not a duration like '24 hours': {text!r}")
    unit = match.group(2).lower()
    millis = int(match.group(1)) * _UNIT_MS[unit if unit == "ms" else unit.removesuffix("s")]
    if millis <= 0:
        raise AssayInputError(f"a duration must be positive: {text!r}")
    try:
        return timedelta(milliseconds=millis)
    except OverflowError:
        raise AssayInputError(f"a duration too long to handle: {text!r}") from None


def _micros(value: datetime) -> int:
    delta = value - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _from_micros(value: int) -> datetime:
    return EPOCH + timedelta(microseconds=value)


class Timeline:
    """A pipeline's inference records in time order, searchable by time range."""

    __slots__ = ("_micros", "records")

    def __init__(self, records: Iterable[InferenceRecord]) -> None:
        ordered = list(records)
        if any(b.time < a.time for a, b in itertools.pairwise(ordered)):
            ordered.sort(key=lambda r: r.time)
        self.records: Sequence[InferenceRecord] = ordered
        self._micros = [_micros(r.time) for r in ordered]

    def __len__(self) -> int:
        return len(self.records)

    @property
    def last_time(self) -> datetime | None:
        return self.records[-1].time if self.records else None

    def between(self, start: datetime | None, end: datetime | None) -> Sequence[InferenceRecord]:
        """Records with `start <= time < end` (either bound optional)."""
        lo = 0 if start is None else bisect.bisect_left(self._micros, _micros(start))
        hi = len(self._micros) if end is None else bisect.bisect_left(self._micros, _micros(end))
        return self.records[lo:hi] if lo < hi else ()

    def values(
        self, path: IoPath, start: datetime | None, end: datetime | None, model: str | None = None
    ) -> list[float]:
        return select_values(self.between(start, end), path, model=model)

    def index_at(self, micros: int) -> int:
        """The position of the first record at or after `micros` (µs since the epoch)."""
        return bisect.bisect_left(self._micros, micros)

    def micros_of(self, index: int) -> int:
        """The time of record `index` in µs since the epoch."""
        return self._micros[index]


@dataclass(frozen=True, slots=True)
class Window:
    """One analysis window `[start, end)`; `index` is its position in the schedule (from 0)."""

    index: int
    start: datetime
    end: datetime

    def summarize(
        self, timeline: Timeline, path: IoPath, baseline: Summary, model: str | None = None
    ) -> Summary:
        values = timeline.values(path, self.start, self.end, model)
        return summarize_window(values, baseline, start=self.start, end=self.end)


def analysis_windows(
    timeline: Timeline,
    origin: datetime,
    width: timedelta,
    step: timedelta,
    *,
    stop: datetime | None = None,
    completed_by: datetime | None = None,
    starting: tuple[datetime | None, datetime | None] = (None, None),
    limit: int | None = None,
) -> list[Window]:
    """Windows `[origin + k*step, origin + k*step + width)`, k >= 0, that hold any record.

    The walk ends with the data, before a window starting at or after `stop`, and (with
    `completed_by`) before a window that has not ended by then. `starting` keeps the windows
    whose start lies in `[from, to)`, `limit` the first so many. Listing the windows only
    bisects; before anything is summarised it raises AssayInputError past MAX_WINDOWS windows or
    MAX_ANALYSED_RECORDS records in all (a record counts once per window holding it), so that
    one request cannot keep the sandbox busy for seconds.
    """
    if width <= timedelta(0) or step <= timedelta(0):
        raise AssayInputError("window width and interval must be positive")
    origin_us, width_us, step_us = _micros(origin), _micros(EPOCH + width), _micros(EPOCH + step)
    ends = [_micros(t) for t in (stop, starting[1]) if t is not None]
    stop_us = min(ends) if ends else None
    done_us = None if completed_by is None else _micros(completed_by)
    # The first window starting at or after `starting[0]` (ceiling division).
    k = 0 if starting[0] is None else max(0, -((origin_us - _micros(starting[0])) // step_us))
    records = 0
    found: list[Window] = []
    while limit is None or len(found) < limit:
        start_us = origin_us + k * step_us
        end_us = start_us + width_us
        if (stop_us is not None and start_us >= stop_us) or (done_us is not None and end_us > done_us):
            break
        first = timeline.index_at(start_us)
        if first == len(timeline):
            break
        first_us = timeline.micros_of(first)
        if first_us >= end_us:
            # Jump to the first window whose end lies past the next record.
            k = max(k + 1, (first_us - width_us - origin_us) // step_us + 1)
            continue
        records += timeline.index_at(end_us) - first
        if len(found) >= MAX_WINDOWS or records > MAX_ANALYSED_RECORDS:
            raise AssayInputError(
                f"more than {MAX_WINDOWS} windows or {MAX_ANALYSED_RECORDS} records to analyse: "
                "narrow the range or widen the interval"
            )
        found.append(Window(k, _from_micros(start_us), _from_micros(end_us)))
        k += 1
    return found


# --------------------------------------------------------------------------- per-sandbox state


def result_id(assay_number: int, window_index: int) -> int:
    """A result's id, the same whenever and in whatever order results are asked for."""
    return assay_number * RESULT_ID_BLOCK + window_index + 1


class PerStore(Generic[T]):
    """One `T` per sandbox (per Store), made by `factory` on first use and dropped with the store."""

    def __init__(self, factory: Callable[[Store, SandboxSettings], T]) -> None:
        self._factory = factory
        self._made: WeakKeyDictionary[Store, T] = WeakKeyDictionary()

    def of(self, the_store: Store, the_settings: SandboxSettings) -> T:
        made = self._made.get(the_store)
        if made is None:
            made = self._made[the_store] = self._factory(the_store, the_settings)
        return made

    def __call__(self, request: web.Request) -> T:
        return self.of(store(request), settings(request))


def attach_canned_history(the_store: Store, seed: int) -> Pipeline | None:
    """Add the seed's canned history to the seeded `housepricepipe` (None if it is not there)."""
    workspace = next((w for w in the_store.workspaces.values() if w.name == HOUSEPRICE_WORKSPACE), None)
    if workspace is None:
        return None
    try:
        pipeline = the_store.pipeline_by_name(workspace.id, HOUSEPRICE_PIPELINE)
    except UnknownEntity:
        return None
    the_store.record_inferences(pipeline.id, generate_history(seed, HOUSEPRICE_PIPELINE, HOUSEPRICE_MODEL))
    return pipeline


class AssayData:
    """A sandbox's inference histories as timelines (with the canned history attached)."""

    def __init__(self, the_store: Store, the_settings: SandboxSettings) -> None:
        self.store = the_store
        self.canned_pipeline = attach_canned_history(the_store, the_settings.seed)
        self._timelines: dict[int, Timeline] = {}

    def timeline(self, pipeline: Pipeline) -> Timeline:
        """The pipeline's history as a Timeline (rebuilt only when records were added)."""
        cached = self._timelines.get(pipeline.id)
        if cached is None or len(cached) != len(pipeline.inferences):
            cached = self._timelines[pipeline.id] = Timeline(pipeline.inferences)
        return cached

    def pipeline_named(self, workspace_id: int, name: str, default: Pipeline) -> Pipeline:
        """`default` if it has that name, else the workspace's pipeline called `name` (404)."""
        return default if default.name == name else self.store.pipeline_by_name(workspace_id, name)


ASSAY_DATA = PerStore(AssayData)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def input_errors_answer_400(handler: Handler) -> Handler:
    """Answer AssayInputError, the assay maths' ValueErrors and date arithmetic past year 9999
    (OverflowError) as 400 Error bodies."""

    @functools.wraps(handler)
    async def wrapped(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except (ValueError, OverflowError) as exc:
            raise ApiError(400, str(exc) or type(exc).__name__) from None

    return wrapped
