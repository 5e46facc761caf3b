"""The sandbox's in-memory state: users, workspaces, models, pipelines, deployments, inference
history, with the look-ups and mutations the handlers need; the Openlayer stand-in's state is
its own `OpenlayerStore` (`store.openlayer`), sharing the clock and the uuids.

The store knows nothing about HTTP: an unknown id or name raises `UnknownEntity`, a taken name
raises `DuplicateName`, and the error middleware turns those into 404 and 409 answers. Ids count
from 1 per table; uuids and simulated pod names come from one `random.Random(seed)`, so the same
seed and the same request sequence give the same ids.
"""

from __future__ import annotations

import itertools
import os
import random
import uuid
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sandbox.core.lookups import DuplicateName as DuplicateName  # re-exported: the handlers' import
from sandbox.core.lookups import UnknownEntity as UnknownEntity
from sandbox.core.lookups import lookup as _lookup
from sandbox.core.openlayer_store import OpenlayerStore
from sandbox.core.records import (
    Deployment,
    DeploymentStatus,
    InferenceRecord,
    Model,
    ModelConfig,
    ModelVersion,
    Pipeline,
    PipelineVersion,
    Pod,
    Role,
    StoredFile,
    User,
    Workspace,
)
from sandbox.keycloak.users import RealmUser


class Store:
    """Every entity of one sandbox instance, keyed by id."""

    def __init__(self, storage_dir: Path, *, seed: int, clock: Callable[[], float]) -> None:
        self.storage_dir = storage_dir
        self.incoming_dir = storage_dir / "incoming"
        self.models_dir = storage_dir / "models"
        self.clock = clock
        self._rng = random.Random(seed)
        self._ids: dict[str, Iterator[int]] = {}
        self.users: dict[str, User] = {}
        self.workspaces: dict[int, Workspace] = {}
        self.models: dict[int, Model] = {}
        self.model_configs: dict[int, ModelConfig] = {}
        self.default_workspaces: dict[str, int] = {}
        self.pipelines: dict[int, Pipeline] = {}
        self.deployments: dict[int, Deployment] = {}
        self.openlayer = OpenlayerStore(clock, self.new_uuid)

    # ------------------------------------------------------------------ ids and time

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), UTC)

    def new_uuid(self) -> str:
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def _next_id(self, table: str) -> int:
        return next(self._ids.setdefault(table, itertools.count(1)))

    def _pod(self, prefix: str) -> Pod:
        rng = self._rng
        template = "".join(rng.choices("0123456789abcdef", k=9 + rng.randint(0, 1)))
        suffix = "".join(rng.choices("bcdfghjklmnpqrstvwxz2456789", k=5))
        ip = f"10.244.{rng.randint(0, 15)}.{rng.randint(2, 254)}"
        return Pod(f"{prefix}-{template}-{suffix}", ip)

    # ------------------------------------------------------------------ users

    def add_user(self, account: RealmUser) -> User:
        if self.email_taken(account.email or account.username):
            raise DuplicateName("user", account.email or account.username)
        user = User(account, int(self.clock() * 1000))
        self.users[user.id] = user
        return user

    def email_taken(self, email: str) -> bool:
        return any(u.email.lower() == email.lower() for u in self.users.values())

    def user(self, user_id: str) -> User:
        return _lookup(self.users, "user", user_id)

    def user_by_email(self, email: str) -> User:
        found = next((u for u in self.users.values() if u.email.lower() == email.lower()), None)
        if found is None:
            raise UnknownEntity("user with email", email)
        return found

    # ------------------------------------------------------------------ workspaces

    def create_workspace(self, name: str, owner_id: str, *, default: bool = False) -> Workspace:
        """A new workspace `owner_id` owns; `default`: it becomes that user's default workspace."""
        if any(w.name == name for w in self.workspaces.values()):
            raise DuplicateName("workspace", name)
        workspace = Workspace(self._next_id("workspace"), name, self.now(), owner_id, {owner_id: Role.OWNER})
        self.workspaces[workspace.id] = workspace
        if default:
            self.default_workspaces[owner_id] = workspace.id
        return workspace

    def workspace(self, workspace_id: int) -> Workspace:
        return _lookup(self.workspaces, "workspace", workspace_id)

    def workspace_by_name(self, name: str) -> Workspace:
        found = next((w for w in self.workspaces.values() if w.name == name), None)
        if found is None:
            raise UnknownEntity("workspace", name)
        return found

    def workspaces_of(self, user_id: str | None) -> list[Workspace]:
        """Every workspace, or those `user_id` is a member of."""
        return [w for w in self.workspaces.values() if user_id is None or user_id in w.members]

    # ------------------------------------------------------------------ models

    def add_model_version(
        self,
        workspace_id: int,
        name: str,
        visibility: str,
        upload: StoredFile,
        file_name: str,
        runtime: str = "onnx",
    ) -> Model:
        """Adopt an uploaded file as the newest version of model `name` (created if new), with a
        model config of `runtime`."""
        workspace = self.workspace(workspace_id)
        now = self.now()
        model = next((self.models[i] for i in workspace.model_ids if self.models[i].name == name), None)
        if model is None:
            model = Model(self._next_id("model"), name, workspace_id, visibility, now, now)
            self.models[model.id] = model
            workspace.model_ids.append(model.id)
        version_id = self._next_id("model_version")
        self.models_dir.mkdir(parents=True, exist_ok=True)
        path = self.models_dir / f"{version_id}-{upload.sha256}"
        os.replace(upload.path, path)
        model.versions.append(
            ModelVersion(
                version_id, model.id, name, self.new_uuid(), upload.sha256, file_name, path, upload.size, now
            )
        )
        model.visibility, model.updated_at = visibility, now
        self.add_model_config(version_id, runtime)
        return model

    def model_version(self, version_id: int) -> ModelVersion:
        found = next((v for m in self.models.values() for v in m.versions if v.id == version_id), None)
        if found is None:
            raise UnknownEntity("model version", version_id)
        return found

    def add_model_config(self, version_id: int, runtime: str, **options: Any) -> ModelConfig:
        self.model_version(version_id)
        config = ModelConfig(self._next_id("model_config"), version_id, runtime, **options)
        self.model_configs[config.id] = config
        return config

    def model_config(self, config_id: int) -> ModelConfig:
        return _lookup(self.model_configs, "model config", config_id)

    def config_of(self, version_id: int) -> ModelConfig:
        """The newest model config of a model version (every version has at least one)."""
        self.model_version(version_id)
        return max(
            (c for c in self.model_configs.values() if c.model_version_id == version_id), key=lambda c: c.id
        )

    def model(self, model_id: int) -> Model:
        return _lookup(self.models, "model", model_id)

    def models_in(self, workspace_id: int) -> list[Model]:
        """A workspace's models, newest first."""
        workspace = self.workspace(workspace_id)
        return [self.models[i] for i in reversed(workspace.model_ids)]

    def model_versions(self, name: str, model_pk: int) -> list[ModelVersion]:
        """Versions of the model named `name` with pk `model_pk`, else of any model matching
        either the name or the pk (the documents look versions up "by name or pk"); newest first."""
        exact = self.models.get(model_pk)
        if exact is not None and exact.name == name:
            chosen = [exact]
        else:
            chosen = [m for m in self.models.values() if m.name == name or m.id == model_pk]
        versions = sorted((v for m in chosen for v in m.versions), key=lambda v: v.id, reverse=True)
        if not versions:
            raise UnknownEntity("model", name)
        return versions

    def find_model_version(self, workspace_id: int, name: str, version: str, sha: str) -> ModelVersion:
        workspace = self.workspace(workspace_id)
        for model_id in workspace.model_ids:
            for candidate in self.models[model_id].versions:
                if (candidate.model_name, candidate.version, candidate.sha) == (name, version, sha):
                    return candidate
        raise UnknownEntity("model version", f"{name} {version}")

    # ------------------------------------------------------------------ pipelines

    def create_pipeline(
        self,
        workspace_id: int,
        name: str,
        definition: dict[str, Any] | str,
        owner_id: str,
        version: str | None = None,
        *,
        new_version: bool = False,
    ) -> Pipeline:
        """A new pipeline, or (`new_version`) a new version of the workspace's pipeline of that
        name; a taken name raises DuplicateName otherwise."""
        workspace = self.workspace(workspace_id)
        now = self.now()
        existing = next(
            (self.pipelines[i] for i in workspace.pipeline_ids if self.pipelines[i].name == name), None
        )
        if existing is not None and not new_version:
            raise DuplicateName("pipeline", name)
        pipeline = existing or Pipeline(self._next_id("pipeline"), name, workspace_id, owner_id, now)
        pipeline.versions.append(
            PipelineVersion(self._next_id("pipeline_version"), version or self.new_uuid(), definition, now)
        )
        pipeline.updated_at = now
        if existing is None:
            self.pipelines[pipeline.id] = pipeline
            workspace.pipeline_ids.append(pipeline.id)
        return pipeline

    def pipeline(self, pipeline_id: int) -> Pipeline:
        return _lookup(self.pipelines, "pipeline", pipeline_id)

    def pipeline_by_name(self, workspace_id: int, name: str) -> Pipeline:
        workspace = self.workspace(workspace_id)
        for pipeline_id in workspace.pipeline_ids:
            if self.pipelines[pipeline_id].name == name:
                return self.pipelines[pipeline_id]
        raise UnknownEntity("pipeline", name)

    def pipeline_of_version(self, version_id: int) -> Pipeline:
        """The pipeline one of whose versions has pk `version_id`."""
        found = next(
            (p for p in self.pipelines.values() if any(v.id == version_id for v in p.versions)), None
        )
        if found is None:
            raise UnknownEntity("pipeline version", version_id)
        return found

    def pipeline_version(self, pipeline: Pipeline, key: int | str) -> PipelineVersion:
        """A version of `pipeline` by pk id (int) or by version uuid (str)."""
        found = next(
            (v for v in pipeline.versions if (v.id if isinstance(key, int) else v.version) == key), None
        )
        if found is None:
            raise UnknownEntity("pipeline version", key)
        return found

    # ------------------------------------------------------------------ deployments

    def deploy(
        self,
        pipeline: Pipeline,
        version: PipelineVersion,
        deploy_id: str,
        models: list[ModelVersion],
        engine_config: Any,
        start_delay: float,
    ) -> Deployment:
        """Start (or restart) deployment `deploy_id` of `pipeline`; a deployment name belongs to
        one pipeline, so a name another pipeline uses raises DuplicateName."""
        existing = self.check_deploy_name(deploy_id, pipeline.id)
        ready_at = self.clock() + start_delay
        if existing is not None:
            existing.pipeline_version, existing.models, existing.engine_config = (
                version,
                models,
                engine_config,
            )
            existing.ready_at, existing.active = ready_at, True
            return existing
        deployment = Deployment(
            self._next_id("deployment"),
            deploy_id,
            pipeline.id,
            version,
            models,
            engine_config,
            ready_at,
            engine=self._pod("engine"),
            engine_lb=self._pod("engine-lb"),
            created_at=self.now(),
        )
        self.deployments[deployment.id] = deployment
        return deployment

    def check_deploy_name(self, deploy_id: str, pipeline_id: int | None) -> Deployment | None:
        """The deployment called `deploy_id` if `pipeline_id` may use the name (None: a pipeline
        not created yet); raises DuplicateName when another pipeline's deployment has it."""
        existing = next((d for d in self.deployments.values() if d.deploy_id == deploy_id), None)
        if existing is not None and existing.pipeline_id != pipeline_id:
            raise DuplicateName("deployment", deploy_id)
        return existing

    def undeploy(self, pipeline_id: int | None, deployment_id: int | None) -> list[Deployment]:
        """Stop one deployment (by id, of `pipeline_id` when given too) or every active deployment
        of a pipeline; an unknown deployment or pipeline raises UnknownEntity."""
        if deployment_id is None:
            assert pipeline_id is not None
            self.pipeline(pipeline_id)
            stopped = [d for d in self.deployments.values() if d.pipeline_id == pipeline_id and d.active]
        else:
            deployment = self.deployments.get(deployment_id)
            if deployment is None or pipeline_id not in (None, deployment.pipeline_id):
                raise UnknownEntity("deployment", deployment_id)
            stopped = [deployment]
        for deployment in stopped:
            deployment.active = False
        return stopped

    def active_deployment(self, name: str) -> Deployment:
        """The active deployment called `{deploy_id}-{id}`."""
        found = next((d for d in self.deployments.values() if d.active and d.name == name), None)
        if found is None:
            raise UnknownEntity("deployment", name)
        return found

    def running_deployment(self, name: str) -> Deployment:
        """The active deployment called `name`, once it has finished starting."""
        deployment = self.active_deployment(name)
        if deployment.status(self.clock()) is not DeploymentStatus.RUNNING:
            raise UnknownEntity("running deployment", name)
        return deployment

    def deployment_for(self, workspace_id: int, name: str) -> Deployment:
        """The newest active deployment in a workspace named `name` or of the pipeline `name`."""
        workspace = self.workspace(workspace_id)
        candidates = [
            d
            for d in self.deployments.values()
            if d.active
            and d.pipeline_id in workspace.pipeline_ids
            and name in (d.deploy_id, self.pipelines[d.pipeline_id].name)
        ]
        if not candidates:
            raise UnknownEntity("deployed pipeline", name)
        return max(candidates, key=lambda d: d.id)

    # ------------------------------------------------------------------ inference history

    def record_inferences(self, pipeline_id: int, records: Iterable[InferenceRecord]) -> None:
        """Append records (oldest first) to a pipeline's inference history."""
        self.pipeline(pipeline_id).inferences.extend(records)

    def inference_history(self, pipeline_id: int) -> list[InferenceRecord]:
        """A pipeline's inference records, oldest first (the list itself: do not mutate)."""
        return self.pipeline(pipeline_id).inferences
