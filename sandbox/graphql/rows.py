"""The sandbox's store as Hasura's tables: one row (a dict) per entity, built on demand.

Columns are plain values; relationships are callables that graphql-core's default resolver
calls with the field's arguments (and `filters` calls with none), so a row costs only what a
query reads and every answer reflects the store as it is now - what the REST operations wrote
is what GraphQL reads, and the other way round.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sandbox.core.records import (
    Deployment,
    Model,
    ModelConfig,
    ModelVersion,
    Pipeline,
    PipelineVersion,
    Role,
    Workspace,
)
from sandbox.core.store import Store
from sandbox.graphql.filters import Row, select

Resolver = Callable[..., Any]
#: What the sandbox says every model was converted for (it converts nothing).
CONVERSION = {
    "framework": "onnx",
    "arch": "x86",
    "accel": "none",
    "python_version": "3.8",
    "requirements": [],
}
READY = "ready"
VISIBILITY = "private"


def many(source: Callable[[], Iterable[Row]]) -> Resolver:
    """An array relationship or list root field: the rows `select` keeps for the arguments."""

    def resolve(_info: Any = None, **args: Any) -> list[Row]:
        return select(source(), **args)

    return resolve


def one(source: Callable[[], Row | None]) -> Resolver:
    """An object relationship: the related row, or None."""

    def resolve(_info: Any = None, **_: Any) -> Row | None:
        return source()

    return resolve


def aggregate(source: Callable[[], Iterable[Row]]) -> Resolver:
    """An `_aggregate` field: `{aggregate {count}, nodes}` over the rows the arguments keep."""

    def resolve(_info: Any = None, **args: Any) -> Row:
        nodes = select(source(), **args)

        def count(_info: Any = None, **_: Any) -> int:
            return len(nodes)

        return {"aggregate": {"count": count}, "nodes": nodes}

    return resolve


def _at_path(document: Any) -> Resolver:
    """A jsonb column with Hasura's `path` argument: the document, or its value at the key."""

    def resolve(_info: Any = None, path: str | None = None, **_: Any) -> Any:
        return document if path is None else document.get(path) if isinstance(document, dict) else None

    return resolve


class Rows:
    """Row builders over one store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # ------------------------------------------------------------------ tables

    def workspaces(self) -> list[Row]:
        return [self.workspace(w) for w in self.store.workspaces.values()]

    def default_workspaces(self) -> list[Row]:
        return [self.default_workspace(u, w) for u, w in self.store.default_workspaces.items()]

    def model_groups(self) -> list[Row]:
        return [self.model_group(m) for m in self.store.models.values()]

    def model_versions(self) -> list[Row]:
        return [self.model_version(v) for m in self.store.models.values() for v in m.versions]

    def model_configs(self) -> list[Row]:
        return [self.model_config(c) for c in self.store.model_configs.values()]

    def pipelines(self) -> list[Row]:
        return [self.pipeline(p) for p in self.store.pipelines.values()]

    def pipeline_versions(self) -> list[Row]:
        return [self.pipeline_version(p, v) for p in self.store.pipelines.values() for v in p.versions]

    def deployments(self) -> list[Row]:
        return [self.deployment(d) for d in self.store.deployments.values()]

    def all_deployment_model_configs(self) -> list[Row]:
        return [row for d in self.store.deployments.values() for row in self.deployment_model_configs(d)]

    def deployment_pipeline_versions(self) -> list[Row]:
        return [self.deployment_pipeline_version(d) for d in self.store.deployments.values()]

    def workspace_users(self) -> list[Row]:
        return [
            self.workspace_user(w, u, role)
            for w in self.store.workspaces.values()
            for u, role in w.members.items()
        ]

    # ------------------------------------------------------------------ rows

    def workspace(self, workspace: Workspace) -> Row:
        store = self.store
        return {
            **workspace.summary(),
            "users": many(
                lambda: [self.workspace_user(workspace, u, role) for u, role in workspace.members.items()]
            ),
            "models": many(lambda: [self.model_group(store.model(i)) for i in workspace.model_ids]),
            "pipelines": many(lambda: [self.pipeline(store.pipeline(i)) for i in workspace.pipeline_ids]),
        }

    def default_workspace(self, user_id: str, workspace_id: int) -> Row:
        return {
            "user_id": user_id,
            "workspace_id": workspace_id,
            "workspace": one(lambda: self.workspace(self.store.workspace(workspace_id))),
        }

    def workspace_user(self, workspace: Workspace, user_id: str, role: Role) -> Row:
        return {
            "user_id": user_id,
            "user_type": role.value,
            "workspace_id": workspace.id,
            "workspace": one(lambda: self.workspace(workspace)),
        }

    def model_group(self, model: Model) -> Row:
        return {
            "id": model.id,
            "name": model.name,
            "owner_id": "",
            "workspace_id": model.workspace_id,
            "created_at": model.created_at.isoformat(),
            "updated_at": model.updated_at.isoformat(),
            "workspace": one(lambda: self.workspace(self.store.workspace(model.workspace_id))),
            "models": many(lambda: [self.model_version(v) for v in model.versions]),
        }

    def model_version(self, version: ModelVersion) -> Row:
        store = self.store

        def configs() -> list[Row]:
            mine = (c for c in store.model_configs.values() if c.model_version_id == version.id)
            return [self.model_config(c) for c in mine]

        return {
            "id": version.id,
            "model_id": version.model_name,
            "model_version": version.version,
            "models_pk_id": version.model_pk,
            "sha": version.sha,
            "file_name": version.file_name,
            "file_size": version.size,
            "image_path": None,
            "status": READY,
            "error_summary": None,
            "task_id": None,
            "visibility": store.model(version.model_pk).visibility,
            "owner_id": "",
            "created_by": None,
            "created_on_version": None,
            "created_at": version.created_at.isoformat(),
            "updated_at": version.created_at.isoformat(),
            "conversion": _at_path(CONVERSION),
            "model": one(lambda: self.model_group(store.model(version.model_pk))),
            "model_tags": many(list),
            "model_configs": many(configs),
            "model_configs_aggregate": aggregate(configs),
        }

    def model_config(self, config: ModelConfig) -> Row:
        store = self.store
        return {
            "id": config.id,
            "model_version_id": config.model_version_id,
            "runtime": config.runtime,
            "filter_threshold": config.filter_threshold,
            "tensor_fields": list(config.tensor_fields) if config.tensor_fields is not None else None,
            "input_schema": config.input_schema,
            "output_schema": config.output_schema,
            "batch_config": config.batch_config,
            "dynamic_batching_config": None,
            "continuous_batching_config": None,
            "openai": None,
            "model_id": config.model_version_id,
            "model": one(lambda: self.model_version(store.model_version(config.model_version_id))),
            "deployment_model_configs": many(
                lambda: [
                    row
                    for d in store.deployments.values()
                    for row in self.deployment_model_configs(d)
                    if row["model_config_id"] == config.id
                ]
            ),
        }

    def pipeline(self, pipeline: Pipeline) -> Row:
        store = self.store

        def deployment() -> Row | None:
            mine = [d for d in store.deployments.values() if d.pipeline_id == pipeline.id]
            return self.deployment(max(mine, key=lambda d: d.id)) if mine else None

        return {
            "id": pipeline.id,
            "pipeline_id": pipeline.name,
            "owner_id": pipeline.owner_id,
            "visibility": VISIBILITY,
            "workspace_id": pipeline.workspace_id,
            "created_at": pipeline.created_at.isoformat(),
            "updated_at": (pipeline.updated_at or pipeline.created_at).isoformat(),
            "workspace": one(lambda: self.workspace(store.workspace(pipeline.workspace_id))),
            "deployment": one(deployment),
            "pipeline_versions": many(
                lambda: [self.pipeline_version(pipeline, v) for v in pipeline.versions]
            ),
            "pipeline_tags": many(list),
        }

    def pipeline_version(self, pipeline: Pipeline, version: PipelineVersion) -> Row:
        def running() -> list[Deployment]:
            return [d for d in self.store.deployments.values() if d.pipeline_version.id == version.id]

        return {
            "id": version.id,
            "version": version.version,
            "definition": _at_path(version.definition),
            "pipeline_id": pipeline.id,
            "pipeline_pk_id": pipeline.id,
            "owner_id": pipeline.owner_id,
            "created_on_version": None,
            "created_at": version.created_at.isoformat(),
            "updated_at": version.created_at.isoformat(),
            "pipeline": one(lambda: self.pipeline(pipeline)),
            "deployment_pipeline_versions": many(
                lambda: [self.deployment_pipeline_version(d) for d in running()]
            ),
            "deployment_model_configs": many(
                lambda: [row for d in running() for row in self.deployment_model_configs(d)]
            ),
            "pipeline_publishes": many(list),
        }

    def deployment(self, deployment: Deployment) -> Row:
        store = self.store

        def configs() -> list[Row]:
            return self.deployment_model_configs(deployment)

        return {
            "id": deployment.id,
            "deploy_id": deployment.deploy_id,
            "deployed": deployment.active,
            "engine_config": deployment.engine_config,
            "node_selector": None,
            "limit_status": None,
            "pipeline_id": deployment.pipeline_id,
            "created_at": deployment.created_at.isoformat(),
            "updated_at": deployment.created_at.isoformat(),
            "updated_by": None,
            "pipeline": one(lambda: self.pipeline(store.pipeline(deployment.pipeline_id))),
            "deployment_model_configs": many(configs),
            "deployment_model_configs_aggregate": aggregate(configs),
            "deployment_pipeline_versions": many(lambda: [self.deployment_pipeline_version(deployment)]),
        }

    def deployment_model_configs(self, deployment: Deployment) -> list[Row]:
        """The model configs a deployment runs: the newest config of each of its model versions
        (the row's id is the config's: a deployment runs a config once)."""
        configs = [self.store.config_of(version.id) for version in deployment.models]
        return [self.deployment_model_config(deployment, config) for config in configs]

    def deployment_model_config(self, deployment: Deployment, config: ModelConfig) -> Row:
        return {
            "id": config.id,
            "deployment_id": deployment.id,
            "model_config_id": config.id,
            "pipeline_version_pk_id": deployment.pipeline_version.id,
            "deployment": one(lambda: self.deployment(deployment)),
            "model_config": one(lambda: self.model_config(config)),
            "pipeline_version": one(
                lambda: self.pipeline_version(
                    self.store.pipeline(deployment.pipeline_id), deployment.pipeline_version
                )
            ),
        }

    def deployment_pipeline_version(self, deployment: Deployment) -> Row:
        version = deployment.pipeline_version
        pipeline = self.store.pipeline(deployment.pipeline_id)
        return {
            "deployment_id": deployment.id,
            "pipeline_version_pk_id": version.id,
            "created_at": deployment.created_at.isoformat(),
            "updated_at": deployment.created_at.isoformat(),
            "deployment": one(lambda: self.deployment(deployment)),
            "pipeline_version": one(lambda: self.pipeline_version(pipeline, version)),
        }
