"""How the Keycloak stand-in says no.

`InvalidToken` is a bearer or refresh token that failed verification (the MLOps and Openlayer
stand-ins answer it 401 with `www_authenticate`); `OAuthError` is a refused token request, which
the token endpoint answers as RFC 6749's `{"error", "error_description"}`.
"""

from __future__ import annotations

from typing import Final


class InvalidToken(Exception):
    """A bearer/refresh token failed verification.

    ``reason`` is one of the ``REASON_*`` constants below, ``detail`` is a human readable
    explanation suitable for an ``error_description``.
    """

    REASON_MALFORMED: Final = "malformed"
    REASON_BAD_SIGNATURE: Final = "bad_signature"
    REASON_EXPIRED: Final = "expired"
    REASON_NOT_YET_VALID: Final = "not_yet_valid"
    REASON_WRONG_ISSUER: Final = "wrong_issuer"
    REASON_WRONG_TYPE: Final = "wrong_type"
    REASON_MISSING_CLAIM: Final = "missing_claim"

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail

    def www_authenticate(self, realm: str = "master") -> str:
        """A RFC 6750 ``WWW-Authenticate`` value for a 401 answering this failure."""
        detail = self.detail.replace("\\", "\\\\").replace('"', '\\"')
        return f'Bearer realm="{realm}", error="invalid_token", error_description="{detail}"'


class OAuthError(Exception):
    """A refused token request: HTTP status, OAuth ``error`` code and description.

    ``basic`` says the client authenticated with HTTP Basic, so a 401 carries a Basic challenge.
    """

    def __init__(self, status: int, error: str, description: str, *, basic: bool = False) -> None:
        super().__init__(description)
        self.status = status
        self.error = error
        self.description = description
        self.basic = basic
