"""Response bodies for the benchmarks, built from the documents' own examples so that they are
valid against the spec: ~600 B (workspaces/list), ~8 KB (v2 assays get_results), ~1 MB
(assays get_baseline)."""

from __future__ import annotations

import json
from pathlib import Path

import orjson

SEEDS = Path(__file__).resolve().parents[1] / "tests" / "data" / "seed_examples"


def _seed(name: str) -> object:
    return json.loads((SEEDS / f"{name}.json").read_text())["value"]


def small() -> bytes:
    return orjson.dumps(_seed("workspaces_list.response.1"))


def medium() -> bytes:
    result = _seed("assays_v2_get_results.response.1")[0]  # type: ignore[index]
    return orjson.dumps([{**result, "id": result["id"] + i} for i in range(7)])


def large() -> bytes:
    rows = _seed("assays_get_baseline.response.1")
    return orjson.dumps([{**rows[i % 2], "time": rows[0]["time"] + i} for i in range(1800)])  # type: ignore[index]


# operation path, request body, response body
CASES = {
    "small": ("/v1/api/workspaces/list", b"{}", small),
    "medium": ("/v2/api/assays/get_results", b'{"id": "1af7b34b-ef0a-42cf-a821-758c92215d01"}', medium),
    "large": (
        "/v1/api/assays/get_baseline",
        b'{"workspace_id": 4, "pipeline_name": "housepricepipe"}',
        large,
    ),
}
