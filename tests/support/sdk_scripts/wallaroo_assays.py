"""The `wallaroo` SDK's assay workflow, run in the SDK's own venv against a gateway, printing what
the SDK got back as one JSON object.

Usage: wallaroo_assays.py <gateway url> <team key> <workspace id> <workspace name> <pipeline id>
<pipeline name>. The SDK's `wallaroo.Client` logs in and answers workspace questions through
GraphQL, neither of which is an assay call: `AssayClient` keeps everything of `Client` but its
constructor (it holds the team key as the MLOps API token) and the current workspace, so every
assay method below runs the SDK's own code and HTTP calls unchanged.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import UTC, datetime
from typing import Any

import numpy as np
import wallaroo.assays_v2.assay_v2_builder as assay_v2_builder
from wallaroo.assays_v2 import AssayV2
from wallaroo.client import Client
from wallaroo.wallaroo_ml_ops_api_client.client import AuthenticatedClient

BASELINE = (datetime(2023, 1, 1, 5, tzinfo=UTC), datetime(2023, 1, 2, 5, tzinfo=UTC))
RUN_UNTIL = datetime(2023, 1, 9, 5, tzinfo=UTC)


class Named:
    """A workspace or pipeline as the assay builders read it: id() and name()."""

    def __init__(self, id_: int, name: str, *_: Any) -> None:
        self._id, self._name = id_, name

    def id(self) -> int:
        return self._id

    def name(self) -> str:
        return self._name


class AssayClient(Client):
    """`wallaroo.Client` without its login: the MLOps API client holds the team key."""

    def __init__(self, url: str, key: str, workspace: Named) -> None:  # no super().__init__: no login
        self._gql_client = None
        self._workspace = workspace
        self._mlops_client = AuthenticatedClient(base_url=url, token=key, raise_on_unexpected_status=True)

    def mlops(self) -> AuthenticatedClient:
        return self._mlops_client

    def get_current_workspace(self) -> Named:
        return self._workspace


def main(
    url: str, key: str, workspace_id: str, workspace_name: str, pipeline_id: str, pipeline_name: str
) -> None:
    workspace, pipeline = Named(int(workspace_id), workspace_name), Named(int(pipeline_id), pipeline_name)
    client = AssayClient(url, key, workspace)
    # AssayV2Builder asks GraphQL for the workspace's name by id.
    assay_v2_builder.Workspace = lambda _client, data: Named(data["id"], workspace_name)  # type: ignore[misc,assignment]

    builder = client.build_assay(
        assay_name="sdk flow assay",
        pipeline=pipeline,
        iopath="output dense_2 0",
        model_name="housepricemodel",
        baseline_start=BASELINE[0],
        baseline_end=BASELINE[1],
    )
    builder.add_run_until(RUN_UNTIL)
    config = builder.build()  # v2: preview_baseline_binning
    preview = config.interactive_run()  # v2: preview
    assay_id = builder.upload()  # v2: schedule
    assay = AssayV2(client, assay_id)  # get/:id
    results = assay.results(start=BASELINE[1], end=RUN_UNTIL)  # get_results
    next_run = assay._next_run()  # get_next_run
    paused = assay.set_active(False)  # set_active, then get/:id
    listed = client.list_assays()  # get
    v1_results = client.get_assay_results(1, BASELINE[1], RUN_UNTIL)  # v1 get_assay_results

    os.environ["ASSAYS_V2_ENABLED"] = "false"  # the v1 builders summarise through v1 summarize
    vector = client.build_assay(
        assay_name="sdk vector assay",
        pipeline=pipeline,
        iopath="output dense_2 0",
        baseline_data=np.array([12.1, 12.5, 12.9, 13.0, 13.2, 13.4, 13.8, 14.1, 14.4, float("nan")]),
    )
    vector_baseline = vector.baseline_builder.add_summarizer(vector.summarizer_builder.build()).build()

    print(
        json.dumps(
            {
                "baseline": config.baseline.static,
                "preview": [
                    {"window_end": r.window_end.isoformat(), "scores": r.scores.to_dict()} for r in preview
                ],
                "assay_id": assay_id,
                "assay_name": assay.name,
                "results": [r.raw.to_dict() for r in results],
                "next_run": str(next_run),
                "paused_active": paused.active,
                "listed": [a.id for a in listed],
                "v1_results": len(v1_results),
                "vector_baseline": vector_baseline.static,
            },
            default=str,
        )
    )


if __name__ == "__main__":
    main(*sys.argv[1:])
