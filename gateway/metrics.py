"""Every Prometheus metric the gateway exports, with its labels, in one place.

Labels are bounded: operation (a spec operationId or one of a few fixed words), method, status,
team (from the config), upstream (from the config), direction and violation kind, credential set
(from the config), grant (`GRANTS`) and renewal outcome (`OUTCOMES`). Never raw paths, ids or
tokens. Each gateway owns a registry, so tests and several apps in one process don't clash.
"""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
SIZE_BUCKETS = (256, 1024, 4096, 16384, 65536, 262144, 2**20, 4 * 2**20, 16 * 2**20, 64 * 2**20, 2**30)
UNMATCHED = "unmatched"  # operation label for requests that match no spec operation
AUTH_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
GRANTS = frozenset({"password", "client_credentials", "refresh_token"})
OUTCOMES = frozenset({"ok", "refused", "timeout", "unusable", "unavailable"})
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"})


def method_label(method: str) -> str:
    """The `method` label: an HTTP method of RFC 9110, or `other` for anything a client invents."""
    return method if method in METHODS else "other"


class GatewayMetrics:
    """The gateway's metric families, registered on their own registry."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter(
            "mlops_gateway_requests_total",
            "Requests answered, by operation, method, status, team and upstream.",
            ["operation", "method", "status", "team", "upstream"],
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
            "Responses passed through without validation, by reason (too_large, not_json, policy_off).",
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
        self.upstream_errors = Counter(
            "mlops_gateway_upstream_errors_total",
            "Upstream exchanges that failed, by upstream and kind (unavailable, timeout, identity_provider).",
            ["upstream", "kind"],
            registry=r,
        )
        self.in_flight = Gauge(
            "mlops_gateway_in_flight_requests", "Requests being handled right now.", registry=r
        )
        self.spec_operations = Gauge(
            "mlops_gateway_spec_operations", "Operations compiled from the spec at start-up.", registry=r
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
        self.token_expiry = Gauge(
            "mlops_gateway_token_expiry_seconds",
            "Seconds until the current upstream token of a credential set expires (0: none).",
            ["credential_set"],
            registry=r,
        )
        self._expiry_sources: dict[str, Callable[[], float]] = {}

    def token_exchanged(self, credential_set: str, grant: str, outcome: str, seconds: float) -> None:
        """One token-endpoint exchange (the token managers' observer)."""
        grant = grant if grant in GRANTS else "other"
        outcome = outcome if outcome in OUTCOMES else "unavailable"
        self.token_renewals.labels(credential_set, grant, outcome).inc()
        self.token_endpoint_duration.labels(credential_set).observe(seconds)

    def watch_token_expiry(self, credential_set: str, seconds_left: Callable[[], float]) -> None:
        """Read `seconds_left()` into the expiry gauge at every scrape."""
        self._expiry_sources[credential_set] = seconds_left

    def exposition(self) -> bytes:
        for name, seconds_left in self._expiry_sources.items():
            self.token_expiry.labels(name).set(seconds_left())
        return generate_latest(self.registry)
