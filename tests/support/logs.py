"""Everything the gateway logs during a test, as the JSON lines it would write to stderr."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from gateway.logs import JsonFormatter


@contextmanager
def captured_log() -> Iterator[io.StringIO]:
    """The JSON log lines of every `mlops_gateway` logger, at DEBUG, while the block runs."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger("mlops_gateway")
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
