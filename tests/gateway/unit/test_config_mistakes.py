"""Config mistakes that used to be accepted silently are refused with the key and the reason."""

from __future__ import annotations

from ipaddress import ip_network
from pathlib import Path

import pytest

from gateway.config import ConfigError, load_config, parse_config

KEY = "team-key-0123456789abcdef"


def _raw(**upstream: object) -> dict[str, object]:
    return {
        "upstreams": [
            {"name": "w", "base_url": "http://127.0.0.1:9000", "paths": ["/v1/", "/v2/api/"], **upstream}
        ],
        "teams": [{"name": "t", "keys": [KEY]}],
    }


def _error(raw: object) -> ConfigError:
    with pytest.raises(ConfigError) as error:
        parse_config(raw, {})
    return error.value


def test_an_unquoted_numeric_password_is_refused_not_read_as_octal(tmp_path: Path) -> None:
    path = tmp_path / "gateway.yaml"
    path.write_text(
        "upstreams:\n"
        "  - {name: w, base_url: 'http://127.0.0.1:9', paths: ['/v1/', '/v2/api/'],\n"
        "     auth: {mode: keycloak, token_url: 'http://127.0.0.1:9/t', client_id: c,\n"
        "            username: u, password: 0123}}\n"
    )
    with pytest.raises(ConfigError) as error:
        load_config(path, environ={})
    assert error.value.key == "upstreams[0].auth.password" and "quote it" in error.value.reason
    path.write_text(path.read_text().replace("password: 0123", "password: '0123'"))
    assert load_config(path, environ={}).upstreams[0].auth.password == "0123"


@pytest.mark.parametrize("size", ["0", "0KiB", " 0 ", "0.0MiB"])
def test_a_zero_size_is_refused_as_a_string_too(size: str) -> None:
    error = _error({**_raw(), "validation": {"max_response_bytes": size}})
    assert error.key == "validation.max_response_bytes" and "positive" in error.reason


def test_two_upstreams_claiming_one_prefix_are_refused() -> None:
    raw = _raw()
    raw["upstreams"] = [
        *raw["upstreams"],  # type: ignore[list-item]
        {"name": "x", "base_url": "http://127.0.0.1:9001", "paths": ["/v2/api/"]},
    ]
    error = _error(raw)
    assert error.key == "upstreams" and "'w' and 'x' both claim the paths '/v2/api/'" in error.reason


def test_a_base_path_is_kept_and_query_fragment_or_user_refused() -> None:
    assert parse_config(_raw(base_url="https://h.example/mlops/"), {}).upstreams[0].base_url == (
        "https://h.example/mlops"
    )
    for bad in ("https://h.example/?x=1", "https://h.example/#f", "https://user:pw@h.example"):
        error = _error(_raw(base_url=bad))
        assert error.key == "upstreams[0].base_url" and "pw" not in str(error)


def test_trusted_proxies_are_networks() -> None:
    config = parse_config({**_raw(), "listen": {"trusted_proxies": ["10.0.0.0/8", "::1", "192.168.1.7"]}}, {})
    assert config.trusted_proxies == (ip_network("10.0.0.0/8"), ip_network("::1"), ip_network("192.168.1.7"))
    error = _error({**_raw(), "listen": {"trusted_proxies": ["10.0.0.0/33"]}})
    assert error.key == "listen.trusted_proxies[0]"
