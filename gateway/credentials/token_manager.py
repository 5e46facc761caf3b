"""One token manager per credential set: the async driver of `token_state.TokenMachine`.

A single background task per manager does every renewal, so all waiters share one attempt and a
cancelled caller never restarts anything. It renews ahead of expiry (the refresh-token grant
first, a full login when that answers `invalid_grant`) while requests keep using the valid
token, backs off (jittered, exponential) while the token endpoint fails, and starts again by
itself when the endpoint returns. Requests are refused only when no valid token is left:
`CredentialsUnavailable` (503, with Retry-After) while the endpoint is down, slow or erroring,
`CredentialsRefused` (502) when it refuses the credentials.

Tokens are kept in a `TokenStore` (gateway/credentials/store.py), following its renewal
protocol: take the set's turn with `async with store.renewal(name)`, `load` again, and renew only
if the token found is still not good enough. The store holds Unix times; this manager converts
them to its monotonic clock when it reads them and decides everything on that clock.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from gateway.credentials.errors import CredentialsError, CredentialsRefused, CredentialsUnavailable
from gateway.credentials.store import StoredToken, TokenStore
from gateway.credentials.token_endpoint import Granted, TokenEndpoint, TokenEndpointError, TokenGrant
from gateway.credentials.token_state import Failure, FailureKind, TokenMachine, TokenPolicy, TokenState

log = logging.getLogger("mlops_gateway.credentials")
WAIT_SLACK = 1.0  # seconds a waiter allows beyond the exchange timeout before it gives up


# called after each exchange with the credential set, grant type, outcome and seconds it took
class TokenObserver(Protocol):
    """Who hears of a manager's exchanges and tokens (the metrics, structurally: no import)."""

    def token_exchanged(self, credential_set: str, grant: str, outcome: str, seconds: float) -> None:
        """One token-endpoint exchange and how it ended."""

    def token_held(self, credential_set: str, expires_at: float) -> None:
        """The token the set now uses expires at Unix time `expires_at` (0: it has none)."""


@dataclass(slots=True)
class _Held:
    """The token in use, with its monotonic deadlines."""

    stored: StoredToken = field(repr=False)
    expires_at: float  # monotonic

    @property
    def header(self) -> str:
        return f"Bearer {self.stored.access}"


def _outcome(exc: TokenEndpointError) -> str:
    """The bounded `outcome` label of a failed exchange."""
    if exc.refused:
        return "refused"
    return exc.error if exc.error in ("timeout", "unusable") else "unavailable"


class _Unobserved:
    def token_exchanged(self, credential_set: str, grant: str, outcome: str, seconds: float) -> None:
        return None

    def token_held(self, credential_set: str, expires_at: float) -> None:
        return None


class TokenManager:
    """An `UpstreamCredentials` provider for one credential set, renewed by its own task."""

    def __init__(
        self,
        name: str,
        grant: TokenGrant,
        store: TokenStore,
        *,
        policy: TokenPolicy | None = None,
        exchange_timeout: float = 10.0,
        observer: TokenObserver | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
        rng: Callable[[], float] = random.random,
    ) -> None:
        self.name = name
        self.grant = grant
        self.store = store
        self.exchange_timeout = exchange_timeout
        self.machine = TokenMachine(policy or TokenPolicy())
        self.endpoint = TokenEndpoint(grant, timeout=exchange_timeout, clock=clock)
        self._observer: TokenObserver = observer or _Unobserved()
        self._clock, self._wall, self._rng = clock, wall, rng
        self._held: _Held | None = None
        self._rejected: str | None = None  # the access token an upstream last refused
        self._demanded = False
        self._wake = asyncio.Event()
        self._attempt: asyncio.Future[None] | None = None  # the outcome waiters share
        self._task: asyncio.Task[None] | None = None
        self.exchanges: dict[str, int] = {}  # grant type -> exchanges asked, for tests and logs

    # -- what callers use ---------------------------------------------------------------------

    async def authorization(self, client_headers: Mapping[str, str]) -> str | None:
        return (await self._current()).header

    async def token(self) -> str:
        """A valid access token, waiting for the renewal under way if there is none."""
        return (await self._current()).stored.access

    async def rejected(self, authorization: str) -> bool:
        """The upstream answered 401 to `authorization`: forget that token (here and in the
        store) and renew; True, since a request may be tried again with the next token."""
        held = self._held
        if held is not None and held.header == authorization:
            self._rejected = held.stored.access
            self._let_go()
            self.machine.discarded()
            self._demand()
            await self.store.discard(self.name, held.stored.access)
        return True

    def status(self) -> tuple[bool, str]:
        """For /readyz: whether the set can log in, and its state in words (never a secret)."""
        machine, now = self.machine, self._clock()
        failure = machine.last_failure
        if machine.usable(now):
            words = f"token valid for {machine.expires_at - now:.0f} s"
            if failure is not None:
                words += f"; renewal failing: {failure.reason}"
            return True, words
        if failure is None:
            return True, "logging in" if machine.state is TokenState.REFRESHING else "no token yet"
        if failure.kind is FailureKind.REFUSED:
            return False, f"cannot log in: {failure.reason}"
        return True, f"no token: {failure.reason}; next attempt in {machine.retry_after(now)} s"

    def start(self) -> None:
        """Start the renewal task and ask for a first token (so /readyz knows early)."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name=f"tokens:{self.name}")
        self._demand()

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._attempt is not None and not self._attempt.done():
            self._attempt.cancel()
        await self.endpoint.close()

    # -- waiting ------------------------------------------------------------------------------

    async def _current(self) -> _Held:
        deadline = self._clock() + self.exchange_timeout + WAIT_SLACK
        while True:
            now = self._clock()
            held = self._held
            if held is not None and now < held.expires_at:
                if now >= self.machine.refresh_at:
                    self._wake.set()  # due: make sure the task is on it (its timer may not have fired yet)
                return held
            machine = self.machine
            if machine.state is TokenState.FAILING and now < machine.retry_at:
                raise self._error(now)  # backing off: answer now, do not queue for the next attempt
            if now >= deadline:
                raise CredentialsUnavailable(
                    self.name,
                    f"credential set {self.name!r}: no token within {self.exchange_timeout:g} s",
                    machine.retry_after(now),
                )
            attempt = self._next_attempt()
            self.start()
            try:
                async with asyncio.timeout(deadline - now):
                    await asyncio.shield(attempt)
            except TimeoutError:
                continue
            except CredentialsError:
                raise

    def _next_attempt(self) -> asyncio.Future[None]:
        if self._attempt is None or self._attempt.done():
            self._attempt = asyncio.get_running_loop().create_future()
        return self._attempt

    def _error(self, now: float) -> CredentialsError:
        failure = self.machine.last_failure
        reason = failure.reason if failure is not None else "no token"
        if failure is not None and failure.kind is FailureKind.REFUSED:
            return CredentialsRefused(self.name, f"credential set {self.name!r}: {reason}")
        retry = self.machine.retry_after(now)
        return CredentialsUnavailable(
            self.name, f"credential set {self.name!r}: {reason}; retry in {retry} s", retry
        )

    def _demand(self) -> None:
        self._demanded = True
        self._wake.set()

    # -- the renewal task ---------------------------------------------------------------------

    async def _run(self) -> None:
        while True:
            now = self._clock()
            if self._held is not None and now >= self._held.expires_at:
                self._let_go()
            self.machine.expire(now)
            wait = self.machine.wake_in(now, self._demanded)
            if wait is None or wait > 0:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(wait):
                        await self._wake.wait()
                continue
            await self._renew()

    async def _renew(self) -> None:
        self._demanded = False
        attempt = self._next_attempt()
        self.machine.renewal_started()
        try:
            async with asyncio.timeout(self.exchange_timeout * 2 + WAIT_SLACK):
                async with self.store.renewal(self.name):
                    stored = await self.store.load(self.name)
                    if not self._good_enough(stored):
                        stored = await self._exchange(stored)
                        await self.store.save(self.name, stored)
        except TokenEndpointError as exc:
            self._failed(FailureKind.REFUSED if exc.refused else FailureKind.UNAVAILABLE, str(exc))
        except TimeoutError:
            self._failed(FailureKind.UNAVAILABLE, "the token store or endpoint took too long to renew")
        except Exception as exc:  # the store failed: a token is still better than none, keep trying
            log.exception("token renewal failed", extra={"credential_set": self.name})
            self._failed(FailureKind.UNAVAILABLE, f"renewal failed ({type(exc).__name__})")
        else:
            assert stored is not None
            self._hold(stored)
        if not attempt.done():
            failure = self.machine.last_failure if self.machine.state is TokenState.FAILING else None
            if failure is None:
                attempt.set_result(None)
            else:
                attempt.set_exception(self._error(self._clock()))
                attempt.exception()  # retrieved: nobody may be waiting for this one

    def _failed(self, kind: FailureKind, reason: str) -> None:
        delay = self.machine.failed(self._clock(), Failure(kind, reason), self._rng())
        log.warning(
            "token renewal failed",
            extra={"credential_set": self.name, "reason": reason, "kind": str(kind), "retry_in": delay},
        )

    def _good_enough(self, stored: StoredToken | None) -> bool:
        """Whether a token in the store needs no renewal (another holder renewed it meanwhile)."""
        if stored is None or stored.access == self._rejected:
            return False
        if self._held is not None and stored.access == self._held.stored.access:
            return False  # ours, and due: that is why this renewal runs
        lifetime = stored.expires_at - stored.issued_at
        return stored.expires_at - self.machine.policy.margin(lifetime) > self._wall()

    async def _exchange(self, stored: StoredToken | None) -> StoredToken:
        current = self._held.stored if self._held is not None else stored
        refresh = current.refresh if current is not None and self._refresh_usable(current) else None
        if refresh:
            try:
                return await self._timed("refresh_token", lambda: self.endpoint.refresh(refresh))
            except TokenEndpointError as exc:
                if exc.error != "invalid_grant":
                    raise  # the endpoint is down or refuses the client: a login would fare no better
        return await self._timed(self.grant.grant_type, self.endpoint.login)

    def _refresh_usable(self, token: StoredToken) -> bool:
        return token.refresh_expires_at == 0 or token.refresh_expires_at > self._wall()

    async def _timed(self, grant_type: str, call: Callable[[], Awaitable[Granted]]) -> StoredToken:
        self.exchanges[grant_type] = self.exchanges.get(grant_type, 0) + 1
        asked = self._wall()
        try:
            granted = await call()
        except TokenEndpointError as exc:
            self._observer.token_exchanged(self.name, grant_type, _outcome(exc), self.endpoint.last_duration)
            raise
        self._observer.token_exchanged(self.name, grant_type, "ok", self.endpoint.last_duration)
        return StoredToken(
            granted.access,
            asked + granted.expires_in,
            granted.refresh,
            asked + granted.refresh_expires_in if granted.refresh and granted.refresh_expires_in else 0.0,
            asked,
        )

    def _let_go(self) -> None:
        """Stop using the held token (refused upstream, or expired)."""
        self._held = None
        self._observer.token_held(self.name, 0.0)

    def _hold(self, stored: StoredToken) -> None:
        """Use `stored` from now on: its Unix deadlines become monotonic ones."""
        offset = self._clock() - self._wall()
        self._held = _Held(stored, stored.expires_at + offset)
        self._observer.token_held(self.name, stored.expires_at)
        self.machine.granted(self._clock(), stored.expires_at + offset, stored.expires_at - stored.issued_at)
