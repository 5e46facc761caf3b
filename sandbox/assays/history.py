"""Deterministic canned inference history for the sandbox's assays.

The documents' assay examples run over weeks of historical inferences of a house-price
model ('housepricemodel' in pipeline 'housepricepipe': 17 standardised input features in
field 'tensor', a log-price output in field 'dense_2', about 180 inferences a day). This
module generates such a history from a seed (``random.Random(seed)`` only, no global
state), with inputs and output drifting gradually in later days so that assays produce a
mix of Ok, Warning and Alert results. It also selects values by a v1 iopath
('output dense_2 0') or a v2 field ('out.dense_2' plus an index) within a ``[start, end)``
time range, and renders records in the ``/v1/api/assays/get_baseline`` row shape.
"""

from __future__ import annotations

import json
import math
import random
import struct
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from sandbox.core.records import InferenceRecord

DEFAULT_PIPELINE = "housepricepipe"
DEFAULT_MODEL = "housepricemodel"
DEFAULT_INPUT_FIELD = "tensor"
DEFAULT_OUTPUT_FIELD = "dense_2"
#: Start of the documents' baseline day (2023-01-01T00:00:00-05:00).
DEFAULT_START = datetime(2023, 1, 1, 5, 0, tzinfo=UTC)
FEATURE_COUNT = 17

_DAY_MS = 86_400_000

# Discrete standardised levels seen in the documents' rows (bedrooms, bathrooms, ...).
_BEDROOM_BASE = -0.39764636440424433
_BEDROOM_STEP = 0.6752651953165153 - _BEDROOM_BASE
_BATH_BASE = -0.4732014898144956
_BATH_STEP = 0.4999342471069234 - _BATH_BASE
_CONDITION_BASE = -0.6285378875598833
_CONDITION_STEP = 0.905425782569012 - _CONDITION_BASE
_GRADE_BASE = -0.5584151415472702
_GRADE_STEP = 0.29288456205300767 - _GRADE_BASE


# Exact values printed in the documents; a computed level this close to one is replaced by it.
_KNOWN_LEVELS = (
    -3.6163810435665233,
    -1.470557924125004,
    -0.39764636440424433,
    0.6752651953165153,
    -1.4463372267359147,
    -0.4732014898144956,
    0.4999342471069234,
    -0.6285378875598833,
    0.905425782569012,
    2.4393894526979074,
    -0.5584151415472702,
    0.29288456205300767,
)


def _levels(
    base: float, step: float, weights: Mapping[int, float]
) -> tuple[tuple[float, ...], tuple[float, ...]]:
    ks = sorted(weights)
    values: list[float] = []
    for k in ks:
        level = base + k * step
        values.append(next((v for v in _KNOWN_LEVELS if abs(v - level) < 1e-9), level))
    return tuple(values), tuple(weights[k] for k in ks)


# Per feature: ("normal", mean, sd) or ("choice", values, weights).
_FEATURES: tuple[tuple[Any, ...], ...] = (
    (
        "choice",
        *_levels(_BEDROOM_BASE, _BEDROOM_STEP, {-3: 1, -2: 10, -1: 130, 0: 450, 1: 320, 2: 75, 3: 12, 4: 2}),
    ),
    ("choice", *_levels(_BATH_BASE, _BATH_STEP, {-1: 180, 0: 420, 1: 290, 2: 90, 3: 20})),
    ("normal", 0.0, 1.0),  # sqft_living (drifts)
    ("normal", 0.0, 0.9),
    ("choice", (-0.08666382440547035, 11.538572267864659), (992, 8)),  # waterfront
    ("normal", 0.0, 0.6),
    ("normal", 0.0, 0.3),
    ("choice", (-0.9179715198382244, 0.005746226275241667, 0.9294639723887077), (55, 35, 10)),  # floors
    ("choice", (-0.305653139057544, 2.2939380264423493, 3.593733609192296), (90, 6, 4)),  # view
    ("choice", *_levels(_CONDITION_BASE, _CONDITION_STEP, {-1: 30, 0: 620, 1: 270, 2: 80})),
    ("choice", *_levels(_GRADE_BASE, _GRADE_STEP, {-2: 40, -1: 250, 0: 420, 1: 200, 2: 70, 3: 20})),
    ("normal", 0.0, 1.0),  # sqft_above (drifts)
    ("normal", 0.0, 1.0),  # sqft_basement-ish (drifts)
    ("normal", 0.0, 1.0),
    ("choice", (-0.20817781526102327, 4.803586044887034), (96, 4)),  # yr_renovated
    ("normal", 0.0, 1.0),  # sqft_living15 (drifts)
    ("normal", 0.0, 0.5),
)
_BETAS: tuple[float, ...] = (
    0.03, 0.05, 0.20, 0.02, 0.03, 0.08, 0.02, 0.03, 0.04,
    0.03, 0.12, 0.12, 0.10, 0.04, 0.02, 0.10, 0.02,
)  # fmt: skip
_INTERCEPT = 13.02
_NOISE_SD = 0.27
_DRIFTING = (2, 11, 12, 15)
_DRIFT_SCALE = 0.9  # feature shift (in sd) per unit of drift at full ramp


def _as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _float32(value: float) -> float:
    result: float = struct.unpack("f", struct.pack("f", value))[0]
    return result


def drift_shift(day: int, days: int, drift: float) -> float:
    """Feature shift (in standard deviations) applied on ``day`` of ``days``.

    Zero on the baseline day and a short quiet period after it (``max(2, days // 6)``
    days), then a linear ramp reaching ``drift * 0.9`` on the last day.
    """
    quiet = max(2, days // 6)
    if day < quiet or days <= quiet:
        return 0.0
    return drift * _DRIFT_SCALE * (day - quiet + 1) / (days - quiet)


def _sample_features(rng: random.Random, shift: float) -> list[float]:
    row: list[float] = []
    for j, spec in enumerate(_FEATURES):
        if spec[0] == "normal":
            value = rng.gauss(spec[1], spec[2])
            if j in _DRIFTING:
                value += shift * spec[2]
        else:
            value = rng.choices(spec[1], weights=spec[2])[0]
        row.append(value)
    return row


def generate_history(
    seed: int,
    pipeline: str = DEFAULT_PIPELINE,
    model: str = DEFAULT_MODEL,
    start: datetime = DEFAULT_START,
    days: int = 31,
    per_day: int = 181,
    drift: float = 1.0,
    *,
    model_sha: str = "test_version",
    input_field: str = DEFAULT_INPUT_FIELD,
    output_field: str = DEFAULT_OUTPUT_FIELD,
) -> list[InferenceRecord]:
    """Generate ``days`` days of inferences from ``start`` (day 0 is the baseline day).

    Day 0 has exactly ``per_day`` records, later days ``per_day`` +- 2. Times are spread
    randomly within each day and sorted. Outputs are float32-rounded log prices (about
    12-14.5 on day 0). ``drift`` scales the gradual shift of four input features (and so
    of the output) after the quiet period; ``drift=0`` gives a stationary history.
    Deterministic: the same arguments always give the same list.
    """
    if days < 0 or per_day < 0:
        raise ValueError("days and per_day must be non-negative")
    rng = random.Random(seed)
    origin = _as_utc(start)
    records: list[InferenceRecord] = []
    for day in range(days):
        count = per_day if day == 0 or per_day == 0 else max(0, per_day + rng.randint(-2, 2))
        shift = drift_shift(day, days, drift)
        offsets = sorted(rng.randrange(_DAY_MS) for _ in range(count))
        day_start = origin + timedelta(days=day)
        for offset in offsets:
            features = _sample_features(rng, shift)
            log_price = _INTERCEPT + math.fsum(b * x for b, x in zip(_BETAS, features, strict=True))
            log_price += rng.gauss(0.0, _NOISE_SD)
            records.append(
                InferenceRecord(
                    time=day_start + timedelta(milliseconds=offset),
                    pipeline=pipeline,
                    model=model,
                    model_sha=model_sha,
                    inputs={input_field: tuple(features)},
                    outputs={output_field: (_float32(log_price),)},
                    elapsed_ns=rng.randint(90, 320),
                )
            )
    return records


# --------------------------------------------------------------------------- selection


@dataclass(frozen=True, slots=True)
class IoPath:
    """Which value of a record to read: inputs or outputs, a field, an element index.

    ``field`` is a field name or, when it is all digits and no field has that name, the
    field's position. ``index`` None means every element of the field.
    """

    direction: Literal["input", "output"]
    field: str
    index: int | None = 0

    @property
    def v2_field(self) -> str:
        """The v2 field name: 'in.tensor' / 'out.dense_2'."""
        return ("in." if self.direction == "input" else "out.") + self.field

    @property
    def v1_iopath(self) -> str:
        """The v1 iopath string: 'output dense_2 0'."""
        return f"{self.direction} {self.field} {0 if self.index is None else self.index}"


_DIRECTIONS: dict[str, Literal["input", "output"]] = {
    "input": "input",
    "inputs": "input",
    "in": "input",
    "output": "output",
    "outputs": "output",
    "out": "output",
}


def parse_iopath(iopath: str) -> IoPath:
    """Parse a v1 iopath "input|output <field> <index>" (e.g. 'output dense_2 0', 'input 0 0')."""
    parts = iopath.split()
    if len(parts) != 3 or parts[0].lower() not in _DIRECTIONS:
        raise ValueError(f"iopath must be 'input|output <field> <index>': {iopath!r}")
    try:
        index = int(parts[2])
    except ValueError:
        raise ValueError(f"iopath index must be an integer: {iopath!r}") from None
    if index < 0:
        raise ValueError(f"iopath index must be non-negative: {iopath!r}")
    return IoPath(_DIRECTIONS[parts[0].lower()], parts[1], index)


def parse_v2_field(field: str, index: int | None = None) -> IoPath:
    """Parse a v2 field name ('out.dense_2', 'in.tensor') with an optional element index."""
    prefix, sep, name = field.partition(".")
    if not sep or not name or prefix.lower() not in ("in", "out"):
        raise ValueError(f"v2 field must look like 'in.<name>' or 'out.<name>': {field!r}")
    if index is not None and index < 0:
        raise ValueError("index must be non-negative")
    return IoPath(_DIRECTIONS[prefix.lower()], name, index)


def _field_values(record: InferenceRecord, path: IoPath) -> tuple[float, ...] | None:
    mapping = record.inputs if path.direction == "input" else record.outputs
    if path.field in mapping:
        return mapping[path.field]
    if path.field.isdigit():
        position = int(path.field)
        names = list(mapping)
        if position < len(names):
            return mapping[names[position]]
    return None


def select_records(
    records: Iterable[InferenceRecord],
    start: datetime | None = None,
    end: datetime | None = None,
    *,
    pipeline: str | None = None,
    model: str | None = None,
) -> list[InferenceRecord]:
    """Records with ``start <= time < end`` (either bound optional; naive bounds are UTC)."""
    lo = _as_utc(start) if start is not None else None
    hi = _as_utc(end) if end is not None else None
    return [
        r
        for r in records
        if (lo is None or r.time >= lo)
        and (hi is None or r.time < hi)
        and (pipeline is None or r.pipeline == pipeline)
        and (model is None or r.model == model)
    ]


def select_values(
    records: Iterable[InferenceRecord],
    path: str | IoPath,
    start: datetime | None = None,
    end: datetime | None = None,
    *,
    pipeline: str | None = None,
    model: str | None = None,
) -> list[float]:
    """Values at ``path`` (a v1 iopath string or an :class:`IoPath`) within ``[start, end)``.

    Records lacking the field or the index are skipped; ``index`` None takes every element.
    """
    io = parse_iopath(path) if isinstance(path, str) else path
    values: list[float] = []
    for record in select_records(records, start, end, pipeline=pipeline, model=model):
        field = _field_values(record, io)
        if field is None:
            continue
        if io.index is None:
            values.extend(field)
        elif io.index < len(field):
            values.append(field[io.index])
    return values


def has_field(records: Sequence[InferenceRecord], path: str | IoPath) -> bool:
    """Whether any record carries the field and index named by ``path``."""
    io = parse_iopath(path) if isinstance(path, str) else path
    for record in records:
        field = _field_values(record, io)
        if field is not None and (io.index is None or io.index < len(field)):
            return True
    return False


def to_baseline_row(record: InferenceRecord) -> dict[str, Any]:
    """The ``/v1/api/assays/get_baseline`` row shape of the documents."""
    row: dict[str, Any] = {"time": record.time_ms}
    for name, values in record.inputs.items():
        row[f"in.{name}"] = list(values)
    for name, values in record.outputs.items():
        row[f"out.{name}"] = list(values)
    row["metadata.last_model"] = json.dumps({"model_name": record.model, "model_sha": record.model_sha})
    row["metadata.profile"] = json.dumps({"elapsed_ns": record.elapsed_ns})
    return row
