"""`RedisStore`: one cached token per credential set for every gateway process and replica, and one
renewal at a time across all of them; `token_store_for(config)` picks it or `MemoryStore`.

Keys (`prefix` defaults to `mlops-gateway`):
- `<prefix>:token:<set>`: the sealed token (`sealing.py`: AES-256-GCM, a keyed fingerprint of the
  access token in front), with a TTL ending when the token is no use any more: the later of the
  access token's and the refresh token's expiry.
- `<prefix>:renewal:<set>`: the renewal turn, a lock taken with `SET NX PX lock_ttl` holding a random
  owner token; while the holder runs, a lease task extends it every third of `lock_ttl`
  (compare-and-extend in Lua); it is released with a compare-and-delete in Lua. A holder that dies
  stops extending, so the lock frees itself at most `lock_ttl` later. Waiters poll with jittered
  exponential backoff (10 ms to 200 ms) for at most `lock_wait`, then raise `TimeoutError`. Within a
  process the tasks first queue on a local lock, so one task per process polls Redis.

Redis unreachable (any Redis error or `timeout` passed): the store works on in this process alone
with a `MemoryStore` that mirrors what it last read or wrote in Redis, so a token read before the
outage is still served; `shared` turns False and one WARNING line says so. A background probe pings
Redis every `probe_interval` seconds; when it answers, tokens saved meanwhile are written back where
Redis has none (`SET NX`), `shared` turns True again and one INFO line says so. Requests never wait on
a Redis known to be down. Tokens are never logged, and a value that does not open (another key,
tampered) reads as no token, with one WARNING per credential set.
"""

from __future__ import annotations

import asyncio
import logging
import random
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from typing import TypeVar

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from gateway.config import RedisStoreConfig
from gateway.credentials.sealing import TokenSeal
from gateway.credentials.store import MemoryStore, StoredToken, TokenStore

log = logging.getLogger("mlops_gateway.token_store")
T = TypeVar("T")

# KEYS[1] the lock, ARGV[1] the owner token, ARGV[2] the lease in ms: extend only our own lock
EXTEND = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end
return 0
"""
# KEYS[1] the lock, ARGV[1] the owner token: delete only our own lock
RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""
# KEYS[1] the token, ARGV[1] the sealed prefix (version and fingerprint) of the refused access token:
# delete it only if it is still that token, not a newer one another holder saved
DISCARD = """
local value = redis.call('get', KEYS[1])
if value and string.sub(value, 1, string.len(ARGV[1])) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""
UNREACHABLE_ERRORS = (RedisError, OSError, TimeoutError)
FIRST_POLL, LAST_POLL = 0.01, 0.2  # a waiter's backoff between two tries of the lock, seconds


class _Unreachable:
    """What a Redis call gives when Redis is down (or known to be): the caller falls back."""


UNREACHABLE = _Unreachable()


class RedisStore:
    """Tokens and renewal turns in Redis, encrypted, with a local fallback while Redis is down."""

    def __init__(self, config: RedisStoreConfig, on_shared: Callable[[bool], None] | None = None) -> None:
        self._config = config
        self._on_shared = on_shared or (lambda shared: None)  # told of every change of `shared`
        self._seal = TokenSeal(config.key)
        self._client: Redis = Redis.from_url(
            config.url,
            socket_timeout=config.timeout,
            socket_connect_timeout=config.timeout,
            retry=Retry(NoBackoff(), 1),  # one immediate retry: a pooled connection Redis has closed
        )
        self._bound = 2 * config.timeout + 0.5  # a whole call, retry included, never takes longer
        self._lease_ms = max(1, round(config.lock_ttl * 1000))
        self._extend = self._client.register_script(EXTEND)
        self._release = self._client.register_script(RELEASE)
        self._discard = self._client.register_script(DISCARD)
        self._local = MemoryStore()  # the fallback, and a mirror of what was last read or written
        self._names: set[str] = set()  # credential sets the mirror may hold, written back on recovery
        self._reachable: bool | None = None  # None: not tried yet
        self._probe: asyncio.Task[None] | None = None
        self._held: dict[str, str] = {}  # credential set -> owner token of a renewal lock held here
        self._unreadable: set[str] = set()  # sets whose stored value did not open (logged once)

    @property
    def shared(self) -> bool:
        return self._reachable is True

    def _token_key(self, credential_set: str) -> str:
        return f"{self._config.prefix}:token:{credential_set}"

    def _lock_key(self, credential_set: str) -> str:
        return f"{self._config.prefix}:renewal:{credential_set}"

    # -- tokens --------------------------------------------------------------------------------

    async def load(self, credential_set: str) -> StoredToken | None:
        value = await self._call(lambda: self._client.get(self._token_key(credential_set)))
        if isinstance(value, _Unreachable):
            return await self._local.load(credential_set)
        token = self._open(credential_set, value) if isinstance(value, bytes) else None
        await self._mirror(credential_set, token)
        return token

    async def save(self, credential_set: str, token: StoredToken) -> None:
        self._names.add(credential_set)
        await self._local.save(credential_set, token)
        await self._call(lambda: self._write(credential_set, token, only_if_absent=False))

    async def discard(self, credential_set: str, access: str) -> None:
        await self._local.discard(credential_set, access)
        prefix = self._seal.fingerprint(access)
        await self._call(lambda: self._discard(keys=[self._token_key(credential_set)], args=[prefix]))

    async def _write(self, credential_set: str, token: StoredToken, *, only_if_absent: bool) -> None:
        key = self._token_key(credential_set)
        ttl_ms = round((max(token.expires_at, token.refresh_expires_at) - time.time()) * 1000)
        if ttl_ms <= 0:  # of no use to anyone: never written (nor left in place by a save)
            if not only_if_absent:
                await self._client.delete(key)
            return
        await self._client.set(key, self._seal.seal(credential_set, token), px=ttl_ms, nx=only_if_absent)

    def _open(self, credential_set: str, value: bytes) -> StoredToken | None:
        token = self._seal.open(credential_set, value)
        if token is None and credential_set not in self._unreadable:
            self._unreadable.add(credential_set)
            log.warning(
                "token store: the stored token does not open with this key (another key, or altered); "
                "read as no token",
                extra={"credential_set": credential_set},
            )
        elif token is not None:
            self._unreadable.discard(credential_set)
        return token

    async def _mirror(self, credential_set: str, token: StoredToken | None) -> None:
        if token is not None:
            self._names.add(credential_set)
            await self._local.save(credential_set, token)
        elif (known := await self._local.load(credential_set)) is not None:
            await self._local.discard(credential_set, known.access)

    # -- renewal turns -------------------------------------------------------------------------

    @asynccontextmanager
    async def renewal(self, credential_set: str) -> AsyncIterator[None]:
        async with self._local.renewal(credential_set):  # one contender per process polls Redis
            owner = await self._acquire(credential_set)
            if owner is None:  # Redis unreachable: this process's turn is the turn
                yield
                return
            self._held[credential_set] = owner
            lease = asyncio.create_task(self._keep(credential_set, owner))
            try:
                yield
            finally:
                lease.cancel()
                with suppress(asyncio.CancelledError):
                    await lease
                self._held.pop(credential_set, None)
                await self._give_back(credential_set, owner)

    async def _acquire(self, credential_set: str) -> str | None:
        """Take the set's lock: its owner token, or None when Redis is unreachable."""
        owner, key = secrets.token_hex(16), self._lock_key(credential_set)
        loop = asyncio.get_running_loop()
        deadline, pause = loop.time() + self._config.lock_wait, FIRST_POLL
        while True:
            taken = await self._call(lambda: self._client.set(key, owner, nx=True, px=self._lease_ms))
            if isinstance(taken, _Unreachable):
                return None
            if taken:
                return owner
            left = deadline - loop.time()
            if left <= 0:
                raise TimeoutError(
                    f"the renewal turn of credential set {credential_set!r} stayed taken for "
                    f"{self._config.lock_wait:g} s"
                )
            await asyncio.sleep(min(left, pause * random.uniform(0.5, 1.0)))
            pause = min(LAST_POLL, pause * 2)

    async def _keep(self, credential_set: str, owner: str) -> None:
        """The lease: extend the lock every third of its TTL while the holder runs."""
        key = self._lock_key(credential_set)
        while True:
            await asyncio.sleep(self._config.lock_ttl / 3)
            kept = await self._call(lambda: self._extend(keys=[key], args=[owner, self._lease_ms]))
            if kept == 0:
                log.warning(
                    "token store: the renewal lock was lost before its lease was extended",
                    extra={"credential_set": credential_set},
                )
                return

    async def _give_back(self, credential_set: str, owner: str) -> None:
        await self._call(lambda: self._release(keys=[self._lock_key(credential_set)], args=[owner]))

    # -- reachability --------------------------------------------------------------------------

    async def _call(self, make: Callable[[], Awaitable[T]]) -> T | _Unreachable:
        """One bounded Redis call; UNREACHABLE (and fallback mode) when it fails or Redis is known down."""
        if self._reachable is False:
            return UNREACHABLE
        try:
            async with asyncio.timeout(self._bound):
                result = await make()
        except UNREACHABLE_ERRORS as exc:
            self._went_down(exc)
            return UNREACHABLE
        self._came_back()
        return result

    def _went_down(self, exc: BaseException) -> None:
        if self._reachable is False:
            return
        self._reachable = False
        self._on_shared(False)
        log.warning(
            "token store: Redis unreachable; tokens kept in this process only until it returns",
            extra={
                "store": "redis",
                "error": type(exc).__name__,
                "probe_interval": self._config.probe_interval,
            },
        )
        self._watch_reachability()

    def _came_back(self) -> None:
        if self._reachable is True:
            return
        self._reachable = True
        self._on_shared(True)
        log.info("token store: Redis reachable; tokens shared", extra={"store": "redis"})
        self._watch_reachability()

    def _watch_reachability(self) -> None:
        if self._probe is None or self._probe.done():
            self._probe = asyncio.create_task(self._ping_every_interval())

    async def _ping_every_interval(self) -> None:
        """Ping Redis every `probe_interval` for the store's life: an outage is noticed (and said,
        in the log and the shared gauge) even while no renewal needs the store, and its end too."""
        while True:
            await asyncio.sleep(self._config.probe_interval)
            try:
                async with asyncio.timeout(self._bound):
                    await self._client.ping()
                    if self._reachable is False:
                        await self._write_back()
            except UNREACHABLE_ERRORS as exc:
                self._went_down(exc)
                continue
            self._came_back()

    async def _write_back(self) -> None:
        """Tokens saved while Redis was away, written where Redis has none (it may have restarted empty)."""
        for credential_set in sorted(self._names):
            token = await self._local.load(credential_set)
            if token is not None:
                await self._write(credential_set, token, only_if_absent=True)

    async def close(self) -> None:
        if self._probe is not None:
            self._probe.cancel()
            with suppress(asyncio.CancelledError):
                await self._probe
        for credential_set, owner in list(self._held.items()):
            await self._give_back(credential_set, owner)
        self._held.clear()
        await self._local.close()
        with suppress(*UNREACHABLE_ERRORS):
            await self._client.aclose()


def token_store_for(
    config: RedisStoreConfig | None, on_shared: Callable[[bool], None] | None = None
) -> TokenStore:
    """The store `token_store` names: Redis for a mapping, memory (None) otherwise; `on_shared`
    hears whether tokens are shared each time that changes."""
    return MemoryStore() if config is None else RedisStore(config, on_shared)
