"""Gateway keys: a team key names its team; an admin key names no team (it reads the whole drift
report and nothing else) but is a gateway key all the same, so it is never forwarded upstream."""

from __future__ import annotations

from gateway.config import TeamConfig
from gateway.credentials.inbound import KeyRing

TEAM_KEY = "team-key-0123456789abcdef"
ADMIN_KEY = "admin-key-0123456789abcdef"


def test_admin_keys_read_the_report_are_never_forwarded_and_are_no_team() -> None:
    ring = KeyRing([TeamConfig("alpha", (TEAM_KEY,))], admin_keys=[ADMIN_KEY])
    assert ring.is_admin({"Authorization": f"Bearer {ADMIN_KEY}"})
    assert ring.is_admin({"X-Gateway-Key": ADMIN_KEY})
    assert ring.identify({"Authorization": f"Bearer {ADMIN_KEY}"}) is None
    assert ring.is_gateway_key(ADMIN_KEY) and ring.is_gateway_key(f" {TEAM_KEY} ")
    assert not ring.is_admin({"Authorization": f"Bearer {TEAM_KEY}"}) and not ring.is_admin({})
    assert not ring.is_gateway_key("someone-elses-token") and not ring.is_gateway_key(None)
