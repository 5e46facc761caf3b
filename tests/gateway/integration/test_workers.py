"""`mlops-gateway serve` as a process: several workers on one socket (each request answered by one
of them, `/metrics` adding them all up, a killed worker restarted) and a graceful SIGTERM (requests
in flight finish, new connections are refused, the process exits 0), with one worker or two."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.gateway.reliability.conftest import EVALUATE, EVALUATE_BODY
from tests.support.gateway import JSON_AUTH
from tests.support.raw_http import RecordingUpstream
from tests.support.served import ServedGateway, served_gateway


@asynccontextmanager
async def _holding(seconds: float) -> AsyncIterator[RecordingUpstream]:
    """An upstream that holds each answer back `seconds`."""
    server = await RecordingUpstream(reply_body=b"{}", reply_delay=seconds).start()
    try:
        yield server
    finally:
        await server.close()


@pytest.fixture
async def upstream() -> AsyncIterator[RecordingUpstream]:
    async with _holding(0.05) as server:
        yield server


async def _call(url: str) -> int:
    """One request on a connection of its own, so the kernel hands it to any worker."""
    async with (
        aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)) as session,
        session.post(url + EVALUATE, data=EVALUATE_BODY, headers=JSON_AUTH) as response,
    ):
        await response.read()
        return response.status


async def _calls(url: str, count: int, concurrency: int = 8) -> list[int]:
    limit = asyncio.Semaphore(concurrency)

    async def one() -> int:
        async with limit:
            return await _call(url)

    async with asyncio.timeout(30):
        return await asyncio.gather(*(one() for _ in range(count)))


async def _requests_total(url: str) -> float:
    async with aiohttp.ClientSession() as session, session.get(url + "/metrics") as response:
        text = await response.text()
    families = {f.name: f for f in text_string_to_metric_families(text)}
    return sum(s.value for s in families["mlops_gateway_requests"].samples if s.name.endswith("_total"))


async def _until(condition: Callable[[], object], within: float, what: str) -> float:
    """Poll `condition()` until true; the seconds it took."""
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < within, f"{what}: not within {within}s"
        await asyncio.sleep(0.05)
    return time.monotonic() - started


async def _served_by_every_worker(gw: ServedGateway, workers: set[int]) -> int:
    """Send batches until each of `workers` has answered one (bounded); how many were sent."""
    sent = 0
    while not workers <= gw.serving_pids():
        assert sent < 400, f"workers {workers - gw.serving_pids()} answered none of {sent} requests"
        assert await _calls(gw.url, 20) == [200] * 20
        sent += 20
        await asyncio.sleep(0.1)  # the last access-log lines reach the file
    return sent


async def test_two_workers_share_the_requests_and_metrics_add_up(
    tmp_path: Path, upstream: RecordingUpstream
) -> None:
    async with served_gateway(tmp_path, upstream.url, workers=2) as gw:
        workers = set(gw.started_workers())
        assert len(workers) == 2 and gw.process.pid not in workers
        sent = await _served_by_every_worker(gw, workers)
        # listen.event_loop: auto serves every worker on uvloop (a dependency on Linux)
        assert {(int(e["pid"]), e["event_loop"]) for e in gw.events("serving")} == {
            (pid, "uvloop") for pid in workers
        }
        assert gw.serving_pids() == workers
        for _ in range(4):  # whichever worker answers the scrape, it counts every worker's requests
            assert await _requests_total(gw.url) == sent
        assert len(upstream.seen) == sent


@pytest.mark.parametrize("workers", [1, 2])
async def test_sigterm_finishes_requests_in_flight_and_refuses_new_connections(
    tmp_path: Path, workers: int
) -> None:
    async with (
        _holding(1.5) as slow,
        served_gateway(tmp_path, slow.url, workers=workers, listen="shutdown_timeout: 10") as gw,
    ):
        in_flight = [asyncio.ensure_future(_call(gw.url)) for _ in range(4)]
        await _until(lambda: len(slow.seen) == 4, 5, "the upstream holds 4 requests")
        stopped = time.monotonic()
        gw.process.send_signal(signal.SIGTERM)

        async def refused() -> bool:
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", gw.port)
            except ConnectionRefusedError:
                return True
            writer.close()
            return False

        while not await refused():
            assert time.monotonic() - stopped < 1, "still accepting connections 1s after SIGTERM"
            await asyncio.sleep(0.05)
        refused_after = time.monotonic() - stopped
        assert not any(task.done() for task in in_flight)  # refused while the requests still run
        assert await asyncio.wait_for(asyncio.gather(*in_flight), timeout=10) == [200] * 4
        assert await asyncio.wait_for(gw.process.wait(), timeout=10) == 0
        exited_after = time.monotonic() - stopped
        print(f"workers={workers}: refused after {refused_after:.2f}s, exited after {exited_after:.2f}s")
        assert exited_after < 5
        if workers > 1:
            assert len(gw.events("worker stopped")) == 2


@pytest.mark.parametrize("workers", [1, 2])
async def test_requests_past_the_shutdown_timeout_are_cut_and_the_gateway_exits(
    tmp_path: Path, workers: int
) -> None:
    async with (
        _holding(20) as stuck,
        served_gateway(tmp_path, stuck.url, workers=workers, listen="shutdown_timeout: 1") as gw,
    ):
        call = asyncio.ensure_future(_call(gw.url))
        await _until(lambda: len(stuck.seen) == 1, 5, "the upstream holds the request")
        stopped = time.monotonic()
        gw.process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(gw.process.wait(), timeout=8) == 0
        exited_after = time.monotonic() - stopped
        print(f"workers={workers}: shutdown_timeout 1s, exited after {exited_after:.2f}s")
        assert 0.9 < exited_after < 4
        outcome = await asyncio.gather(call, return_exceptions=True)
        assert outcome != [200]


async def test_a_killed_worker_is_restarted_and_the_gateway_keeps_serving(
    tmp_path: Path, upstream: RecordingUpstream
) -> None:
    async with served_gateway(tmp_path, upstream.url, workers=2) as gw:
        first, second = gw.started_workers()
        sent = await _calls(gw.url, 10)
        os.kill(first, signal.SIGKILL)
        killed = time.monotonic()
        assert await _calls(gw.url, 10) == [200] * 10  # the other worker serves meanwhile
        await _until(lambda: len(gw.started_workers()) == 3, 10, "a new worker")
        restarted = gw.started_workers()[2]
        restart = time.monotonic() - killed
        died = gw.events("worker died; restarting it")
        assert [e["worker"] for e in died] == [first] and died[0]["exit_code"] == -signal.SIGKILL
        total = len(sent) + 10 + await _served_by_every_worker(gw, {second, restarted})
        print(f"worker restarted {restart:.2f}s after kill -9")
        assert await _requests_total(gw.url) == total  # the dead worker's counts are kept
        assert gw.process.returncode is None
