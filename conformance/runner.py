"""One conformance run, start to finish: plan the operations from the spec, make sure the upstream
answers and the credentials work (a `UsageProblem` otherwise), then let schemathesis's engine
exercise every planned operation and collect what it finds.

With `--dry-run` it stops after planning (`conformance.plan`), having called nothing.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from conformance.auth import Bearers, open_bearers
from conformance.errors import UsageProblem
from conformance.masking import Masker
from conformance.plan import REACH_PHASE, RunPlan, load_contract, plan_run, security_schemes
from conformance.results import RunResult
from conformance.settings import ConformanceSettings
from gateway.contract import Contract

CONNECT_TIMEOUT = 10.0


def check_reachable(base_url: str, timeout: float = CONNECT_TIMEOUT) -> None:
    """Open (and close) a TCP connection to the upstream; a `UsageProblem` naming why not."""
    parts = urlsplit(base_url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        socket.create_connection((parts.hostname or "", port), timeout=timeout).close()
    except ConnectionRefusedError:
        raise UsageProblem(f"cannot connect to {base_url} (connection refused)") from None
    except socket.gaierror as exc:
        raise UsageProblem(
            f"cannot connect to {base_url} (cannot resolve {parts.hostname}: {exc.strerror})"
        ) from None
    except TimeoutError:
        raise UsageProblem(f"cannot connect to {base_url} (timed out after {timeout:g} s)") from None
    except OSError as exc:
        raise UsageProblem(f"cannot connect to {base_url} ({exc.strerror or exc})") from None


def run_conformance(
    settings: ConformanceSettings,
    *,
    contract: Contract | None = None,
    on_event: Callable[[Any], None] | None = None,
) -> tuple[RunPlan, RunResult | None]:
    """Plan, then (unless `--dry-run`) run; raises `UsageProblem` for exit-status-2 conditions."""
    if not settings.outputs.dry_run:
        _require_engine()
    contract = contract or load_contract(settings)
    plan = plan_run(settings, contract)
    if settings.outputs.dry_run:
        return plan, None
    with open_bearers(settings.credentials, security_schemes(contract)) as bearers:
        check_reachable(settings.base_url)
        bearers.check()
        return plan, _execute(settings, contract, plan, bearers, on_event)


def _require_engine() -> None:
    """A `UsageProblem` naming the extra to install when schemathesis (the [conformance] extra) is
    missing, before anything is called. A dry run plans without it."""
    try:
        import schemathesis  # noqa: F401
    except ModuleNotFoundError as exc:
        from gateway.cli import missing_extra

        raise UsageProblem(missing_extra("conformance", exc)) from None


def _execute(
    settings: ConformanceSettings,
    contract: Contract,
    plan: RunPlan,
    bearers: Bearers,
    on_event: Callable[[Any], None] | None,
) -> RunResult:
    from schemathesis.engine import from_schema

    from conformance.collector import Collector
    from conformance.engine import build_schema
    from conformance.reach.walk import ReachWalk

    schema = build_schema(settings, contract, plan.operations, bearers)
    result = RunResult(plan.operations, plan.phases, plan.checks, seed=schema.config.seed)
    labels = {f"{op.method} {op.path_template}": op.operation_id for op in contract.operations.values()}
    collector = Collector(result, Masker(settings.credentials.secrets), labels)
    if REACH_PHASE in plan.phases:
        collector.scenario(ReachWalk(schema, contract, plan.operations.operation_ids).run(), REACH_PHASE)
    schemas = [schema]
    if plan.graphql is not None:
        from conformance.graphql.schema import build_graphql_schema

        labels.update(plan.graphql.labels())
        schemas.append(build_graphql_schema(settings, contract, plan.graphql, bearers))
    for each in schemas:
        for event in from_schema(each).execute():
            collector.feed(event)
            if on_event is not None:
                on_event(event)
    return result
