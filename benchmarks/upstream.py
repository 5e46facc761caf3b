"""Run the canned upstream in its own process: `python -m benchmarks.upstream --port N`.

It answers the benchmark cases' paths with their fixed bodies and the two upload paths with the
byte count it consumed, so the gateway (not the upstream) is what a benchmark measures."""

from __future__ import annotations

import argparse
import asyncio

from benchmarks.payloads import CASES
from sandbox.canned import CannedReply, CannedUpstream, start_canned


async def _run(port: int) -> None:
    replies = {path: CannedReply(make()) for path, _, make in CASES.values()}
    replies["/v1/api/models/upload_stream"] = CannedReply(upload_reply=True)
    replies["/v1/api/models/upload"] = CannedReply(upload_reply=True)
    running = await start_canned(CannedUpstream(replies=replies), port=port)
    print(f"canned upstream on {running.url}", flush=True)
    await asyncio.Event().wait()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    asyncio.run(_run(parser.parse_args().port))


if __name__ == "__main__":
    main()
