"""Stage 5, accounting: what the gateway keeps of each request - its metrics, contract violations
in the drift report and the metrics, and one JSON access-log line.

Violations are recorded by the checking stages as they are found (`record_violations`); the rest
once the answer is settled (`finish`); a valid GraphQL request's root fields when it is checked
(`graphql_fields`: counted, and named in the access line). Only bounded labels and fields the
gateway chooses are written: never headers or bodies. A violating exchange logs one line per
direction with the count and at most `LOGGED_VIOLATIONS` folded pointers and kinds, so no value
(not even a key of a free-form object) reaches the log and the line stays small whatever the body
holds.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from aiohttp import web

from gateway.contract import GraphQLQuery, Violation
from gateway.drift import DriftReport
from gateway.logs import info_fields
from gateway.metrics import UNMATCHED, Children, GatewayMetrics, method_label
from gateway.pipeline.exchange import Exchange
from gateway.recent import RecentWindow

access_log = logging.getLogger("mlops_gateway.access")
contract_log = logging.getLogger("mlops_gateway.contract")
LOGGED_VIOLATIONS = 5  # a log line names at most this many violations (and counts them all)
MAX_LOGGED_POINTER = 120


def _where(v: Violation) -> str:
    """A violation as a log line names it: location, folded pointer and kind, never a value."""
    pointer = v.folded_pointer
    if len(pointer) > MAX_LOGGED_POINTER:
        pointer = pointer[: MAX_LOGGED_POINTER - 3] + "..."
    return f"{v.location}{pointer} {v.kind}"


class Accounting:
    """Counts, reports and logs requests and the violations found in them."""

    def __init__(
        self, metrics: GatewayMetrics, drift: DriftReport, recent: RecentWindow | None = None
    ) -> None:
        self.metrics = metrics
        self.drift = drift
        self.recent = recent if recent is not None else RecentWindow()
        self._requests = Children(metrics.requests)
        self._duration = Children(metrics.request_duration)
        self._upstream_duration = Children(metrics.upstream_duration)
        self._request_bytes = Children(metrics.request_bytes)
        self._response_bytes = Children(metrics.response_bytes)
        self._violations = Children(metrics.violations)
        self._unvalidated = Children(metrics.unvalidated)
        self._graphql_fields = Children(metrics.graphql_fields)
        self._upstream_errors = Children(metrics.upstream_errors)

    def record_violations(self, exchange: Exchange, direction: str, violations: Sequence[Violation]) -> None:
        operation, request_id = exchange.operation, exchange.request_id
        self.drift.record(operation, direction, violations, request_id, exchange.team)
        for v in violations:
            self._violations(operation, direction, v.kind).inc()
        contract_log.warning(
            "contract violation",
            extra={
                "request_id": request_id,
                "team": exchange.team,
                "operation": operation,
                "direction": direction,
                "count": len(violations),
                "violations": [_where(v) for v in violations[:LOGGED_VIOLATIONS]],
            },
        )

    def graphql_fields(self, exchange: Exchange, query: GraphQLQuery) -> None:
        """Count each root field of a valid GraphQL request once (schema names, never client text)."""
        labels = (exchange.operation, exchange.team, exchange.upstream, query.operation_type)
        for name in query.root_fields:
            self._graphql_fields(*labels, name).inc()

    def unvalidated(self, exchange: Exchange, reason: str) -> None:
        """A response passed through unchecked (`too_large`, `not_json`, `policy_off`, `unlisted`,
        `sampled_out`)."""
        self._unvalidated(exchange.operation, reason).inc()

    def upstream_answered(self, exchange: Exchange, seconds: float) -> None:
        self._upstream_duration(exchange.operation, exchange.upstream).observe(seconds)

    def upstream_failed(self, exchange: Exchange, kind: str) -> None:
        self._upstream_errors(exchange.upstream, kind).inc()

    def finish(self, request: web.BaseRequest, exchange: Exchange, elapsed: float) -> None:
        method = method_label(request.method)
        status = str(exchange.status)
        labels = (exchange.operation, method, status, exchange.team, exchange.upstream, exchange.source)
        self._requests(*labels).inc()
        self._duration(exchange.operation, exchange.upstream).observe(elapsed)
        self.recent.record(exchange.team, exchange.operation, exchange.status, elapsed)
        if exchange.undocumented is not None:
            method, shape = exchange.undocumented
            self.drift.record_undocumented(
                exchange.upstream, method, shape, exchange.request_id, exchange.team
            )
        if exchange.operation != UNMATCHED:
            self._request_bytes(exchange.operation).observe(exchange.request_bytes)
            self._response_bytes(exchange.operation).observe(exchange.response_bytes)
        fields: dict[str, Any] = {
            "request_id": exchange.request_id,
            "team": exchange.team,
            "operation": exchange.operation,
            "method": method,
            "status": exchange.status,
            "upstream": exchange.upstream,
            "duration_ms": round(elapsed * 1000, 3),
            "request_violations": exchange.request_violations,
            "response_violations": exchange.response_violations,
        }
        if exchange.graphql is not None:  # a valid GraphQL request: its operation type and root fields
            fields["graphql_operation_type"] = exchange.graphql.operation_type
            fields["graphql_fields"] = list(exchange.graphql.root_fields)
        info_fields(access_log, "request", fields)
