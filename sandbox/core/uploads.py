"""Streaming uploads to disk: chunks are written and hashed as they arrive, never held whole.

`spool` drains any async chunk source (a raw request body, one multipart part) into a fresh file
under the storage directory and answers a `StoredFile` with the size and SHA-256. File writes
and hashing run in a worker thread so a 1 GiB model does not stall the event loop.
"""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import BinaryIO

from sandbox.core.records import StoredFile

CHUNK_BYTES = 1024 * 1024


class TooLarge(Exception):
    """The body went past its byte limit."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"the body exceeds {limit} bytes")
        self.limit = limit


class _Spool:
    def __init__(self, handle: BinaryIO) -> None:
        self.handle = handle
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, chunk: bytes) -> None:
        self.handle.write(chunk)
        self.digest.update(chunk)
        self.size += len(chunk)


def _open_new(directory: Path) -> tuple[Path, BinaryIO]:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{uuid.uuid4().hex}.part"
    return path, path.open("xb")


async def spool(
    chunks: AsyncIterator[bytes], directory: Path, limit: int, file_name: str | None = None
) -> StoredFile:
    """Write every chunk to a new file in `directory`; raise TooLarge (file removed) past `limit`."""
    path, handle = await asyncio.to_thread(_open_new, directory)
    sink = _Spool(handle)
    try:
        async for chunk in chunks:
            if sink.size + len(chunk) > limit:
                raise TooLarge(limit)
            await asyncio.to_thread(sink.write, chunk)
    except BaseException:
        await asyncio.to_thread(handle.close)
        path.unlink(missing_ok=True)
        raise
    await asyncio.to_thread(handle.close)
    return StoredFile(path, sink.size, sink.digest.hexdigest(), file_name)


def store_bytes(directory: Path, data: bytes, file_name: str) -> StoredFile:
    """Write a small in-memory blob the way `spool` writes a stream (used for seeded models)."""
    path, handle = _open_new(directory)
    with handle:
        handle.write(data)
    return StoredFile(path, len(data), hashlib.sha256(data).hexdigest(), file_name)
