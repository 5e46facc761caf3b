"""Config loading: interpolation, defaults, and errors that name the key and the reason."""

from __future__ import annotations

import pytest
import uvloop

from gateway.cli import main
from gateway.config import (
    AuthMode,
    ConfigError,
    DirectionPolicy,
    EventLoop,
    Policy,
    Unlisted,
    load_config,
    parse_config,
)
from gateway.event_loop import loop_factory
from tests.support import ROOT

EXAMPLE = ROOT / "deploy" / "gateway.example.yaml"
MINIMAL = {
    "upstreams": [{"name": "w", "base_url": "http://127.0.0.1:9000", "paths": ["/v1/", "/v2/api/"]}],
    "teams": [{"name": "t", "keys": ["${TEAM_KEY}"]}],
}


# what the example config needs from the environment: every secret, no working default
EXAMPLE_ENV = {
    "WALLAROO_CLIENT_SECRET": "client-secret",
    "WALLAROO_USER": "svc@example.com",
    "WALLAROO_PASSWORD": "password",
    "OPENLAYER_API_KEY": "ol-key",
    "FRAUD_TEAM_KEY": "fraud-team-key-0123456789",
    "PRICING_TEAM_KEY": "pricing-team-key-0123456789",
    "PRICING_WALLAROO_CLIENT_SECRET": "pricing-client-secret",
    "DRIFT_ADMIN_KEY": "drift-admin-key-0123456789",
}


def test_example_config_loads_with_its_defaults() -> None:
    config = load_config(EXAMPLE, environ=EXAMPLE_ENV)
    assert [u.name for u in config.upstreams] == ["wallaroo", "openlayer"]
    assert config.host == "127.0.0.1" and config.upstreams[0].auth.mode == "keycloak"
    assert config.upstreams[0].base_url == "https://api.example.wallaroo.ai"
    assert config.validation.for_operation("assays_get_baseline").response == "off"
    assert config.validation.for_operation("workspaces_list").response == "report"
    assert config.validation.max_response_bytes == 4 * 2**20
    assert config.limits.max_upload_bytes == 16 * 2**30
    assert config.admin_keys == ("drift-admin-key-0123456789",)
    assert "drift-admin-key" not in repr(config)


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
        (
            {"upstreams": [{"name": "w", "base_url": "http://x", "paths": ["/"], "unlisted": "allow"}]},
            "upstreams[0].unlisted",
            "reject, forward",
        ),
        ({"validation": {"max_response_bytes": "lots"}}, "validation.max_response_bytes", "size"),
        ({"listen": {"port": 70000}}, "listen.port", "0 to 65535"),
        ({"listen": {"hots": "x"}}, "listen.hots", "unknown key"),
        ({"teams": [{"name": "t", "keys": ["short"]}]}, "teams[0].keys", "16 or more"),
        ({"teams": [{"name": "bad name!", "keys": ["k" * 20]}]}, "teams[0].name", "metric label"),
        ({"admin": {"keys": ["short"]}}, "admin.keys", "16 or more"),
        ({"admin": {"keys": "a" * 20}}, "admin.keys", "must be a list"),
        ({"admin": {"key": ["a" * 20]}}, "admin.key", "unknown key"),
        ({"admin": {"keys": ["${TEAM_KEY}"]}}, "admin.keys", "must not also be a team's"),
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


@pytest.mark.parametrize("missing", sorted(EXAMPLE_ENV))
def test_example_config_ships_no_secret_or_key(missing: str) -> None:
    with pytest.raises(ConfigError) as error:
        load_config(EXAMPLE, environ={k: v for k, v in EXAMPLE_ENV.items() if k != missing})
    assert missing in error.value.reason


def test_spec_check_accepts_the_spec_and_the_example_config(capsys, monkeypatch, contract) -> None:
    for name, value in EXAMPLE_ENV.items():
        monkeypatch.setenv(name, value)
    assert main(["spec-check", "--config", str(EXAMPLE)]) == 0
    out = capsys.readouterr().out
    count = len(contract.operations)
    assert f"{count} operations compiled" in out
    assert f"{count} operations routed to wallaroo, openlayer" in out


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


# -- edge cases ----------------------------------------------------------------------------------

ENV = {"TEAM_KEY": "k" * 20}


def _with_upstream(**changes: object) -> dict:
    return {**MINIMAL, "upstreams": [{**MINIMAL["upstreams"][0], **changes}]}


def _error(raw: dict, environ: dict[str, str] | None = None) -> ConfigError:
    with pytest.raises(ConfigError) as error:
        parse_config(raw, ENV if environ is None else environ)
    return error.value


def test_interpolation_uses_defaults_when_the_variable_is_unset_or_empty() -> None:
    raw = {
        **_with_upstream(base_url="http://${UP_HOST:-127.0.0.1}:${UP_PORT:-9000}"),
        "listen": {"port": "${PORT:-8081}"},
        "log_level": "${LEVEL:-}debug",
    }
    config = parse_config(raw, ENV)
    assert config.upstreams[0].base_url == "http://127.0.0.1:9000"
    assert config.port == 8081 and config.log_level == "DEBUG"
    config = parse_config(raw, {**ENV, "UP_HOST": "10.0.0.5", "UP_PORT": "", "PORT": "9999"})
    assert config.upstreams[0].base_url == "http://10.0.0.5:9000"  # ${X:-d}: empty is unset, as in the shell
    assert config.port == 9999
    with pytest.raises(ConfigError) as error:  # without a default, empty is a value
        parse_config({**raw, "listen": {"port": "${PORT}"}}, {**ENV, "PORT": ""})
    assert error.value.key == "listen.port"


def test_interpolation_leaves_other_text_and_non_strings_alone() -> None:
    raw = {**_with_upstream(max_connections=7), "teams": [{"name": "t", "keys": ["$TEAM_KEY-literal-xx"]}]}
    config = parse_config(raw, {"TEAM_KEY": "unused"})
    assert config.teams[0].keys == ("$TEAM_KEY-literal-xx",)
    assert config.upstreams[0].max_connections == 7


def test_a_missing_variable_in_a_nested_mapping_names_its_full_key_and_not_other_values() -> None:
    raw = _with_upstream(auth={"mode": "static", "token": "Bearer ${UPSTREAM_TOKEN}"})
    error = _error(raw, {"TEAM_KEY": "team-secret-value-123"})
    assert error.key == "upstreams[0].auth.token"
    assert "UPSTREAM_TOKEN" in error.reason and "not set" in error.reason
    assert "team-secret-value-123" not in str(error)


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ({**MINIMAL, "listner": {}}, "listner"),
        (_with_upstream(base_uri="http://x"), "upstreams[0].base_uri"),
        (_with_upstream(timeouts={"connect": 1, "idle": 2}), "upstreams[0].timeouts.idle"),
        (_with_upstream(auth={"mode": "none", "secret": "s"}), "upstreams[0].auth.secret"),
        ({**MINIMAL, "teams": [{"name": "t", "keys": ["k" * 20], "quota": 1}]}, "teams[0].quota"),
        (
            {**MINIMAL, "validation": {"overrides": {"op": {"reqest": "off"}}}},
            "validation.overrides.op.reqest",
        ),
        ({**MINIMAL, "limits": {"max_body": 1}}, "limits.max_body"),
    ],
)
def test_unknown_keys_are_named_with_what_is_allowed(raw: dict, key: str) -> None:
    error = _error(raw)
    assert error.key == key
    assert "unknown key" in error.reason and "expected one of" in error.reason


@pytest.mark.parametrize(
    ("value", "size"),
    [
        (1048576, 1048576),
        ("1048576", 1048576),
        ("512KiB", 512 * 1024),
        ("4MiB", 4 * 2**20),
        ("4 mib", 4 * 2**20),
        ("10kb", 10_000),
        ("1.5GB", 1_500_000_000),
        ("2GiB", 2 * 2**30),
        ("100B", 100),
    ],
)
def test_sizes_take_units(value: object, size: int) -> None:
    config = parse_config({**MINIMAL, "limits": {"max_upload_bytes": value}}, ENV)
    assert config.limits.max_upload_bytes == size


@pytest.mark.parametrize("value", [0, -5, True, "4TB", "MiB", "-1KiB", "1,000", 1.5, None])
def test_bad_sizes_are_refused_naming_the_key(value: object) -> None:
    error = _error({**MINIMAL, "limits": {"max_json_body_bytes": value}})
    assert error.key == "limits.max_json_body_bytes" and "size" in error.reason


def test_policies_and_auth_modes_are_enums_and_overrides_inherit_the_defaults() -> None:
    raw = {
        **_with_upstream(auth={"mode": "passthrough"}),
        "validation": {"request": "report", "response": "off", "overrides": {"op": {"response": "enforce"}}},
    }
    config = parse_config(raw, ENV)
    assert config.validation.request is Policy.REPORT and config.validation.response is Policy.OFF
    assert config.validation.for_operation("op") == DirectionPolicy(Policy.REPORT, Policy.ENFORCE)
    assert config.validation.for_operation("other") == DirectionPolicy(Policy.REPORT, Policy.OFF)
    assert config.upstreams[0].auth.mode is AuthMode.PASSTHROUGH
    assert parse_config(MINIMAL, ENV).upstreams[0].auth.mode is AuthMode.NONE


def test_large_answers_have_a_size_and_a_sample_rate_that_overrides_inherit() -> None:
    raw = {
        **MINIMAL,
        "validation": {
            "large_response_bytes": "1MiB",
            "large_response_sample": 0.25,
            "overrides": {"op": {"response": "report"}, "big": {"large_response_sample": 1}},
        },
    }
    validation = parse_config(raw, ENV).validation
    assert validation.large_response_bytes == 2**20
    assert validation.for_operation("op").large_response_sample == 0.25
    assert validation.for_operation("big").large_response_sample == 1.0
    assert validation.for_operation("other").large_response_sample == 0.25
    assert parse_config(MINIMAL, ENV).validation.for_operation("x").large_response_sample == 1.0


@pytest.mark.parametrize("value", [0, -0.5, 1.5, True, "half", None])
def test_a_sample_rate_is_a_fraction_above_zero(value: object) -> None:
    error = _error({**MINIMAL, "validation": {"overrides": {"op": {"large_response_sample": value}}}})
    assert error.key == "validation.overrides.op.large_response_sample" and "fraction" in error.reason


def test_the_event_loop_is_uvloop_where_installed_unless_asked_otherwise() -> None:
    assert parse_config(MINIMAL, ENV).event_loop is EventLoop.AUTO
    assert loop_factory(EventLoop.AUTO) is uvloop.new_event_loop  # a dependency on Linux
    chosen = parse_config({**MINIMAL, "listen": {"event_loop": "asyncio"}}, ENV).event_loop
    assert chosen is EventLoop.ASYNCIO and loop_factory(chosen) is None
    assert _error({**MINIMAL, "listen": {"event_loop": "trio"}}).key == "listen.event_loop"


@pytest.mark.parametrize(
    ("raw", "key", "allowed"),
    [
        ({**MINIMAL, "validation": {"request": "Enforce"}}, "validation.request", "enforce, report, off"),
        (
            {**MINIMAL, "validation": {"overrides": {"op": {"response": "warn"}}}},
            "validation.overrides.op.response",
            "enforce, report, off",
        ),
        (
            _with_upstream(auth={"mode": "oauth"}),
            "upstreams[0].auth.mode",
            "static, keycloak, passthrough, none",
        ),
    ],
)
def test_bad_choices_name_the_allowed_values_and_the_value_given(raw: dict, key: str, allowed: str) -> None:
    error = _error(raw)
    assert error.key == key
    assert allowed in error.reason and "not '" in error.reason


def test_keycloak_password_without_username_is_refused_and_neither_means_client_credentials() -> None:
    keycloak = {"mode": "keycloak", "token_url": "http://kc/token", "client_id": "c"}
    error = _error(_with_upstream(auth={**keycloak, "password": "pw-secret-value"}))
    assert error.key == "upstreams[0].auth" and "both username and password" in error.reason
    assert "pw-secret-value" not in str(error)
    auth = parse_config(_with_upstream(auth=keycloak), ENV).upstreams[0].auth
    assert auth.mode is AuthMode.KEYCLOAK and auth.username is None and auth.password is None


def test_the_same_key_twice_in_one_team_is_refused() -> None:
    error = _error({**MINIMAL, "teams": [{"name": "a", "keys": ["k" * 20, "k" * 20]}]})
    assert error.key == "teams"


def test_distinct_keys_across_teams_are_accepted() -> None:
    teams = [{"name": "a", "keys": ["a" * 20, "b" * 20]}, {"name": "b", "keys": ["c" * 20]}]
    config = parse_config({**MINIMAL, "teams": teams}, {})
    assert [(t.name, len(t.keys)) for t in config.teams] == [("a", 2), ("b", 1)]


@pytest.mark.parametrize("name", ["a", "team.alpha_2-x", "A" * 64])
def test_team_names_of_the_metric_label_charset_are_accepted(name: str) -> None:
    config = parse_config({**MINIMAL, "teams": [{"name": name, "keys": ["k" * 20]}]}, {})
    assert config.teams[0].name == name


@pytest.mark.parametrize("name", ["A" * 65, "équipe", "a b", "a/b", 'a"b', "a\nb", ""])
def test_team_names_outside_the_charset_are_refused(name: str) -> None:
    error = _error({**MINIMAL, "teams": [{"name": name, "keys": ["k" * 20]}]})
    assert error.key == "teams[0].name"


def test_header_timeout_and_connection_cap_are_read_and_checked() -> None:
    env = {"TEAM_KEY": "k" * 20}
    limits = parse_config(
        {**MINIMAL, "limits": {"header_timeout": "0.5", "max_client_connections": 10}}, env
    ).limits
    assert (limits.header_timeout, limits.max_client_connections) == (0.5, 10)
    defaults = parse_config(MINIMAL, env).limits
    assert (defaults.header_timeout, defaults.max_client_connections) == (10.0, 1024)
    for bad in ({"header_timeout": 0}, {"max_client_connections": 0}, {"max_client_connections": "many"}):
        with pytest.raises(ConfigError, match="limits"):
            parse_config({**MINIMAL, "limits": bad}, env)


def test_graphql_limits_are_read_and_checked() -> None:
    env = {"TEAM_KEY": "k" * 20}
    limits = parse_config(
        {**MINIMAL, "limits": {"graphql_max_depth": 8, "graphql_max_root_fields": "4"}}, env
    ).limits
    assert (limits.graphql_max_depth, limits.graphql_max_root_fields) == (8, 4)
    defaults = parse_config(MINIMAL, env).limits
    assert (defaults.graphql_max_depth, defaults.graphql_max_root_fields) == (15, 32)
    for bad in ({"graphql_max_depth": 0}, {"graphql_max_root_fields": True}, {"graphql_max_depth": "deep"}):
        with pytest.raises(ConfigError, match=r"limits\.graphql_max"):
            parse_config({**MINIMAL, "limits": bad}, env)


def test_example_config_names_a_team_credential_set() -> None:
    config = load_config(EXAMPLE, environ=EXAMPLE_ENV)
    assert (
        config.upstreams[0].credential_set == "wallaroo" and config.upstreams[0].auth.exchange_timeout == 10
    )
    assert config.teams[1].credentials == {"wallaroo": "pricing-wallaroo"}
    pricing = config.credentials["pricing-wallaroo"]
    assert pricing.mode is AuthMode.KEYCLOAK and pricing.username is None


KEYCLOAK = {"mode": "keycloak", "token_url": "http://kc/token", "client_id": "c"}


def test_credential_sets_are_referred_to_by_upstreams_and_teams() -> None:
    raw = {
        **_with_upstream(auth={"credentials": "shared"}),
        "credentials": {"shared": KEYCLOAK, "team-t": {**KEYCLOAK, "client_id": "t", "backoff_max": 5}},
        "teams": [{"name": "t", "keys": ["${TEAM_KEY}"], "credentials": {"w": "team-t"}}],
    }
    config = parse_config(raw, ENV)
    assert config.upstreams[0].credential_set == "shared" and config.upstreams[0].auth.client_id == "c"
    assert config.teams[0].credentials == {"w": "team-t"} and config.credentials["team-t"].backoff_max == 5


@pytest.mark.parametrize(
    ("changes", "key", "reason"),
    [
        ({"upstreams": [{**MINIMAL["upstreams"][0], "auth": {"credentials": "nope"}}]},
         "upstreams[0].auth.credentials", "no credential set named 'nope'"),
        ({"upstreams": [{**MINIMAL["upstreams"][0], "auth": {"credentials": "s", "mode": "static"}}]},
         "upstreams[0].auth.mode", "not both"),
        ({"teams": [{"name": "t", "keys": ["${TEAM_KEY}"], "credentials": {"x": "s"}}]},
         "teams[0].credentials.x", "no upstream named 'x'"),
        ({"teams": [{"name": "t", "keys": ["${TEAM_KEY}"], "credentials": {"w": "nope"}}]},
         "teams[0].credentials.w", "no credential set named 'nope'"),
        ({"credentials": {"s": {"mode": "passthrough"}}}, "credentials.s.mode", "keycloak or static"),
        ({"credentials": {"s": {**KEYCLOAK, "exchange_timeout": 0}}},
         "credentials.s.exchange_timeout", "positive"),
        ({"credentials": {"s": {**KEYCLOAK, "backoff_base": 10, "backoff_max": 1}}},
         "credentials.s.backoff_max", "at least backoff_base"),
        ({"credentials": {"w": KEYCLOAK}}, "upstreams[0].auth", "also named 'w'"),
        ({"credentials": {"bad name": KEYCLOAK}}, "credentials.bad name", "letters, digits"),
    ],
)  # fmt: skip
def test_credential_set_mistakes_name_the_key(changes: dict, key: str, reason: str) -> None:
    error = _error({**MINIMAL, "credentials": {"s": KEYCLOAK}, **changes})
    assert error.key == key and reason in error.reason, error


def test_unlisted_defaults_to_reject_and_takes_forward() -> None:
    environ = {"TEAM_KEY": "k" * 20}
    assert parse_config(MINIMAL, environ).upstreams[0].unlisted is Unlisted.REJECT
    forwarding = {**MINIMAL, "upstreams": [{**MINIMAL["upstreams"][0], "unlisted": "forward"}]}
    assert parse_config(forwarding, environ).upstreams[0].unlisted is Unlisted.FORWARD
