"""What a fresh sandbox holds: the admin user and their default workspace, the documents'
`housepricedrift` workspace with model `housepricemodel` and pipeline `housepricepipe`, and the
Openlayer stand-in's project with three inference pipelines and two tests. Everything but
timestamps follows from the seed (ids, uuids, the model bytes).

The assays attach their canned inference history to `housepricepipe`; nothing is deployed.
"""

from __future__ import annotations

import random

from sandbox.core.openlayer_records import InferencePipeline, OpenlayerProject, OpenlayerTest
from sandbox.core.settings import SandboxSettings
from sandbox.core.store import Store
from sandbox.core.uploads import store_bytes
from sandbox.keycloak.realm import TokenRealm

HOUSEPRICE_WORKSPACE = "housepricedrift"
HOUSEPRICE_PIPELINE = "housepricepipe"
HOUSEPRICE_MODEL = "housepricemodel"
HOUSEPRICE_FILE = "housepricemodel.onnx"

#: The Openlayer workspace and project the inference pipelines belong to.
OPENLAYER_PROJECT = OpenlayerProject(
    "8d3f6a2e-1b4c-4e5f-9a7b-0c1d2e3f4a5b",
    "House prices",
    "tabular-regression",
    workspace_id="e2f4a6b8-0c1e-4a3b-8d5f-7a9b1c3d5e7f",
    workspace_name="Sandbox workspace",
    workspace_slug="sandbox-workspace",
)

#: Openlayer inference pipelines (fixed ids: the documents' examples and a third).
OPENLAYER_PIPELINES = (
    InferencePipeline("123e4567-e89b-12d3-a456-426614174000", "production", "Live traffic."),
    InferencePipeline("3c90c3cc-0d44-4b50-8888-8dd25736052a", "staging", "Pre-release traffic."),
    InferencePipeline("9b2e8c1d-4f6a-4b7e-8a3c-5d1e2f3a4b5c", "shadow", "Shadow deployment."),
)

#: Openlayer tests (fixed ids; the first is the documents' example) and the pipelines they apply to.
OPENLAYER_TESTS = (
    OpenlayerTest(
        "182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e",
        "Mean absolute error below 0.1",
        (OPENLAYER_PIPELINES[0].id, OPENLAYER_PIPELINES[1].id),
    ),
    OpenlayerTest(
        "5f0c3d52-8e7b-4a39-9d0e-2b6f3f1c7a41",
        "At least one row per window",
        (OPENLAYER_PIPELINES[2].id,),
        number=2,
        type="integrity",
        subtype="rowCount",
        measurement="rowCount",
        operator=">=",
        threshold=1,
    ),
)


def seed_store(store: Store, realm: TokenRealm, settings: SandboxSettings) -> None:
    admin_email = settings.admin_email.lower()
    account = realm.users.add(
        admin_email, settings.admin_password, email=admin_email, user_id=store.new_uuid(), admin=True
    )
    admin = store.add_user(account)
    store.create_workspace(f"{admin_email} - Default Workspace", admin.id, default=True)

    workspace = store.create_workspace(HOUSEPRICE_WORKSPACE, admin.id)
    model_bytes = random.Random(settings.seed).randbytes(4096)
    upload = store_bytes(store.incoming_dir, model_bytes, HOUSEPRICE_FILE)
    version = store.add_model_version(
        workspace.id, HOUSEPRICE_MODEL, "private", upload, HOUSEPRICE_FILE
    ).latest
    definition = {
        "id": HOUSEPRICE_PIPELINE,
        "steps": [
            {
                "ModelInference": {
                    "models": [{"name": version.model_name, "version": version.version, "sha": version.sha}]
                }
            }
        ],
    }
    store.create_pipeline(workspace.id, HOUSEPRICE_PIPELINE, definition, admin.id)

    store.openlayer.seed(OPENLAYER_PROJECT, OPENLAYER_PIPELINES, OPENLAYER_TESTS)
