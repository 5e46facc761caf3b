"""The token manager's state machine, as data and without I/O (modelled on h11's `_state.py`).

One `TokenMachine` per credential set says what the set's token is doing and what to do next;
the async driver (`gateway/credentials/token_manager.py`) feeds it events and the current time
(a monotonic clock, in seconds) and does whatever it answers. Nothing here reads a clock,
sleeps or talks to a socket, so every rule is unit-tested alone.

States (`TokenState`) and the events that move between them (`TRANSITIONS`):

| state | event | next |
|---|---|---|
| no_token, valid, failing | renewal_started | refreshing |
| refreshing | granted | valid |
| refreshing | failed | failing |
| valid | discarded, expired | no_token |
| every other state | discarded, expired | itself (the token is gone, the state's work goes on) |

Whether a usable token is held is not a state of its own: a token stays usable while it is
refreshed, and while a refresh fails, until it expires. `TokenPolicy` holds the timing rules:
the refresh margin clamped to a fraction of the token's lifetime, and jittered exponential
backoff while the token endpoint fails.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum


class TokenState(StrEnum):
    NO_TOKEN = "no_token"  # nothing granted yet, or the token expired or was refused upstream
    VALID = "valid"  # a token is held and not yet due for renewal
    REFRESHING = "refreshing"  # one renewal is running (the held token, if any, is still served)
    FAILING = "failing"  # the last renewal failed; the next one waits for the backoff


class TokenEvent(StrEnum):
    RENEWAL_STARTED = "renewal_started"
    GRANTED = "granted"
    FAILED = "failed"
    DISCARDED = "discarded"  # the upstream refused the token (401)
    EXPIRED = "expired"


class FailureKind(StrEnum):
    """Why a renewal failed: the endpoint said no to the credentials, or gave no usable answer."""

    REFUSED = "refused"  # invalid_client, invalid_grant on a login...: 502 upstream-auth-failed
    UNAVAILABLE = "unavailable"  # down, slow, erroring or an unusable answer: 503, Retry-After


S, E = TokenState, TokenEvent
TRANSITIONS: dict[tuple[TokenState, TokenEvent], TokenState] = {
    (S.NO_TOKEN, E.RENEWAL_STARTED): S.REFRESHING,
    (S.VALID, E.RENEWAL_STARTED): S.REFRESHING,
    (S.FAILING, E.RENEWAL_STARTED): S.REFRESHING,
    (S.REFRESHING, E.GRANTED): S.VALID,
    (S.REFRESHING, E.FAILED): S.FAILING,
    (S.VALID, E.DISCARDED): S.NO_TOKEN,
    (S.VALID, E.EXPIRED): S.NO_TOKEN,
    **{(s, e): s for s in (S.NO_TOKEN, S.REFRESHING, S.FAILING) for e in (E.DISCARDED, E.EXPIRED)},
}


class InvalidTransition(RuntimeError):
    """An event the current state has no transition for: a bug in the driver."""


@dataclass(frozen=True, slots=True)
class TokenPolicy:
    """Timing rules: renew `refresh_margin` s before expiry, at most `max_margin_fraction` of the
    token's lifetime; after the n-th failure in a row wait `backoff_base * 2**(n-1)` s, capped at
    `backoff_max`, of which a random `jitter` fraction is taken off (so replicas spread out)."""

    refresh_margin: float = 30.0
    max_margin_fraction: float = 0.5
    backoff_base: float = 1.0
    backoff_max: float = 60.0
    jitter: float = 0.5

    def margin(self, lifetime: float) -> float:
        return max(0.0, min(self.refresh_margin, lifetime * self.max_margin_fraction))

    def backoff(self, failures: int, random: float) -> float:
        """Seconds to wait after `failures` failures in a row; `random` is uniform in [0, 1)."""
        ceiling = min(self.backoff_max, math.ldexp(self.backoff_base, max(0, failures - 1)))
        return ceiling * (1 - self.jitter * random)


@dataclass(frozen=True, slots=True)
class Failure:
    kind: FailureKind
    reason: str  # in words, naming no secret


class TokenMachine:
    """One credential set's state, its token's (monotonic) deadlines and its failures in a row."""

    def __init__(self, policy: TokenPolicy) -> None:
        self.policy = policy
        self.state = TokenState.NO_TOKEN
        self.expires_at = -math.inf  # the held token is usable before this
        self.refresh_at = math.inf  # ...and renewed from this on
        self.failures = 0
        self.retry_at = -math.inf  # FAILING: the next renewal starts at this time
        self.last_failure: Failure | None = None

    def _event(self, event: TokenEvent) -> None:
        try:
            self.state = TRANSITIONS[self.state, event]
        except KeyError:
            raise InvalidTransition(f"no transition from {self.state} on {event}") from None

    # -- events -------------------------------------------------------------------------------

    def renewal_started(self) -> None:
        self._event(TokenEvent.RENEWAL_STARTED)

    def granted(self, now: float, expires_at: float, lifetime: float) -> None:
        """A token usable until `expires_at` (lifetime `lifetime` s as granted) is now held."""
        self._event(TokenEvent.GRANTED)
        self.expires_at = expires_at
        self.refresh_at = expires_at - self.policy.margin(lifetime)
        self.failures, self.retry_at, self.last_failure = 0, -math.inf, None

    def failed(self, now: float, failure: Failure, random: float) -> float:
        """The renewal failed; answers the backoff in seconds before the next one."""
        self._event(TokenEvent.FAILED)
        self.failures += 1
        self.last_failure = failure
        delay = self.policy.backoff(self.failures, random)
        self.retry_at = now + delay
        return delay

    def discarded(self) -> None:
        self._event(TokenEvent.DISCARDED)
        self._forget()

    def expire(self, now: float) -> None:
        if self.expires_at != -math.inf and now >= self.expires_at:
            self._event(TokenEvent.EXPIRED)
            self._forget()

    def _forget(self) -> None:
        self.expires_at, self.refresh_at = -math.inf, math.inf

    # -- queries ------------------------------------------------------------------------------

    def usable(self, now: float) -> bool:
        """Whether the held token may be sent (also while it is refreshed, or a refresh fails)."""
        return now < self.expires_at

    def wake_in(self, now: float, demanded: bool) -> float | None:
        """Seconds until the driver should start a renewal (0: now), or None: only on demand."""
        if self.state is TokenState.REFRESHING:
            return None  # the driver is busy renewing
        if self.state is TokenState.FAILING:
            return max(0.0, self.retry_at - now)
        if self.state is TokenState.VALID:
            return max(0.0, self.refresh_at - now)
        return 0.0 if demanded else None

    def retry_after(self, now: float) -> int:
        """Whole seconds a client should wait before trying again (at least 1)."""
        return max(1, math.ceil(self.retry_at - now))
