"""sandbox.scoring: input rows in both documented encodings, deterministic stand-in models."""

from __future__ import annotations

import pytest

from sandbox.mlops.scoring import OUTPUT_FIELD, BadInput, predict, rows_from_records, rows_from_tensors

SHA = "bc85ce596945f876256f41515c7501c399fd97ebcb9ab3dd41bf03f8937b4507"


def test_native_tensors_split_into_rows() -> None:
    rows = rows_from_tensors({"tensor": [[1, 2], [3, 4]], "extra": [[5], [6]]})
    assert [r.shown for r in rows] == [{"tensor": [1, 2], "extra": [5]}, {"tensor": [3, 4], "extra": [6]}]
    assert rows[1].features == {"tensor": (3.0, 4.0), "extra": (6.0,)}
    assert [r.shown for r in rows_from_tensors([{"a": [1.5]}, {"a": 2}])] == [{"a": [1.5]}, {"a": 2}]
    assert rows_from_tensors({"a": []}) == []


def test_pandas_records_are_one_row_each() -> None:
    rows = rows_from_records([{"tensor": [1, [2, 3]]}, {"x": 4}])
    assert [r.features for r in rows] == [{"tensor": (1.0, 2.0, 3.0)}, {"x": (4.0,)}]


@pytest.mark.parametrize(
    "document", [{"a": [[1], [2]], "b": [[1]]}, {"a": ["x"]}, {"a": [[True]]}, {"a": None}, {"a": {"b": 1}}]
)
def test_unscorable_inputs(document: dict[str, object]) -> None:
    with pytest.raises(BadInput):
        rows_from_tensors(document)


def test_models_are_deterministic_per_sha_and_chain() -> None:
    features = {"tensor": (0.5, -1.0, 2.0)}
    once = predict([SHA], features)
    assert once == predict([SHA], dict(features)) and set(once) == {OUTPUT_FIELD}
    assert predict([SHA[::-1]], features) != once
    assert predict([SHA, SHA], features) == predict([SHA], {"x": once[OUTPUT_FIELD]})
    assert predict([], features) == features
