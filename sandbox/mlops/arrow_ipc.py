"""Apache Arrow IPC files (`application/vnd.apache.arrow.file`): inference input read into rows,
inference answers and log pages written from rows, as the official SDK sends and reads them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa

ARROW_FILE = "application/vnd.apache.arrow.file"


class BadArrow(ValueError):
    """The body is not an Arrow IPC file."""


def read_rows(path: Path) -> list[dict[str, Any]]:
    """The rows of the Arrow IPC file at `path`, one dict per row."""
    try:
        with pa.memory_map(str(path)) as source, pa.ipc.open_file(source) as reader:
            return list(reader.read_all().to_pylist())
    except (pa.ArrowInvalid, OSError) as exc:
        raise BadArrow(f"the body is not an Arrow IPC file: {exc}") from None


def write_rows(rows: Sequence[Mapping[str, Any]], metadata: Mapping[str, str] | None = None) -> bytes:
    """An Arrow IPC file of `rows` (column types inferred), with schema-level `metadata`."""
    table = pa.Table.from_pylist(list(rows))
    table = table.replace_schema_metadata(dict(metadata or {}))
    sink = pa.BufferOutputStream()
    with pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)
    return bytes(sink.getvalue().to_pybytes())
