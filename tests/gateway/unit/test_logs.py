"""The JSON log handler: the lines of one event-loop turn reach the stream in one write when the
turn ends, in order and complete; outside a loop each line is written at once."""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Iterator

import orjson
import pytest

from gateway.logs import MAX_PENDING_LINES, JsonFormatter, LineBatchingHandler


class CountingStream(io.StringIO):
    """A text stream that counts the writes it was given."""

    def __init__(self) -> None:
        super().__init__()
        self.writes = 0

    def write(self, text: str) -> int:
        self.writes += 1
        return super().write(text)


@pytest.fixture
def logged() -> Iterator[tuple[logging.Logger, CountingStream]]:
    stream = CountingStream()
    handler = LineBatchingHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("mlops_gateway.test_logs")
    logger.handlers[:], logger.propagate = [handler], False
    logger.setLevel(logging.INFO)
    yield logger, stream
    logger.handlers[:] = []


def _messages(stream: io.StringIO) -> list[str]:
    return [orjson.loads(line)["msg"] for line in stream.getvalue().splitlines()]


def test_a_turn_of_the_loop_writes_its_lines_once_when_it_ends(logged) -> None:
    logger, stream = logged

    async def serve() -> tuple[int, int]:
        for n in range(5):
            logger.info("line %d", n)
        before = stream.writes
        await asyncio.sleep(0)  # the turn ends: the handler's flush runs
        return before, stream.writes

    assert asyncio.run(serve()) == (0, 1)
    assert _messages(stream) == [f"line {n}" for n in range(5)]


def test_outside_a_loop_every_line_is_written_at_once(logged) -> None:
    logger, stream = logged
    logger.info("first")
    assert _messages(stream) == ["first"] and stream.writes == 1
    logger.info("second")
    assert _messages(stream) == ["first", "second"] and stream.writes == 2


def test_a_long_turn_writes_on_the_way_and_loses_nothing(logged) -> None:
    logger, stream = logged

    async def serve() -> int:
        for n in range(MAX_PENDING_LINES * 2 + 3):
            logger.info("%d", n)
        return stream.writes

    assert asyncio.run(serve()) == 2  # two full batches while the turn ran, the rest at its end
    assert _messages(stream) == [str(n) for n in range(MAX_PENDING_LINES * 2 + 3)]
