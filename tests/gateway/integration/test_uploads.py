"""Uploads reach the upstream as the client framed them: a body of known size keeps its
Content-Length (not re-chunked); a multipart form whose fields come after the file is told to
send the fields first, rather than that they are missing."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from tests.support.gateway import AUTH, gateway_config, running_gateway
from tests.support.raw_http import RecordingUpstream

UPLOAD_STREAM = "/v1/api/models/upload_stream?name=m&filename=f.onnx&workspace_id=1&visibility=private"
UPLOADED = b'{"insert_models": {"returning": [{"models": [{"id": 1}]}]}}'


@pytest.fixture
async def stack() -> AsyncIterator[tuple[str, RecordingUpstream]]:
    upstream = await RecordingUpstream(reply_body=UPLOADED).start()
    async with running_gateway(gateway_config(upstream.url)) as gateway:
        yield gateway.url, upstream
    await upstream.close()


async def test_an_upload_of_known_size_keeps_its_content_length(stack) -> None:
    url, upstream = stack
    payload = bytes(range(256)) * 4096  # 1 MiB
    headers = {**AUTH, "Content-Type": "application/octet-stream"}
    async with (
        aiohttp.ClientSession() as session,
        session.post(url + UPLOAD_STREAM, data=payload, headers=headers),
    ):
        pass
    seen = upstream.seen[-1]
    assert seen.header("Content-Length") == str(len(payload))
    assert seen.header("Transfer-Encoding") is None
    assert seen.body == payload


async def test_an_upload_of_unknown_size_is_chunked(stack) -> None:
    url, upstream = stack

    async def parts() -> AsyncIterator[bytes]:
        for _ in range(4):
            yield b"\x01" * 65536

    headers = {**AUTH, "Content-Type": "application/octet-stream"}
    async with (
        aiohttp.ClientSession() as session,
        session.post(url + UPLOAD_STREAM, data=parts(), headers=headers),
    ):
        pass
    seen = upstream.seen[-1]
    assert seen.header("Transfer-Encoding") == "chunked" and len(seen.body) == 4 * 65536


async def test_multipart_fields_after_the_file_are_asked_for_first(stack) -> None:
    url, upstream = stack
    form = aiohttp.FormData()
    form.add_field("file", b"\x00" * 1000, filename="m.onnx", content_type="application/octet-stream")
    form.add_field("name", "model-a")
    form.add_field("workspace_id", "5")
    async with (
        aiohttp.ClientSession() as session,
        session.post(url + "/v1/api/models/upload", data=form, headers=AUTH) as response,
    ):
        body = await response.json(content_type=None)
    assert response.status == 400 and upstream.seen == []
    required = [v for v in body["violations"] if v["kind"] == "required"]
    assert required, body
    for violation in required:
        assert "before the file part 'file'" in violation["message"], violation
