"""`/readyz` answers from a probe at most a couple of seconds old, so a load balancer polling it
does not open a connection to every upstream per poll; concurrent polls share one probe."""

from __future__ import annotations

import asyncio

import aiohttp

from gateway.credentials.upstream import NoCredentials
from gateway.upstream.client import UpstreamClient
from gateway.upstream.readiness import Readiness
from tests.support.gateway import gateway_config, running_gateway


class Listener:
    """A TCP listener that counts the connections opened to it."""

    def __init__(self) -> None:
        self.connections = 0

    async def start(self) -> asyncio.Server:
        async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            self.connections += 1
            writer.close()

        return await asyncio.start_server(accept, "127.0.0.1", 0)


async def test_polls_within_the_ttl_share_one_probe_per_upstream() -> None:
    listener = Listener()
    server = await listener.start()
    url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    try:
        async with running_gateway(gateway_config(url)) as gateway, aiohttp.ClientSession() as session:

            async def poll() -> int:
                async with session.get(gateway.url + "/readyz") as response:
                    return response.status

            statuses = await asyncio.gather(*(poll() for _ in range(20)))
            statuses += [await poll() for _ in range(20)]
            await asyncio.sleep(0.1)
    finally:
        server.close()
        await server.wait_closed()
    assert statuses == [200] * 40
    assert listener.connections == 2  # both configured upstreams live on this one listener: one probe each


async def test_a_result_older_than_the_ttl_is_probed_again() -> None:
    listener = Listener()
    server = await listener.start()
    now = [0.0]
    url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    upstream = UpstreamClient(gateway_config(url).upstreams[0], NoCredentials())
    readiness = Readiness({"one": upstream}, ttl=2.0, clock=lambda: now[0])
    try:
        assert await readiness.check() == {"one": True}
        now[0] = 1.9
        assert await readiness.check() == {"one": True}
        await asyncio.sleep(0.05)
        assert listener.connections == 1
        now[0] = 2.1
        server.close()
        await server.wait_closed()
        assert await readiness.check() == {"one": False}
    finally:
        server.close()
