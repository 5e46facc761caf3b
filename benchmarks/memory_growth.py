"""The gateway's resident memory stays flat under load: RSS after 100k requests within 10% of RSS
after 10k.

    python -m benchmarks.memory_growth [--requests 100000] [--warm 10000] [--connections 32]

An nginx upstream and one gateway (full validation, responses in report mode: what deployments run)
on one core; an aiohttp client on the other sends a mix that touches every per-request structure:
valid small and medium calls, calls refused as invalid (problem+json, request drift rows) and calls
with a gateway key nobody holds (401), each with a fresh request id. RSS (VmRSS of /proc) is read
after `--warm` requests and again after `--requests`; the growth between them is printed.
"""

from __future__ import annotations

import argparse
import asyncio
import os

import aiohttp

from benchmarks.payloads import CASES
from benchmarks.processes import BENCH_KEY, gateway, nginx_upstream, status_kib
from benchmarks.proxy_throughput import VALIDATION_REPORT


def _mix() -> list[tuple[str, bytes, str]]:
    """(path, body, gateway key) of each call of the mix, sent in turn."""
    (small, small_body, _), (medium, medium_body, _) = CASES["small"], CASES["medium"]
    return [
        (small, small_body, BENCH_KEY),
        (medium, medium_body, BENCH_KEY),
        (small, b'{"workspace_id": "not-a-number"}', BENCH_KEY),
        (small, small_body, "nobody-holds-this-key-0123456789"),
    ]


async def _send(url: str, count: int, connections: int) -> int:
    """`count` calls of the mix over `connections` kept-alive connections; how many were answered."""
    mix, sent = _mix(), iter(range(count))
    answered = 0

    async def connection(session: aiohttp.ClientSession) -> None:
        nonlocal answered
        for n in sent:
            path, body, key = mix[n % len(mix)]
            headers = {"Content-Type": "application/json", "Authorization": f"Bearer {key}"}
            async with session.post(url + path, data=body, headers=headers) as response:
                await response.read()
                answered += 1

    connector = aiohttp.TCPConnector(limit=connections)
    async with aiohttp.ClientSession(connector=connector) as session:
        await asyncio.gather(*(connection(session) for _ in range(connections)))
    return answered


def send(url: str, count: int, connections: int) -> int:
    return asyncio.run(_send(url, count, connections))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--warm", type=int, default=10_000)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    if (os.cpu_count() or 1) > 1:
        os.sched_setaffinity(0, {1})  # the client's core; the gateway has core 0
    bodies = {path: make() for path, _, make in CASES.values()}
    with nginx_upstream(bodies) as upstream, gateway(upstream, VALIDATION_REPORT) as (url, pid):
        start = status_kib(pid, "VmRSS")
        warm_sent = send(url, args.warm, args.connections)
        warm = status_kib(pid, "VmRSS")
        rest_sent = send(url, args.requests - args.warm, args.connections)
        end = status_kib(pid, "VmRSS")
    total = warm_sent + rest_sent
    print(f"{'requests':>9} {'rss KiB':>9}")
    print(f"{0:9d} {start:9d}")
    print(f"{warm_sent:9d} {warm:9d}")
    print(f"{total:9d} {end:9d}")
    print(f"growth from {warm_sent} to {total} requests: {100 * (end - warm) / warm:.1f}%")


if __name__ == "__main__":
    main()
