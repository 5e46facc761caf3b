"""Path shapes of undocumented calls: contract words and snake_case verbs stay, everything else that
could be an id, a name or a value is folded, and the shape is bounded in length."""

from __future__ import annotations

import os

from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.contract import Contract
from gateway.contract.path_shape import MAX_SEGMENTS, PARAM, PathShaper

SHAPER = PathShaper(op.path_template for op in Contract.load().operations.values())


def test_contract_segments_and_api_verbs_are_kept() -> None:
    for path in ("/v1/api/pipelines/get_pipeline_by_name", "/v2/api/assays/preview_baseline_binning"):
        assert SHAPER.shape(path) == path


def test_ids_names_and_single_words_are_folded() -> None:
    infer = "/v1/api/pipelines/infer/ccfraud-7/ccfraud"
    assert SHAPER.shape(infer) == "/v1/api/pipelines/infer/{param}/{param}"
    assert SHAPER.shape("/v1/api/models/3f2a9c1e-0000-4000-8000-1234567890ab") == "/v1/api/models/{param}"
    assert SHAPER.shape("/v1/api/Models/get.json") == "/v1/api/{param}/{param}"
    assert SHAPER.shape("/v1/api/x_1/secret_Name") == "/v1/api/{param}/{param}"
    assert SHAPER.shape("/v1/api/models/") == "/v1/api/models/"


def test_long_paths_are_cut_after_max_segments() -> None:
    shape = SHAPER.shape("/v1/api" + "/models" * 40)
    assert shape.count("/") == MAX_SEGMENTS + 1 and shape.endswith("/...")


@settings(max_examples=300, derandomize=os.environ.get("CI") == "true")
@given(st.lists(st.text(min_size=1, max_size=30).filter(lambda s: "/" not in s), min_size=1, max_size=20))
def test_a_shape_holds_only_contract_words_api_verbs_and_placeholders(segments: list[str]) -> None:
    shape = SHAPER.shape("/" + "/".join(segments))
    for segment in shape.split("/")[1:]:
        assert segment in SHAPER.vocabulary or segment in (PARAM, "...") or "_" in segment
        assert len(segment) <= 67  # at most four words of 16 letters and their underscores
