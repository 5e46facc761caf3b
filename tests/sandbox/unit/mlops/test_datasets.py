"""The dataset parameters of inference answers and log pages: which parts show, which are
dropped, and how a separator flattens them."""

from __future__ import annotations

from multidict import MultiDict

from sandbox.mlops.datasets import Dataset

RECORD = {
    "time": 1,
    "in": {"tensor": [1.0, 2.0]},
    "out": {"variable": [3.0]},
    "anomaly": {"count": 0},
    "metadata": {"last_model": "{}", "elapsed": [5]},
}


def test_no_parameters_show_every_part_as_it_is() -> None:
    assert Dataset.from_query(MultiDict()).apply(RECORD) == RECORD


def test_the_sdks_defaults_show_all_but_metadata_flattened() -> None:
    query = MultiDict([("dataset[]", "*"), ("dataset.exclude[]", "metadata"), ("dataset.separator", ".")])
    assert Dataset.from_query(query).apply(RECORD) == {
        "time": 1,
        "in.tensor": [1.0, 2.0],
        "out.variable": [3.0],
        "anomaly.count": 0,
    }


def test_named_parts_repeated_values_and_dotted_exclusions() -> None:
    query = MultiDict(
        [("dataset[]", "time"), ("dataset[]", "metadata"), ("dataset.exclude[]", "metadata.elapsed")]
    )
    assert Dataset.from_query(query).apply(RECORD) == {"time": 1, "metadata": {"last_model": "{}"}}
    assert RECORD["metadata"] == {"last_model": "{}", "elapsed": [5]}  # the record itself is untouched
    star = Dataset(("*", "metadata"), ("in",), "/").apply(RECORD)
    assert star == {
        "time": 1,
        "out/variable": [3.0],
        "anomaly/count": 0,
        "metadata/last_model": "{}",
        "metadata/elapsed": [5],
    }
