"""Routes: every spec operation bound, at start-up, to the upstream that serves it and to the
validation policy of each direction, so the hot path looks a route up by operationId only.

An upstream with `unlisted: forward` also gets one route for what no operation describes under its
paths: operation `unlisted`, nothing to validate in either direction (there is no contract to
check against), the upstream's managed credentials like any other call.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from gateway.config import ConfigError, GatewayConfig, Policy, Unlisted
from gateway.contract import Contract, MediaTypeTable, Operation
from gateway.upstream.client import UpstreamClient

UNLISTED = "unlisted"  # the operation label of forwarded calls that no operation describes


@dataclass(frozen=True, slots=True)
class Route:
    """Where an operation goes and how strictly each direction is checked."""

    operation: Operation
    upstream: UpstreamClient
    request_policy: Policy
    response_policy: Policy
    large_response_sample: float = 1.0  # fraction of large answers checked (the rest relayed unread)
    unlisted: bool = False  # the route of calls no operation describes (`unlisted: forward`)


def bind_routes(
    contract: Contract, config: GatewayConfig, upstreams: Mapping[str, UpstreamClient]
) -> dict[str, Route]:
    """Every operation to the upstream with the longest matching path prefix, and its policies."""
    prefixes = sorted(
        ((prefix, u.name) for u in config.upstreams for prefix in u.paths), key=lambda p: -len(p[0])
    )
    routes = {}
    for op_id, op in contract.operations.items():
        name = next((n for prefix, n in prefixes if op.path_template.startswith(prefix)), None)
        if name is None:
            raise ConfigError("upstreams", f"no upstream's paths cover {op.path_template} ({op_id})")
        policy = config.validation.for_operation(op_id)
        routes[op_id] = Route(
            op, upstreams[name], policy.request, policy.response, policy.large_response_sample
        )
    unknown = set(config.validation.overrides) - set(contract.operations)
    if unknown:
        raise ConfigError("validation.overrides", f"unknown operationId(s): {', '.join(sorted(unknown))}")
    return routes


def bind_unlisted(
    config: GatewayConfig, upstreams: Mapping[str, UpstreamClient]
) -> tuple[tuple[str, Route], ...]:
    """(path prefix, route) of every upstream that forwards unlisted calls, longest prefix first."""
    operation = Operation(
        operation_id=UNLISTED,
        method="*",
        path_template="",
        tags=(),
        security=(),
        anonymous=False,
        parameters=(),
        body_required=False,
        request_media=MediaTypeTable([]),
        responses={},
        spec={},
    )
    bound = []
    for upstream in config.upstreams:
        if upstream.unlisted is Unlisted.FORWARD:
            route = Route(operation, upstreams[upstream.name], Policy.OFF, Policy.OFF, unlisted=True)
            bound += [(prefix, route) for prefix in upstream.paths]
    return tuple(sorted(bound, key=lambda pair: -len(pair[0])))
