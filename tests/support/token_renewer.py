"""A gateway process's use of the shared token store, cut down to the renewal protocol, run as a
subprocess by tests/gateway/integration/test_redis_store.py.

`python -m tests.support.token_renewer renew URL KEY SET`: prints `ready`, waits for a line on
stdin (so several processes start their renewal together), then takes the set's renewal turn,
re-reads the store and "renews" (a 0.3 s fake exchange, then a save) only if no token is there;
prints `{"renewed": bool, "access": str}`.
`... hold URL KEY SET`: takes the set's renewal turn, prints `held` and sleeps until killed, as a
process killed mid-renewal would.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import sys
import time

import orjson

from gateway.config import RedisStoreConfig
from gateway.credentials.redis_store import RedisStore
from gateway.credentials.store import StoredToken


def store_config(url: str, key: str, lock_ttl: float) -> RedisStoreConfig:
    return RedisStoreConfig(url=url, key=base64.b64decode(key), timeout=0.25, lock_ttl=lock_ttl, lock_wait=10)


async def renew(store: RedisStore, credential_set: str) -> dict[str, object]:
    print("ready", flush=True)
    await asyncio.to_thread(sys.stdin.readline)
    renewed = False
    async with store.renewal(credential_set):
        token = await store.load(credential_set)
        if token is None:
            await asyncio.sleep(0.3)  # the token endpoint's exchange
            token = StoredToken(access=f"access-from-{os.getpid()}", expires_at=time.time() + 60)
            await store.save(credential_set, token)
            renewed = True
    return {"renewed": renewed, "access": token.access, "shared": store.shared}


async def hold(store: RedisStore, credential_set: str) -> None:
    async with store.renewal(credential_set):
        print("held", flush=True)
        await asyncio.sleep(3600)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["renew", "hold"])
    parser.add_argument("url")
    parser.add_argument("key", help="the store key, base64")
    parser.add_argument("credential_set")
    parser.add_argument("--lock-ttl", type=float, default=1.0)
    args = parser.parse_args()
    store = RedisStore(store_config(args.url, args.key, args.lock_ttl))
    try:
        if args.mode == "hold":
            await hold(store, args.credential_set)
        else:
            print(orjson.dumps(await renew(store, args.credential_set)).decode(), flush=True)
    finally:
        await store.close()


if __name__ == "__main__":
    asyncio.run(main())
