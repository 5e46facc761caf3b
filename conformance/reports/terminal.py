"""The terminal: the plan (`--dry-run`) and the summary of a run, grouped by operation and check,
each failure with the curl commands that reproduce it."""

from __future__ import annotations

import textwrap

from conformance.checks import BY_NAME
from conformance.graphql.plan import describe
from conformance.plan import RunPlan
from conformance.results import EXIT_OK, RunResult
from conformance.settings import ConformanceSettings


def _indent(text: str, prefix: str) -> str:
    return textwrap.indent(text.rstrip(), prefix)


def render_plan(plan: RunPlan, settings: ConformanceSettings) -> str:
    """What a run would call, skip and check; nothing is sent."""
    lines = [f"mlops-gateway conformance --dry-run: {settings.base_url} (nothing will be called)", ""]
    lines.append(f"operations ({len(plan.operations.selected)}):")
    for op in plan.operations.selected:
        note = "  [writes]" if op.writes else ""
        lines.append(f"  {op.operation_id:<34} {op.method} {op.path}{note}")
    if plan.operations.skipped:
        lines.append(f"skipped ({len(plan.operations.skipped)}):")
        lines += [f"  {s.operation_id:<34} {s.reason}" for s in plan.operations.skipped]
    lines.append(f"checks ({len(plan.checks)}):")
    for name in plan.checks:
        info = BY_NAME[name]
        lines.append(f"  {name:<30} {info.asserts}{'  (ours)' if info.ours else ''}")
    limits = settings.limits
    lines.append(f"phases: {', '.join(plan.phases)}")
    if plan.graphql is not None:
        lines.append(describe(plan.graphql))
    lines.append(
        f"limits: {limits.max_examples} examples per operation and phase, {limits.workers} worker(s), "
        f"rate limit {limits.rate_limit or 'none'}, request timeout {limits.request_timeout:g} s, "
        f"max response time {limits.max_response_time:g} s"
    )
    return "\n".join(lines)


def render_summary(result: RunResult, settings: ConformanceSettings, exit_status: int | None = None) -> str:
    """Per operation PASS/FAIL, then every finding with its reproduction, errors, skips, verdict
    (with `exit_status`, the run's when a baseline decides it)."""
    grouped = result.by_operation()
    lines = [
        f"mlops-gateway conformance: {settings.base_url}",
        f"  phases {', '.join(result.phases)}; seed {result.seed}; "
        f"{sum(result.requests.values())} requests in {result.seconds:.1f} s; {result.reach_line()}",
        "",
    ]
    for op in result.plan.selected:
        failed = grouped.get(op.operation_id, {})
        errored = result.errors_for(op.operation_id)
        verdict = "FAIL " if failed else "ERROR" if errored else "ok   "
        failed_checks = f"  {', '.join(failed)}" if failed else ""
        name = op.operation_id
        counts = f"{result.requests.get(name, 0):>5} requests, {result.successes.get(name, 0):>4} 2xx"
        lines.append(f"  {verdict} {op.operation_id:<34} {counts}{failed_checks}")
    if graphql := result.graphql_fields():
        calls = sum(result.requests.get(name, 0) for name in graphql)
        answered = sum(result.successes.get(name, 0) for name in graphql)
        broken = sum(1 for name in graphql if name in grouped or result.errors_for(name))
        lines.append(
            f"  {'FAIL ' if broken else 'ok   '} graphql: {len(graphql)} root fields, {calls:>5} requests, "
            f"{answered:>4} 2xx{f', {broken} broken' if broken else ''}"
        )
    for operation, checks in grouped.items():
        lines += ["", f"== {operation}"]
        for check, findings in checks.items():
            ours = " (ours)" if BY_NAME.get(check, None) and BY_NAME[check].ours else ""
            for finding in findings:
                seen = f", seen {finding.count}x" if finding.count > 1 else ""
                lines.append(
                    f"  -- {check}{ours}: {finding.title} [{finding.severity}{seen}, {finding.phase}]"
                )
                lines.append(_indent(finding.message, "     "))
                lines.append("     reproduce:")
                lines.append(_indent(finding.curl, "       "))
    if result.errors:
        lines += ["", "== errors (not tested as asked)"]
        for error in result.errors:
            where = error.operation or "run"
            lines.append(f"  -- {where}: {error.title}")
            lines.append(_indent(error.message, "     "))
    if never := result.never_succeeded():
        lines += ["", f"never answered 2xx, so their success answers went unchecked: {', '.join(never)}"]
    if result.plan.skipped:
        lines += ["", f"skipped {len(result.plan.skipped)} operation(s):"]
        by_reason: dict[str, list[str]] = {}
        for skipped in result.plan.skipped:
            by_reason.setdefault(skipped.reason, []).append(skipped.operation_id)
        lines += [f"  {reason}: {', '.join(names)}" for reason, names in by_reason.items()]
    failing = len(grouped)
    verdict = (
        "conformant"
        if result.exit_status == EXIT_OK
        else f"{len(result.findings)} failure(s) in {failing} operation(s), {len(result.errors)} error(s)"
    )
    status = result.exit_status if exit_status is None else exit_status
    lines += ["", f"result: {verdict} (exit {status})"]
    return "\n".join(lines)
