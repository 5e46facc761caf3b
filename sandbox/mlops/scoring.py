"""Deterministic stand-in models: inference input rows in, outputs out.

A deployed model answers like a linear regression whose weights and bias are derived from the
SHA-256 of the model file, so the same model and the same inputs always give the same outputs
(and a different upload gives different ones). A pipeline with several models chains them; an
empty pipeline echoes its inputs. Inputs come in the two documented encodings: Wallaroo's
native named tensors (`{"tensor": [[...], [...]]}`, or a list of such objects) and pandas
records (`[{"tensor": [...]}, ...]`, one object per row).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

OUTPUT_FIELD = "variable"


class BadInput(ValueError):
    """The inference input cannot be scored (not numbers, ragged row counts)."""


@dataclass(frozen=True, slots=True)
class Row:
    """One input row: as the response's `in` shows it, and as named flat feature vectors."""

    shown: dict[str, Any]
    features: dict[str, tuple[float, ...]]


def _flatten(value: Any, name: str) -> tuple[float, ...]:
    flat: list[float] = []
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(reversed(item))
        elif isinstance(item, int | float) and not isinstance(item, bool):
            flat.append(float(item))
        else:
            raise BadInput(f"input {name!r} holds a non-numeric value: {item!r}")
    return tuple(flat)


def _row_values(value: Any) -> list[Any]:
    """A named tensor's rows: a list of lists is a batch, anything else one row."""
    if isinstance(value, list) and value and all(isinstance(v, list) for v in value):
        return value
    if isinstance(value, list) and not value:
        return []
    return [value]


def rows_from_tensors(document: Mapping[str, Any] | Sequence[Mapping[str, Any]]) -> list[Row]:
    """Rows of Wallaroo's native JSON input (one object of named tensors, or a list of them)."""
    rows: list[Row] = []
    for tensors in [document] if isinstance(document, Mapping) else document:
        columns = {name: _row_values(value) for name, value in tensors.items()}
        counts = {len(values) for values in columns.values()}
        if len(counts) > 1:
            raise BadInput(f"the named tensors have different row counts: {sorted(counts)}")
        for index in range(counts.pop() if counts else 0):
            shown = {name: values[index] for name, values in columns.items()}
            rows.append(Row(shown, {name: _flatten(v, name) for name, v in shown.items()}))
    return rows


def rows_from_records(records: Sequence[Mapping[str, Any]]) -> list[Row]:
    """Rows of a pandas DataFrame in records orientation (one object per row)."""
    return [Row(dict(record), {name: _flatten(v, name) for name, v in record.items()}) for record in records]


def _unit(sha: str, index: int) -> float:
    digest = hashlib.blake2b(f"{sha}:{index}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**63 - 1.0


@lru_cache(maxsize=256)
def _weights(sha: str, count: int) -> tuple[float, ...]:
    return tuple(_unit(sha, i) / math.sqrt(count) for i in range(count))


def _linear(sha: str, values: Sequence[float]) -> float:
    bias = 10.0 + 5.0 * _unit(sha, -1)
    # Plain sum, not math.fsum: huge inputs may overflow to inf, which must not raise.
    return bias + sum(w * x for w, x in zip(_weights(sha, len(values)), values, strict=True))


def predict(
    model_shas: Sequence[str], features: Mapping[str, tuple[float, ...]]
) -> dict[str, tuple[float, ...]]:
    """The outputs of a chain of models (by file SHA-256) for one row; no models echo the inputs."""
    if not model_shas:
        return dict(features)
    values: Sequence[float] = [x for vector in features.values() for x in vector]
    for sha in model_shas:
        values = (_linear(sha, values),)
    return {OUTPUT_FIELD: tuple(values)}
