"""`--report-json` and `--baseline` through the CLI, as CI runs them on every upstream release:
a run with a fault saves a report; later runs against it show new, unchanged and fixed failures,
exit 1 only on new ones, and match findings across seeds (their keys hold nothing run-specific);
a file that is not a report is exit 2 before anything is called."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from sandbox import SandboxServer
from sandbox.core.context import REALM
from sandbox.core.fault_switch import Fault
from tests.support.conformance import run_cli, sandbox_argv

LISTS = ("--include-operation", "^workspaces_list(_users)?$", "--max-examples", "2")


def section(out: str) -> str:
    return out.split("against the baseline ", 1)[1]


async def test_new_fixed_and_unchanged_failures_against_a_saved_report(
    sandbox: SandboxServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    sandbox.faults.set(Fault.SERVER_ERROR, ("workspaces_list",))
    argv = sandbox_argv(sandbox, *LISTS, "--seed", "1", "--report-json", str(first))
    status, out, _ = await run_cli(argv, capsys)
    assert status == 1, out
    saved = orjson.loads(first.read_bytes())
    keys = {f["key"] for f in saved["findings"]}
    assert "workspaces_list|not_a_server_error|ServerError|500" in keys
    assert {f["operation"] for f in saved["findings"]} == {"workspaces_list"}
    assert saved["operations"]["workspaces_list_users"]["successes"] > 0

    # The same fault, another seed: every finding matches its key again, so nothing is new.
    argv = sandbox_argv(sandbox, *LISTS, "--seed", "2", "--baseline", str(first))
    status, out, _ = await run_cli(argv, capsys)
    assert status == 0, out
    assert f"0 new, 0 fixed, {len(keys)} unchanged, 0 not retested; no new failures (exit 0)" in out
    assert "result: " in out and "(exit 0)" in out.split("result: ")[1].splitlines()[0]

    # A second operation breaks too: new there, unchanged on the first.
    sandbox.faults.set(Fault.SERVER_ERROR, ("workspaces_list", "workspaces_list_users"))
    argv = sandbox_argv(sandbox, *LISTS, "--seed", "3", "--baseline", str(first))
    argv += ["--report-json", str(second)]
    status, out, _ = await run_cli(argv, capsys)
    assert status == 1, out
    shown = section(out)
    assert "  new          workspaces_list_users" in shown and "not_a_server_error" in shown
    assert "  unchanged    workspaces_list  " in shown and "  fixed" not in shown

    # Fixed upstream: both are fixed, the run passes, and the markdown report says so.
    sandbox.faults.set(None)
    report = tmp_path / "report.md"
    argv = sandbox_argv(sandbox, *LISTS, "--seed", "4", "--baseline", str(second), "--report", str(report))
    status, out, _ = await run_cli(argv, capsys)
    assert status == 0, out
    shown = section(out)
    assert "  fixed        workspaces_list  " in shown and "  fixed        workspaces_list_users" in shown
    assert "0 new," in shown
    markdown = report.read_text()
    assert "## Compared with the baseline" in markdown
    assert "| fixed | `workspaces_list_users` | `not_a_server_error` |" in markdown


async def test_a_file_that_is_not_a_report_is_exit_2_before_any_call(
    sandbox: SandboxServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wrong = tmp_path / "old.json"
    wrong.write_bytes(orjson.dumps({"format": "mlops-gateway-conformance-report", "version": 99}))
    status, _, err = await run_cli(sandbox_argv(sandbox, *LISTS, "--baseline", str(wrong)), capsys)
    assert status == 2
    assert f"--baseline {wrong}: report version 99; this version reads version 1" in err
    assert not sandbox.app[REALM].issued  # not even logged in
