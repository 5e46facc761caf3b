"""The assay operations the SDK calls beyond the documents, on the sandbox over real sockets,
every answer checked against the spec: v1 summarize and get_assay_results, v2
preview_baseline_binning, schedule (the assay then lives in get, get/:id, get_results,
get_next_run and set_active) and preview (computed like get_results, never stored). Expected
numbers come from the assay maths applied to the rows get_baseline hands out."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from sandbox.assays.math import score, summarize_baseline, summarize_window, summary_to_v1, summary_to_v2
from tests.sandbox.integration.test_assays import (
    BASELINE_START,
    DAY,
    SUMMARIZER,
    between,
    client_assay,
    housepricedrift,
    iso,
    not_found,
    ok,
    output_values,
)
from tests.support.sandbox import SpecClient

KEY = "out.dense_2.0"
NIL_UUID = "00000000-0000-0000-0000-000000000000"
UNIVARIATE = {
    "UnivariateContinuous": {"bin_mode": {"Quantile": 5}, "aggregation": "Density", "metric": "PSI"}
}


async def bad_request(api: SpecClient, path: str, payload: Any, words: str) -> None:
    answer = await api.post(path, json=payload)
    assert answer.status == 400, answer.body
    assert words in answer.body["msg"], answer.body


def targeting(workspace_id: int, pipeline_id: int) -> dict[str, Any]:
    """The targeting the SDK's v1 -> v2 conversion sends for 'output dense_2 0'."""
    return {
        "data_origin": {
            "pipeline_id": pipeline_id,
            "pipeline_name": "housepricepipe",
            "workspace_id": workspace_id,
            "workspace_name": "housepricedrift",
            "model_id": "housepricemodel",
        },
        "iopath": [{"field": "out.dense_2", "indexes": [0], "thresholds": {"warning": 0.1, "alert": 0.25}}],
    }


def definition(workspace_id: int, pipeline_id: int, **changes: Any) -> dict[str, Any]:
    """A schedule/preview body: the baseline day, daily runs of one day's data from the day after."""
    return {
        "name": "sdk assay",
        "baseline": {"Static": [iso(BASELINE_START), iso(BASELINE_START + DAY)]},
        "scheduling": {
            "first_run": iso(BASELINE_START + 2 * DAY),
            "run_frequency": {"SimpleRunFrequency": {"unit": "Day", "quantity": 1}},
        },
        "summarizer": UNIVARIATE,
        "targeting": targeting(workspace_id, pipeline_id),
        "window": {"width": {"seconds": 86_400}},
        **changes,
    }


def v2_baseline(values: list[float], start: datetime | None, end: datetime | None) -> dict[str, Any]:
    summary = summarize_baseline(values, layout="v2", start=start, end=end)
    return summary_to_v2(summary, KEY)


async def test_v1_summarize_a_vector_and_a_fixed_window(api: SpecClient) -> None:
    workspace_id, _ = await housepricedrift(api)
    values = await output_values(api, workspace_id)
    day = between(values, BASELINE_START, BASELINE_START + DAY)
    vector = [*day, None]  # the SDK sends NaN as null
    summary = await ok(
        api, "/v1/api/assays/summarize", {"summarizer": SUMMARIZER, "baseline": {"vector": vector}}
    )
    assert summary == summary_to_v1(summarize_baseline(day))

    window = {
        "path": "output dense_2 0",
        "pipeline_name": "housepricepipe",
        "model_name": "housepricemodel",
        "start": iso(BASELINE_START),
        "width": "86400000 ms",  # as FixedWindowBaselineBuilder writes it
        "workspace_id": workspace_id,
        "locations": [],
    }
    fixed = await ok(
        api, "/v1/api/assays/summarize", {"summarizer": SUMMARIZER, "baseline": {"fixed_window": window}}
    )
    expected = summary_to_v1(summarize_baseline(day, start=BASELINE_START, end=BASELINE_START + DAY))
    assert fixed == expected and fixed["count"] == len(day)

    equal = {**SUMMARIZER, "bin_mode": "Equal", "num_bins": 4}
    equal_bins = await ok(api, "/v1/api/assays/summarize", {"summarizer": equal, "baseline": {"vector": day}})
    assert equal_bins == summary_to_v1(summarize_baseline(day, bin_mode="Equal", num_bins=4))
    assert len(equal_bins["edges"]) == 6  # min, four upper edges, +inf

    empty = {**window, "start": "2030-01-01T00:00:00Z"}
    await bad_request(
        api,
        "/v1/api/assays/summarize",
        {"summarizer": SUMMARIZER, "baseline": {"fixed_window": empty}},
        "no values",
    )
    sliding = {"sliding_window": {"window": window, "offset": "1 day"}}
    await bad_request(
        api,
        "/v1/api/assays/summarize",
        {"summarizer": SUMMARIZER, "baseline": sliding},
        "fixed_window or a vector",
    )
    multivariate = {"type": "MultivariateContinuous", "name": "mv"}
    await bad_request(
        api,
        "/v1/api/assays/summarize",
        {"summarizer": multivariate, "baseline": {"vector": day}},
        "univariate",
    )
    await not_found(
        api,
        "/v1/api/assays/summarize",
        {"summarizer": SUMMARIZER, "baseline": {"fixed_window": {**window, "pipeline_name": "nope"}}},
    )


async def test_v1_get_assay_results_is_get_results_in_a_range(api: SpecClient) -> None:
    workspace_id, pipeline_id = await housepricedrift(api)
    fixed = {
        "fixed_window": {
            "path": "output dense_2 0",
            "pipeline_name": "housepricepipe",
            "width": "24 hours",
            "workspace_id": workspace_id,
            "model_name": "housepricemodel",
            "start": iso(BASELINE_START),
        }
    }
    created = await ok(
        api, "/v1/api/assays/create", client_assay(workspace_id, pipeline_id, {"calculated": fixed})
    )
    span = {"start": iso(BASELINE_START + 3 * DAY), "end": iso(BASELINE_START + 9 * DAY)}
    stored = await ok(api, "/v1/api/assays/get_results", {"assay_id": created["assay_id"], **span})
    assert len(stored) == 6
    ranged = await ok(api, "/v1/api/assays/get_assay_results", {"assay_id": created["assay_id"], **span})
    assert ranged == stored
    named = {
        "assay_id": created["assay_id"],
        **span,
        "workspace_id": workspace_id,
        "workspace_name": "housepricedrift",
    }
    assert await ok(api, "/v1/api/assays/get_assay_results", named) == stored
    await not_found(api, "/v1/api/assays/get_assay_results", {**named, "workspace_id": workspace_id + 100})
    await not_found(api, "/v1/api/assays/get_assay_results", {**named, "workspace_name": "elsewhere"})
    await not_found(api, "/v1/api/assays/get_assay_results", {**named, "assay_id": 999})


async def test_v2_preview_baseline_binning(api: SpecClient) -> None:
    workspace_id, pipeline_id = await housepricedrift(api)
    values = await output_values(api, workspace_id)
    day = between(values, BASELINE_START, BASELINE_START + DAY)
    body = definition(workspace_id, pipeline_id)
    request = {"baseline": body["baseline"], "summarizer": UNIVARIATE, "targeting": body["targeting"]}
    binned = await ok(api, "/v2/api/assays/preview_baseline_binning", request)
    assert binned == {KEY: v2_baseline(day, BASELINE_START, BASELINE_START + DAY)}

    vector = {**request, "baseline": {"Vector": day}}
    assert await ok(api, "/v2/api/assays/preview_baseline_binning", vector) == {
        KEY: v2_baseline(day, None, None)
    }
    given = {**request, "baseline": {"Summary": binned}}
    assert await ok(api, "/v2/api/assays/preview_baseline_binning", given) == binned
    await bad_request(
        api, "/v2/api/assays/preview_baseline_binning", {**request, "targeting": None}, "targeting"
    )
    outliers = {
        "UnivariateContinuous": {
            **UNIVARIATE["UnivariateContinuous"],
            "bin_mode": {"QuantileWithExplicitOutliers": 5},
        }
    }
    await bad_request(
        api,
        "/v2/api/assays/preview_baseline_binning",
        {**request, "summarizer": outliers},
        "QuantileWithExplicitOutliers",
    )
    later = {**request, "baseline": {"Static": ["2030-01-01T00:00:00Z", "2030-01-02T00:00:00Z"]}}
    await bad_request(api, "/v2/api/assays/preview_baseline_binning", later, "no values")


async def test_v2_scheduled_assay_is_listed_computed_and_can_be_paused(api: SpecClient) -> None:
    workspace_id, pipeline_id = await housepricedrift(api)
    values = await output_values(api, workspace_id)
    before = await ok(api, "/v2/api/assays/get", {"active": "All"})
    assay_id = await ok(api, "/v2/api/assays/schedule", definition(workspace_id, pipeline_id))
    listed = await ok(api, "/v2/api/assays/get", {"active": "ActiveOnly", "workspace_id": workspace_id})
    assert assay_id in {a["id"] for a in listed} and assay_id not in {a["id"] for a in before}
    assay = await ok(api, "/v2/api/assays/get/:id", {"id": assay_id})
    day = between(values, BASELINE_START, BASELINE_START + DAY)
    assert assay["name"] == "sdk assay" and assay["active"] is True
    assert assay["baseline"] == {"Summary": {KEY: v2_baseline(day, BASELINE_START, BASELINE_START + DAY)}}
    assert assay["summarizer"] == {
        "UnivariateContinuous": {**UNIVARIATE["UnivariateContinuous"], "bin_weights": None}
    }

    results = await ok(api, "/v2/api/assays/get_results", {"id": assay_id})
    assert len(results) == 30 and all(r["assay_id"] == assay_id for r in results)
    baseline = summarize_baseline(day, layout="v2")
    for number, result in enumerate(results, 1):
        start = BASELINE_START + number * DAY
        assert (result["window_start"], result["window_end"]) == (iso(start), iso(start + DAY))
        expected = score(baseline, summarize_window(between(values, start, start + DAY), baseline))
        assert result["scores"][KEY]["score"] == pytest.approx(expected.score, rel=1e-12)
    runs = await ok(api, "/v2/api/assays/get_next_run", {"assay_id": assay_id})
    assert runs["last_run"] == results[-1]["window_end"]

    answer = await api.post("/v2/api/assays/set_active", json={"assay_id": assay_id, "active": False})
    assert answer.status == 200 and answer.body is None
    inactive = await ok(api, "/v2/api/assays/get", {"active": "InactiveOnly"})
    assert assay_id in {a["id"] for a in inactive}
    assert (await ok(api, "/v2/api/assays/get_next_run", {"assay_id": assay_id}))["next_run"] is None


async def test_v2_preview_computes_like_get_results_without_storing(api: SpecClient) -> None:
    workspace_id, pipeline_id = await housepricedrift(api)
    body = definition(workspace_id, pipeline_id)
    before = await ok(api, "/v2/api/assays/get", {"active": "All"})
    span = {"preview_start": iso(BASELINE_START + 5 * DAY), "preview_end": iso(BASELINE_START + 12 * DAY)}
    preview = await ok(api, "/v2/api/assays/preview", {**body, **span})
    assert await ok(api, "/v2/api/assays/get", {"active": "All"}) == before  # nothing stored
    assert [r["window_start"] for r in preview] == [iso(BASELINE_START + d * DAY) for d in range(5, 12)]
    assert {r["assay_id"] for r in preview} == {NIL_UUID}

    assay_id = await ok(api, "/v2/api/assays/schedule", body)
    stored = await ok(
        api,
        "/v2/api/assays/get_results",
        {"id": assay_id, "start": span["preview_start"], "end": span["preview_end"]},
    )
    assert [(r["scores"], r["summaries"], r["status"]) for r in preview] == [
        (r["scores"], r["summaries"], r["status"]) for r in stored[:7]
    ]
    summary_baseline = {
        **body,
        "baseline": {
            "Summary": (await ok(api, "/v2/api/assays/get/:id", {"id": assay_id}))["baseline"]["Summary"]
        },
    }
    assert await ok(api, "/v2/api/assays/preview", {**summary_baseline, **span}) == preview
    assert (
        await ok(
            api,
            "/v2/api/assays/preview",
            {**body, "preview_start": "2030-01-01T00:00:00Z", "preview_end": "2030-02-01T00:00:00Z"},
        )
        == []
    )


async def test_v2_schedule_and_preview_errors(api: SpecClient) -> None:
    workspace_id, pipeline_id = await housepricedrift(api)
    body = definition(workspace_id, pipeline_id)
    cron = {**body, "scheduling": {"first_run": iso(BASELINE_START), "run_frequency": {"Cron": "0 * * * *"}}}
    await bad_request(api, "/v2/api/assays/schedule", cron, "SimpleRunFrequency")
    await bad_request(
        api, "/v2/api/assays/schedule", {**body, "summarizer": {"MultivariateContinuous": {}}}, "Univariate"
    )
    missing = {**body, "baseline": {"Summary": {"out.other.0": {}}}}
    assert (await api.post("/v2/api/assays/schedule", json=missing)).status == 400
    elsewhere = targeting(workspace_id + 100, pipeline_id)
    await not_found(api, "/v2/api/assays/schedule", {**body, "targeting": elsewhere})
    await not_found(
        api,
        "/v2/api/assays/preview",
        {
            **body,
            "targeting": targeting(workspace_id, 999),
            **{"preview_start": iso(BASELINE_START), "preview_end": iso(BASELINE_START + DAY)},
        },
    )
    minutely = {
        **body,
        "scheduling": {
            "first_run": iso(BASELINE_START),
            "run_frequency": {"SimpleRunFrequency": {"unit": "Minute", "quantity": 1}},
        },
    }
    far = {"preview_start": iso(BASELINE_START), "preview_end": iso(BASELINE_START + 30 * DAY)}
    await bad_request(api, "/v2/api/assays/preview", {**minutely, **far}, "narrow the range")


async def test_v1_get_assay_by_id_speaks_the_client_shapes(api: SpecClient) -> None:
    workspace_id, pipeline_id = await housepricedrift(api)
    documented = await ok(api, "/v1/api/assays/get_assay_by_id", {"id": 1})  # 000's "api assay"
    listed = next(
        a for a in await ok(api, "/v1/api/assays/list", {"pipeline_id": pipeline_id}) if a["id"] == 1
    )
    assert {k: documented[k] for k in ("name", "active", "workspace_id", "workspace_name", "summarizer")} == {
        k: listed[k] for k in ("name", "active", "workspace_id", "workspace_name", "summarizer")
    }
    assert listed["window"]["pipeline"] == "housepricepipe"  # the documents' shape, as created
    assert documented["window"] == {
        "path": "output dense_2 0",
        "pipeline_name": "housepricepipe",
        "model_name": "housepricemodel",
        "width": "24 hours",
        "workspace_id": workspace_id,
        "start": None,
        "interval": None,
        "locations": [],
    }
    fixed = documented["baseline"]["calculated"]["fixed_window"]
    assert (fixed["start"], fixed["width"], fixed["model_name"]) == (
        "2023-01-01T05:00:00+00:00",
        "24 hours",
        "housepricemodel",
    )
    assert (
        await ok(api, "/v1/api/assays/get_assay_by_id", {"id": 1, "workspace_name": "housepricedrift"})
        == documented
    )
    await not_found(api, "/v1/api/assays/get_assay_by_id", {"id": 1, "workspace_id": workspace_id + 100})
    await not_found(api, "/v1/api/assays/get_assay_by_id", {"id": 999})
