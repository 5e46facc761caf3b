"""Structured logging: one JSON object per line, carrying the `extra` fields a call passes.

Only fields the gateway chooses are written (request id, team, operation, status, timings,
violations); headers and bodies are never logged, so tokens and keys cannot leak here.

`configure_logging` puts the same JSON handler on the gateway's logger, on the libraries' that
log while serving (`aiohttp.*`: server, access, web, client; `asyncio`) and on the root logger
(anything else, and Python warnings), so stderr carries nothing but JSON lines. A traceback is
never a line of its own: it is the `error` member of its event's object. With several workers
every line also names the process that wrote it (`pid`), the supervisor's lines included.
"""

from __future__ import annotations

import logging
import time
from typing import IO, Any

import orjson

_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def __init__(self, with_pid: bool = False) -> None:
        super().__init__()
        self.with_pid = with_pid

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        if self.with_pid:
            entry["pid"] = record.process
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode()


SERVING_LOGGERS = ("mlops_gateway", "aiohttp", "asyncio")


def configure_logging(level: str, stream: IO[str] | None = None, *, with_pid: bool = False) -> None:
    """JSON lines on `stream` (stderr) at `level` for the serving loggers, WARNING for the rest."""
    handler = logging.StreamHandler(stream)
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
