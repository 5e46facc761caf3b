"""Tokens sealed for a shared store: AES-256-GCM ciphertext plus a keyed fingerprint of the access token.

A sealed value is `VERSION | fingerprint (16 bytes) | nonce (12 bytes) | ciphertext+tag`. The
fingerprint (HMAC-SHA256 of the access token, truncated) lets the store compare tokens without
decrypting them (a compare-and-delete in Lua); the credential set's name is the associated data,
so a value copied under another set's key does not open. Encryption and fingerprint keys are
derived from the configured key with HKDF, so one secret serves both without being reused as is.
A value that does not open (another key, tampered, another format) is None, never an exception.
"""

from __future__ import annotations

import hashlib
import hmac
import os

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from gateway.credentials.store import StoredToken

VERSION = b"\x01"
FINGERPRINT_BYTES = 16
NONCE_BYTES = 12


def _derive(key: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"mlops-gateway " + purpose).derive(key)


def _associated(credential_set: str, head: bytes) -> bytes:
    return credential_set.encode() + b"\x00" + head


class TokenSeal:
    """Seals and opens `StoredToken`s with one 32-byte key."""

    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise ValueError("the token store key must be 32 bytes")
        self._aead = AESGCM(_derive(key, b"token encryption"))
        self._mac_key = _derive(key, b"token fingerprint")

    def fingerprint(self, access: str) -> bytes:
        """The prefix a sealed value of this access token starts with (version and fingerprint)."""
        digest = hmac.new(self._mac_key, access.encode(), hashlib.sha256).digest()
        return VERSION + digest[:FINGERPRINT_BYTES]

    def seal(self, credential_set: str, token: StoredToken) -> bytes:
        plain = orjson.dumps(
            {
                "access": token.access,
                "expires_at": token.expires_at,
                "refresh": token.refresh,
                "refresh_expires_at": token.refresh_expires_at,
                "issued_at": token.issued_at,
            }
        )
        head, nonce = self.fingerprint(token.access), os.urandom(NONCE_BYTES)
        return head + nonce + self._aead.encrypt(nonce, plain, _associated(credential_set, head))

    def open(self, credential_set: str, value: bytes) -> StoredToken | None:
        """The token sealed in `value`, or None when it does not open with this key and set."""
        head = len(VERSION) + FINGERPRINT_BYTES
        if not value.startswith(VERSION) or len(value) < head + NONCE_BYTES + 16:
            return None
        nonce, sealed = value[head : head + NONCE_BYTES], value[head + NONCE_BYTES :]
        try:
            data = orjson.loads(self._aead.decrypt(nonce, sealed, _associated(credential_set, value[:head])))
            return StoredToken(
                access=str(data["access"]),
                expires_at=float(data["expires_at"]),
                refresh=None if data["refresh"] is None else str(data["refresh"]),
                refresh_expires_at=float(data["refresh_expires_at"]),
                issued_at=float(data["issued_at"]),
            )
        except (InvalidTag, orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            return None
