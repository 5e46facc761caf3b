"""Credentials for a run: the `Authorization` value each security scheme gets, and the
schemathesis auth provider that sets it on every generated request.

Static tokens and keys are used as given. A token endpoint is logged in to with the gateway's own
`TokenManager` (password or client-credentials grant, cached in memory, refreshed before expiry),
which is async: it lives on a small event loop in a background thread, because schemathesis calls
auth providers from its synchronous worker threads. Through a gateway (`--via-gateway`) the team's
gateway key is the bearer of every scheme, as the gateway expects.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine, Iterable, Mapping
from typing import Any, TypeVar

from conformance.errors import UsageProblem
from conformance.settings import Credentials
from gateway.credentials.errors import CredentialsError
from gateway.credentials.store import MemoryStore
from gateway.credentials.token_endpoint import TokenGrant
from gateway.credentials.token_manager import TokenManager

#: The spec's security schemes that the credential options feed.
TOKEN_SCHEME = "wallarooBearer"
API_KEY_SCHEME = "openlayerApiKey"
LOGIN_TIMEOUT = 30.0

T = TypeVar("T")


class _LoopThread:
    """An asyncio loop on a daemon thread, for calling async code from synchronous threads."""

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="conformance-auth", daemon=True)
        self._thread.start()

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)

    def close(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.close()


class _ManagedToken:
    """A TokenManager's current access token, fetched on the loop thread."""

    def __init__(self, grant: TokenGrant) -> None:
        self._login = TokenManager("conformance", grant, MemoryStore(), exchange_timeout=LOGIN_TIMEOUT)
        self._loop = _LoopThread()

    def __call__(self) -> str:
        try:
            return self._loop.run(self._login.token(), LOGIN_TIMEOUT + 5)
        except CredentialsError as exc:
            raise UsageProblem(f"cannot log in at {self._login.grant.token_url}: {exc}") from None

    def close(self) -> None:
        try:
            self._loop.run(self._login.close(), LOGIN_TIMEOUT)
        finally:
            self._loop.close()


class Bearers:
    """The bearer token of each security scheme there are credentials for."""

    def __init__(self, sources: Mapping[str, Callable[[], str]], closers: Iterable[Callable[[], None]] = ()):
        self._sources = dict(sources)
        self._closers = list(closers)

    def authorization(self, schemes: Iterable[str]) -> str | None:
        """`Bearer <token>` for the first of `schemes` with credentials; None when there is none."""
        for scheme in schemes:
            source = self._sources.get(scheme)
            if source is not None:
                return f"Bearer {source()}"
        return None

    def check(self) -> None:
        """Fetch every token once now, so a refused login stops the run before it starts."""
        for source in self._sources.values():
            source()

    def close(self) -> None:
        for close in self._closers:
            close()

    def __enter__(self) -> Bearers:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def _constant(value: str) -> Callable[[], str]:
    return lambda: value


def usable_schemes(credentials: Credentials, schemes: Iterable[str]) -> frozenset[str]:
    """The security schemes `credentials` can satisfy, of all the spec declares."""
    if credentials.via_gateway:
        return frozenset(schemes)
    usable = {TOKEN_SCHEME} if credentials.token or credentials.token_url else set()
    if credentials.api_key:
        usable.add(API_KEY_SCHEME)
    return frozenset(usable & set(schemes))


def open_bearers(credentials: Credentials, schemes: Iterable[str]) -> Bearers:
    """Bearers for `credentials`; `schemes` are all the spec declares (a gateway takes its key for
    each). A token endpoint is not contacted until `check` or the first request."""
    if credentials.via_gateway:
        assert credentials.gateway_key is not None
        return Bearers({scheme: _constant(credentials.gateway_key) for scheme in schemes})
    sources: dict[str, Callable[[], str]] = {}
    closers: list[Callable[[], None]] = []
    if credentials.token:
        sources[TOKEN_SCHEME] = _constant(credentials.token)
    elif credentials.token_url:
        assert credentials.client_id is not None
        managed = _ManagedToken(
            TokenGrant(
                credentials.token_url,
                credentials.client_id,
                credentials.client_secret,
                credentials.username,
                credentials.password,
            )
        )
        sources[TOKEN_SCHEME], closers = managed, [managed.close]
    if credentials.api_key:
        sources[API_KEY_SCHEME] = _constant(credentials.api_key)
    return Bearers(sources, closers)


def install_auth(schema: Any, bearers: Bearers, schemes_by_label: Mapping[str, tuple[str, ...]]) -> None:
    """Register, on this schema only, a provider setting each request's `Authorization` for its
    operation's security scheme (schemathesis then treats the credentials as explicit, which is
    what its ignored_auth check needs to probe without them)."""

    class ContractAuth:
        def get(self, case: Any, context: Any) -> str | None:
            return bearers.authorization(schemes_by_label.get(case.operation.label, ()))

        def set(self, case: Any, data: str, context: Any) -> None:
            case.headers["Authorization"] = data

    schema.auth(refresh_interval=None)(ContractAuth)
