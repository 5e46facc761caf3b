"""Options to settings: defaults, secrets from the environment, and refusals that name the fix."""

from __future__ import annotations

import argparse
from typing import Any

import pytest

from conformance.errors import UsageProblem
from conformance.options import add_options, settings_from
from conformance.settings import DEFAULT_MAX_EXAMPLES, ConformanceSettings

A = "--base-url=http://a"


def parse(*argv: str, env: dict[str, str] | None = None) -> ConformanceSettings:
    parser = argparse.ArgumentParser()
    add_options(parser.add_argument)
    values: dict[str, Any] = vars(parser.parse_args(list(argv)))
    return settings_from(values, env or {})


def test_defaults_are_read_only_and_small() -> None:
    settings = parse("--base-url", "http://up:8000/", "--token", "t")
    assert settings.base_url == "http://up:8000"
    assert settings.filters.allow_writes is False and settings.limits.stateful is False
    assert settings.limits.max_examples == DEFAULT_MAX_EXAMPLES and settings.limits.workers == 1
    assert settings.outputs.dry_run is False and settings.outputs.junit_xml is None


def test_secrets_come_from_the_environment_when_not_given() -> None:
    env = {
        "MLOPS_CONFORMANCE_BASE_URL": "https://api.example",
        "MLOPS_CONFORMANCE_TOKEN_URL": "https://kc.example/token",
        "MLOPS_CONFORMANCE_CLIENT_ID": "api-client",
        "MLOPS_CONFORMANCE_CLIENT_SECRET": "cs",
        "MLOPS_CONFORMANCE_API_KEY": "ol",
    }
    settings = parse(env=env)
    credentials = settings.credentials
    assert settings.base_url == "https://api.example" and credentials.token_url == "https://kc.example/token"
    assert credentials.client_secret == "cs" and credentials.api_key == "ol"
    assert credentials.username is None  # client-credentials grant
    assert set(credentials.secrets) == {"cs", "ol"}
    assert "cs" not in repr(credentials)


def test_the_command_line_wins_over_the_environment() -> None:
    settings = parse(A, "--token", "cli", env={"MLOPS_CONFORMANCE_TOKEN": "env"})
    assert settings.credentials.token == "cli"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([A, "--token", "t", "--token-url", "http://k"], "either --token or --token-url"),
        ([A, "--token-url", "http://k", "--client-id", "c", "--username", "u"], "both"),
        ([A, "--username", "u"], "need --token-url"),
        ([A, "--gateway-key", "k"], "only makes sense with --via-gateway"),
        ([A, "--via-gateway", "--gateway-key", "k", "--token", "t"], "drop --token"),
        ([A, "--token", "t", "--max-examples", "0"], "--max-examples must be at least 1"),
        ([A, "--token", "t", "--request-timeout", "0"], "--request-timeout must be"),
    ],
)
def test_inconsistent_options_are_refused(argv: list[str], message: str) -> None:
    with pytest.raises(UsageProblem, match=message):
        parse(*argv)
