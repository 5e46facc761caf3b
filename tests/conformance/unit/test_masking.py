"""Secrets never reach the terminal or a report."""

from __future__ import annotations

from conformance.masking import MASK, Masker


def test_known_secrets_are_masked_anywhere() -> None:
    masker = Masker(["s3cret", "s3cret-longer"])
    assert masker("a s3cret-longer and a s3cret") == f"a {MASK} and a {MASK}"


def test_credential_headers_are_masked_whoever_owns_them() -> None:
    curl = (
        "curl -X POST -H 'Authorization: Bearer eyJ.abc' -H 'X-Gateway-Key: team-key' "
        "-H 'Content-Type: application/json' -d '{}' http://h/v1/api/workspaces/list"
    )
    masked = Masker()(curl)
    assert "eyJ" not in masked and "team-key" not in masked
    assert f"'Authorization: {MASK}'" in masked and "'Content-Type: application/json'" in masked
    assert Masker()("-H 'Authorization: [Filtered]'") == f"-H 'Authorization: {MASK}'"


def test_secret_looking_json_members_are_masked() -> None:
    body = '{"email": "a@b.c", "password": "hunter2", "api_key": 42, "access_token": "x\\"y", "name": "n"}'
    masked = Masker()(body)
    assert "hunter2" not in masked and "42" not in masked and 'x\\"y' not in masked
    assert '"email": "a@b.c"' in masked and '"name": "n"' in masked
    assert f'"password": "{MASK}"' in masked and f'"api_key": {MASK}' in masked
