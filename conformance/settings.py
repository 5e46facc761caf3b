"""What one conformance run is asked to do: where, as whom, which operations, how hard, and where
the reports go. Frozen dataclasses filled by `conformance.options` (CLI or pytest); nothing here
talks to the network."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from gateway.contract import DEFAULT_SPEC_PATH

#: Examples per operation and phase. 8 keeps the full sandbox run (37 operations, writes and
#: stateful links included) at about a minute on two cores, and still reaches every operation,
#: every documented status and the coverage phase's boundary values.
DEFAULT_MAX_EXAMPLES = 8
DEFAULT_REQUEST_TIMEOUT = 30.0
DEFAULT_MAX_RESPONSE_TIME = 10.0
DEFAULT_STATEFUL_STEPS = 10


@dataclass(frozen=True, slots=True)
class Credentials:
    """How requests authenticate. One of: a static `token`; a token endpoint (`token_url`,
    `client_id`, `client_secret`, and `username`/`password` for the password grant, none for
    client credentials); or `gateway_key` when running through a gateway (it is then the bearer
    of every operation). `api_key` is Openlayer's key for the `openlayerApiKey` scheme."""

    token: str | None = field(default=None, repr=False)
    token_url: str | None = None
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    api_key: str | None = field(default=None, repr=False)
    gateway_key: str | None = field(default=None, repr=False)
    via_gateway: bool = False

    @property
    def secrets(self) -> tuple[str, ...]:
        """Every secret value held, so reports can mask them wherever they appear."""
        values = (self.token, self.client_secret, self.password, self.api_key, self.gateway_key)
        return tuple(v for v in values if v)


@dataclass(frozen=True, slots=True)
class Filters:
    """Which operations run: tags and operationId regexes (empty: no restriction), and whether
    operations the spec marks `x-mlops-writes: true` may run at all."""

    include_tags: tuple[str, ...] = ()
    exclude_tags: tuple[str, ...] = ()
    include_operations: tuple[str, ...] = ()
    exclude_operations: tuple[str, ...] = ()
    allow_writes: bool = False


@dataclass(frozen=True, slots=True)
class Limits:
    """How hard to push: examples per operation and phase, the seed, parallel workers, a rate limit
    ("100/s"), per-request timeout, the slowest acceptable answer, and stateful link-following."""

    max_examples: int = DEFAULT_MAX_EXAMPLES
    seed: int | None = None
    workers: int = 1
    rate_limit: str | None = None
    request_timeout: float = DEFAULT_REQUEST_TIMEOUT
    max_response_time: float = DEFAULT_MAX_RESPONSE_TIME
    stateful: bool = False
    stateful_steps: int = DEFAULT_STATEFUL_STEPS


@dataclass(frozen=True, slots=True)
class Outputs:
    """Where the reports go besides the terminal; `dry_run` lists the plan and calls nothing;
    `baseline` is an earlier `report_json` to compare with."""

    junit_xml: Path | None = None
    report: Path | None = None
    dry_run: bool = False
    report_json: Path | None = None
    baseline: Path | None = None


@dataclass(frozen=True, slots=True)
class ConformanceSettings:
    """One run: the upstream's base URL and everything above."""

    base_url: str
    credentials: Credentials = Credentials()
    filters: Filters = Filters()
    limits: Limits = Limits()
    outputs: Outputs = Outputs()
    spec_path: Path = DEFAULT_SPEC_PATH
