"""Config loading: interpolation, defaults, and errors that name the key and the reason."""

from __future__ import annotations

import pytest

from gateway.cli import main
from gateway.config import ConfigError, load_config, parse_config
from tests.support import ROOT

EXAMPLE = ROOT / "deploy" / "gateway.example.yaml"
MINIMAL = {
    "upstreams": [
        {"name": "w", "base_url": "http://127.0.0.1:9000", "paths": ["/v1/api/", "/v2/api/", "/v1/tests/"]}
    ],
    "teams": [{"name": "t", "keys": ["${TEAM_KEY}"]}],
}


def test_example_config_loads_with_its_defaults() -> None:
    config = load_config(EXAMPLE, environ={})
    assert [u.name for u in config.upstreams] == ["wallaroo", "openlayer"]
    assert config.upstreams[0].base_url == "https://api.example.wallaroo.ai"
    assert config.validation.for_operation("assays_get_baseline").response == "off"
    assert config.validation.for_operation("workspaces_list").response == "report"
    assert config.validation.max_response_bytes == 4 * 2**20
    assert config.limits.max_upload_bytes == 16 * 2**30


def test_environment_variables_are_interpolated() -> None:
    config = parse_config(MINIMAL, {"TEAM_KEY": "k" * 20})
    assert config.teams[0].keys == ("k" * 20,)


def test_missing_environment_variable_names_the_key_not_the_value() -> None:
    with pytest.raises(ConfigError) as error:
        parse_config(MINIMAL, {})
    assert error.value.key == "teams[0].keys[0]" and "TEAM_KEY" in str(error.value)


@pytest.mark.parametrize(
    ("change", "key", "reason"),
    [
        (
            {"upstreams": [{"name": "w", "base_url": "ftp://x", "paths": ["/"]}]},
            "upstreams[0].base_url",
            "http",
        ),
        (
            {"upstreams": [{"name": "w", "base_url": "http://x", "paths": ["v1"]}]},
            "upstreams[0].paths",
            "'/'",
        ),
        ({"upstreams": [{"base_url": "http://x", "paths": ["/"]}]}, "upstreams[0].name", "required"),
        ({"validation": {"response": "strict"}}, "validation.response", "enforce, report, off"),
        ({"validation": {"max_response_bytes": "lots"}}, "validation.max_response_bytes", "size"),
        ({"listen": {"port": 70000}}, "listen.port", "0 to 65535"),
        ({"listen": {"hots": "x"}}, "listen.hots", "unknown key"),
        ({"teams": [{"name": "t", "keys": ["short"]}]}, "teams[0].keys", "16 or more"),
        ({"teams": [{"name": "bad name!", "keys": ["k" * 20]}]}, "teams[0].name", "metric label"),
        (
            {
                "upstreams": [
                    {"name": "w", "base_url": "http://x", "paths": ["/"], "auth": {"mode": "static"}}
                ]
            },
            "upstreams[0].auth.token",
            "static token",
        ),
    ],
)
def test_bad_values_name_the_key_and_the_reason(change: dict, key: str, reason: str) -> None:
    with pytest.raises(ConfigError) as error:
        parse_config({**MINIMAL, **change}, {"TEAM_KEY": "k" * 20})
    assert error.value.key == key
    assert reason in error.value.reason


def test_keycloak_login_needs_token_url_client_and_a_whole_user() -> None:
    def upstream(auth: dict) -> dict:
        return {**MINIMAL, "upstreams": [{**MINIMAL["upstreams"][0], "auth": auth}]}

    config = parse_config(
        upstream({"mode": "keycloak", "token_url": "http://kc/token", "client_id": "api-client",
                  "client_secret": "cs-secret-value", "username": "u", "password": "pw-secret-value"}),
        {"TEAM_KEY": "k" * 20},
    )  # fmt: skip
    assert config.upstreams[0].auth.username == "u"
    assert "secret-value" not in repr(config.upstreams[0].auth)
    with pytest.raises(ConfigError) as error:
        parse_config(upstream({"mode": "keycloak", "client_id": "c"}), {"TEAM_KEY": "k" * 20})
    assert error.value.key == "upstreams[0].auth.token_url"
    with pytest.raises(ConfigError, match="both username and password"):
        parse_config(
            upstream({"mode": "keycloak", "token_url": "http://kc", "client_id": "c", "username": "u"}),
            {"TEAM_KEY": "k" * 20},
        )


def test_same_key_for_two_teams_is_refused() -> None:
    teams = [{"name": "a", "keys": ["k" * 20]}, {"name": "b", "keys": ["k" * 20]}]
    with pytest.raises(ConfigError, match="more than one team"):
        parse_config({**MINIMAL, "teams": teams}, {})


def test_spec_check_accepts_the_spec_and_the_example_config(capsys) -> None:
    assert main(["spec-check", "--config", str(EXAMPLE)]) == 0
    out = capsys.readouterr().out
    assert "37 operations compiled" in out and "37 operations routed to wallaroo, openlayer" in out


def test_spec_check_fails_readably_on_a_broken_spec(tmp_path, capsys) -> None:
    broken = tmp_path / "openapi.yaml"
    broken.write_text("openapi: 3.1.0\ninfo: {title: x}\npaths: {}\n")
    assert main(["spec-check", "--spec", str(broken)]) == 1
    assert "not a valid OpenAPI document" in capsys.readouterr().err


def test_spec_check_fails_when_an_operation_has_no_upstream(tmp_path, capsys) -> None:
    config = tmp_path / "gateway.yaml"
    config.write_text(
        "upstreams: [{name: w, base_url: 'http://127.0.0.1:1', paths: ['/v1/api/']}]\n"
        "teams: [{name: t, keys: ['kkkkkkkkkkkkkkkkkkkk']}]\n"
    )
    assert main(["spec-check", "--config", str(config)]) == 1
    assert "no upstream's paths cover /v2/api/" in capsys.readouterr().err
