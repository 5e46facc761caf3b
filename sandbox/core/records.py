"""The sandbox's stored entities: plain dataclasses that the Store owns, links and looks up.

Users wrap the token realm's account (one source of truth for the email and the enabled flag);
`InferenceRecord` is one logged inference: the inference handler writes them, the assays read them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from sandbox.keycloak.users import RealmUser


class Role(StrEnum):
    """A user's place in a workspace, as workspaces_list_users reports it."""

    OWNER = "OWNER"
    COLLABORATOR = "COLLABORATOR"


class DeploymentStatus(StrEnum):
    """The states a live deployment reports (the spec's DeploymentStatus has more)."""

    STARTING = "Starting"
    RUNNING = "Running"


@dataclass(slots=True)
class User:
    """An instance user: the realm account (login, email, enabled) plus its creation time."""

    account: RealmUser
    created_ms: int

    @property
    def id(self) -> str:
        return self.account.user_id

    @property
    def email(self) -> str:
        return self.account.email or self.account.username


@dataclass(slots=True)
class Workspace:
    id: int
    name: str
    created_at: datetime
    created_by: str
    members: dict[str, Role] = field(default_factory=dict)
    model_ids: list[int] = field(default_factory=list)
    pipeline_ids: list[int] = field(default_factory=list)
    archived: bool = False

    def summary(self) -> dict[str, Any]:
        """The workspace as answers embed it (REST and GraphQL rows alike): its own fields only."""
        return {
            "id": self.id,
            "name": self.name,
            "archived": self.archived,
            "created_at": self.created_at.isoformat(),
            "created_by": self.created_by,
        }


@dataclass(frozen=True, slots=True)
class StoredFile:
    """Bytes written to disk while hashing: where, how many, their SHA-256, the client's name."""

    path: Path
    size: int
    sha256: str
    file_name: str | None = None


@dataclass(frozen=True, slots=True)
class ModelVersion:
    id: int
    model_pk: int
    model_name: str
    version: str
    sha: str
    file_name: str
    path: Path
    size: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ModelConfig:
    """How a model version runs: its runtime and options. Each upload gets one (the runtime its
    framework implies); `models/insert_model_config` adds more, the newest of a version wins."""

    id: int
    model_version_id: int
    runtime: str
    tensor_fields: tuple[str, ...] | None = None
    filter_threshold: float | None = None
    input_schema: str | None = None
    output_schema: str | None = None
    batch_config: str | None = None


@dataclass(slots=True)
class Model:
    """A named model in a workspace; each upload under the same name adds a version."""

    id: int
    name: str
    workspace_id: int
    visibility: str
    created_at: datetime
    updated_at: datetime
    versions: list[ModelVersion] = field(default_factory=list)

    @property
    def latest(self) -> ModelVersion:
        return self.versions[-1]


@dataclass(frozen=True, slots=True)
class PipelineVersion:
    id: int
    version: str
    definition: dict[str, Any] | str
    created_at: datetime


@dataclass(slots=True)
class Pipeline:
    id: int
    name: str
    workspace_id: int
    owner_id: str
    created_at: datetime
    updated_at: datetime | None = None
    versions: list[PipelineVersion] = field(default_factory=list)
    inferences: list[InferenceRecord] = field(default_factory=list)

    @property
    def latest(self) -> PipelineVersion:
        return self.versions[-1]


@dataclass(frozen=True, slots=True)
class Pod:
    """One simulated Kubernetes pod of a deployment (engine or engine load balancer)."""

    name: str
    ip: str


@dataclass(slots=True)
class Deployment:
    """A named deployment of one pipeline version; Starting until `ready_at`, then Running."""

    id: int
    deploy_id: str
    pipeline_id: int
    pipeline_version: PipelineVersion
    models: list[ModelVersion]
    engine_config: Any
    ready_at: float
    engine: Pod
    engine_lb: Pod
    created_at: datetime
    active: bool = True

    @property
    def name(self) -> str:
        """`{deploy_id}-{id}`: how status and inference URLs name a deployment."""
        return f"{self.deploy_id}-{self.id}"

    def status(self, now: float) -> DeploymentStatus:
        return DeploymentStatus.RUNNING if now >= self.ready_at else DeploymentStatus.STARTING


@dataclass(frozen=True, slots=True)
class InferenceRecord:
    """One logged inference: UTC time (ms precision), model identity, inputs and outputs."""

    time: datetime
    pipeline: str
    model: str
    model_sha: str
    inputs: dict[str, tuple[float, ...]]
    outputs: dict[str, tuple[float, ...]]
    elapsed_ns: int

    @property
    def time_ms(self) -> int:
        """Milliseconds since the Unix epoch."""
        return _to_ms(self.time)


def _to_ms(value: datetime) -> int:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    delta = value - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000
