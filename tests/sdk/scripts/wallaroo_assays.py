"""The `wallaroo` SDK's assay workflow, run unchanged in the SDK's own venv against a gateway (or
the sandbox), printing what the SDK got back as one JSON object.

Usage: wallaroo_assays.py <base url> <workspace name> <pipeline name>, with
WALLAROO_SDK_CREDENTIALS naming the token-auth credentials file. The SDK finds the workspace and
the pipeline (GraphQL), builds a v2 assay on the pipeline's inference history (preview the
baseline binning, preview, schedule), reads it back (results, next run, pause), lists assays,
reads v1 results, and summarises a v1 vector baseline.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import UTC, datetime

import numpy as np
import wallaroo
from wallaroo.assays_v2 import AssayV2

BASELINE = (datetime(2023, 1, 1, 5, tzinfo=UTC), datetime(2023, 1, 2, 5, tzinfo=UTC))
RUN_UNTIL = datetime(2023, 1, 9, 5, tzinfo=UTC)


def main(url: str, workspace_name: str, pipeline_name: str) -> None:
    client = wallaroo.Client(api_endpoint=url, auth_type="token", interactive=False)
    workspace = client.get_workspace(workspace_name)
    assert workspace is not None, f"no workspace {workspace_name!r}"
    client.set_current_workspace(workspace)
    pipeline = client.get_pipeline(pipeline_name)
    assert pipeline.name() == pipeline_name

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
