"""Which asyncio event loop the gateway serves on (`listen.event_loop`).

uvloop (libuv underneath) runs the same aiohttp code with a cheaper transport and scheduler; it is
a dependency on Linux, where it is what `auto` picks. Elsewhere, or with `asyncio`, asyncio's own
loop serves. Asking for `uvloop` where it is not installed stops the start with a clear error
rather than quietly serving on another loop.
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from gateway.config import ConfigError, EventLoop

T = TypeVar("T")
LoopFactory = Callable[[], asyncio.AbstractEventLoop]


def loop_factory(choice: EventLoop) -> LoopFactory | None:
    """The factory of the chosen loop; None is asyncio's default loop."""
    if choice is EventLoop.ASYNCIO:
        return None
    try:
        uvloop = importlib.import_module("uvloop")
    except ModuleNotFoundError:
        if choice is EventLoop.UVLOOP:
            raise ConfigError(
                "listen.event_loop", "uvloop is not installed: install it, or use auto or asyncio"
            ) from None
        return None
    factory: LoopFactory = uvloop.new_event_loop
    return factory


def run(main: Coroutine[Any, Any, T], choice: EventLoop) -> T:
    """`asyncio.run(main)` on the chosen loop."""
    with asyncio.Runner(loop_factory=loop_factory(choice)) as runner:
        return runner.run(main)
