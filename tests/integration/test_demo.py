"""`mlops-gateway demo` as a newcomer runs it: a real process that prints its key and answers."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import aiohttp

from benchmarks.processes import free_port
from gateway.demo import DEMO_TEAM_KEY

ROOT = Path(__file__).resolve().parents[2]


async def test_demo_serves_the_sandbox_through_the_gateway() -> None:
    port = free_port()
    demo = subprocess.Popen(
        [sys.executable, "-m", "gateway.cli", "demo", "--port", str(port)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        banner, deadline = [], time.monotonic() + 30
        while time.monotonic() < deadline and not any("Ctrl-C" in line for line in banner):
            banner.append(demo.stdout.readline())
        text = "".join(banner)
        assert DEMO_TEAM_KEY in text and f"http://127.0.0.1:{port}" in text, text
        headers = {"Authorization": f"Bearer {DEMO_TEAM_KEY}", "Content-Type": "application/json"}
        async with aiohttp.ClientSession() as session:
            url = f"http://127.0.0.1:{port}/v1/api/workspaces/list"
            async with session.post(url, data=b"{}", headers=headers) as response:
                body = await response.json()
        assert response.status == 200 and any(w["name"] == "housepricedrift" for w in body["workspaces"])
    finally:
        demo.send_signal(signal.SIGTERM)
        assert demo.wait(timeout=15) == 0
