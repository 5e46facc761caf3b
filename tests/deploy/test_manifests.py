"""The deployment files under deploy/ agree with each other and with the gateway config they mount.

Docker and a cluster cannot run here, so this checks what can be checked offline: every Kubernetes
manifest validates (kubernetes-validate, strict, its bundled schemas) against `KUBERNETES_VERSION`;
the Deployment's port, probes, mounts and grace period match the ConfigMap's gateway config, parsed
by the gateway's own `parse_config`; the compose file parses and every file it mounts or builds from
exists; the Dockerfile's EXPOSE, HEALTHCHECK and ENTRYPOINT agree with the configs it is run with.
"""

from __future__ import annotations

import base64
import json
import re
import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from gateway.config import GatewayConfig, parse_config

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
COMPOSE = DEPLOY / "compose.yaml"
COMPOSE_GATEWAY = DEPLOY / "compose" / "gateway.yaml"
DOCKERFILE = DEPLOY / "Dockerfile"

# the Kubernetes version the manifests are written for and validated against (README, "Deploying")
KUBERNETES_VERSION = "1.30"
# not a Kubernetes object (kustomize's own file), and the Secret example kustomize does not apply
KUSTOMIZATION = "kustomization.yaml"
SECRET_EXAMPLE = "secret.example.yaml"
CONFIG_PATH = "/etc/mlops-gateway/gateway.yaml"
ENTRYPOINT = ["mlops-gateway", "serve", "--config", CONFIG_PATH]
# the supervisor kills a worker still running this long past listen.shutdown_timeout (gateway/workers.py)
SUPERVISOR_MARGIN = 10
_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(:-[^}]*|:\?[^}]*)?\}")


# -- helpers ------------------------------------------------------------------------------------


def _dummy_env(text: str) -> dict[str, str]:
    """A value for every ${NAME} in `text`, of the shape the gateway checks (URLs, keys, a 32-byte key)."""
    env: dict[str, str] = {}
    for name, _ in _ENV.findall(text):
        if name.endswith("_URL"):
            env[name] = f"https://{name.lower().replace('_', '-')}.example.invalid/token"
        elif name == "TOKEN_STORE_KEY":
            env[name] = base64.b64encode(bytes(range(32))).decode()
        else:
            env[name] = f"dummy-{name.lower().replace('_', '-')}-0123456789abcdef"
    return env


def _required_env(text: str) -> set[str]:
    """The ${NAME}s of `text` without a default."""
    return {name for name, suffix in _ENV.findall(text) if not suffix.startswith(":-")}


def _parse_gateway(text: str) -> GatewayConfig:
    return parse_config(yaml.safe_load(text), _dummy_env(text))


def _manifests() -> list[Path]:
    return sorted(p for p in K8S.glob("*.yaml") if p.name != KUSTOMIZATION)


def _documents(path: Path) -> Iterator[dict[str, Any]]:
    for document in yaml.safe_load_all(path.read_text(encoding="utf-8")):
        if document is not None:
            yield document


def _resource(kind: str, name: str) -> dict[str, Any]:
    for path in _manifests():
        for document in _documents(path):
            if document["kind"] == kind and document["metadata"]["name"] == name:
                return document
    raise AssertionError(f"no {kind} {name} under deploy/k8s")


def _gateway_deployment() -> dict[str, Any]:
    return _resource("Deployment", "mlops-gateway")


def _gateway_container() -> dict[str, Any]:
    containers = _gateway_deployment()["spec"]["template"]["spec"]["containers"]
    (container,) = (c for c in containers if c["name"] == "gateway")
    return container


def _configmap_text() -> str:
    text = _resource("ConfigMap", "mlops-gateway-config")["data"]["gateway.yaml"]
    assert isinstance(text, str)
    return text


def _container_port(container: dict[str, Any], port: int | str) -> int:
    if isinstance(port, int):
        return port
    (number,) = (p["containerPort"] for p in container["ports"] if p["name"] == port)
    return int(number)


def _dockerfile_stages() -> dict[str, list[tuple[str, str]]]:
    """Each stage's instructions (keyword, arguments), continuation lines joined, comments dropped."""
    lines: list[str] = []
    pending = ""
    for raw in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        lines.append(pending + line)
        pending = ""
    stages: dict[str, list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] | None = None
    for line in lines:
        keyword, _, arguments = line.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            match = re.search(r"\bAS\s+(\S+)$", arguments, re.IGNORECASE)
            assert match, f"every stage is named: {line}"
            current = stages.setdefault(match.group(1), [])
        elif current is not None:
            current.append((keyword, arguments.strip()))
    return stages


def _instruction(stage: list[tuple[str, str]], keyword: str) -> str:
    found = [arguments for key, arguments in stage if key == keyword]
    assert found, f"no {keyword} in the stage"
    return found[-1]


def _compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


# -- Kubernetes ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", _manifests(), ids=lambda p: p.name)
def test_manifest_validates_strictly(path: Path) -> None:
    documents = list(_documents(path))
    assert documents, f"{path.name} holds no object"
    for document in documents:
        validated = kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)
        assert validated == KUBERNETES_VERSION


def test_kustomization_applies_every_manifest_but_the_secret_example() -> None:
    kustomization = yaml.safe_load((K8S / KUSTOMIZATION).read_text(encoding="utf-8"))
    assert kustomization["kind"] == "Kustomization"
    assert kustomization["namespace"] == "mlops-gateway"
    expected = {p.name for p in _manifests()} - {SECRET_EXAMPLE}
    assert set(kustomization["resources"]) == expected
    assert len(kustomization["resources"]) == len(expected)
    (image,) = kustomization["images"]
    assert _gateway_container()["image"].split(":")[0] == image["name"]


def test_configmap_holds_a_gateway_config_for_a_pod() -> None:
    config = _parse_gateway(_configmap_text())
    assert config.host == "0.0.0.0"
    assert config.trusted_proxies, "the ingress controller's range is trusted"
    assert config.token_store is not None, "replicas share their tokens through Redis"
    redis = _resource("Service", "mlops-gateway-redis")
    (port,) = redis["spec"]["ports"]
    assert f"@{redis['metadata']['name']}:{port['port']}/" in config.token_store.url


def test_deployment_port_and_probes_match_the_config() -> None:
    config = _parse_gateway(_configmap_text())
    container = _gateway_container()
    assert [p["containerPort"] for p in container["ports"]] == [config.port]
    probes = {
        "readinessProbe": "/readyz",
        "livenessProbe": "/healthz",
    }
    for probe, path in probes.items():
        get = container[probe]["httpGet"]
        assert get["path"] == path
        assert _container_port(container, get["port"]) == config.port
    annotations = _gateway_deployment()["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/scrape"] == "true"
    assert int(annotations["prometheus.io/port"]) == config.port
    assert annotations["prometheus.io/path"] == "/metrics"
    service = _resource("Service", "mlops-gateway")
    for port in service["spec"]["ports"]:
        assert _container_port(container, port["targetPort"]) == config.port


def test_deployment_mounts_the_configmap_where_the_image_reads_it() -> None:
    pod = _gateway_deployment()["spec"]["template"]["spec"]
    container = _gateway_container()
    assert "command" not in container and "args" not in container, "the image's ENTRYPOINT runs"
    volumes = {v["name"]: v for v in pod["volumes"]}
    (mount,) = (m for m in container["volumeMounts"] if "configMap" in volumes[m["name"]])
    configmap = volumes[mount["name"]]["configMap"]
    assert configmap["name"] == "mlops-gateway-config"
    (item,) = configmap["items"]
    assert f"{mount['mountPath']}/{item['path']}" == CONFIG_PATH
    assert mount["readOnly"] is True


def test_deployment_runs_locked_down_and_stops_gracefully() -> None:
    config = _parse_gateway(_configmap_text())
    pod = _gateway_deployment()["spec"]["template"]["spec"]
    container = _gateway_container()
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] != 0
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    volumes = {v["name"]: v for v in pod["volumes"]}
    (tmp,) = (m for m in container["volumeMounts"] if m["mountPath"] == "/tmp")
    assert "emptyDir" in volumes[tmp["name"]], "PROMETHEUS_MULTIPROC_DIR needs a writable /tmp"
    for kind in ("requests", "limits"):
        assert set(container["resources"][kind]) == {"cpu", "memory"}
    pre_stop = container["lifecycle"]["preStop"]["exec"]["command"]
    assert pre_stop[0] == "sleep"
    needed = int(pre_stop[1]) + config.shutdown_timeout + SUPERVISOR_MARGIN
    assert pod["terminationGracePeriodSeconds"] > needed


def test_secrets_come_from_the_secret_by_reference() -> None:
    secret = yaml.safe_load((K8S / SECRET_EXAMPLE).read_text(encoding="utf-8"))
    container = _gateway_container()
    assert "env" not in container, "no value in the Deployment: envFrom the Secret"
    (source,) = container["envFrom"]
    assert source["secretRef"]["name"] == secret["metadata"]["name"]
    required = _required_env(_configmap_text())
    assert required <= set(secret["stringData"]), "every ${NAME} the config needs is a key of the Secret"
    redis = _resource("Deployment", "mlops-gateway-redis")["spec"]["template"]["spec"]["containers"][0]
    for variable in redis["env"]:
        assert set(variable) == {"name", "valueFrom"}
        assert variable["valueFrom"]["secretKeyRef"]["name"] == secret["metadata"]["name"]


def test_secret_example_holds_no_real_value() -> None:
    secret = yaml.safe_load((K8S / SECRET_EXAMPLE).read_text(encoding="utf-8"))
    assert "data" not in secret
    for key, value in secret["stringData"].items():
        placeholder = value.startswith("<") and value.endswith(">")
        example_url = re.fullmatch(r"https://[a-z0-9.-]+\.example\.com(/\S*)?", value) is not None
        assert placeholder or example_url, f"{key}: {value!r} is not a placeholder"


def test_autoscaler_and_disruption_budget_select_the_gateway() -> None:
    deployment = _gateway_deployment()
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    hpa = _resource("HorizontalPodAutoscaler", "mlops-gateway")
    target = {"apiVersion": "apps/v1", "kind": "Deployment", "name": "mlops-gateway"}
    assert hpa["spec"]["scaleTargetRef"] == target
    assert hpa["spec"]["minReplicas"] >= 2
    pdb = _resource("PodDisruptionBudget", "mlops-gateway")
    assert pdb["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()


# -- compose ------------------------------------------------------------------------------------


def test_compose_parses_with_every_service() -> None:
    services = _compose()["services"]
    assert set(services) == {"gateway", "sandbox", "redis", "prometheus", "grafana"}


def test_compose_mounts_and_builds_from_existing_files() -> None:
    missing: list[str] = []
    for name, service in _compose()["services"].items():
        sources: list[Path] = []
        if "build" in service:
            context = (DEPLOY / service["build"]["context"]).resolve()
            assert context.is_dir(), f"{name}: build context {context}"
            sources.append(context / service["build"]["dockerfile"])
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                sources.append((DEPLOY / source).resolve())
        for source in sources:
            relative = source.relative_to(ROOT).as_posix()
            if not source.exists():
                missing.append(f"{name}: {relative}")
    assert not missing, f"compose.yaml names files that do not exist: {missing}"


def test_compose_secrets_are_required_from_the_environment() -> None:
    text = COMPOSE.read_text(encoding="utf-8")
    services = _compose()["services"]
    gateway_env = services["gateway"]["environment"]
    needed = _required_env(COMPOSE_GATEWAY.read_text(encoding="utf-8"))
    assert needed <= set(gateway_env), "compose passes every ${NAME} the gateway config needs"
    literal = {"GF_USERS_ALLOW_SIGN_UP"}  # settings, not secrets
    for name, service in services.items():
        for key, value in (service.get("environment") or {}).items():
            if key in literal:
                continue
            match = re.fullmatch(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(:-[^}]*|:\?[^}]*)\}", str(value))
            assert match, f"{name}.{key}: {value!r} does not come from the environment"
            if "PASSWORD" in key or "SECRET" in key or key.endswith("_KEY"):
                assert match.group(2).startswith(":?"), f"{name}.{key} is required: ${{{key}:?...}}"
    assert "sandbox-secret" not in text and "sandbox-password" not in text


def test_compose_gateway_config_loads_and_points_at_the_services() -> None:
    config = _parse_gateway(COMPOSE_GATEWAY.read_text(encoding="utf-8"))
    services = _compose()["services"]
    assert config.host == "0.0.0.0"
    assert {u.base_url for u in config.upstreams} == {"http://sandbox:9000"}
    assert config.token_store is not None and "@redis:6379/" in config.token_store.url
    gateway = services["gateway"]
    assert any(p.endswith(f":{config.port}") for p in gateway["ports"])
    assert f"./compose/gateway.yaml:{CONFIG_PATH}:ro" in gateway["volumes"]
    grace = int(gateway["stop_grace_period"].rstrip("s"))
    assert grace > config.shutdown_timeout + SUPERVISOR_MARGIN
    sandbox_port = int(next(p for p in services["sandbox"]["ports"]).rsplit(":", 1)[1])
    assert sandbox_port == 9000


# -- Dockerfile ---------------------------------------------------------------------------------


def test_dockerfile_gateway_stage_agrees_with_the_configs() -> None:
    stages = _dockerfile_stages()
    assert list(stages)[-1] == "gateway", "the gateway is the default (last) target"
    gateway = stages["gateway"]
    exposed = {int(p.split("/")[0]) for p in _instruction(gateway, "EXPOSE").split()}
    for text in (_configmap_text(), COMPOSE_GATEWAY.read_text(encoding="utf-8")):
        port = _parse_gateway(text).port
        assert exposed == {port}
        assert f"127.0.0.1:{port}/healthz" in _instruction(gateway, "HEALTHCHECK")
    assert json.loads(_instruction(gateway, "ENTRYPOINT")) == ENTRYPOINT
    user = _instruction(gateway, "USER").split(":")[0]
    assert user not in {"root", "0"}
    (install,) = (args for key, args in gateway if key == "RUN" and "pip install" in args)
    assert ".whl" in install and " -e " not in install and "--editable" not in install


def test_dockerfile_sandbox_stage_serves_the_compose_upstream() -> None:
    stages = _dockerfile_stages()
    assert set(stages) == {"build", "sandbox", "gateway"}
    sandbox = stages["sandbox"]
    entrypoint = json.loads(_instruction(sandbox, "ENTRYPOINT"))
    assert entrypoint[:3] == ["python", "-m", "sandbox"]
    options = dict(zip(entrypoint[3::2], entrypoint[4::2], strict=True))
    assert options["--host"] == "0.0.0.0"
    assert _instruction(sandbox, "EXPOSE") == options["--port"] == "9000"
    assert _instruction(sandbox, "USER").split(":")[0] not in {"root", "0"}
    assert "[sandbox]" in " ".join(shlex.split(_instruction(sandbox, "RUN")))
