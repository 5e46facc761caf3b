"""`mlops-gateway conformance`: fuzz an upstream (or a gateway in front of one) against the spec
and say what broke.

Exit status: 0 conformant, 1 conformance failures (or operations that could not be tested),
2 usage or connection problems (bad options, an unreachable upstream, a refused login, a
--baseline that is not a report of this version). With --baseline, 1 only on new failures.

Secrets may come from the environment instead of the command line: MLOPS_CONFORMANCE_TOKEN,
MLOPS_CONFORMANCE_CLIENT_SECRET, MLOPS_CONFORMANCE_PASSWORD, MLOPS_CONFORMANCE_API_KEY,
MLOPS_CONFORMANCE_GATEWAY_KEY (and MLOPS_CONFORMANCE_BASE_URL, _TOKEN_URL, _CLIENT_ID,
_USERNAME). Whatever is printed or written has them masked as ***.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping
from typing import Any, TextIO

from conformance.errors import UsageProblem
from conformance.options import add_options, settings_from
from conformance.results import EXIT_USAGE

_EPILOG = __doc__.split("\n\n", 1)[1]


def add_parser(commands: Any) -> None:
    """Add the `conformance` subcommand to the `mlops-gateway` command's subparsers."""
    parser = commands.add_parser(
        "conformance",
        help="fuzz an upstream against the spec and report what breaks it",
        description=__doc__.split("\n\n", 1)[0],
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_options(parser.add_argument)


def _progress(err: TextIO) -> Any:
    def show(event: Any) -> None:
        from schemathesis.engine import events

        if isinstance(event, events.PhaseStarted) and event.phase.is_enabled:
            print(f"  {event.phase.name.value} ...", file=err, flush=True)

    return show


def run(
    args: argparse.Namespace,
    environ: Mapping[str, str] | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Run the subcommand; answers the exit status."""
    environ = os.environ if environ is None else environ
    out, err = out or sys.stdout, err or sys.stderr
    from conformance.baseline import compare, load_baseline
    from conformance.reports.comparison import render_comparison, render_comparison_markdown
    from conformance.reports.json_report import render_json
    from conformance.reports.junit import render_junit
    from conformance.reports.markdown import render_markdown
    from conformance.reports.terminal import render_plan, render_summary
    from conformance.runner import run_conformance

    try:
        settings = settings_from(vars(args), environ)
        outputs = settings.outputs
        baseline = None if outputs.baseline is None else load_baseline(outputs.baseline)
        plan, result = run_conformance(settings, on_event=_progress(err))
    except UsageProblem as exc:
        print(f"mlops-gateway conformance: {exc}", file=err)
        return EXIT_USAGE
    if result is None:
        print(render_plan(plan, settings), file=out)
        return 0
    comparison = None if baseline is None else compare(baseline, result)
    status = result.exit_status if comparison is None else comparison.exit_status(result)
    print(render_summary(result, settings, status), file=out)
    markdown = render_markdown(result, settings, status)
    if comparison is not None:
        print("\n" + render_comparison(comparison, status), file=out)
        markdown += render_comparison_markdown(comparison, status)
    try:
        if outputs.junit_xml is not None:
            outputs.junit_xml.write_bytes(render_junit(result))
        if outputs.report is not None:
            outputs.report.write_text(markdown, encoding="utf-8")
        if outputs.report_json is not None:
            outputs.report_json.write_bytes(render_json(result, settings, status))
    except OSError as exc:
        print(f"mlops-gateway conformance: cannot write a report: {exc}", file=err)
        return EXIT_USAGE
    return status
