"""`mlops-gateway conformance` as a user meets it: exit statuses 0/1/2 with messages that say what
went wrong, `--dry-run` calling nothing, read-only by default, secrets masked everywhere, and the
JUnit XML and markdown reports written and parseable."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest

from gateway.contract import Contract
from sandbox import SandboxServer, start_sandbox
from sandbox.core.context import REALM
from sandbox.core.fault_switch import Fault
from tests.support.conformance import run_cli as conformance
from tests.support.conformance import sandbox_argv
from tests.support.sandbox import sandbox_settings

QUICK = ("--max-examples", "2", "--seed", "5")


def snapshot(sandbox: SandboxServer) -> dict[str, Any]:
    """What a call could change: stored entities and tokens issued."""
    store = sandbox.store
    kinds = ("users", "workspaces", "models", "pipelines", "deployments")
    return {
        **{kind: len(getattr(store, kind)) for kind in kinds},
        "evaluation_tasks": len(store.openlayer.tasks),
        "openlayer_rows": sum(len(rows) for rows in store.openlayer.rows.values()),
        "members": sorted((w.id, len(w.members)) for w in store.workspaces.values()),
        "tokens": dict(sandbox.app[REALM].issued),
    }


@pytest.fixture
async def broken(tmp_path: Path, contract: Contract) -> AsyncIterator[SandboxServer]:
    """A sandbox whose workspaces_list answers 500."""
    settings = sandbox_settings(tmp_path, fault=Fault.SERVER_ERROR, fault_operations=("workspaces_list",))
    server = await start_sandbox(settings, contract=contract)
    yield server
    await server.close()


async def test_exit_0_when_the_upstream_conforms(
    sandbox: SandboxServer, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = sandbox_argv(sandbox, "--include-operation", "^workspaces_list$", *QUICK)
    status, out, _ = await conformance(argv, capsys)
    assert status == 0, out
    assert "ok    workspaces_list" in out and "result: conformant (exit 0)" in out


async def test_exit_1_with_reports_and_every_secret_masked(
    broken: SandboxServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    junit, report = tmp_path / "conformance.xml", tmp_path / "conformance.md"
    argv = sandbox_argv(
        broken, "--include-tag", "workspaces", *QUICK, "--junit-xml", str(junit), "--report", str(report)
    )
    status, out, err = await conformance(argv, capsys)
    assert status == 1, out + err
    assert "FAIL  workspaces_list" in out and "-- not_a_server_error: Server error" in out
    assert "curl -X POST -H 'Authorization: ***'" in out

    suite = ElementTree.parse(junit).getroot()
    cases = {case.get("name"): case for case in suite.iter("testcase")}
    failure = cases["workspaces_list"].find("failure")
    assert failure is not None and failure.get("type") == "not_a_server_error"
    assert "curl" in (failure.text or "")
    assert cases["workspaces_create"].find("skipped") is not None  # writes, and no --allow-writes
    assert suite.get("failures") == "1"

    markdown = report.read_text()
    assert "| `workspaces_list` |" in markdown and "| FAIL | `not_a_server_error`" in markdown
    assert "### `workspaces_list`: `not_a_server_error`" in markdown and "```sh\ncurl -X POST" in markdown

    settings = broken.settings
    for text in (out, err, markdown, junit.read_text()):
        for secret in (settings.client_secret, settings.admin_password, settings.openlayer_api_keys[0]):
            assert secret not in text
        assert "Bearer ey" not in text  # no access token (a JWT) either


async def test_exit_2_when_the_upstream_cannot_be_reached(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = await conformance(["--base-url", "http://127.0.0.1:9", "--token", "t0ken"], capsys)
    assert status == 2 and out == ""
    assert "cannot connect to http://127.0.0.1:9 (connection refused)" in err


async def test_exit_2_when_the_login_is_refused(
    sandbox: SandboxServer, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [*sandbox_argv(sandbox), "--password", "wrong-password"]
    status, _, err = await conformance(argv, capsys)
    assert status == 2
    assert "the token endpoint refused the password grant" in err and "wrong-password" not in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--token", "t"], "--base-url is required"),
        (["--base-url", "ftp://x", "--token", "t"], "must be an http(s) URL"),
        (["--base-url", "http://x", "--token-url", "http://x/token"], "--token-url needs --client-id"),
        (["--base-url", "http://x", "--via-gateway"], "--via-gateway needs --gateway-key"),
        (
            ["--base-url", "http://x", "--token", "t", "--include-operation", "("],
            "is not a regular expression",
        ),
        (["--base-url", "http://x", "--token", "t", "--rate-limit", "fast"], "--rate-limit must look like"),
        (["--base-url", "http://x", "--include-tag", "users"], "no operation left to test"),
    ],
)
async def test_exit_2_on_usage_errors(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = await conformance(argv, capsys)
    assert status == 2 and message in err, err


async def test_dry_run_calls_nothing(
    sandbox: SandboxServer, contract: Contract, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot(sandbox)
    status, out, _ = await conformance(
        sandbox_argv(sandbox, "--allow-writes", "--stateful", "--dry-run"), capsys
    )
    assert status == 0
    assert snapshot(sandbox) == before
    assert (
        f"operations ({len(contract.operations)}):" in out
        and "workspaces_create" in out
        and "[writes]" in out
    )
    assert "created_appears_in_list" in out and "created_id_accepted" in out
    assert "phases: reach, examples, coverage, fuzzing, stateful" in out
    assert "graphql: 50 Query, 66 Mutation root fields via graphql (POST /v1/graphql)" in out


async def test_read_only_by_default(sandbox: SandboxServer, capsys: pytest.CaptureFixture[str]) -> None:
    before = snapshot(sandbox)
    status, out, _ = await conformance(sandbox_argv(sandbox, "--include-tag", "workspaces", *QUICK), capsys)
    assert status == 0, out
    after = snapshot(sandbox)
    assert {k: v for k, v in after.items() if k != "tokens"} == {
        k: v for k, v in before.items() if k != "tokens"
    }
    skipped = out.split("writes upstream (x-mlops-writes); needs --allow-writes: ")[1].splitlines()[0]
    assert skipped == "workspaces_create, workspaces_add_user, workspaces_remove_user"
    assert "ok    workspaces_list " in out and "ok    workspaces_list_users" in out
