"""How the sandbox decides a test result from the rows of its evaluation window.

Two measurements: `rowCount` (rows whose time falls in the window) and `meanAbsoluteError` (over
the rows that carry both a numeric prediction and a numeric ground truth, the columns their
config names). Nothing to measure means `skipped`, as Openlayer skips a test without data.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable
from typing import TypeGuard

from sandbox.core.openlayer_records import Evaluation, OpenlayerTest, ResultStatus, StreamedRow

PREDICTION_COLUMNS = ("predictionsColumnName", "outputColumnName")
GROUND_TRUTH_COLUMNS = ("targetColumnName", "groundTruthColumnName")
COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def is_number(value: object) -> TypeGuard[int | float]:
    """An int or a float, not a bool (JSON's numbers)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def _number(row: StreamedRow, roles: tuple[str, ...]) -> float | None:
    """The row's value in the first column one of `roles` names, if it is a number."""
    for role in roles:
        column = row.config.get(role)
        value = row.values.get(column) if isinstance(column, str) else None
        if is_number(value):
            return float(value)
    return None


def _mean_absolute_error(rows: list[StreamedRow]) -> float | None:
    pairs = [(_number(r, PREDICTION_COLUMNS), _number(r, GROUND_TRUTH_COLUMNS)) for r in rows]
    errors = [abs(p - t) for p, t in pairs if p is not None and t is not None]
    return sum(errors) / len(errors) if errors else None


MEASUREMENTS: dict[str, Callable[[list[StreamedRow]], float | None]] = {
    "rowCount": lambda rows: float(len(rows)),
    "meanAbsoluteError": _mean_absolute_error,
}


def evaluate(
    test: OpenlayerTest, rows: Iterable[StreamedRow], start: int, end: int, now: float
) -> Evaluation:
    """The result of `test` over the rows whose timestamp lies in [start, end]."""
    window = [row for row in rows if start <= row.timestamp <= end]
    value = MEASUREMENTS[test.measurement](window) if window else None
    if value is None:
        return Evaluation(
            ResultStatus.SKIPPED, None, len(window), f"no data to measure {test.measurement}", now
        )
    passed = COMPARISONS[test.operator](value, test.threshold)
    status = ResultStatus.PASSING if passed else ResultStatus.FAILING
    message = (
        f"{test.measurement} = {value:.6g} over {len(window)} rows "
        f"(expected {test.operator} {test.threshold:g})"
    )
    return Evaluation(status, value, len(window), message, now)
