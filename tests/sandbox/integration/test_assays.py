"""The sandbox's assays v1 and v2 over real sockets, every answer checked against the spec.

Follows the documents' assay examples on the canned `housepricepipe` history, recomputes the
scores independently from the rows get_baseline hands out, accepts the official client's request
shape, runs an assay over inferences made through a deployment, and checks the error answers.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from gateway.contract import Contract
from sandbox import start_sandbox
from sandbox.assays.math import score, status, summarize_baseline, summarize_window, summary_to_v2
from tests.support.sandbox import SpecClient, password_token, sandbox_settings

BASELINE_START = datetime(2023, 1, 1, 5, tzinfo=UTC)
DAY = timedelta(days=1)
DATA_END = BASELINE_START + 31 * DAY
SUMMARIZER = {
    "type": "UnivariateContinuous",
    "bin_mode": "Quantile",
    "aggregation": "Density",
    "metric": "PSI",
    "num_bins": 5,
    "bin_weights": None,
    "bin_width": None,
    "provided_edges": None,
    "add_outlier_edges": True,
}


def iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def doc_assay(workspace_id: int, pipeline_id: int, **changes: Any) -> dict[str, Any]:
    """The assay of document 000, for the sandbox's ids."""
    return {
        "name": "api assay",
        "pipeline_id": pipeline_id,
        "pipeline_name": "housepricepipe",
        "active": True,
        "status": "active",
        "iopath": "output dense_2 0",
        "baseline": {
            "Fixed": {
                "pipeline": "housepricepipe",
                "model": "housepricemodel",
                "start_at": "2023-01-01T00:00:00-05:00",
                "end_at": "2023-01-02T00:00:00-05:00",
            }
        },
        "window": {
            "pipeline": "housepricepipe",
            "model": "housepricemodel",
            "width": "24 hours",
            "start": None,
            "interval": None,
        },
        "summarizer": SUMMARIZER,
        "warning_threshold": 0,
        "alert_threshold": 0.1,
        "run_until": None,
        "workspace_id": workspace_id,
        **changes,
    }


def client_assay(workspace_id: int, pipeline_id: int, baseline: dict[str, Any]) -> dict[str, Any]:
    """The same assay as the official client sends it: iopath in the window, another baseline."""
    return {
        "name": "client assay",
        "pipeline_id": pipeline_id,
        "pipeline_name": "housepricepipe",
        "active": True,
        "status": "created",
        "baseline": baseline,
        "window": {
            "path": "output dense_2 0",
            "pipeline_name": "housepricepipe",
            "width": "24 hours",
            "workspace_id": workspace_id,
            "model_name": "housepricemodel",
            "start": iso(BASELINE_START + DAY),
            "interval": None,
            "locations": None,
        },
        "summarizer": SUMMARIZER,
        "warning_threshold": None,
        "alert_threshold": 0.25,
        "run_until": None,
        "workspace_id": workspace_id,
        "created_at": "2024-01-01T00:00:00Z",
    }


async def housepricedrift(api: SpecClient) -> tuple[int, int]:
    """(workspace id, pipeline id) of the seeded housepricedrift workspace, found as 000 does."""
    answer = await api.post("/v1/api/workspaces/list", json={})
    workspace = next(w for w in answer.body["workspaces"] if w["name"] == "housepricedrift")
    return workspace["id"], workspace["pipelines"][0]


async def ok(api: SpecClient, path: str, payload: Any) -> Any:
    answer = await api.post(path, json=payload)
    assert answer.status == 200, answer.body
    return answer.body


async def not_found(api: SpecClient, path: str, payload: Any) -> None:
    answer = await api.post(path, json=payload)
    assert answer.status == 404, answer.body
    assert answer.body["code"] == 404 and answer.body["msg"]


async def output_values(api: SpecClient, workspace_id: int) -> list[tuple[datetime, float]]:
    """(time, out.dense_2[0]) of every canned inference, through get_baseline."""
    rows = await ok(
        api,
        "/v1/api/assays/get_baseline",
        {
            "workspace_id": workspace_id,
            "pipeline_name": "housepricepipe",
            "start": iso(BASELINE_START),
            "end": iso(DATA_END),
        },
    )
    return [(datetime.fromtimestamp(r["time"] / 1000, UTC), r["out.dense_2"][0]) for r in rows]


def between(values: Sequence[tuple[datetime, float]], start: datetime, end: datetime) -> list[float]:
    return [v for t, v in values if start <= t < end]


# ------------------------------------------------------------------ v1


async def test_v1_create_list_and_set_active(api: SpecClient) -> None:
    workspace_id, pipeline_id = await housepricedrift(api)
    assay_id = (await ok(api, "/v1/api/assays/create", doc_assay(workspace_id, pipeline_id)))["assay_id"]
    second = await ok(api, "/v1/api/assays/create", doc_assay(workspace_id, pipeline_id, name="second"))

    listed = await ok(api, "/v1/api/assays/list", {"pipeline_id": pipeline_id})
    assert [a["id"] for a in listed][:2] == [second["assay_id"], assay_id]  # newest first
    assert listed[-1]["name"] == "api assay"  # the documents' existing assay, seeded
    mine = listed[1]
    assert mine["name"] == "api assay" and mine["status"] == "created" and mine["active"] is True
    assert (mine["warning_threshold"], mine["alert_threshold"]) == (0.0, 0.1)
    assert (mine["pipeline_id"], mine["pipeline_name"]) == (pipeline_id, "housepricepipe")
    assert mine["last_run"] is None and mine["run_until"] is None and mine["next_run"]
    assert mine["baseline"] == doc_assay(workspace_id, pipeline_id)["baseline"]
    assert mine["summarizer"] == {
        k: v for k, v in SUMMARIZER.items() if k not in ("bin_width", "add_outlier_edges")
    }
    for query in ({"workspace_id": workspace_id}, {"workspace_name": "housepricedrift"}):
        assert [a["id"] for a in await ok(api, "/v1/api/assays/list", query)] == [a["id"] for a in listed]

    for active in (False, True):
        answer = await ok(api, "/v1/api/assays/set_active", {"id": assay_id, "active": active})
        assert answer == {"id": assay_id, "active": active}
        listed = await ok(api, "/v1/api/assays/list", {"pipeline_id": pipeline_id})
        assert next(a for a in listed if a["id"] == assay_id)["active"] is active


async def test_v1_interactive_baseline_and_get_baseline(api: SpecClient) -> None:
    workspace_id, pipeline_id = await housepricedrift(api)
    definition = doc_assay(workspace_id, pipeline_id, id=5)
    run = await ok(api, "/v1/api/assays/run_interactive_baseline", definition)
    assert run["status"] == "BaselineRun" and run["id"] is None and run["assay_id"] == 5
    assert run["window_start"] == "2023-01-01T05:00:00Z" and run["iopath"] == "output dense_2 0"
    assert run["score"] == 0.0 and run["scores"] == [0.0] * 7 and run["bin_index"] is None
    baseline, window = run["baseline_summary"], run["window_summary"]
    assert baseline["count"] == 181 and (baseline["start"], baseline["end"]) == (
        "2023-01-01T05:00:00Z",
        "2023-01-02T05:00:00Z",
    )
    assert baseline["edge_names"] == [
        "left_outlier",
        "q_20",
        "q_40",
        "q_60",
        "q_80",
        "q_100",
        "right_outlier",
    ]
    assert window["edge_names"][0] == "left_outlier" and window["edge_names"][-1] == "right_outlier"
    assert all(name.startswith("e_") for name in window["edge_names"][1:-1])
    assert baseline["edges"][-1] is None and baseline["edges"][0] == baseline["min"]
    assert baseline["edges"][-2] == baseline["max"]
    assert {k: v for k, v in window.items() if k != "edge_names"} == {
        k: v for k, v in baseline.items() if k != "edge_names"
    }

    rows = await ok(
        api,
        "/v1/api/assays/get_baseline",
        {"workspace_id": workspace_id, "pipeline_name": "housepricepipe", "limit": 3},
    )
    assert len(rows) == 3
    assert [r["time"] for r in rows] == sorted(r["time"] for r in rows)
    assert rows[0]["time"] >= int(BASELINE_START.timestamp() * 1000)
    for row in rows:
        assert set(row) == {"time", "in.tensor", "out.dense_2", "metadata.last_model", "metadata.profile"}
        assert len(row["in.tensor"]) == 17 and len(row["out.dense_2"]) == 1
        assert '"model_name": "housepricemodel"' in row["metadata.last_model"]
    day = {
        "workspace_id": workspace_id,
        "pipeline_name": "housepricepipe",
        "start": "2023-01-01T00:00:00-05:00",
        "end": "2023-01-02T00:00:00-05:00",
    }
    assert len(await ok(api, "/v1/api/assays/get_baseline", day)) == 181
    assert await ok(api, "/v1/api/assays/get_baseline", {**day, "model_name": "another"}) == []
    assert len(await ok(api, "/v1/api/assays/get_baseline", {**day, "model_name": "housepricemodel"})) == 181


async def test_v1_run_interactive_scores_match_independent_maths(api: SpecClient) -> None:
    workspace_id, pipeline_id = await housepricedrift(api)
    values = await output_values(api, workspace_id)
    baseline = summarize_baseline(between(values, BASELINE_START, BASELINE_START + DAY))

    started = time.perf_counter()
    runs = await ok(api, "/v1/api/assays/run_interactive", doc_assay(workspace_id, pipeline_id, id=1))
    elapsed = time.perf_counter() - started
    assert elapsed < 0.25, f"run_interactive took {elapsed * 1000:.0f} ms"
    assert len(runs) == 30
    for day, run in enumerate(runs, 1):
        start = BASELINE_START + day * DAY
        assert run["window_start"] == iso(start) and run["window_summary"]["end"] == iso(start + DAY)
        window = summarize_window(between(values, start, start + DAY), baseline)
        expected = score(baseline, window)
        assert run["window_summary"]["count"] == window.count
        assert run["score"] == pytest.approx(expected.score, rel=1e-12)
        assert run["scores"] == pytest.approx(expected.scores, rel=1e-12, abs=1e-15)
        assert run["status"] == status(expected.score, 0.0, 0.1)

    ordered = sorted(run["score"] for run in runs)
    warning, alert = ordered[10], ordered[20]
    rerun = await ok(
        api,
        "/v1/api/assays/run_interactive",
        doc_assay(workspace_id, pipeline_id, id=1, warning_threshold=warning, alert_threshold=alert),
    )
    assert {run["status"] for run in rerun} == {"Ok", "Warning", "Alert"}
    assert [run["status"] for run in rerun] == [status(run["score"], warning, alert) for run in runs]


async def test_v1_get_results_of_a_stored_assay(api: SpecClient) -> None:
    workspace_id, pipeline_id = await housepricedrift(api)
    definition = doc_assay(workspace_id, pipeline_id)
    assay_id = (await ok(api, "/v1/api/assays/create", definition))["assay_id"]
    interactive = await ok(api, "/v1/api/assays/run_interactive", {**definition, "id": assay_id})

    results = await ok(api, "/v1/api/assays/get_results", {"assay_id": assay_id, "pipeline_id": pipeline_id})
    assert len(results) == 30 and len({r["id"] for r in results}) == 30
    assert all(isinstance(r["id"], int) and r["pipeline_id"] == pipeline_id for r in results)
    assert [r["score"] for r in results] == [r["score"] for r in interactive]
    assert await ok(api, "/v1/api/assays/get_results", {"assay_id": assay_id}) == results

    some = await ok(
        api,
        "/v1/api/assays/get_results",
        {"assay_id": assay_id, "start": "2023-01-10T05:00:00Z", "end": "2023-01-20T05:00:00Z", "limit": 4},
    )
    assert [r["window_start"] for r in some] == [
        iso(datetime(2023, 1, d, 5, tzinfo=UTC)) for d in range(10, 14)
    ]
    assert [r["id"] for r in some] == [r["id"] for r in results[8:12]]

    future = doc_assay(
        workspace_id, pipeline_id, window={**definition["window"], "start": "2999-01-01T00:00:00Z"}
    )
    future_id = (await ok(api, "/v1/api/assays/create", future))["assay_id"]
    assert await ok(api, "/v1/api/assays/get_results", {"assay_id": future_id}) == []


async def test_v1_client_request_shapes_give_the_same_runs(api: SpecClient) -> None:
    workspace_id, pipeline_id = await housepricedrift(api)
    reference = await ok(
        api,
        "/v1/api/assays/run_interactive",
        doc_assay(workspace_id, pipeline_id, id=1, warning_threshold=None, alert_threshold=0.25),
    )
    baseline_run = await ok(
        api, "/v1/api/assays/run_interactive_baseline", doc_assay(workspace_id, pipeline_id, id=1)
    )
    values = await output_values(api, workspace_id)
    fixed_window = {
        "path": "output dense_2 0",
        "pipeline_name": "housepricepipe",
        "width": "24 hours",
        "workspace_id": workspace_id,
        "model_name": "housepricemodel",
        "start": iso(BASELINE_START),
    }
    baselines = {
        "fixed_window": {"calculated": {"fixed_window": fixed_window}},
        "vector": {"calculated": {"vector": between(values, BASELINE_START, BASELINE_START + DAY)}},
        "static": {"static": baseline_run["baseline_summary"]},
    }
    for kind, baseline in baselines.items():
        definition = client_assay(workspace_id, pipeline_id, baseline)
        created = await ok(api, "/v1/api/assays/create", definition)
        runs = await ok(api, "/v1/api/assays/run_interactive", {**definition, "id": created["assay_id"]})
        assert len(runs) == 30, kind
        assert [r["score"] for r in runs] == pytest.approx([r["score"] for r in reference], rel=1e-12), kind
        assert [r["status"] for r in runs] == [r["status"] for r in reference], kind
    listed = await ok(api, "/v1/api/assays/list", {"workspace_id": workspace_id})
    assert {a["name"] for a in listed} == {"client assay", "api assay"}
    assert listed[0]["window"]["path"] == "output dense_2 0"


async def test_v1_assay_over_inferences_made_through_a_deployment(api: SpecClient) -> None:
    workspace_id = (await ok(api, "/v1/api/workspaces/create", {"workspace_name": "live"}))["workspace_id"]
    created = await ok(
        api,
        "/v1/api/pipelines/create",
        {"pipeline_id": "echopipe", "workspace_id": workspace_id, "definition": {}},
    )
    deployed = await ok(
        api,
        "/v1/api/pipelines/deploy",
        {
            "deploy_id": "echodeploy",
            "pipeline_version_pk_id": created["pipeline_variant_pk_id"],
            "pipeline_id": created["pipeline_pk_id"],
        },
    )
    deployment = f"echodeploy-{deployed['id']}"
    for _ in range(100):
        answer = await api.post(f"/v1/api/pipelines/infer/{deployment}", json={"tensor": [[1.0, 2.0]]})
        if answer.status == 200:
            break
        await asyncio.sleep(0.01)
    rows = [[float(i % 10), 0.0] for i in range(40)]
    inferred = await ok(api, f"/v1/api/pipelines/infer/{deployment}", {"tensor": rows})
    made_at = datetime.fromtimestamp(inferred[0]["time"] / 1000, UTC)

    definition = {
        **client_assay(workspace_id, created["pipeline_pk_id"], {"calculated": {"vector": list(range(10))}}),
        "pipeline_name": "echopipe",
        "window": {
            "path": "output tensor 0",
            "pipeline_name": "echopipe",
            "width": "1 hour",
            "workspace_id": workspace_id,
            "start": iso(made_at - timedelta(minutes=30)),
        },
        "id": 1,
    }
    runs = await ok(api, "/v1/api/assays/run_interactive", definition)
    assert len(runs) == 1
    assert runs[0]["window_summary"]["count"] == 41  # the 40 rows and the first probe's
    assert runs[0]["score"] < 0.1
    rows_back = await ok(
        api, "/v1/api/assays/get_baseline", {"workspace_id": workspace_id, "pipeline_name": "echopipe"}
    )
    assert len(rows_back) == 41 and rows_back[-1]["out.tensor"] == rows[-1]


async def test_v1_errors(api: SpecClient) -> None:
    workspace_id, pipeline_id = await housepricedrift(api)
    await not_found(api, "/v1/api/assays/set_active", {"id": 999, "active": False})
    await not_found(api, "/v1/api/assays/get_results", {"assay_id": 999})
    await not_found(api, "/v1/api/assays/create", doc_assay(workspace_id, 999))
    await not_found(api, "/v1/api/assays/create", doc_assay(999, pipeline_id))
    await not_found(api, "/v1/api/assays/list", {"pipeline_id": 999})
    await not_found(api, "/v1/api/assays/list", {"workspace_name": "nowhere"})
    await not_found(
        api, "/v1/api/assays/get_baseline", {"workspace_id": workspace_id, "pipeline_name": "nope"}
    )
    await not_found(api, "/v1/api/assays/run_interactive", doc_assay(workspace_id, 999, id=1))
    other_pipeline = doc_assay(workspace_id, pipeline_id, id=1)
    other_pipeline["baseline"] = {"Fixed": {**other_pipeline["baseline"]["Fixed"], "pipeline": "nope"}}
    await not_found(api, "/v1/api/assays/run_interactive_baseline", other_pipeline)

    window = doc_assay(workspace_id, pipeline_id)["window"]
    unrunnable = [
        doc_assay(workspace_id, pipeline_id, id=1, window={**window, "width": "0 hours"}),
        doc_assay(
            workspace_id, pipeline_id, id=1, window={**window, "width": "1 week", "interval": "1 minute"}
        ),
        doc_assay(workspace_id, pipeline_id, id=1, summarizer={**SUMMARIZER, "bin_mode": "Provided"}),
        doc_assay(workspace_id, pipeline_id, id=1, summarizer={**SUMMARIZER, "bin_weights": [1.0, 2.0]}),
        doc_assay(workspace_id, pipeline_id, id=1, baseline={"calculated": {"unknown": 1}}),
        doc_assay(
            workspace_id, pipeline_id, id=1, summarizer={"type": "MultivariateContinuous", "name": "m"}
        ),
    ]
    for definition in unrunnable:
        answer = await api.post("/v1/api/assays/run_interactive", json=definition)
        assert answer.status == 400 and answer.body["code"] == 400 and answer.body["msg"], definition

    no_data = doc_assay(workspace_id, pipeline_id, id=1)
    no_data["baseline"] = {
        "Fixed": {
            **no_data["baseline"]["Fixed"],
            "start_at": "2022-01-01T00:00:00Z",
            "end_at": "2022-01-02T00:00:00Z",
        }
    }
    assert await ok(api, "/v1/api/assays/run_interactive_baseline", no_data) is None
    assert await ok(api, "/v1/api/assays/run_interactive", no_data) == []


# ------------------------------------------------------------------ v2


async def test_v2_get_filters_and_get_by_id(api: SpecClient) -> None:
    workspace_id, _ = await housepricedrift(api)
    assays = await ok(api, "/v2/api/assays/get", {"active": "All"})
    assert len(assays) == 2 and [a["active"] for a in assays] == [True, False]
    active = await ok(api, "/v2/api/assays/get", {"active": "ActiveOnly"})
    inactive = await ok(api, "/v2/api/assays/get", {"active": "InactiveOnly"})
    assert active == assays[:1] and inactive == assays[1:]
    assert await ok(api, "/v2/api/assays/get", {"active": "All", "pipeline_name": "nope"}) == []
    assert await ok(api, "/v2/api/assays/get", {"active": "All", "workspace_id": workspace_id}) == assays

    first = assays[0]
    origin = first["targeting"]["data_origin"]
    assert (origin["pipeline_name"], origin["workspace_name"], origin["workspace_id"]) == (
        "housepricepipe",
        "housepricedrift",
        workspace_id,
    )
    assert first["targeting"]["iopath"][0]["field"] == "out.dense_2"
    assert first["window"] == {"width": {"seconds": 86400}}
    assert first["scheduling"]["run_frequency"] == {"SimpleRunFrequency": {"unit": "Day", "quantity": 1}}
    assert first["summarizer"]["UnivariateContinuous"]["bin_mode"] == {"Quantile": 5}

    assert await ok(api, "/v2/api/assays/get/:id", {"id": first["id"]}) == first
    assert await ok(api, "/v2/api/assays/get/:id", {"id": first["id"].upper()}) == first
    await not_found(api, "/v2/api/assays/get/:id", {"id": "00000000-0000-4000-8000-000000000000"})
    await not_found(api, "/v2/api/assays/get/:id", {"id": first["id"], "pipeline_name": "nope"})


async def test_v2_results_are_really_computed(api: SpecClient) -> None:
    workspace_id, _ = await housepricedrift(api)
    assay = (await ok(api, "/v2/api/assays/get", {"active": "ActiveOnly"}))[0]
    values = await output_values(api, workspace_id)
    baseline = summarize_baseline(between(values, BASELINE_START, BASELINE_START + DAY), layout="v2")
    key = "out.dense_2.0"
    baseline_json = summary_to_v2(baseline, key)
    baseline_json["start"], baseline_json["end"] = iso(BASELINE_START), iso(BASELINE_START + DAY)
    assert assay["baseline"]["Summary"] == {key: baseline_json}
    thresholds = assay["targeting"]["iopath"][0]["thresholds"]

    results = await ok(api, "/v2/api/assays/get_results", {"id": assay["id"]})
    assert len(results) == 30 and len({r["id"] for r in results}) == 30
    assert await ok(api, "/v2/api/assays/get_results", {"id": assay["id"]}) == results
    for day, result in enumerate(results, 1):
        start = BASELINE_START + day * DAY
        assert (result["window_start"], result["window_end"]) == (iso(start), iso(start + DAY))
        window = summarize_window(between(values, start, start + DAY), baseline)
        expected = score(baseline, window)
        assert result["scores"][key]["score"] == pytest.approx(expected.score, rel=1e-12)
        assert result["summaries"][key]["statistics"]["count"] == window.count
        assert result["status"] == status(expected.score, thresholds["warning"], thresholds["alert"])
        assert (result["workspace_id"], result["workspace_name"]) == (workspace_id, "housepricedrift")
    assert {r["status"] for r in results} == {"Ok", "Warning", "Alert"}

    some = await ok(
        api,
        "/v2/api/assays/get_results",
        {"id": assay["id"], "start": "2023-01-05T05:00:00Z", "end": "2023-01-08T05:00:00Z"},
    )
    assert some == results[3:6]
    await not_found(
        api, "/v2/api/assays/get_results", {"id": assay["id"], "workspace_id": workspace_id + 100}
    )
    await not_found(api, "/v2/api/assays/get_results", {"id": "00000000-0000-4000-8000-000000000000"})


async def test_v2_next_run_and_set_active(api: SpecClient) -> None:
    assays = await ok(api, "/v2/api/assays/get", {"active": "All"})
    daily, inactive = assays
    runs = await ok(api, "/v2/api/assays/get_next_run", {"assay_id": daily["id"]})
    assert runs == {"last_run": iso(DATA_END), "next_run": iso(DATA_END + DAY)}
    last_result = (await ok(api, "/v2/api/assays/get_results", {"id": daily["id"]}))[-1]
    assert last_result["window_end"] == iso(DATA_END)
    assert (await ok(api, "/v2/api/assays/get_next_run", {"assay_id": inactive["id"]}))["next_run"] is None

    answer = await api.post("/v2/api/assays/set_active", json={"assay_id": daily["id"], "active": False})
    assert (
        answer.status == 200
        and answer.body is None
        and answer.headers["Content-Type"].startswith("application/json")
    )
    assert await ok(api, "/v2/api/assays/get", {"active": "ActiveOnly"}) == []
    fetched = await ok(api, "/v2/api/assays/get/:id", {"id": daily["id"]})
    assert fetched["active"] is False and fetched["updated_at"] != daily["updated_at"]
    assert (await ok(api, "/v2/api/assays/get_next_run", {"assay_id": daily["id"]}))["next_run"] is None
    assert await ok(api, "/v2/api/assays/set_active", {"assay_id": inactive["id"], "active": True}) is None
    assert [a["id"] for a in await ok(api, "/v2/api/assays/get", {"active": "ActiveOnly"})] == [
        inactive["id"]
    ]

    await not_found(
        api, "/v2/api/assays/set_active", {"assay_id": "00000000-0000-4000-8000-000000000000", "active": True}
    )
    await not_found(api, "/v2/api/assays/get_next_run", {"assay_id": "00000000-0000-4000-8000-000000000000"})


# ------------------------------------------------------------------ determinism


async def _assay_answers(
    tmp_path: Path, contract: Contract, http: aiohttp.ClientSession, seed: int
) -> list[Any]:
    server = await start_sandbox(sandbox_settings(tmp_path / str(seed), seed=seed), contract=contract)
    try:
        api = SpecClient(http, server.url, contract)
        api.token = await password_token(http, server)
        workspace_id, pipeline_id = await housepricedrift(api)
        assays = await ok(api, "/v2/api/assays/get", {"active": "All"})
        return [
            assays,
            await ok(api, "/v2/api/assays/get_results", {"id": assays[1]["id"]}),
            await ok(api, "/v2/api/assays/get_next_run", {"assay_id": assays[0]["id"]}),
            await ok(api, "/v1/api/assays/run_interactive", doc_assay(workspace_id, pipeline_id, id=1)),
        ]
    finally:
        await server.close()


async def test_same_seed_same_answers(
    tmp_path: Path, contract: Contract, http: aiohttp.ClientSession
) -> None:
    first = await _assay_answers(tmp_path / "a", contract, http, seed=7)
    again = await _assay_answers(tmp_path / "b", contract, http, seed=7)
    other = await _assay_answers(tmp_path / "c", contract, http, seed=8)
    assert first == again
    assert first[0][0]["id"] != other[0][0]["id"] and first[3] != other[3]


async def test_get_baseline_takes_an_integer_valued_float_limit(api: SpecClient) -> None:
    """JSON Schema's integer includes 2.0 (the gateway's conformance run sent 1000000000.0)."""
    workspace_id, _ = await housepricedrift(api)
    body = {"workspace_id": workspace_id, "pipeline_name": "housepricepipe"}
    assert len(await ok(api, "/v1/api/assays/get_baseline", {**body, "limit": 2.0})) == 2
