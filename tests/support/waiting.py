"""Waiting for something a server does in the background, always within a deadline."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable


async def eventually(
    condition: Callable[[], bool | Awaitable[bool]], within: float, interval: float = 0.02
) -> None:
    """Poll `condition` until it holds; TimeoutError after `within` seconds."""
    async with asyncio.timeout(within):
        while True:
            verdict = condition()
            if await verdict if inspect.isawaitable(verdict) else verdict:
                return
            await asyncio.sleep(interval)
