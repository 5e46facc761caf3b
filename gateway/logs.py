"""Structured logging: one JSON object per line, carrying the `extra` fields a call passes.

Only fields the gateway chooses are written (request id, team, operation, status, timings,
violations); headers and bodies are never logged, so tokens and keys cannot leak here.

`configure_logging` puts the same JSON handler on the gateway's logger, on the libraries' that
log while serving (`aiohttp.*`: server, access, web, client; `asyncio`) and on the root logger
(anything else, and Python warnings), so stderr carries nothing but JSON lines. A traceback is
never a line of its own: it is the `error` member of its event's object. With several workers
every line also names the process that wrote it (`pid`), the supervisor's lines included.

The access line is written for every request, so its cost is the proxy's: records skip what the
JSON never shows (caller frame, thread and process names: the logging HOWTO's "Optimization"),
the timestamp text is made once a second, and the lines of one event-loop turn are written
together when it ends (`LineBatchingHandler`), one write instead of one per line. Outside a
running loop, and at shutdown, every line is written at once. `info_fields` goes further for the
access line: when the JSON handler alone serves the logger, the line is made straight from its
fields, with no `LogRecord` (a third of the line's cost); otherwise it is an ordinary `info` call.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from typing import IO, Any

import orjson

_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
MAX_PENDING_LINES = 256  # a turn of the loop writing more lines than this writes them on the way


class JsonFormatter(logging.Formatter):
    def __init__(self, with_pid: bool = False) -> None:
        super().__init__()
        self.with_pid = with_pid
        self._second = -1
        self._stamp = ""

    def _timestamp(self, created: float) -> str:
        second = int(created)
        if second != self._second:
            self._second, self._stamp = second, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
        return f"{self._stamp}.{int((created - second) * 1000):03d}Z"

    def head(self, created: float, level: str, logger: str, msg: str) -> dict[str, Any]:
        """The members every line starts with."""
        entry: dict[str, Any] = {"ts": self._timestamp(created), "level": level, "logger": logger, "msg": msg}
        if self.with_pid:
            entry["pid"] = os.getpid()
        return entry

    def format(self, record: logging.LogRecord) -> str:
        entry = self.head(record.created, record.levelname.lower(), record.name, record.getMessage())
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode()


class LineBatchingHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """A stream handler writing the lines of one event-loop turn in one write, when the turn ends."""

    def __init__(self, stream: IO[str] | None = None) -> None:
        super().__init__(stream)
        self._pending: list[str] = []
        self._scheduled = False

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record)
        except Exception:
            self.handleError(record)
            return
        self._add(line)

    def emit_fields(self, logger: str, msg: str, fields: dict[str, Any]) -> None:
        """An INFO line made straight from `fields` by the handler's JSON formatter (`info_fields`)."""
        assert isinstance(self.formatter, JsonFormatter)
        entry = self.formatter.head(time.time(), "info", logger, msg)
        entry.update(fields)
        self._add(orjson.dumps(entry, default=str).decode())

    def _add(self, line: str) -> None:
        self._pending.append(line)
        if len(self._pending) >= MAX_PENDING_LINES:
            self.flush()
        elif not self._scheduled:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:  # no loop in this thread: nothing would call back
                self.flush()
                return
            self._scheduled = True
            loop.call_soon(self.flush)

    def flush(self) -> None:
        with self.lock:  # type: ignore[union-attr]
            self._scheduled = False
            if self._pending:
                text = "\n".join(self._pending) + "\n"
                self._pending.clear()
                self.stream.write(text)
            super().flush()


def info_fields(logger: logging.Logger, msg: str, fields: dict[str, Any]) -> None:
    """`logger.info(msg, extra=fields)`, written without a LogRecord when it can be."""
    if not logger.isEnabledFor(logging.INFO):
        return
    handler = _sole_json_handler(logger)
    if handler is None:
        logger.info(msg, extra=fields)
    else:
        handler.emit_fields(logger.name, msg, fields)


def _sole_json_handler(logger: logging.Logger) -> LineBatchingHandler | None:
    """The batching JSON handler when it is the only one a record of `logger` would reach and
    nothing would filter the record on the way (what `configure_logging` sets up), else None."""
    current: logging.Logger | None = logger
    while current is not None:
        if current.filters or current.disabled:
            return None
        if current.handlers:
            (handler, *others) = current.handlers
            sole = not others and not current.propagate and not handler.filters
            if sole and isinstance(handler, LineBatchingHandler) and handler.level <= logging.INFO:
                return handler if isinstance(handler.formatter, JsonFormatter) else None
            return None
        current = current.parent if current.propagate else None
    return None


SERVING_LOGGERS = ("mlops_gateway", "aiohttp", "asyncio")


def configure_logging(level: str, stream: IO[str] | None = None, *, with_pid: bool = False) -> None:
    """JSON lines on `stream` (stderr) at `level` for the serving loggers, WARNING for the rest."""
    logging._srcfile = None  # no caller frame: the JSON has none
    logging.logThreads = False
    logging.logMultiprocessing = False
    logging.logProcesses = with_pid
    handler = LineBatchingHandler(stream)
    handler.setFormatter(JsonFormatter(with_pid))
    for name in SERVING_LOGGERS:
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(level)
        logger.propagate = False
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)
    logging.captureWarnings(True)
