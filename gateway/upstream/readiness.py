"""Readiness of the upstreams for `/readyz`: one TCP probe per upstream, reused for a few seconds.

A load balancer polls /readyz every second or so, per gateway replica; probing on every call
would open a connection to each upstream per poll. Results are cached for `ttl` seconds, and
callers that arrive while a probe runs share it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping

from gateway.upstream.client import UpstreamClient


class Readiness:
    """Whether each upstream accepts TCP connections, probed at most once per `ttl` seconds."""

    def __init__(
        self,
        upstreams: Mapping[str, UpstreamClient],
        ttl: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._upstreams = upstreams
        self._ttl = ttl
        self._clock = clock
        self._checked_at = -float("inf")
        self._result: dict[str, bool] = {}
        self._probe: asyncio.Task[dict[str, bool]] | None = None

    async def check(self) -> dict[str, bool]:
        """Upstream name -> reachable, at most `ttl` seconds old."""
        if self._clock() - self._checked_at < self._ttl:
            return self._result
        if self._probe is None:
            self._probe = asyncio.create_task(self._run())
        return await asyncio.shield(self._probe)

    async def _run(self) -> dict[str, bool]:
        try:
            reachable = await asyncio.gather(*(u.reachable() for u in self._upstreams.values()))
            self._result = dict(zip(self._upstreams, reachable, strict=True))
            self._checked_at = self._clock()
            return self._result
        finally:
            self._probe = None
