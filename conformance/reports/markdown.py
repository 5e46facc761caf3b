"""`--report FILE.md`: a summary table per operation, then every failure with its reproduction."""

from __future__ import annotations

from conformance.results import EXIT_OK, RunResult
from conformance.settings import ConformanceSettings


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(result: RunResult, settings: ConformanceSettings, exit_status: int | None = None) -> str:
    grouped = result.by_operation()
    exit_code = result.exit_status if exit_status is None else exit_status
    verdict = "conformant" if result.exit_status == EXIT_OK else f"{len(result.findings)} failure(s)"
    lines = [
        "# Conformance report",
        "",
        f"- upstream: `{settings.base_url}`",
        f"- result: **{verdict}**, {len(result.errors)} error(s), exit status {exit_code}",
        f"- phases: {', '.join(result.phases)}; seed `{result.seed}`",
        f"- {sum(result.requests.values())} requests in {result.seconds:.1f} s",
        f"- {result.reach_line()}: operations whose success answer was checked / selected",
        "",
        "| operation | requests | 2xx | result | failed checks |",
        "|---|---:|---:|---|---|",
    ]
    for name in [*(op.operation_id for op in result.plan.selected), *result.graphql_fields()]:
        failed = grouped.get(name, {})
        status = "FAIL" if failed else "ERROR" if result.errors_for(name) else "ok"
        failed_checks = ", ".join(f"`{c}`" for c in failed)
        requests, successes = result.requests.get(name, 0), result.successes.get(name, 0)
        lines.append(f"| `{name}` | {requests} | {successes} | {status} | {failed_checks} |")
    for skipped in result.plan.skipped:
        lines.append(f"| `{skipped.operation_id}` | 0 | 0 | skipped | {_cell(skipped.reason)} |")
    if grouped:
        lines += ["", "## Failures"]
    for operation, checks in grouped.items():
        for check, findings in checks.items():
            for finding in findings:
                lines += [
                    "",
                    f"### `{operation}`: `{check}`",
                    "",
                    f"**{finding.title}** ({finding.severity}, {finding.phase} phase, seen {finding.count}x)",
                    "",
                    "```",
                    finding.message.rstrip(),
                    "```",
                    "",
                    "Reproduce:",
                    "",
                    "```sh",
                    finding.curl.rstrip(),
                    "```",
                ]
    if result.errors:
        lines += ["", "## Errors", ""]
        lines += [f"- `{e.operation or 'run'}`: {e.title}: {_cell(e.message)}" for e in result.errors]
    return "\n".join(lines) + "\n"
