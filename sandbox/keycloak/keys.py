"""A realm's RS256 signing key: the key pair, its key id, JWT signing and the published JWK.

The key id is the RFC 7638 thumbprint, the same shape as Keycloak's key ids; the JWK carries the
self-signed certificate and its thumbprints, as Keycloak's certs endpoint does.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from typing import Any, Final

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from sandbox.keycloak.certificate import self_signed_certificate

ALGORITHM: Final = "RS256"


def generate_signing_key() -> rsa.RSAPrivateKey:
    """A fresh 2048-bit RSA key, as Keycloak generates for a new realm."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def b64url(data: bytes) -> str:
    """Unpadded base64url, as JOSE writes binary values."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_uint(value: int) -> str:
    return b64url(value.to_bytes(max(1, (value.bit_length() + 7) // 8), "big"))


class SigningKey:
    """One RS256 key pair (a fresh one when ``private_key`` is None) named for ``realm_name``."""

    def __init__(self, private_key: rsa.RSAPrivateKey | None, realm_name: str) -> None:
        self.private_key = private_key if private_key is not None else generate_signing_key()
        if self.private_key.key_size < 2048:
            raise ValueError("RS256 signing keys must be at least 2048 bits")
        self.public_key = self.private_key.public_key()
        numbers = self.public_key.public_numbers()
        n, e = _b64url_uint(numbers.n), _b64url_uint(numbers.e)
        canonical = json.dumps({"e": e, "kty": "RSA", "n": n}, separators=(",", ":"), sort_keys=True)
        self.kid = b64url(hashlib.sha256(canonical.encode()).digest())
        cert_der = self_signed_certificate(self.private_key, realm_name)
        self._jwk = {
            "kid": self.kid,
            "kty": "RSA",
            "alg": ALGORITHM,
            "use": "sig",
            "n": n,
            "e": e,
            "x5c": [base64.b64encode(cert_der).decode("ascii")],
            # x5t is defined as the SHA-1 certificate thumbprint (RFC 7517 4.8).
            "x5t": b64url(hashlib.sha1(cert_der).digest()),
            "x5t#S256": b64url(hashlib.sha256(cert_der).digest()),
        }

    def sign(self, claims: Mapping[str, Any]) -> str:
        return jwt.encode(dict(claims), self.private_key, algorithm=ALGORITHM, headers={"kid": self.kid})

    def public_key_pem(self) -> str:
        return self.public_key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode("ascii")

    def jwk(self) -> dict[str, Any]:
        return dict(self._jwk)
