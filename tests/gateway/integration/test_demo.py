"""`mlops-gateway demo` as a newcomer runs it: a real process that prints its key and answers."""

from __future__ import annotations

import asyncio
import signal
import sys

import aiohttp

from benchmarks.processes import free_port
from gateway.demo import DEMO_TEAM_KEY
from tests.support import ROOT


async def _banner(stream: asyncio.StreamReader) -> str:
    lines: list[str] = []
    while not any("Ctrl-C" in line for line in lines):
        line = (await stream.readline()).decode()
        if not line:
            break
        lines.append(line)
    return "".join(lines)


async def test_demo_serves_the_sandbox_through_the_gateway() -> None:
    port = free_port()
    demo = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "gateway.cli", "demo", "--port", str(port),
        cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    try:
        assert demo.stdout is not None
        text = await asyncio.wait_for(_banner(demo.stdout), timeout=30)
        assert DEMO_TEAM_KEY in text and f"http://127.0.0.1:{port}" in text, text
        headers = {"Authorization": f"Bearer {DEMO_TEAM_KEY}", "Content-Type": "application/json"}
        async with aiohttp.ClientSession() as session:
            url = f"http://127.0.0.1:{port}/v1/api/workspaces/list"
            async with session.post(url, data=b"{}", headers=headers) as response:
                body = await response.json()
        assert response.status == 200 and any(w["name"] == "housepricedrift" for w in body["workspaces"])
    finally:
        demo.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(demo.wait(), timeout=15) == 0
