"""`mlops-gateway serve` as a real process with a temporary YAML config, for tests of what only a
process has: workers, signals, exit codes. It runs in its own session, so whatever it forked is
killed at the end; its JSON log goes to a file the test reads while it runs."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from tests.support import ROOT
from tests.support.gateway import TEAM_KEY


@dataclass
class ServedGateway:
    process: asyncio.subprocess.Process
    port: int
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def events(self, msg: str | None = None) -> list[dict[str, Any]]:
        """The log lines written so far (a line still being written is left out)."""
        lines = self.log_path.read_bytes().split(b"\n")[:-1]
        events = [orjson.loads(line) for line in lines]
        return [e for e in events if msg is None or e["msg"] == msg]

    def started_workers(self) -> list[int]:
        return [int(e["worker"]) for e in self.events("worker started")]

    def serving_pids(self) -> set[int]:
        """The processes that wrote an access-log line: the workers that answered a request."""
        return {int(e["pid"]) for e in self.events("request") if e["logger"] == "mlops_gateway.access"}


@asynccontextmanager
async def served_gateway(
    tmp_path: Path,
    upstream_url: str,
    *,
    workers: int | None = None,
    listen: str = "",
    auth: str = "{mode: none}",
    extra: str = "",
    name: str = "gateway",
) -> AsyncIterator[ServedGateway]:
    """`mlops-gateway serve [--workers N]` in front of `upstream_url`; `listen`: more `listen` keys,
    `auth`: the upstream's auth (YAML flow mapping), `extra`: more top-level YAML, `name`: of its files
    (several gateways can share one `tmp_path`)."""
    config = tmp_path / f"{name}.yaml"
    config.write_text(
        f"""
listen: {{host: 127.0.0.1, port: 0, {listen}}}
upstreams:
  - name: wallaroo
    base_url: "{upstream_url}"
    paths: ["/v1/api/", "/v2/api/", "/v1/graphql", "/v1/logs/", "/v1/tests/"]
    auth: {auth}
teams: [{{name: alpha, keys: ["{TEAM_KEY}"]}}]
{extra}
"""
    )
    log_path = tmp_path / f"{name}.log"
    option = [] if workers is None else ["--workers", str(workers)]
    with log_path.open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "gateway.cli", "serve", "--config", str(config), *option,
            cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=log, start_new_session=True,
        )  # fmt: skip
    try:
        assert process.stdout is not None
        async with asyncio.timeout(30):
            line = (await process.stdout.readline()).decode()
        assert "listening on" in line, (line, log_path.read_text())
        yield ServedGateway(process, int(line.rsplit(":", 1)[1]), log_path)
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(process.wait(), timeout=15)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)  # its session: any worker left behind
        if process.returncode is None:
            await process.wait()
