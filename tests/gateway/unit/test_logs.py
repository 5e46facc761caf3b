"""The JSON log handler: the lines of one event-loop turn reach the stream in one write when the
turn ends, in order and complete; outside a loop each line is written at once. `info_fields` writes
the line `logger.info(msg, extra=...)` would, without a LogRecord when the JSON handler alone serves
the logger, and through logging when anything else would see the record."""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Iterator

import orjson
import pytest

from gateway.logs import MAX_PENDING_LINES, JsonFormatter, LineBatchingHandler, info_fields


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


FIELDS = {"request_id": "r1", "team": "alpha", "status": 200, "duration_ms": 1.5, "fields": ["a"]}


@pytest.mark.parametrize("with_pid", [False, True])
def test_info_fields_writes_the_line_logger_info_writes(logged, with_pid: bool) -> None:
    logger, stream = logged
    assert isinstance(logger.handlers[0].formatter, JsonFormatter)
    logger.handlers[0].formatter.with_pid = with_pid
    child = logging.getLogger("mlops_gateway.test_logs.access")  # reaches the handler by propagating
    child.info("request", extra=FIELDS)
    info_fields(child, "request", FIELDS)
    through_logging, direct = (orjson.loads(line) for line in stream.getvalue().splitlines())
    assert through_logging.pop("ts")[:10] == direct.pop("ts")[:10]
    assert direct == through_logging
    assert list(direct)[:3] == ["level", "logger", "msg"] and ("pid" in direct) is with_pid
    assert direct["logger"] == "mlops_gateway.test_logs.access" and direct["msg"] == "request"


def test_info_fields_goes_through_logging_when_another_handler_would_see_the_record(logged) -> None:
    logger, stream = logged
    records: list[logging.LogRecord] = []

    class Capture(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    logger.addHandler(Capture())
    info_fields(logger, "request", FIELDS)
    assert [r.getMessage() for r in records] == ["request"] and vars(records[0])["team"] == "alpha"
    assert _messages(stream) == ["request"]  # and the JSON handler still wrote its line


def test_info_fields_writes_nothing_below_the_loggers_level(logged) -> None:
    logger, stream = logged
    logger.setLevel(logging.WARNING)
    info_fields(logger, "request", FIELDS)
    assert stream.getvalue() == ""
