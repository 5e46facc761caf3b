"""The credentials layer's own errors: upstream credentials could not be obtained, or were refused.

Raised by token managers and the forward stage, and turned into problem+json only at the edge
(`gateway/pipeline/handler.py`). Each names the credential set (a config name), says why in
words and never carries a secret.
"""

from __future__ import annotations


class CredentialsError(Exception):
    """No usable upstream credentials for `credential_set`; the message says why."""

    def __init__(self, credential_set: str, message: str) -> None:
        super().__init__(message)
        self.credential_set = credential_set


class CredentialsUnavailable(CredentialsError):
    """The token endpoint is down, slow, erroring or answered unusably and no valid token is left:
    503 upstream-auth-unavailable, with `retry_after` whole seconds."""

    def __init__(self, credential_set: str, message: str, retry_after: int = 1) -> None:
        super().__init__(credential_set, message)
        self.retry_after = retry_after


class CredentialsRefused(CredentialsError):
    """The token endpoint refused the configured credentials (`invalid_client`, `invalid_grant`
    on a login): 502 upstream-auth-failed until someone fixes the config or the identity provider."""


class TokenRejected(CredentialsError):
    """The upstream answered 401 to a request that cannot be replayed (a streamed upload); the
    token was discarded and renewed, so sending it again works: 503 with Retry-After."""
