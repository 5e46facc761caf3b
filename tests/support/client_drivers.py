"""One driver per contract operation the generated Wallaroo client calls: the arguments of its
`asyncio_detailed`, with a realistic body (a plain dict goes through the body model's
`from_dict`).

Drivers run in table order against one sandbox, and a driver may read the typed answers of the
ones before it (`DriveContext.answers`, by operationId): the workspace created, the model
uploaded, the assay scheduled. Covering a new operation is one entry, placed after the drivers
whose answers it reads.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sandbox.core.seed import HOUSEPRICE_PIPELINE, HOUSEPRICE_WORKSPACE
from tests.support.tutorial import ASSAY, MODEL_BYTES, NEW_USER

BASELINE_DAY = ("2023-01-01T05:00:00+00:00", "2023-01-02T05:00:00+00:00")
V1_SUMMARIZER = ASSAY["summarizer"]
V2_SUMMARIZER = {
    "UnivariateContinuous": {"bin_mode": {"Quantile": 5}, "aggregation": "Density", "metric": "PSI"}
}


@dataclass
class DriveContext:
    """What the drivers that already ran answered, parsed by the client (operationId -> answer)."""

    answers: dict[str, Any] = field(default_factory=dict)

    def housepricedrift(self) -> tuple[int, int]:
        """(workspace id, pipeline id) of the seeded workspace that holds the canned inferences."""
        workspace = next(
            w for w in self.answers["workspaces_list"].workspaces if w.name == HOUSEPRICE_WORKSPACE
        )
        return workspace.id, workspace.pipelines[0]

    def workspace_id(self) -> int:
        """The workspace workspaces_create made."""
        return int(self.answers["workspaces_create"].workspace_id)

    def model(self) -> Any:
        """The model version models_upload_stream inserted."""
        return self.answers["models_upload_stream"].insert_models.returning[0].models[0]

    def window(self, **changes: Any) -> dict[str, Any]:
        """A v1 window on the canned history, as the client's WindowConfig writes it."""
        return {
            "path": "output dense_2 0",
            "pipeline_name": HOUSEPRICE_PIPELINE,
            "model_name": "housepricemodel",
            "width": "24 hours",
            "workspace_id": self.housepricedrift()[0],
            "locations": [],
            **changes,
        }

    def v1_assay(self, **changes: Any) -> dict[str, Any]:
        """An assay v1 on the canned history, as the client sends it."""
        workspace_id, pipeline_id = self.housepricedrift()
        return {
            "name": "sdk v1 assay",
            "pipeline_id": pipeline_id,
            "pipeline_name": HOUSEPRICE_PIPELINE,
            "workspace_id": workspace_id,
            "active": True,
            "status": "created",
            "baseline": {"calculated": {"fixed_window": self.window(start=BASELINE_DAY[0])}},
            "window": self.window(start=BASELINE_DAY[1]),
            "summarizer": V1_SUMMARIZER,
            "warning_threshold": 0.1,
            "alert_threshold": 0.25,
            "created_at": "2024-01-01T00:00:00+00:00",
            **changes,
        }

    def v2_assay(self, **changes: Any) -> dict[str, Any]:
        """An assay v2 on the canned history, as AssayV2Builder builds it."""
        workspace_id, pipeline_id = self.housepricedrift()
        return {
            "baseline": {"Static": list(BASELINE_DAY)},
            "scheduling": {
                "first_run": BASELINE_DAY[1],
                "run_frequency": {"SimpleRunFrequency": {"unit": "Day", "quantity": 1}},
            },
            "summarizer": V2_SUMMARIZER,
            "targeting": {
                "data_origin": {
                    "pipeline_id": pipeline_id,
                    "pipeline_name": HOUSEPRICE_PIPELINE,
                    "workspace_id": workspace_id,
                    "workspace_name": HOUSEPRICE_WORKSPACE,
                    "model_id": "housepricemodel",
                },
                "iopath": [
                    {"field": "out.dense_2", "indexes": [0], "thresholds": {"warning": 0.1, "alert": 0.25}}
                ],
            },
            "window": {"width": {"seconds": 86_400}},
            **changes,
        }

    def scheduled(self) -> str:
        return str(self.answers["assays_v2_schedule"])


Driver = Callable[[DriveContext], dict[str, Any]]

#: Drivers whose request the gateway refuses by design, with the violation it reports (a 400 the
#: client parses into its typed error). models_upload(_and_convert): the generated functions write the file
#: part before the `metadata` field, and the gateway validates only the fields that precede the
#: file, which it streams unread; the SDK's own upload (Client._upload_model) sends metadata first.
REFUSED = {"models_upload": "/metadata", "models_upload_and_convert": "/metadata"}


def _model_upload(ctx: DriveContext) -> dict[str, Any]:
    from wallaroo_ml_ops_api_client.models.upload_payload_doc import UploadPayloadDoc
    from wallaroo_ml_ops_api_client.models.upload_request import UploadRequest
    from wallaroo_ml_ops_api_client.types import File

    metadata = UploadRequest.from_dict(
        {
            "name": "sdk-model",
            "visibility": "public",
            "workspace_id": ctx.workspace_id(),
            "conversion": {"framework": "onnx", "requirements": []},
        }
    )
    return {
        "body": UploadPayloadDoc(
            File(io.BytesIO(MODEL_BYTES), "sdk.onnx", "application/octet-stream"), metadata
        )
    }


def _model_upload_stream(ctx: DriveContext) -> dict[str, Any]:
    from wallaroo_ml_ops_api_client.models.models_upload_stream_visibility import ModelsUploadStreamVisibility
    from wallaroo_ml_ops_api_client.types import File

    return {
        "body": File(MODEL_BYTES),  # bytes: an async client cannot read a BytesIO
        "name": "sdk-model-stream",
        "filename": "stream.onnx",
        "visibility": ModelsUploadStreamVisibility.PUBLIC,
        "workspace_id": ctx.workspace_id(),
    }


def _model_step(ctx: DriveContext) -> dict[str, Any]:
    """The uploaded model as a pipeline step names it, from models_list_versions' answer."""
    version = ctx.answers["models_list_versions"][0].to_dict()
    return {"name": version["model_id"], "version": version["model_version"], "sha": version["sha"]}


def _deploy(ctx: DriveContext) -> dict[str, Any]:
    created = ctx.answers["pipelines_create"]
    return {
        "body": {
            "deploy_id": "sdk-deploy",
            "pipeline_id": created.pipeline_pk_id,
            "pipeline_version_pk_id": created.pipeline_variant_pk_id,
            "models": [_model_step(ctx)],
        }
    }


DRIVERS: dict[str, Driver] = {
    "users_query": lambda ctx: {"body": {}},
    "users_invite": lambda ctx: {"body": {"email": NEW_USER, "roles": [], "password": "example-password"}},
    "users_deactivate": lambda ctx: {"body": {"email": NEW_USER}},
    "users_activate": lambda ctx: {"body": {"email": NEW_USER}},
    "workspaces_list": lambda ctx: {"body": {}},
    "workspaces_create": lambda ctx: {"body": {"workspace_name": "sdk-drivers"}},
    "workspaces_add_user": lambda ctx: {"body": {"workspace_id": ctx.workspace_id(), "email": NEW_USER}},
    "workspaces_list_users": lambda ctx: {"body": {"workspace_id": ctx.workspace_id()}},
    "workspaces_remove_user": lambda ctx: {"body": {"workspace_id": ctx.workspace_id(), "email": NEW_USER}},
    "models_upload": _model_upload,
    "models_upload_and_convert": _model_upload,
    "models_upload_stream": _model_upload_stream,
    "models_list": lambda ctx: {"body": {"workspace_id": ctx.workspace_id()}},
    "models_get_by_id": lambda ctx: {"body": {"id": ctx.model().id}},
    "models_list_versions": lambda ctx: {
        "body": {"model_id": "sdk-model-stream", "models_pk_id": ctx.model().id}
    },
    "models_get_config_by_id": lambda ctx: {"body": {"model_id": ctx.model().id}},
    "models_get": lambda ctx: {"body": {"id": ctx.model().id}},
    "models_insert_model_config": lambda ctx: {
        "body": {"model_version_id": ctx.model().id, "tensor_fields": ["tensor"], "batch_config": "single"}
    },
    "pipelines_create": lambda ctx: {
        "body": {
            "pipeline_id": "sdk-pipeline",
            "workspace_id": ctx.workspace_id(),
            "definition": {
                "id": "sdk-pipeline",
                "steps": [{"ModelInference": {"models": [_model_step(ctx)]}}],
            },
        }
    },
    "pipelines_list_pipelines": lambda ctx: {"body": {"workspace_id": ctx.workspace_id()}},
    "pipelines_get_pipeline_by_name": lambda ctx: {
        "body": {"workspace_id": ctx.workspace_id(), "pipeline_name": "sdk-pipeline"}
    },
    "plateau_get_topic_name": lambda ctx: {
        "body": {"workspace_id": ctx.workspace_id(), "pipeline_name": "sdk-pipeline"}
    },
    "pipelines_deploy": _deploy,
    "status_get_deployment": lambda ctx: {
        "body": {"name": f"sdk-deploy-{ctx.answers['pipelines_deploy'].id}"}
    },
    "admin_get_pipeline_external_url": lambda ctx: {
        "body": {"workspace_id": ctx.workspace_id(), "pipeline_name": "sdk-pipeline"}
    },
    "pipelines_undeploy": lambda ctx: {
        "body": {
            "pipeline_id": ctx.answers["pipelines_create"].pipeline_pk_id,
            "deployment_id": ctx.answers["pipelines_deploy"].id,
        }
    },
    "features_list": lambda ctx: {},
    "assays_get_baseline": lambda ctx: {
        "body": {
            "pipeline_name": HOUSEPRICE_PIPELINE,
            "workspace_id": ctx.housepricedrift()[0],
            "locations": [],
            "start": BASELINE_DAY[0],
            "end": BASELINE_DAY[1],
            "limit": 5,
        }
    },
    "assays_summarize": lambda ctx: {
        "body": {
            "summarizer": V1_SUMMARIZER,
            "baseline": {"fixed_window": ctx.window(start=BASELINE_DAY[0], width="86400000 ms")},
        }
    },
    "assays_create": lambda ctx: {"body": ctx.v1_assay()},
    "assays_list": lambda ctx: {"body": {"pipeline_id": ctx.housepricedrift()[1]}},
    "assays_get_assay_by_id": lambda ctx: {
        "body": {"id": ctx.answers["assays_create"].assay_id, "workspace_id": ctx.housepricedrift()[0]}
    },
    "assays_set_active": lambda ctx: {"body": {"id": ctx.answers["assays_create"].assay_id, "active": True}},
    "assays_run_interactive_baseline": lambda ctx: {
        "body": ctx.v1_assay(id=ctx.answers["assays_create"].assay_id)
    },
    "assays_run_interactive": lambda ctx: {"body": ctx.v1_assay(id=ctx.answers["assays_create"].assay_id)},
    "assays_get_assay_results": lambda ctx: {
        "body": {
            "assay_id": ctx.answers["assays_create"].assay_id,
            "start": BASELINE_DAY[1],
            "end": "2023-01-09T05:00:00+00:00",
            "workspace_id": ctx.housepricedrift()[0],
        }
    },
    "assays_v2_preview_baseline_binning": lambda ctx: {
        "body": {
            "baseline": ctx.v2_assay()["baseline"],
            "summarizer": V2_SUMMARIZER,
            "targeting": ctx.v2_assay()["targeting"],
        }
    },
    "assays_v2_preview": lambda ctx: {
        "body": ctx.v2_assay(preview_start=BASELINE_DAY[1], preview_end="2023-01-09T05:00:00+00:00")
    },
    "assays_v2_schedule": lambda ctx: {"body": ctx.v2_assay(name="sdk v2 assay")},
    "assays_v2_get": lambda ctx: {"body": {"active": "All", "workspace_id": ctx.housepricedrift()[0]}},
    "assays_v2_get_by_id": lambda ctx: {"body": {"id": ctx.scheduled()}},
    "assays_v2_get_results": lambda ctx: {"body": {"id": ctx.scheduled()}},
    "assays_v2_get_next_run": lambda ctx: {"body": {"assay_id": ctx.scheduled()}},
    "assays_v2_set_active": lambda ctx: {"body": {"assay_id": ctx.scheduled(), "active": False}},
}
