"""The shared token store against a real redis-server on 127.0.0.1 (tests/support/redis.py).

Two `RedisStore`s in one test are two gateway processes (separate connection pools); the
multi-process tests run tests/support/token_renewer.py as real subprocesses. Every test is
bounded by `asyncio.timeout`.
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import json
import os
import sys
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import aiohttp
import pytest
from redis.asyncio import Redis

from gateway.app import TOKEN_STORE
from gateway.config import RedisStoreConfig
from gateway.credentials.redis_store import RedisStore
from gateway.credentials.store import StoredToken
from tests.support import ROOT
from tests.support.gateway import gateway_config, running_gateway
from tests.support.logs import captured_log
from tests.support.redis import RedisServer, redis_server
from tests.support.token_renewer import store_config
from tests.support.waiting import eventually

__all__ = ["redis_server"]  # the fixture, used by name below

KEY = os.urandom(32)
OTHER_KEY = os.urandom(32)
ACCESS = "eyJhbGciOiJSUzI1NiJ9.access-token-under-test.signature"
REFRESH = "eyJhbGciOiJIUzI1NiJ9.refresh-token-under-test.signature"


def token(access: str = ACCESS, lifetime: float = 60.0) -> StoredToken:
    now = time.time()
    return StoredToken(access, now + lifetime, REFRESH, now + 2 * lifetime, issued_at=now)


StoreFactory = Callable[..., AbstractAsyncContextManager[RedisStore]]


@pytest.fixture
def stores(redis_server: RedisServer) -> StoreFactory:
    """`async with stores(**settings) as store`: a RedisStore on the test's redis-server, closed after."""

    @asynccontextmanager
    async def open_store(**settings: object) -> AsyncIterator[RedisStore]:
        base = RedisStoreConfig(url=redis_server.url, key=KEY, timeout=0.25, lock_ttl=1.0)
        store = RedisStore(dataclasses.replace(base, **settings))
        try:
            yield store
        finally:
            await store.close()

    return open_store


@pytest.fixture
async def raw(redis_server: RedisServer) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_server.url, socket_timeout=1)
    yield client
    await client.aclose()


async def test_a_token_saved_by_one_process_is_loaded_and_discarded_by_another(
    stores: StoreFactory, raw: Redis
) -> None:
    async with asyncio.timeout(10), stores() as one, stores() as two:
        assert await two.load("wallaroo") is None
        saved = token()
        await one.save("wallaroo", saved)
        assert await two.load("wallaroo") == saved
        assert one.shared and two.shared
        # the key's TTL ends with the refresh token, the later of the two expiries
        ttl = await raw.pttl("mlops-gateway:token:wallaroo")
        assert 118_000 < ttl <= 120_000
        await two.discard("wallaroo", "another-access-token")  # a newer token than the refused one: kept
        assert await one.load("wallaroo") == saved
        await two.discard("wallaroo", ACCESS)
        assert await one.load("wallaroo") is None
        assert await raw.exists("mlops-gateway:token:wallaroo") == 0
        # credential sets are separate keys
        await one.save("openlayer", token("other-set-token"))
        assert await two.load("wallaroo") is None
        assert (await two.load("openlayer") or token()).access == "other-set-token"


async def test_tokens_are_encrypted_at_rest_and_a_wrong_key_reads_as_no_token(
    stores: StoreFactory, raw: Redis
) -> None:
    async with asyncio.timeout(10), stores() as one, stores(key=OTHER_KEY) as wrong:
        await one.save("wallaroo", token())
        value = await raw.get("mlops-gateway:token:wallaroo")
        assert value is not None
        for secret in (ACCESS, REFRESH, "access-token-under-test", "refresh-token-under-test"):
            assert secret.encode() not in value
        with captured_log() as log:
            assert await wrong.load("wallaroo") is None
            assert await wrong.load("wallaroo") is None
        lines = [json.loads(line) for line in log.getvalue().splitlines()]
        assert [line["msg"] for line in lines if line["level"] == "warning"] == [
            "token store: the stored token does not open with this key (another key, or altered); "
            "read as no token"
        ]
        assert "under-test" not in log.getvalue()
        # a value moved under another credential set's key does not open either
        await raw.set("mlops-gateway:token:openlayer", value)
        assert await one.load("openlayer") is None
        assert (await one.load("wallaroo") or token("none")).access == ACCESS


async def test_two_processes_never_hold_the_renewal_turn_together(stores: StoreFactory) -> None:
    active = peak = 0
    handovers: list[float] = []
    released_at: float | None = None

    async def turn(store: RedisStore) -> None:
        nonlocal active, peak, released_at
        async with store.renewal("wallaroo"):
            if released_at is not None:
                handovers.append(time.monotonic() - released_at)
            active += 1
            peak = max(peak, active)
            await asyncio.sleep(0.001)
            active -= 1
            released_at = time.monotonic()

    async with asyncio.timeout(60), stores() as one, stores() as two:
        started = time.monotonic()
        await asyncio.gather(*(turn(store) for store in (one, two) for _ in range(50)))
        took = time.monotonic() - started
    assert peak == 1
    assert len(handovers) == 99
    print(
        f"100 turns over 2 stores in {took:.2f} s; handover mean {sum(handovers) / 99 * 1000:.1f} ms, "
        f"max {max(handovers) * 1000:.1f} ms"
    )


async def test_the_lease_is_extended_while_a_slow_holder_runs_past_its_ttl(
    stores: StoreFactory, raw: Redis
) -> None:
    events: list[str] = []
    async with asyncio.timeout(15), stores(lock_ttl=0.6) as one, stores(lock_ttl=0.6) as two:

        async def slow_holder() -> None:
            async with one.renewal("wallaroo"):
                events.append("one in")
                await asyncio.sleep(2.0)  # more than three times the lease
                assert 0 < await raw.pttl("mlops-gateway:renewal:wallaroo") <= 600
                events.append("one out")

        async def waiter() -> None:
            await asyncio.sleep(0.1)
            async with two.renewal("wallaroo"):
                events.append("two in")

        await asyncio.gather(slow_holder(), waiter())
    assert events == ["one in", "one out", "two in"]
    assert await raw.exists("mlops-gateway:renewal:wallaroo") == 0  # released, not left to expire


async def _subprocess(*args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.support.token_renewer",
        *args,
        cwd=ROOT,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )


async def _line(process: asyncio.subprocess.Process) -> str:
    assert process.stdout is not None
    return (await process.stdout.readline()).decode().strip()


async def test_a_holder_killed_mid_renewal_loses_the_turn_when_its_lease_ends(
    redis_server: RedisServer, stores: StoreFactory
) -> None:
    lock_ttl = 1.0
    holder = await _subprocess(
        "hold", redis_server.url, base64.b64encode(KEY).decode(), "wallaroo", "--lock-ttl", str(lock_ttl)
    )
    try:
        async with asyncio.timeout(20), stores(lock_ttl=lock_ttl) as other:
            assert await _line(holder) == "held"
            await asyncio.sleep(1.5 * lock_ttl)  # its lease is being extended: still held
            holder.kill()
            killed = time.monotonic()
            await holder.wait()
            async with other.renewal("wallaroo"):
                waited = time.monotonic() - killed
    finally:
        if holder.returncode is None:
            holder.kill()
            await holder.wait()
    print(f"lock taken {waited:.2f} s after its holder was killed (lease {lock_ttl} s)")
    assert 0.2 < waited < lock_ttl + 0.5


async def test_three_processes_renewing_together_renew_once(redis_server: RedisServer) -> None:
    key = base64.b64encode(KEY).decode()
    processes = [await _subprocess("renew", redis_server.url, key, "wallaroo") for _ in range(3)]
    try:
        async with asyncio.timeout(30):
            assert [await _line(p) for p in processes] == ["ready"] * 3
            for process in processes:
                assert process.stdin is not None
                process.stdin.write(b"go\n")
                await process.stdin.drain()
            results = [json.loads(await _line(p)) for p in processes]
            assert [await p.wait() for p in processes] == [0, 0, 0]
    finally:
        for process in processes:
            if process.returncode is None:
                process.kill()
                await process.wait()
    assert sum(r["renewed"] for r in results) == 1
    assert len({r["access"] for r in results}) == 1
    assert all(r["shared"] for r in results)


async def test_redis_killed_mid_run_the_store_works_locally_and_shares_again_when_it_returns(
    redis_server: RedisServer, stores: StoreFactory
) -> None:
    settings = {"probe_interval": 0.5}
    async with asyncio.timeout(30), stores(**settings) as one, stores(**settings) as two:
        with captured_log() as log:
            saved = token()
            await one.save("wallaroo", saved)
            assert await two.load("wallaroo") == saved
            assert one.shared and two.shared
            redis_server.kill()
            started = time.monotonic()
            for _ in range(20):  # requests go on: the token read before the outage is still there
                assert (await two.load("wallaroo") or token("none")).access == ACCESS
            first_miss = time.monotonic() - started
            assert not two.shared
            async with two.renewal("wallaroo"):  # the turn is this process's alone
                await two.save("wallaroo", token("renewed-during-outage"))
            assert (await two.load("wallaroo") or token()).access == "renewed-during-outage"
            await two.discard("wallaroo", "not-the-current-one")
            outage = time.monotonic() - started
            redis_server.start()
            restarted = time.monotonic()
            await eventually(lambda: two.shared, within=5)
            back = time.monotonic() - restarted
            # written back: Redis restarted empty, and the token renewed meanwhile is shared again
            assert (await one.load("wallaroo") or token()).access == "renewed-during-outage"
            assert one.shared
        messages = [json.loads(line)["msg"] for line in log.getvalue().splitlines()]
    print(
        f"outage: 20 loads + a turn + save in {outage * 1000:.0f} ms (first {first_miss * 1000:.0f} ms); "
        f"shared again {back:.2f} s after Redis restarted (probe every 0.5 s)"
    )
    # `one` made no call during the outage, so it never saw it; `two` saw it go and come back
    assert (
        messages.count("token store: Redis unreachable; tokens kept in this process only until it returns")
        == 1
    )
    assert messages.count("token store: Redis reachable; tokens shared") == 2 + 1
    assert "under-test" not in log.getvalue()


async def test_a_silent_redis_costs_a_bounded_wait_then_none() -> None:
    """A Redis that accepts connections and never answers: the first call gives up within its bound."""
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    store = RedisStore(RedisStoreConfig(url=f"redis://127.0.0.1:{port}/0", key=KEY, timeout=0.2))
    try:
        async with asyncio.timeout(10):
            started = time.monotonic()
            assert await store.load("wallaroo") is None
            first = time.monotonic() - started
            started = time.monotonic()
            assert await store.load("wallaroo") is None
            second = time.monotonic() - started
        assert not store.shared
        print(
            f"silent Redis: first call gave up in {first * 1000:.0f} ms, the next in {second * 1000:.1f} ms"
        )
        assert first < 1.0 and second < 0.05
    finally:
        await store.close()
        server.close()
        await server.wait_closed()


async def test_metrics_say_whether_tokens_are_shared(redis_server: RedisServer) -> None:
    config = gateway_config(
        "http://127.0.0.1:9",
        token_store=store_config(redis_server.url, base64.b64encode(KEY).decode(), lock_ttl=1.0),
    )
    series = 'mlops_gateway_token_store_shared{store="redis"}'
    async with asyncio.timeout(30), running_gateway(config) as gateway, aiohttp.ClientSession() as http:
        store = gateway.runner.app[TOKEN_STORE]

        async def exported() -> str:
            async with http.get(f"{gateway.url}/metrics") as response:
                return next(line for line in (await response.text()).splitlines() if line.startswith(series))

        await store.load("wallaroo")
        assert await exported() == f"{series} 1.0"
        redis_server.kill()
        await store.load("wallaroo")
        assert await exported() == f"{series} 0.0"
        redis_server.start()
        await eventually(lambda: store.shared, within=10)
        assert await exported() == f"{series} 1.0"
