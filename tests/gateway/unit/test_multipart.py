"""The multipart prefix reader: the form fields before the first file part are read and parsed,
however the body is split into chunks, and every byte read is handed back to be forwarded."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

import pytest
from aiohttp import StreamReader
from aiohttp.base_protocol import BaseProtocol

from gateway.pipeline.multipart import FormPrefix, MultipartPrefixError, boundary_of, read_form_prefix

BOUNDARY = b"xYzBoundary42"
FILE_BYTES = b"\x00\x01FILE-CONTENT\r\n--not-a-delimiter\r\n" * 50


def _field(name: str, value: bytes) -> bytes:
    return (
        b"--" + BOUNDARY + b"\r\n"
        b'Content-Disposition: form-data; name="' + name.encode() + b'"\r\n\r\n' + value + b"\r\n"
    )


def _file(name: str, content: bytes) -> bytes:
    return (
        b"--" + BOUNDARY + b"\r\n"
        b'Content-Disposition: form-data; name="' + name.encode() + b'"; filename="m.onnx"\r\n'
        b"Content-Type: application/octet-stream\r\n\r\n" + content + b"\r\n"
    )


CLOSE = b"--" + BOUNDARY + b"--\r\n"
UPLOAD = _field("name", b"model-a") + _field("workspace_id", b"5") + _file("file", FILE_BYTES) + CLOSE


class ChunkedStream:
    """A stand-in for the client's StreamReader: `readany` hands out the given chunks in order,
    then b"" (end of body); `rest()` is what the reader left unread."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = [c for c in chunks if c]
        self.reads = 0

    def is_eof(self) -> bool:  # as a body still arriving: every read goes through the idle timeout
        return False

    async def readany(self) -> bytes:
        self.reads += 1
        return self._chunks.pop(0) if self._chunks else b""

    def rest(self) -> bytes:
        return b"".join(self._chunks)


def _split(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


async def _read(chunks: Iterable[bytes], limit: int = 2**20) -> tuple[FormPrefix, ChunkedStream]:
    stream = ChunkedStream(chunks)
    async with asyncio.timeout(5):
        prefix = await read_form_prefix(stream, BOUNDARY, limit, 5)  # type: ignore[arg-type]
    return prefix, stream


async def test_fields_before_the_file_are_read_and_the_file_part_stops_the_reader() -> None:
    prefix, stream = await _read(_split(UPLOAD, 64))
    assert prefix.fields == {"name": "model-a", "workspace_id": "5"}
    assert prefix.files == ["file"]
    file_headers_end = UPLOAD.index(b"application/octet-stream\r\n\r\n") + len(
        b"application/octet-stream\r\n\r\n"
    )
    assert len(prefix.consumed) >= file_headers_end  # reached the file part's headers
    assert stream.rest()  # ...and did not read the whole file to get there


async def test_bytes_consumed_and_bytes_left_add_up_to_the_body() -> None:
    for size in (1, 7, 64, 1000):
        prefix, stream = await _read(_split(UPLOAD, size))
        assert prefix.consumed + stream.rest() == UPLOAD, size


@pytest.mark.parametrize(
    "cut",
    [
        UPLOAD.index(BOUNDARY) + 3,  # inside the first delimiter
        UPLOAD.index(b"\r\n\r\n") + 2,  # between the two CRLFs ending the first part's headers
        UPLOAD.index(b"model-a") + 3,  # inside a field's value
        UPLOAD.index(b"\r\n--" + BOUNDARY, UPLOAD.index(b"model-a")) + 1,  # inside CRLF before a delimiter
        UPLOAD.index(b"filename=") + 4,  # inside the file part's Content-Disposition
        UPLOAD.index(b"application/octet-stream\r\n\r\n") + len(b"application/octet-stream\r\n"),
    ],
)
async def test_a_split_at_an_awkward_place_changes_nothing(cut: int) -> None:
    prefix, stream = await _read([UPLOAD[:cut], UPLOAD[cut:]])
    assert prefix.fields == {"name": "model-a", "workspace_id": "5"}
    assert prefix.files == ["file"]
    assert prefix.consumed + stream.rest() == UPLOAD


async def test_one_byte_at_a_time_reads_just_past_the_file_headers() -> None:
    prefix, _ = await _read(_split(UPLOAD, 1))
    file_headers_end = UPLOAD.index(b"application/octet-stream\r\n\r\n") + len(
        b"application/octet-stream\r\n\r\n"
    )
    assert prefix.consumed == UPLOAD[:file_headers_end]
    assert prefix.files == ["file"] and prefix.fields == {"name": "model-a", "workspace_id": "5"}


async def test_a_form_without_a_file_is_read_to_its_closing_delimiter() -> None:
    body = _field("name", b"m") + _field("note", b"two\r\nlines") + CLOSE
    prefix, stream = await _read(_split(body, 5))
    assert prefix.fields == {"name": "m", "note": "two\r\nlines"}
    assert prefix.files == []
    assert prefix.consumed == body and stream.rest() == b""


async def test_fields_after_the_file_are_not_inspected() -> None:
    body = _field("name", b"m") + _file("file", b"abc") + _field("late", b"x") + CLOSE
    prefix, stream = await _read([body])
    assert prefix.fields == {"name": "m"} and prefix.files == ["file"]
    assert prefix.consumed + stream.rest() == body


async def test_an_empty_body_gives_no_fields() -> None:
    prefix, _ = await _read([])
    assert (prefix.consumed, prefix.fields, prefix.files) == (b"", {}, [])


async def test_a_part_without_a_name_is_refused() -> None:
    body = b"--" + BOUNDARY + b"\r\nContent-Disposition: form-data\r\n\r\nvalue\r\n" + CLOSE
    with pytest.raises(MultipartPrefixError, match="no Content-Disposition name"):
        await _read([body])


async def test_a_part_without_content_disposition_is_refused() -> None:
    body = b"--" + BOUNDARY + b"\r\nContent-Type: text/plain\r\n\r\nvalue\r\n" + CLOSE
    with pytest.raises(MultipartPrefixError):
        await _read([body])


async def test_fields_larger_than_the_limit_are_refused_without_reading_everything() -> None:
    body = _field("name", b"n" * 10_000) + _file("file", FILE_BYTES) + CLOSE
    stream = ChunkedStream(_split(body, 100))
    with pytest.raises(MultipartPrefixError, match="exceed 1000 bytes"):
        async with asyncio.timeout(5):
            await read_form_prefix(stream, BOUNDARY, 1000, 5)  # type: ignore[arg-type]
    assert stream.reads <= 11  # stopped soon after passing the limit
    assert stream.rest()


async def test_fields_within_the_limit_pass() -> None:
    body = _field("name", b"n" * 900) + _file("file", FILE_BYTES) + CLOSE
    prefix, _ = await _read(_split(body, 100), limit=1200)
    assert prefix.fields == {"name": "n" * 900}


async def test_a_real_stream_reader_is_read_the_same_way() -> None:
    loop = asyncio.get_running_loop()
    stream = StreamReader(BaseProtocol(loop), 2**16, loop=loop)
    for chunk in _split(UPLOAD, 50):
        stream.feed_data(chunk)
    stream.feed_eof()
    async with asyncio.timeout(5):
        prefix = await read_form_prefix(stream, BOUNDARY, 2**20, 5)
        rest = await stream.read()
    assert prefix.fields == {"name": "model-a", "workspace_id": "5"} and prefix.files == ["file"]
    assert prefix.consumed + rest == UPLOAD


@pytest.mark.parametrize(
    ("content_type", "boundary"),
    [
        ("multipart/form-data; boundary=abc123", b"abc123"),
        ('multipart/form-data; boundary="quoted-b"', b"quoted-b"),
        ("multipart/form-data; BOUNDARY=Up; charset=utf-8", b"Up"),
        ("multipart/form-data", None),
    ],
)
def test_boundary_of_reads_quoted_and_bare_boundaries(content_type: str, boundary: bytes | None) -> None:
    assert boundary_of(content_type) == boundary
