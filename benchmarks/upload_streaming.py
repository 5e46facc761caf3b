"""Uploads stream through the gateway: memory stays flat and throughput stays close to direct.

    python -m benchmarks.upload_streaming [--stream-mib 1024] [--multipart-mib 256]

Pushes an application/octet-stream body through models/upload_stream and a multipart/form-data
body through models/upload, first straight to the canned upstream, then through a gateway with
full validation. Prints MiB/s for both, their ratio, and the gateway's peak RSS growth during each
upload (Linux: the peak is reset through /proc/<pid>/clear_refs before each run and read from
VmHWM after it).
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
from aiohttp.payload import AsyncIterablePayload

from benchmarks.processes import BENCH_KEY, canned_upstream, gateway, status_kib

CHUNK = bytes(range(256)) * 4096  # 1 MiB
QUERY = "?name=bench-model&filename=model.onnx&workspace_id=1&visibility=private"
VALIDATION_FULL = {"request": "enforce", "response": "enforce"}


async def _chunks(mib: int) -> AsyncIterator[bytes]:
    for _ in range(mib):
        yield CHUNK


def _multipart(mib: int) -> aiohttp.MultipartWriter:
    writer = aiohttp.MultipartWriter("form-data")
    for name, value in (("name", "bench-model"), ("workspace_id", "1"), ("visibility", "private")):
        part = writer.append(value)
        part.set_content_disposition("form-data", name=name)
    part = writer.append_payload(AsyncIterablePayload(_chunks(mib), content_type="application/octet-stream"))
    part.set_content_disposition("form-data", name="file", filename="model.onnx")
    return writer


async def _upload(url: str, kind: str, mib: int) -> float:
    """Seconds to upload `mib` MiB; the answer must report every byte received."""
    headers = {"Authorization": f"Bearer {BENCH_KEY}"}
    timeout = aiohttp.ClientTimeout(total=None, sock_read=120)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        started = time.perf_counter()
        if kind == "stream":
            data: object = _chunks(mib)
            headers["Content-Type"] = "application/octet-stream"
            target = url + "/v1/api/models/upload_stream" + QUERY
        else:
            data = _multipart(mib)
            target = url + "/v1/api/models/upload"
        async with session.post(target, data=data, headers=headers) as response:
            body = await response.json()
        elapsed = time.perf_counter() - started
    received = body["insert_models"]["returning"][0]["models"][0]["id"]
    if response.status != 200 or received < mib * len(CHUNK):
        raise RuntimeError(f"upload failed: {response.status} {body}")
    return elapsed


def _reset_peak(pid: int) -> None:
    Path(f"/proc/{pid}/clear_refs").write_text("5")


async def _measure(
    kind: str, mib: int, upstream: str, gateway_url: str, pid: int
) -> tuple[float, float, float]:
    await _upload(upstream, kind, min(mib, 8))  # warm-up both paths
    await _upload(gateway_url, kind, min(mib, 8))
    direct = await _upload(upstream, kind, mib)
    before = status_kib(pid, "VmRSS")
    _reset_peak(pid)
    through = await _upload(gateway_url, kind, mib)
    growth_mib = max(0, status_kib(pid, "VmHWM") - before) / 1024
    return mib / direct, mib / through, growth_mib


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--stream-mib", type=int, default=1024)
    parser.add_argument("--multipart-mib", type=int, default=256)
    args = parser.parse_args()
    with canned_upstream() as upstream, gateway(upstream, VALIDATION_FULL) as (gateway_url, pid):
        rows = {
            "upload_stream (octet-stream)": asyncio.run(
                _measure("stream", args.stream_mib, upstream, gateway_url, pid)
            ),
            "upload (multipart)": asyncio.run(
                _measure("multipart", args.multipart_mib, upstream, gateway_url, pid)
            ),
        }
    sizes = {"upload_stream (octet-stream)": args.stream_mib, "upload (multipart)": args.multipart_mib}
    print(f"{'operation':30} {'MiB':>6} {'direct MiB/s':>13} {'gateway MiB/s':>14} {'ratio':>6}", end="")
    print(f" {'RSS growth MiB':>15}")
    for name, (direct, through, growth) in rows.items():
        ratio = through / direct
        print(f"{name:30} {sizes[name]:6d} {direct:13.0f} {through:14.0f} {ratio:6.2f} {growth:15.1f}")


if __name__ == "__main__":
    main()
