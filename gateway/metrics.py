"""Every Prometheus metric the gateway exports, with its labels, in one place.

Labels are bounded: operation (a spec operationId or one of a few fixed words), method, status,
team (from the config), upstream (from the config), source (`SOURCES`: who produced the answer, as
Kong's `source` label), direction and violation kind, credential set (from the config), grant
(`GRANTS`) and renewal outcome (`OUTCOMES`), GraphQL operation type and root field (a root field
of the operation's GraphQL schema, or `introspection`). Never raw paths, ids, tokens or client
text. Each gateway owns a registry, so tests and several apps in one process don't clash.

With several workers (`gateway.workers`) prometheus-client runs in multiprocess mode: the parent
sets `PROMETHEUS_MULTIPROC_DIR` before `prometheus_client` is first imported, each worker's values
live in mmap files there, and `/metrics` merges every worker's files at scrape time (the per-app
registry still holds the families, so names stay unique). So every Gauge declares a
`multiprocess_mode` (ignored in one process), and no custom collector may be added.
"""

from __future__ import annotations

import importlib.metadata
import os
from typing import Generic, TypeVar

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.multiprocess import MultiProcessCollector

M = TypeVar("M", Counter, Gauge, Histogram)

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
SIZE_BUCKETS = (256, 1024, 4096, 16384, 65536, 262144, 2**20, 4 * 2**20, 16 * 2**20, 64 * 2**20, 2**30)
UNMATCHED = "unmatched"  # operation label for requests that match no spec operation
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"  # set: every worker's values are merged at scrape time
AUTH_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
GRANTS = frozenset({"password", "client_credentials", "refresh_token"})
OUTCOMES = frozenset({"ok", "refused", "timeout", "unusable", "unavailable"})
SOURCES = frozenset({"upstream", "gateway"})  # the upstream's answer, or the gateway's (problem, 499, cut)
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"})


def method_label(method: str) -> str:
    """The `method` label: an HTTP method of RFC 9110, or `other` for anything a client invents."""
    return method if method in METHODS else "other"


class Children(Generic[M]):
    """A metric family's children by label values, each asked of prometheus-client once.

    `labels()` checks, converts and locks on every call; the request path asks for the same few
    children again and again, so it keeps them here. Label values are bounded (see above), so
    is this cache."""

    __slots__ = ("_children", "_family")

    def __init__(self, family: M) -> None:
        self._family: M = family
        self._children: dict[tuple[str, ...], M] = {}

    def __call__(self, *values: str) -> M:
        child = self._children.get(values)
        if child is None:
            child = self._children[values] = self._family.labels(*values)
        return child


def package_version() -> str:
    """The installed gateway's version (`unknown` when run from a tree that was never installed)."""
    try:
        return importlib.metadata.version("mlops-gateway")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


class GatewayMetrics:
    """The gateway's metric families, registered on their own registry."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.multiprocess_dir = os.environ.get(MULTIPROC_ENV)  # prometheus-client's own switch
        r = self.registry
        self.requests = Counter(
            "mlops_gateway_requests_total",
            "Requests answered, by operation, method, status, team, upstream and source "
            "(upstream: the upstream's answer; gateway: a problem, 499 or cut stream the gateway made).",
            ["operation", "method", "status", "team", "upstream", "source"],
            registry=r,
        )
        self.request_duration = Histogram(
            "mlops_gateway_request_duration_seconds",
            "Time from request received to response sent, gateway overhead included.",
            ["operation", "upstream"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.upstream_duration = Histogram(
            "mlops_gateway_upstream_duration_seconds",
            "Time from sending the request upstream to receiving the response headers.",
            ["operation", "upstream"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.violations = Counter(
            "mlops_gateway_contract_violations_total",
            "Contract violations seen, by operation, direction (request|response) and kind.",
            ["operation", "direction", "kind"],
            registry=r,
        )
        self.unvalidated = Counter(
            "mlops_gateway_unvalidated_responses_total",
            "Responses passed through without validation, by reason "
            "(too_large, not_json, policy_off, unlisted, sampled_out).",
            ["operation", "reason"],
            registry=r,
        )
        self.request_bytes = Histogram(
            "mlops_gateway_request_body_bytes",
            "Request body sizes forwarded upstream.",
            ["operation"],
            buckets=SIZE_BUCKETS,
            registry=r,
        )
        self.response_bytes = Histogram(
            "mlops_gateway_response_body_bytes",
            "Response body sizes sent to clients.",
            ["operation"],
            buckets=SIZE_BUCKETS,
            registry=r,
        )
        self.graphql_fields = Counter(
            "mlops_gateway_graphql_fields_total",
            "Root fields of valid GraphQL requests, by operation, team, upstream, operation type "
            "(query|mutation|subscription) and field (a root field of the schema, or introspection).",
            ["operation", "team", "upstream", "operation_type", "field"],
            registry=r,
        )
        self.upstream_errors = Counter(
            "mlops_gateway_upstream_errors_total",
            "Upstream exchanges that failed, by upstream and kind (unavailable, timeout, identity_provider).",
            ["upstream", "kind"],
            registry=r,
        )
        self.in_flight = Gauge(
            "mlops_gateway_in_flight_requests",
            "Requests being handled right now.",
            multiprocess_mode="livesum",  # summed over the workers alive
            registry=r,
        )
        self.token_store_shared = Gauge(
            "mlops_gateway_token_store_shared",
            "1 while upstream tokens are shared through the store (Redis reachable), 0 while per process.",
            ["store"],
            multiprocess_mode="livemin",  # 0 when any worker keeps its tokens to itself
            registry=r,
        )
        self.spec_operations = Gauge(
            "mlops_gateway_spec_operations",
            "Operations compiled from the spec at start-up.",
            multiprocess_mode="max",  # the same in every worker
            registry=r,
        )
        self.build_info = Gauge(
            "mlops_gateway_build_info",
            "Always 1: the gateway version and the spec it validates against (info.version, SHA-256).",
            ["version", "spec_version", "spec_sha256"],
            multiprocess_mode="max",  # the same in every worker
            registry=r,
        )
        self.token_renewals = Counter(
            "mlops_gateway_token_renewals_total",
            "Token-endpoint exchanges, by credential set, grant and outcome "
            "(ok, refused, timeout, unusable, unavailable).",
            ["credential_set", "grant", "outcome"],
            registry=r,
        )
        self.token_endpoint_duration = Histogram(
            "mlops_gateway_token_endpoint_duration_seconds",
            "Time one token-endpoint exchange took, by credential set.",
            ["credential_set"],
            buckets=AUTH_BUCKETS,
            registry=r,
        )
        self.token_expires_at = Gauge(
            "mlops_gateway_token_expires_at_seconds",
            "Unix time the current upstream token of a credential set expires (0: none); "
            "seconds left: this minus time().",
            ["credential_set"],
            multiprocess_mode="livemin",  # the worker whose token ends first
            registry=r,
        )

    def built(self, spec_version: str, spec_sha256: str) -> None:
        """Publish `build_info` for this gateway and the spec it compiled."""
        self.build_info.labels(package_version(), spec_version, spec_sha256).set(1)

    def token_exchanged(self, credential_set: str, grant: str, outcome: str, seconds: float) -> None:
        """One token-endpoint exchange (the token managers' observer)."""
        grant = grant if grant in GRANTS else "other"
        outcome = outcome if outcome in OUTCOMES else "unavailable"
        self.token_renewals.labels(credential_set, grant, outcome).inc()
        self.token_endpoint_duration.labels(credential_set).observe(seconds)

    def token_held(self, credential_set: str, expires_at: float) -> None:
        """The set's token now expires at `expires_at` (the token managers' observer)."""
        self.token_expires_at.labels(credential_set).set(expires_at)

    def exposition(self) -> bytes:
        if self.multiprocess_dir is None:
            return generate_latest(self.registry)
        merged = CollectorRegistry()
        MultiProcessCollector(merged, path=self.multiprocess_dir)  # type: ignore[no-untyped-call]
        return generate_latest(merged)
