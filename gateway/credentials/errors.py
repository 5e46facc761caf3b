"""The credentials layer's own error: upstream credentials could not be obtained.

Raised by token providers (a refused or unusable token-endpoint exchange) and turned into
problem+json only at the edge. The message says why in words and never carries a secret.
"""

from __future__ import annotations


class CredentialsUnavailable(Exception):
    """The token endpoint refused the grant or did not answer usably; the message says which."""
