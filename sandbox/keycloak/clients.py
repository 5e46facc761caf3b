"""A realm's OAuth clients: confidential ones (with a secret) and public ones (without), and
the service account each confidential client's client_credentials tokens are issued to."""

from __future__ import annotations

import hmac
import uuid
from collections.abc import Mapping
from typing import Final
from urllib.parse import unquote_plus

from sandbox.keycloak.errors import OAuthError

DEFAULT_CLIENT_ID: Final = "api-client"
DEFAULT_CLIENT_SECRET: Final = "sandbox-api-client-secret"
DEFAULT_PUBLIC_CLIENT_ID: Final = "sdk-client"
_BAD_CREDENTIALS: Final = "Invalid client or Invalid client credentials"


def _secret_matches(expected: str, given: str) -> bool:
    if hmac.compare_digest(expected.encode(), given.encode()):
        return True
    # RFC 6749 2.3.1: Basic credentials are form-urlencoded before base64.
    return hmac.compare_digest(expected.encode(), unquote_plus(given).encode())


class ClientRegistry:
    """Client ids and secrets; None for ``confidential`` means the one default client."""

    def __init__(self, confidential: Mapping[str, str] | None = None) -> None:
        self.confidential = (
            dict(confidential) if confidential is not None else {DEFAULT_CLIENT_ID: DEFAULT_CLIENT_SECRET}
        )
        self.public = {DEFAULT_PUBLIC_CLIENT_ID}
        self._service_accounts: dict[str, str] = {}

    def knows(self, client_id: str) -> bool:
        return client_id in self.confidential or client_id in self.public

    def is_public(self, client_id: str) -> bool:
        return client_id in self.public

    def authenticate(self, client_id: str, secret: str, *, basic: bool) -> str:
        """``client_id`` if it is public or ``secret`` is its secret; else invalid_client (401)."""
        if client_id in self.public:
            return client_id
        expected = self.confidential.get(client_id)
        if expected is not None and not secret:
            raise OAuthError(401, "invalid_client", "Client secret not provided in request", basic=basic)
        if expected is None or not _secret_matches(expected, secret):
            raise OAuthError(401, "invalid_client", _BAD_CREDENTIALS, basic=basic)
        return client_id

    def service_account_id(self, client_id: str) -> str:
        """The stable user id of a confidential client's service account."""
        return self._service_accounts.setdefault(client_id, str(uuid.uuid4()))
