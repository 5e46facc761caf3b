"""Multipart uploads without buffering the file: read only the form fields that precede the first
file part, so they can be validated before anything reaches the upstream, then stream the rest.

Clients (requests, the Wallaroo SDK) send text fields before the file; fields after a file part
are not inspected here (the upstream still sees them byte for byte). Each read has the client idle
timeout (408 after `client_idle_timeout` of silence), as every other read of a body.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from aiohttp import StreamReader

from gateway.pipeline.client_body import next_chunk

_DISPOSITION = re.compile(rb'content-disposition:[^\r\n]*?\bname="([^"]*)"', re.IGNORECASE)
_FILENAME = re.compile(rb"content-disposition:[^\r\n]*?\bfilename\*?=", re.IGNORECASE)
_BOUNDARY = re.compile(r'boundary="?([^";]+)"?', re.IGNORECASE)


class MultipartPrefixError(ValueError):
    """The form fields before the file are malformed or larger than allowed."""


@dataclass(slots=True)
class FormPrefix:
    consumed: bytes  # every byte read from the client so far, to be forwarded first
    fields: dict[str, str]  # text fields seen before the first file part
    files: list[str]  # names of file parts whose headers were seen


def boundary_of(content_type: str) -> bytes | None:
    match = _BOUNDARY.search(content_type)
    return match.group(1).encode() if match else None


def _parse(buf: bytes, boundary: bytes) -> tuple[dict[str, str], list[str], bool]:
    """Fields and file names found in `buf`; True when a file part's headers were reached."""
    delimiter = b"--" + boundary
    fields: dict[str, str] = {}
    files: list[str] = []
    position = buf.find(delimiter)
    while position != -1:
        start = position + len(delimiter)
        if buf[start : start + 2] == b"--":
            return fields, files, False  # closing delimiter
        header_end = buf.find(b"\r\n\r\n", start)
        if header_end == -1:
            return fields, files, False
        head = buf[start:header_end]
        name_match = _DISPOSITION.search(head)
        if name_match is None:
            raise MultipartPrefixError("a multipart part has no Content-Disposition name")
        name = name_match.group(1).decode("utf-8", "replace")
        if _FILENAME.search(head):
            files.append(name)
            return fields, files, True
        body_start = header_end + 4
        next_delimiter = buf.find(b"\r\n" + delimiter, body_start)
        if next_delimiter == -1:
            return fields, files, False
        fields[name] = buf[body_start:next_delimiter].decode("utf-8", "replace")
        position = next_delimiter + 2
    return fields, files, False


async def read_form_prefix(
    stream: StreamReader, boundary: bytes, limit: int, idle_timeout: float
) -> FormPrefix:
    """Read until the first file part's headers (or the end), at most `limit` bytes; 408 when the
    client sends nothing for `idle_timeout` seconds."""
    buf = b""
    while True:
        chunk = await next_chunk(stream, idle_timeout)
        if chunk:
            buf += chunk
        fields, files, reached_file = _parse(buf, boundary)
        if reached_file or not chunk:
            return FormPrefix(buf, fields, files)
        if len(buf) > limit:
            raise MultipartPrefixError(
                f"the form fields before the file exceed {limit} bytes; send the file part last"
            )
