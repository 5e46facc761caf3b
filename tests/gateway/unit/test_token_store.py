"""`token_store` in the config, the factory, and sealing tokens (no Redis needed)."""

from __future__ import annotations

import base64
import os
import time

import pytest

from gateway.config import ConfigError, RedisStoreConfig, parse_config
from gateway.credentials.redis_store import RedisStore, token_store_for
from gateway.credentials.sealing import TokenSeal
from gateway.credentials.store import MemoryStore, StoredToken

KEY = os.urandom(32)
B64_KEY = base64.b64encode(KEY).decode()
MINIMAL = {
    "upstreams": [{"name": "w", "base_url": "http://127.0.0.1:9000", "paths": ["/v1/"]}],
    "teams": [{"name": "t", "keys": ["team-key-0123456789abcdef"]}],
}


def _parse(token_store: object, environ: dict[str, str] | None = None) -> RedisStoreConfig | None:
    return parse_config({**MINIMAL, "token_store": token_store}, environ or {}).token_store


def _error(token_store: object) -> ConfigError:
    with pytest.raises(ConfigError) as error:
        _parse(token_store)
    return error.value


def test_memory_is_the_default_and_gives_a_memory_store() -> None:
    assert parse_config(MINIMAL, {}).token_store is None
    assert _parse("memory") is None
    store = token_store_for(None)
    assert isinstance(store, MemoryStore) and not store.shared


async def test_a_redis_mapping_is_read_with_its_key_from_the_environment() -> None:
    config = _parse(
        {"url": "redis://127.0.0.1:6379/2", "key": "${TOKEN_STORE_KEY}"}, {"TOKEN_STORE_KEY": B64_KEY}
    )
    assert config == RedisStoreConfig(url="redis://127.0.0.1:6379/2", key=KEY)
    assert B64_KEY not in repr(config) and "6379" not in repr(config)
    url_safe = base64.urlsafe_b64encode(KEY).decode().rstrip("=")
    assert (_parse({"url": "rediss://h:6380", "key": url_safe, "lock_ttl": 5}) or config).key == KEY
    store = token_store_for(config)
    assert isinstance(store, RedisStore) and not store.shared  # not reached yet
    await store.close()


@pytest.mark.parametrize(
    ("token_store", "key", "words"),
    [
        ("redis", "token_store", "must be `memory` or a mapping"),
        ({"key": B64_KEY}, "token_store.url", "is required"),
        ({"url": "http://h:6379", "key": B64_KEY}, "token_store.url", "redis://"),
        ({"url": "redis://h"}, "token_store.key", "is required"),
        ({"url": "redis://h", "key": "not base64!"}, "token_store.key", "is not base64"),
        ({"url": "redis://h", "key": base64.b64encode(b"x" * 16).decode()}, "token_store.key", "16 bytes"),
        ({"url": "redis://h", "key": B64_KEY, "ttl": 3}, "token_store.ttl", "unknown key"),
        ({"url": "redis://h", "key": B64_KEY, "lock_ttl": 1, "timeout": 1}, "token_store.lock_ttl", "three"),
    ],
)
def test_a_bad_token_store_names_the_key_and_never_echoes_secrets(
    token_store: object, key: str, words: str
) -> None:
    error = _error(token_store)
    assert error.key == key and words in error.reason
    assert B64_KEY not in str(error) and "not base64!" not in str(error)


def test_a_url_with_a_password_is_not_echoed() -> None:
    error = _error({"url": "http://:hunter2@h:6379", "key": B64_KEY})
    assert "hunter2" not in str(error)


def _token() -> StoredToken:
    now = time.time()
    return StoredToken("access-secret", now + 60, "refresh-secret", now + 120, issued_at=now)


def test_a_sealed_token_opens_only_with_its_key_and_credential_set() -> None:
    seal, token = TokenSeal(KEY), _token()
    sealed = seal.seal("wallaroo", token)
    assert b"secret" not in sealed
    assert seal.open("wallaroo", sealed) == token
    assert seal.seal("wallaroo", token) != sealed  # a fresh nonce each time
    assert sealed.startswith(seal.fingerprint("access-secret"))
    assert not sealed.startswith(seal.fingerprint("another-access"))
    assert TokenSeal(os.urandom(32)).open("wallaroo", sealed) is None
    assert seal.open("openlayer", sealed) is None
    tampered = bytearray(sealed)
    tampered[5] ^= 1  # the fingerprint is authenticated too
    assert seal.open("wallaroo", bytes(tampered)) is None
    assert seal.open("wallaroo", b"") is None and seal.open("wallaroo", b"plain text token") is None
