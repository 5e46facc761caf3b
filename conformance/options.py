"""The conformance options, declared once and offered twice: to `mlops-gateway conformance`
(argparse) and to `pytest conformance/` (pytest's parser, whose `addoption` takes the same keyword
arguments). `settings_from` turns the parsed values, plus the environment for secrets, into
`ConformanceSettings`, refusing inconsistent combinations with a `UsageProblem`."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from conformance.errors import UsageProblem
from conformance.settings import (
    DEFAULT_MAX_EXAMPLES,
    DEFAULT_MAX_RESPONSE_TIME,
    DEFAULT_REQUEST_TIMEOUT,
    ConformanceSettings,
    Credentials,
    Filters,
    Limits,
    Outputs,
)
from gateway.contract import DEFAULT_SPEC_PATH

ENV_PREFIX = "MLOPS_CONFORMANCE_"
_RATE = re.compile(r"^[1-9][0-9]*/[smhd]$")


@dataclass(frozen=True, slots=True)
class Option:
    """One command-line option. `env` names the variable read when the option is not given;
    `cli_only` options are not offered to pytest (which has its own --junit-xml and reports)."""

    flag: str
    help: str
    type: Callable[[str], Any] | None = str
    default: Any = None
    action: str | None = None
    env: str | None = None
    metavar: str | None = None
    cli_only: bool = False

    @property
    def dest(self) -> str:
        return self.flag.lstrip("-").replace("-", "_")

    def kwargs(self, prefix: str = "") -> dict[str, Any]:
        """Keyword arguments for argparse's `add_argument` and pytest's `addoption` alike."""
        found: dict[str, Any] = {"dest": prefix + self.dest, "help": self.help}
        if self.env:
            found["help"] += f" [env {self.env}]"
        if self.action:
            found["action"] = self.action
        else:
            found["type"] = self.type
        if self.action != "store_true":
            found["metavar"] = self.metavar
        found["default"] = [] if self.action == "append" else self.default
        return found


def _secret(flag: str, what: str) -> Option:
    name = ENV_PREFIX + flag.lstrip("-").replace("-", "_").upper()
    return Option(flag, what, env=name, metavar="VALUE")


OPTIONS: tuple[Option, ...] = (
    Option(
        "--base-url",
        "the upstream to test, e.g. https://api.example.wallaroo.ai",
        env=ENV_PREFIX + "BASE_URL",
        metavar="URL",
    ),
    _secret("--token", "static bearer token for the MLOps API operations"),
    Option(
        "--token-url",
        "token endpoint to log in at (Keycloak); with --client-id/--client-secret "
        "and --username/--password (password grant) or without a user (client credentials)",
        env=ENV_PREFIX + "TOKEN_URL",
        metavar="URL",
    ),
    Option("--client-id", "confidential client for --token-url", env=ENV_PREFIX + "CLIENT_ID", metavar="ID"),
    _secret("--client-secret", "the client's secret (HTTP Basic at the token endpoint)"),
    Option("--username", "user for the password grant", env=ENV_PREFIX + "USERNAME", metavar="USER"),
    _secret("--password", "the user's password"),
    _secret("--api-key", "Openlayer API key for the openlayerApiKey operations"),
    Option(
        "--via-gateway",
        "the base URL is an mlops-gateway: --gateway-key is the bearer of every operation",
        action="store_true",
        default=False,
    ),
    _secret("--gateway-key", "the team's gateway key, with --via-gateway"),
    Option("--include-tag", "only operations with this tag (repeatable)", action="append", metavar="TAG"),
    Option("--exclude-tag", "skip operations with this tag (repeatable)", action="append", metavar="TAG"),
    Option(
        "--include-operation",
        "only operationIds matching this regex (repeatable)",
        action="append",
        metavar="REGEX",
    ),
    Option(
        "--exclude-operation",
        "skip operationIds matching this regex (repeatable)",
        action="append",
        metavar="REGEX",
    ),
    Option(
        "--allow-writes",
        "also run operations the spec marks x-mlops-writes (they create, change or deploy things upstream)",
        action="store_true",
        default=False,
    ),
    Option(
        "--stateful",
        "also follow the spec's OpenAPI links (create -> use -> list ...)",
        action="store_true",
        default=False,
    ),
    Option(
        "--max-examples",
        f"examples per operation and phase (default {DEFAULT_MAX_EXAMPLES})",
        type=int,
        default=DEFAULT_MAX_EXAMPLES,
        metavar="N",
    ),
    Option("--seed", "seed for reproducible generation", type=int, metavar="N"),
    Option("--workers", "operations tested in parallel (default 1)", type=int, default=1, metavar="N"),
    Option("--rate-limit", "at most this many requests, e.g. 100/s or 600/m", metavar="N/UNIT"),
    Option(
        "--request-timeout",
        f"seconds before a request is abandoned (default {DEFAULT_REQUEST_TIMEOUT:g})",
        type=float,
        default=DEFAULT_REQUEST_TIMEOUT,
        metavar="SECONDS",
    ),
    Option(
        "--max-response-time",
        f"an answer slower than this many seconds is a failure (default {DEFAULT_MAX_RESPONSE_TIME:g})",
        type=float,
        default=DEFAULT_MAX_RESPONSE_TIME,
        metavar="SECONDS",
    ),
    Option(
        "--spec",
        "the contract (default: the packaged spec/openapi.yaml)",
        type=Path,
        default=DEFAULT_SPEC_PATH,
        metavar="FILE",
    ),
    Option(
        "--dry-run",
        "list the operations, checks and phases that would run; call nothing",
        action="store_true",
        default=False,
        cli_only=True,
    ),
    Option("--junit-xml", "write a JUnit XML report here", type=Path, metavar="FILE", cli_only=True),
    Option("--report", "write a markdown report here", type=Path, metavar="FILE.md", cli_only=True),
    Option(
        "--report-json",
        "write a machine-readable report here (what --baseline reads)",
        type=Path,
        metavar="FILE.json",
        cli_only=True,
    ),
    Option(
        "--baseline",
        "compare with an earlier --report-json: new, fixed and unchanged failures; exit 1 only on new ones",
        type=Path,
        metavar="PREVIOUS.json",
        cli_only=True,
    ),
)


def add_options(add: Callable[..., Any], *, pytest: bool = False, prefix: str = "") -> None:
    """Declare every option with `add` (argparse's `add_argument` or pytest's `addoption`)."""
    for option in OPTIONS:
        if not (pytest and option.cli_only):
            add(option.flag, **option.kwargs(prefix))


def _value(values: Mapping[str, Any], environ: Mapping[str, str], option: Option) -> Any:
    given = values.get(option.dest)
    if given in (None, "") and option.env:
        return environ.get(option.env) or None
    return given


def settings_from(values: Mapping[str, Any], environ: Mapping[str, str]) -> ConformanceSettings:
    """Settings from parsed option values (keyed by `Option.dest`) and the environment."""
    got = {option.dest: _value(values, environ, option) for option in OPTIONS}
    base_url = _base_url(got["base_url"])
    credentials = _credentials(got)
    limits = Limits(
        max_examples=_at_least(got["max_examples"], 1, "--max-examples"),
        seed=got["seed"],
        workers=_at_least(got["workers"], 1, "--workers"),
        rate_limit=_rate_limit(got["rate_limit"]),
        request_timeout=_positive(got["request_timeout"], "--request-timeout"),
        max_response_time=_positive(got["max_response_time"], "--max-response-time"),
        stateful=bool(got["stateful"]),
    )
    filters = Filters(
        include_tags=tuple(got["include_tag"] or ()),
        exclude_tags=tuple(got["exclude_tag"] or ()),
        include_operations=_regexes(got["include_operation"], "--include-operation"),
        exclude_operations=_regexes(got["exclude_operation"], "--exclude-operation"),
        allow_writes=bool(got["allow_writes"]),
    )
    outputs = Outputs(
        junit_xml=got.get("junit_xml"),
        report=got.get("report"),
        dry_run=bool(got.get("dry_run")),
        report_json=got.get("report_json"),
        baseline=got.get("baseline"),
    )
    return ConformanceSettings(base_url, credentials, filters, limits, outputs, Path(got["spec"]))


def _base_url(value: str | None) -> str:
    if not value:
        raise UsageProblem(f"--base-url is required (or {ENV_PREFIX}BASE_URL)")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UsageProblem(f"--base-url must be an http(s) URL, not {value!r}")
    return value.rstrip("/")


def _credentials(got: Mapping[str, Any]) -> Credentials:
    credentials = Credentials(
        token=got["token"],
        token_url=got["token_url"],
        client_id=got["client_id"],
        client_secret=got["client_secret"],
        username=got["username"],
        password=got["password"],
        api_key=got["api_key"],
        gateway_key=got["gateway_key"],
        via_gateway=bool(got["via_gateway"]),
    )
    if credentials.via_gateway:
        if not credentials.gateway_key:
            raise UsageProblem("--via-gateway needs --gateway-key (the team's gateway key)")
        if credentials.token or credentials.token_url or credentials.api_key:
            raise UsageProblem(
                "--via-gateway sends the gateway key to every operation; drop --token, --token-url, --api-key"
            )
    elif credentials.gateway_key:
        raise UsageProblem("--gateway-key only makes sense with --via-gateway")
    if credentials.token and credentials.token_url:
        raise UsageProblem("give either --token or --token-url, not both")
    if credentials.token_url:
        if not credentials.client_id:
            raise UsageProblem("--token-url needs --client-id")
        if (credentials.username is None) != (credentials.password is None):
            raise UsageProblem("the password grant needs both --username and --password")
    elif credentials.username or credentials.password or credentials.client_id or credentials.client_secret:
        raise UsageProblem("--client-id, --client-secret, --username and --password need --token-url")
    return credentials


def _at_least(value: int, low: int, flag: str) -> int:
    if value < low:
        raise UsageProblem(f"{flag} must be at least {low}, not {value}")
    return value


def _positive(value: float, flag: str) -> float:
    if not value > 0:
        raise UsageProblem(f"{flag} must be a positive number of seconds, not {value}")
    return value


def _rate_limit(value: str | None) -> str | None:
    if value is not None and not _RATE.match(value):
        raise UsageProblem(f"--rate-limit must look like 100/s (per s, m, h or d), not {value!r}")
    return value


def _regexes(values: list[str] | None, flag: str) -> tuple[str, ...]:
    for value in values or ():
        try:
            re.compile(value)
        except re.error as exc:
            raise UsageProblem(f"{flag} {value!r} is not a regular expression: {exc}") from None
    return tuple(values or ())
