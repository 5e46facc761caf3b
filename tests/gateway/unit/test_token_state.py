"""The token state machine and the token-answer parser alone: pure, no clock, no socket."""

from __future__ import annotations

import math

import pytest

from gateway.credentials.token_endpoint import TokenEndpointError, parse_grant
from gateway.credentials.token_state import (
    TRANSITIONS,
    Failure,
    FailureKind,
    InvalidTransition,
    TokenEvent,
    TokenMachine,
    TokenPolicy,
    TokenState,
)

DOWN = Failure(FailureKind.UNAVAILABLE, "down")


def test_every_state_has_a_way_out_and_only_a_renewal_grants() -> None:
    for state in TokenState:
        assert any(s is state for s, _ in TRANSITIONS)
    assert {s for (s, e) in TRANSITIONS if e is TokenEvent.GRANTED} == {TokenState.REFRESHING}
    with pytest.raises(InvalidTransition):
        TokenMachine(TokenPolicy()).granted(0, 10, 10)  # no renewal started


def test_margin_is_clamped_to_half_the_lifetime() -> None:
    policy = TokenPolicy(refresh_margin=30)
    assert policy.margin(3600) == 30 and policy.margin(4) == 2 and policy.margin(2) == 1


def test_backoff_doubles_up_to_the_cap_with_jitter_taken_off() -> None:
    policy = TokenPolicy(backoff_base=1, backoff_max=60, jitter=0.5)
    assert [policy.backoff(n, 0.0) for n in (1, 2, 3, 7, 20)] == [1, 2, 4, 60, 60]
    assert policy.backoff(3, 0.999) == pytest.approx(2.002)


def test_a_token_is_served_while_it_refreshes_and_while_the_refresh_fails() -> None:
    machine = TokenMachine(TokenPolicy(refresh_margin=30))
    assert machine.wake_in(0, demanded=False) is None and machine.wake_in(0, demanded=True) == 0
    machine.renewal_started()
    machine.granted(0, expires_at=4, lifetime=4)
    assert machine.state is TokenState.VALID and machine.wake_in(0, False) == 2  # margin 2 of 4
    machine.renewal_started()
    assert machine.usable(2.5)
    delay = machine.failed(2.5, DOWN, random=0.0)
    assert machine.state is TokenState.FAILING and machine.usable(3) and delay == 1
    assert machine.wake_in(3, False) == pytest.approx(0.5) and machine.retry_after(3) == 1
    machine.expire(4)
    assert machine.state is TokenState.FAILING and not machine.usable(4)
    machine.renewal_started()
    machine.granted(5, 65, 60)
    assert machine.failures == 0 and machine.last_failure is None and machine.refresh_at == 35


def test_a_discarded_token_is_gone_at_once() -> None:
    machine = TokenMachine(TokenPolicy())
    machine.renewal_started()
    machine.granted(0, 100, 100)
    machine.discarded()
    assert machine.state is TokenState.NO_TOKEN and not machine.usable(1) and machine.refresh_at == math.inf


@pytest.mark.parametrize(
    ("status", "body", "refused", "error"),
    [
        (200, b'{"access_token": "a", "expires_in": "soon"}', False, "unusable"),
        (200, b'{"access_token": "a", "expires_in": true}', False, "unusable"),
        (200, b'{"access_token": "a", "expires_in": -5}', False, "unusable"),
        (200, b'{"expires_in": 60}', False, "unusable"),
        (200, b"<html>", False, "unusable"),
        (500, b"oops", False, "http_500"),
        (503, b'{"error": "invalid_client"}', False, "invalid_client"),
        (401, b'{"error": "invalid_client"}', True, "invalid_client"),
        (400, b'{"error": "invalid_grant"}', True, "invalid_grant"),
        (429, b'{"error": "slow_down"}', False, "slow_down"),
        (400, b'{"error": "secret-in-here \\u0000"}', False, "http_400"),
    ],
)
def test_unusable_answers_are_typed_errors(status: int, body: bytes, refused: bool, error: str) -> None:
    with pytest.raises(TokenEndpointError) as caught:
        parse_grant(status, body, "password")
    assert (caught.value.refused, caught.value.error) == (refused, error)


def test_a_usable_answer() -> None:
    body = b'{"access_token": "a", "expires_in": "60", "refresh_token": "r", "refresh_expires_in": 1800}'
    granted = parse_grant(200, body, "password")
    assert (granted.access, granted.expires_in, granted.refresh, granted.refresh_expires_in) == (
        "a",
        60,
        "r",
        1800,
    )
