"""The Wallaroo SDK workflow, run by the official SDK in its own venv against one base URL.

Usage: wallaroo_workflow.py BASE_URL MODEL_FILE. The credentials come from the file named by
WALLAROO_SDK_CREDENTIALS (token auth). Every step asserts what it got back; the last line on
stdout is a JSON summary the calling test checks.
"""

from __future__ import annotations

import json
import sys
import time

import pandas as pd
import pyarrow as pa
import wallaroo
from wallaroo.deployment_config import DeploymentConfigBuilder
from wallaroo.framework import Framework

STATUS_TIMEOUT = 30.0
INPUT_ROWS = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]


def wait_running(pipeline: object) -> dict:
    deadline = time.monotonic() + STATUS_TIMEOUT
    while True:
        status = pipeline.status()
        if status.get("status") == "Running":
            return status
        assert time.monotonic() < deadline, f"not Running in {STATUS_TIMEOUT} s: {status}"
        time.sleep(0.2)


def main(base_url: str, model_file: str) -> None:
    suffix = str(int(time.time() * 1000))
    wl = wallaroo.Client(api_endpoint=base_url, auth_type="token", interactive=False)

    workspaces = wl.list_workspaces()
    assert workspaces, "no workspaces listed"
    workspace = wl.create_workspace(f"sdk-ws-{suffix}")
    assert workspace.name() == f"sdk-ws-{suffix}"
    fetched = wl.get_workspace(f"sdk-ws-{suffix}")
    assert fetched is not None and fetched.id() == workspace.id(), (fetched, workspace)
    wl.set_current_workspace(workspace)
    assert wl.get_current_workspace().id() == workspace.id()
    listed_ids = {w.id() for w in wl.list_workspaces()}
    assert workspace.id() in listed_ids, listed_ids

    model = wl.upload_model(f"sdk-model-{suffix}", model_file, framework=Framework.ONNX)
    assert model.name() == f"sdk-model-{suffix}"
    models = wl.list_models()
    assert [m.name() for m in models] == [f"sdk-model-{suffix}"], models
    versions = models[0].versions()
    assert model.version() in [v.version() for v in versions], versions

    pipeline = wl.build_pipeline(f"sdk-pipe-{suffix}")
    pipeline.add_model_step(model)
    config = DeploymentConfigBuilder().replica_count(1).cpus(0.25).memory("1Gi").build()
    pipeline.deploy(deployment_config=config, wait_for_status=False)
    status = wait_running(pipeline)

    frame = pd.DataFrame({"tensor": INPUT_ROWS})
    out_frame = pipeline.infer(frame)
    assert isinstance(out_frame, pd.DataFrame), type(out_frame)
    frame_out = [float(v) for v in out_frame["out.variable"].map(lambda x: x[0])]
    table = pa.Table.from_pydict({"tensor": INPUT_ROWS})
    out_table = pipeline.infer(table)
    assert isinstance(out_table, pa.Table), type(out_table)
    table_out = [float(v[0]) for v in out_table.column("out.variable").to_pylist()]
    assert frame_out == table_out, (frame_out, table_out)

    logs = pipeline.logs()
    assert len(logs) >= 2 * len(INPUT_ROWS), logs

    pipelines = wl.list_pipelines()
    assert f"sdk-pipe-{suffix}" in [p.name() for p in pipelines]
    by_name = wl.get_pipeline(f"sdk-pipe-{suffix}")
    assert by_name.name() == f"sdk-pipe-{suffix}"
    deployment_id = pipeline._deployment_for_pipeline().id()
    deployed = [d for d in wl.list_deployments() if d.id() == deployment_id]
    assert [d.deployed() for d in deployed] == [True], deployed

    pipeline.undeploy()
    undeployed = [d for d in wl.list_deployments() if d.id() == deployment_id]
    assert [d.deployed() for d in undeployed] == [False], undeployed

    print(
        json.dumps(
            {
                "workspace_id": workspace.id(),
                "model_version": model.version(),
                "model_sha": model.sha(),
                "status": status.get("status"),
                "outputs": frame_out,
                "log_rows": len(logs),
                "deployment_id": deployment_id,
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
