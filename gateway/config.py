"""Typed gateway configuration: YAML with ${ENV_VAR} interpolation, checked at start-up.

Every mistake is reported as a `ConfigError` naming the key path (`upstreams[0].base_url`) and the
reason, so a bad config stops the gateway before it listens. Secrets come from the environment via
`${NAME}` (or `${NAME:-default}`) and are never echoed in errors.
"""

from __future__ import annotations

import binascii
import contextlib
import os
import re
from base64 import b64decode
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import yaml


class Policy(StrEnum):
    """How strictly one direction of an operation is checked against the contract."""

    ENFORCE = "enforce"  # refuse: 400 for a request, 502 invalid-response for an answer
    REPORT = "report"  # pass it on, but count, log and add a violations header
    OFF = "off"  # not checked at all


class EventLoop(StrEnum):
    """`listen.event_loop`: which asyncio event loop serves (`gateway.event_loop`)."""

    AUTO = "auto"  # uvloop where it is installed (a dependency on Linux), asyncio's own elsewhere
    UVLOOP = "uvloop"
    ASYNCIO = "asyncio"


class AuthMode(StrEnum):
    """How the gateway authenticates to an upstream (see `UpstreamAuth`)."""

    STATIC = "static"
    KEYCLOAK = "keycloak"
    PASSTHROUGH = "passthrough"
    NONE = "none"


class Unlisted(StrEnum):
    """What an upstream's gateway does with a request under its paths that no operation describes."""

    REJECT = "reject"  # 404 not-found (405 for a documented path with another method)
    FORWARD = "forward"  # pass it on with the managed token, counted as operation `unlisted`


_Choice = TypeVar("_Choice", bound=StrEnum)
_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(B|KB|KiB|MB|MiB|GB|GiB)?\s*$", re.IGNORECASE)
_UNITS = {"b": 1, "kb": 1000, "kib": 1024, "mb": 10**6, "mib": 2**20, "gb": 10**9, "gib": 2**30}
MAX_WORKERS = 64  # listen.workers: more processes than this on one host is a mistake, not a plan


class ConfigError(ValueError):
    """The configuration is unusable; the message names the key and the reason."""

    def __init__(self, key: str, reason: str) -> None:
        super().__init__(f"{key}: {reason}" if key else reason)
        self.key = key
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Upstream timeouts in seconds: TCP connect, gap between reads, and the whole exchange."""

    connect: float = 5.0
    read: float = 60.0
    total: float = 300.0


@dataclass(frozen=True, slots=True)
class UpstreamAuth:
    """How the gateway authenticates to an upstream: a static bearer token, a managed Keycloak
    login (password grant when a username is given, else client credentials; refreshed before
    expiry), the client's own Authorization header (passthrough), or nothing."""

    mode: AuthMode = AuthMode.NONE
    token: str | None = field(default=None, repr=False)
    token_url: str | None = None
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    refresh_margin: float = 30.0  # clamped to half the token's lifetime
    exchange_timeout: float = 10.0  # seconds one token-endpoint exchange may take
    backoff_base: float = 1.0  # seconds before the first retry after a failed renewal, doubling
    backoff_max: float = 60.0  # the longest wait between two renewal attempts

    def __post_init__(self) -> None:  # a plain "static" in code means AuthMode.STATIC
        object.__setattr__(self, "mode", AuthMode(self.mode))


@dataclass(frozen=True, slots=True)
class UpstreamConfig:
    name: str
    base_url: str
    paths: tuple[str, ...]
    timeouts: Timeouts = Timeouts()
    verify_tls: bool = True
    max_connections: int = 100
    auth: UpstreamAuth = UpstreamAuth()
    credentials: str | None = None  # the named credential set `auth` came from, if any
    unlisted: Unlisted = Unlisted.REJECT

    def __post_init__(self) -> None:  # a plain "forward" in code means Unlisted.FORWARD
        object.__setattr__(self, "unlisted", Unlisted(self.unlisted))

    @property
    def credential_set(self) -> str:
        """The name its default credentials go by (metrics, problems): the set's, or its own."""
        return self.credentials or self.name


@dataclass(frozen=True, slots=True)
class TeamConfig:
    name: str
    keys: tuple[str, ...] = field(repr=False)
    credentials: Mapping[str, str] = field(default_factory=dict)  # upstream -> credential set name


@dataclass(frozen=True, slots=True)
class DirectionPolicy:
    request: Policy = Policy.ENFORCE
    response: Policy = Policy.REPORT
    large_response_sample: float = 1.0  # fraction of large answers (`large_response_bytes`) checked

    def __post_init__(self) -> None:  # plain strings in code become the enum
        object.__setattr__(self, "request", Policy(self.request))
        object.__setattr__(self, "response", Policy(self.response))


@dataclass(frozen=True, slots=True)
class ValidationConfig:
    request: Policy = Policy.ENFORCE
    response: Policy = Policy.REPORT
    overrides: Mapping[str, DirectionPolicy] = field(default_factory=dict)
    max_response_bytes: int = 4 * 2**20
    # an answer this large is relayed before it is checked under `report`; a fraction is checked
    large_response_bytes: int = 256 * 2**10
    large_response_sample: float = 1.0

    def __post_init__(self) -> None:  # plain strings in code become the enum
        object.__setattr__(self, "request", Policy(self.request))
        object.__setattr__(self, "response", Policy(self.response))

    def for_operation(self, operation_id: str) -> DirectionPolicy:
        return self.overrides.get(
            operation_id, DirectionPolicy(self.request, self.response, self.large_response_sample)
        )


@dataclass(frozen=True, slots=True)
class LimitsConfig:
    max_json_body_bytes: int = 16 * 2**20
    max_upload_bytes: int = 16 * 2**30
    max_multipart_fields_bytes: int = 2**20
    client_idle_timeout: float = 30.0  # seconds a client may pause while sending a body
    header_timeout: float = 10.0  # seconds a client has to send its request line and headers
    max_client_connections: int = 1024  # open client connections; requests on more get 503
    graphql_max_depth: int = 15  # fields nested under a GraphQL operation's root fields (not introspection)
    graphql_max_root_fields: int = 32  # root field selections of one GraphQL operation


@dataclass(frozen=True, slots=True)
class RedisStoreConfig:
    """`token_store: {url, key}`: upstream tokens cached in Redis, shared by every process and replica,
    encrypted with `key` (AES-256-GCM), renewed by one holder of a lease-based lock at a time."""

    url: str = field(repr=False)  # redis://[:password@]host[:port][/db] or rediss://; may hold a password
    key: bytes = field(repr=False)  # 32 bytes, given base64-encoded
    prefix: str = "mlops-gateway"  # keys are <prefix>:token:<set> and <prefix>:renewal:<set>
    timeout: float = 1.0  # seconds for any one Redis call (connect, then each read)
    lock_ttl: float = 10.0  # the renewal lock's lease, extended every third of it while the holder runs
    lock_wait: float = 30.0  # longest wait for another holder's renewal turn before TimeoutError
    probe_interval: float = 3.0  # while Redis is unreachable, how often it is tried again


@dataclass(frozen=True, slots=True)
class GatewayConfig:
    host: str = "127.0.0.1"
    port: int = 8080
    # peers whose X-Forwarded-* headers are kept and appended to; everyone else's are overwritten
    trusted_proxies: tuple[IPv4Network | IPv6Network, ...] = ()
    workers: int = 1  # processes serving the one listening socket (gateway.workers)
    shutdown_timeout: float = 30.0  # seconds in-flight requests get to finish on SIGTERM
    event_loop: EventLoop = EventLoop.AUTO
    spec_path: Path | None = None  # None: the spec packaged with the gateway
    upstreams: tuple[UpstreamConfig, ...] = ()
    credentials: Mapping[str, UpstreamAuth] = field(default_factory=dict)  # named credential sets
    teams: tuple[TeamConfig, ...] = ()
    admin_keys: tuple[str, ...] = field(default=(), repr=False)  # read the whole drift report
    validation: ValidationConfig = ValidationConfig()
    limits: LimitsConfig = LimitsConfig()
    log_level: str = "INFO"
    token_store: RedisStoreConfig | None = None  # None: `memory`, each process keeps its own tokens


# -- loading -----------------------------------------------------------------------------------


def load_config(path: str | Path, environ: Mapping[str, str] | None = None) -> GatewayConfig:
    """Read, interpolate and check a YAML config file."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError("", f"cannot read config file {path}: {exc.strerror}") from exc
    try:
        raw = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise ConfigError("", f"config file {path} is not valid YAML: {exc}") from exc
    base = Path(path).resolve().parent
    return parse_config(raw, environ if environ is not None else os.environ, base_dir=base)


def parse_config(raw: Any, environ: Mapping[str, str], base_dir: Path | None = None) -> GatewayConfig:
    data = _interpolate(raw, environ, "")
    root = _mapping(data, "")
    _known(
        root,
        "",
        {"listen", "spec", "credentials", "upstreams", "teams", "admin", "validation", "limits", "log_level"}
        | {"token_store"},
    )
    listen = _mapping(root.get("listen", {}), "listen")
    _known(listen, "listen", {"host", "port", "trusted_proxies", "workers", "shutdown_timeout", "event_loop"})
    spec_path: Path | None = None
    if "spec" in root:
        spec_path = Path(_string(root["spec"], "spec"))
        if not spec_path.is_absolute() and base_dir is not None:
            spec_path = base_dir / spec_path
        if not spec_path.is_file():
            raise ConfigError("spec", f"no such file {spec_path}")
    credential_sets = _credential_sets(root.get("credentials", {}), "credentials")
    upstreams = tuple(
        _upstream(item, f"upstreams[{i}]", credential_sets)
        for i, item in enumerate(_list(root.get("upstreams"), "upstreams"))
    )
    if not upstreams:
        raise ConfigError("upstreams", "at least one upstream is required")
    names = [u.name for u in upstreams]
    if len(set(names)) != len(names):
        raise ConfigError("upstreams", f"duplicate upstream names in {names}")
    claimed: dict[str, str] = {}
    for upstream in upstreams:
        for prefix in upstream.paths:
            if prefix in claimed:
                raise ConfigError(
                    "upstreams", f"{claimed[prefix]!r} and {upstream.name!r} both claim the paths {prefix!r}"
                )
            claimed[prefix] = upstream.name
    for i, upstream in enumerate(upstreams):
        if upstream.credentials is None and upstream.name in credential_sets:
            raise ConfigError(
                f"upstreams[{i}].auth",
                f"upstream {upstream.name!r} has inline auth, which goes by its name, and a credential "
                f"set is also named {upstream.name!r}: rename the set or use auth: {{credentials: name}}",
            )
    teams = tuple(
        _team(item, f"teams[{i}]", set(names), credential_sets)
        for i, item in enumerate(_list(root.get("teams", []), "teams"))
    )
    all_keys = [k for t in teams for k in t.keys]
    if len(set(all_keys)) != len(all_keys):
        raise ConfigError("teams", "the same gateway key is given to more than one team")
    admin_keys = _admin_keys(root.get("admin", {}), "admin")
    if set(admin_keys) & set(all_keys):
        raise ConfigError("admin.keys", "an admin key must not also be a team's gateway key")
    level = _string(root.get("log_level", "INFO"), "log_level").upper()
    if level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise ConfigError("log_level", f"must be DEBUG, INFO, WARNING or ERROR, not {level!r}")
    return GatewayConfig(
        host=_string(listen.get("host", "127.0.0.1"), "listen.host"),
        port=_int(listen.get("port", 8080), "listen.port", 0, 65535),
        trusted_proxies=_networks(listen.get("trusted_proxies", []), "listen.trusted_proxies"),
        workers=_int(listen.get("workers", 1), "listen.workers", 1, MAX_WORKERS),
        shutdown_timeout=_number(listen.get("shutdown_timeout", 30.0), "listen.shutdown_timeout"),
        event_loop=_choice(listen.get("event_loop", "auto"), "listen.event_loop", EventLoop),
        spec_path=spec_path,
        upstreams=upstreams,
        credentials=credential_sets,
        teams=teams,
        admin_keys=admin_keys,
        validation=_validation(root.get("validation", {}), "validation"),
        limits=_limits(root.get("limits", {}), "limits"),
        log_level=level,
        token_store=_token_store(root.get("token_store", "memory"), "token_store"),
    )


def _interpolate(value: Any, environ: Mapping[str, str], key: str) -> Any:
    if isinstance(value, str):

        def substitute(match: re.Match[str]) -> str:
            name, default = match.group(1), match.group(2)
            value = environ.get(name)
            if default is not None and not value:  # ${X:-d}: unset or empty, as in the shell
                return default
            if value is None:
                raise ConfigError(key, f"environment variable {name} is not set")
            return value

        return _ENV.sub(substitute, value)
    if isinstance(value, dict):
        return {k: _interpolate(v, environ, f"{key}.{k}" if key else str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_interpolate(v, environ, f"{key}[{i}]") for i, v in enumerate(value)]
    return value


def _upstream(raw: Any, key: str, credential_sets: Mapping[str, UpstreamAuth]) -> UpstreamConfig:
    data = _mapping(raw, key)
    _known(
        data,
        key,
        {"name", "base_url", "paths", "timeouts", "verify_tls", "max_connections", "auth", "unlisted"},
    )
    base_url = _string(_required(data, "base_url", key), f"{key}.base_url").rstrip("/")
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{key}.base_url", f"must be an http(s) URL, not {base_url!r}")
    if parts.query or parts.fragment or "@" in parts.netloc:
        raise ConfigError(
            f"{key}.base_url", "give scheme://host[:port][/base-path] only: no query, fragment or user"
        )
    paths = tuple(
        _string(p, f"{key}.paths[{i}]")
        for i, p in enumerate(_list(_required(data, "paths", key), f"{key}.paths"))
    )
    if not paths or any(not p.startswith("/") for p in paths):
        raise ConfigError(f"{key}.paths", "must be a non-empty list of path prefixes starting with '/'")
    timeouts = _mapping(data.get("timeouts", {}), f"{key}.timeouts")
    _known(timeouts, f"{key}.timeouts", {"connect", "read", "total"})
    auth_data = _mapping(data.get("auth", {}), f"{key}.auth")
    set_name: str | None = None
    if "credentials" in auth_data:
        if len(auth_data) > 1:
            other = sorted(set(auth_data) - {"credentials"})[0]
            raise ConfigError(
                f"{key}.auth.{other}", "give either {credentials: <set name>} or inline auth keys, not both"
            )
        set_name = _set_name(auth_data["credentials"], f"{key}.auth.credentials", credential_sets)
        auth = credential_sets[set_name]
    else:
        auth = _auth(auth_data, f"{key}.auth")
    defaults = Timeouts()
    return UpstreamConfig(
        name=_string(_required(data, "name", key), f"{key}.name"),
        base_url=base_url,
        paths=paths,
        timeouts=Timeouts(
            connect=_number(timeouts.get("connect", defaults.connect), f"{key}.timeouts.connect"),
            read=_number(timeouts.get("read", defaults.read), f"{key}.timeouts.read"),
            total=_number(timeouts.get("total", defaults.total), f"{key}.timeouts.total"),
        ),
        verify_tls=_bool(data.get("verify_tls", True), f"{key}.verify_tls"),
        max_connections=_int(data.get("max_connections", 100), f"{key}.max_connections", 1, 10_000),
        auth=auth,
        credentials=set_name,
        unlisted=_choice(data.get("unlisted", Unlisted.REJECT.value), f"{key}.unlisted", Unlisted),
    )


_AUTH_KEYS = {
    "mode",
    "token",
    "token_url",
    "client_id",
    "client_secret",
    "username",
    "password",
    "refresh_margin",
    "exchange_timeout",
    "backoff_base",
    "backoff_max",
}
_SET_NAME = re.compile(r"[A-Za-z0-9_.-]{1,64}")


def _auth(auth: Mapping[str, Any], key: str) -> UpstreamAuth:
    """An `auth` mapping: inline under an upstream, or one named credential set."""
    _known(auth, key, _AUTH_KEYS)
    mode = _choice(auth.get("mode", "none"), f"{key}.mode", AuthMode)
    for name in ("token", "token_url", "client_id", "client_secret", "username", "password"):
        if name in auth and not isinstance(auth[name], str):
            raise ConfigError(
                f"{key}.{name}",
                "must be a string: quote it in YAML (0123 would be read as the number 83)",
            )
    token = auth.get("token")
    if mode is AuthMode.STATIC and not token:
        raise ConfigError(f"{key}.token", "a static token is required when auth.mode is static")
    if mode is AuthMode.KEYCLOAK:
        for name in ("token_url", "client_id"):
            _string(auth.get(name), f"{key}.{name}")
        if ("username" in auth) != ("password" in auth):
            raise ConfigError(key, "give both username and password (password grant) or neither")
    d = UpstreamAuth()
    backoff_base = _number(auth.get("backoff_base", d.backoff_base), f"{key}.backoff_base")
    backoff_max = _number(auth.get("backoff_max", d.backoff_max), f"{key}.backoff_max")
    if backoff_max < backoff_base:
        raise ConfigError(f"{key}.backoff_max", f"must be at least backoff_base ({backoff_base:g} s)")
    return UpstreamAuth(
        mode,
        None if token is None else _string(token, f"{key}.token"),
        token_url=auth.get("token_url"),
        client_id=auth.get("client_id"),
        client_secret=auth.get("client_secret"),
        username=auth.get("username"),
        password=auth.get("password"),
        refresh_margin=_number(auth.get("refresh_margin", d.refresh_margin), f"{key}.refresh_margin"),
        exchange_timeout=_number(auth.get("exchange_timeout", d.exchange_timeout), f"{key}.exchange_timeout"),
        backoff_base=backoff_base,
        backoff_max=backoff_max,
    )


def _credential_sets(raw: Any, key: str) -> dict[str, UpstreamAuth]:
    """The top-level `credentials`: named sets an upstream or a team refers to."""
    sets = {}
    for name, item in _mapping(raw, key).items():
        where = f"{key}.{name}"
        if not isinstance(name, str) or not _SET_NAME.fullmatch(name):
            raise ConfigError(where, "name a credential set with 1-64 letters, digits, '.', '_' or '-'")
        auth = _auth(_mapping(item, where), where)
        if auth.mode not in (AuthMode.KEYCLOAK, AuthMode.STATIC):
            raise ConfigError(f"{where}.mode", "a credential set is keycloak or static")
        sets[name] = auth
    return sets


def _set_name(value: Any, key: str, credential_sets: Mapping[str, UpstreamAuth]) -> str:
    name = _string(value, key)
    if name not in credential_sets:
        known = ", ".join(sorted(credential_sets)) or "none"
        raise ConfigError(key, f"no credential set named {name!r} under credentials (known: {known})")
    return name


def _team(raw: Any, key: str, upstreams: set[str], credential_sets: Mapping[str, UpstreamAuth]) -> TeamConfig:
    data = _mapping(raw, key)
    _known(data, key, {"name", "keys", "credentials"})
    name = _string(_required(data, "name", key), f"{key}.name")
    if not re.fullmatch(r"[A-Za-z0-9_.-]{1,64}", name):
        raise ConfigError(f"{key}.name", "use 1-64 letters, digits, '.', '_' or '-' (it is a metric label)")
    keys = _keys(_required(data, "keys", key), f"{key}.keys")
    if not keys:
        raise ConfigError(f"{key}.keys", "give at least one key of 16 or more characters")
    credentials = {}
    for upstream, set_name in _mapping(data.get("credentials", {}), f"{key}.credentials").items():
        where = f"{key}.credentials.{upstream}"
        if upstream not in upstreams:
            known = ", ".join(sorted(upstreams))
            raise ConfigError(where, f"no upstream named {upstream!r} (known: {known})")
        credentials[str(upstream)] = _set_name(set_name, where, credential_sets)
    return TeamConfig(name, keys, credentials)


def _admin_keys(raw: Any, key: str) -> tuple[str, ...]:
    data = _mapping(raw, key)
    _known(data, key, {"keys"})
    return _keys(data.get("keys", []), f"{key}.keys")


def _keys(raw: Any, key: str) -> tuple[str, ...]:
    """A list of gateway or admin keys, each a string of 16 or more characters."""
    keys = tuple(_string(k, f"{key}[{i}]") for i, k in enumerate(_list(raw, key)))
    if any(len(k) < 16 for k in keys):
        raise ConfigError(key, "give at least one key of 16 or more characters")
    return keys


def _validation(raw: Any, key: str) -> ValidationConfig:
    data = _mapping(raw, key)
    _known(
        data,
        key,
        {"request", "response", "overrides", "max_response_bytes"}
        | {"large_response_bytes", "large_response_sample"},
    )
    request = _choice(data.get("request", "enforce"), f"{key}.request", Policy)
    response = _choice(data.get("response", "report"), f"{key}.response", Policy)
    sample = _fraction(data.get("large_response_sample", 1.0), f"{key}.large_response_sample")
    overrides = {}
    for op_id, item in _mapping(data.get("overrides", {}), f"{key}.overrides").items():
        at = f"{key}.overrides.{op_id}"
        sub = _mapping(item, at)
        _known(sub, at, {"request", "response", "large_response_sample"})
        overrides[str(op_id)] = DirectionPolicy(
            _choice(sub.get("request", request), f"{at}.request", Policy),
            _choice(sub.get("response", response), f"{at}.response", Policy),
            _fraction(sub.get("large_response_sample", sample), f"{at}.large_response_sample"),
        )
    d = ValidationConfig()
    return ValidationConfig(
        request=request,
        response=response,
        overrides=overrides,
        max_response_bytes=_size(
            data.get("max_response_bytes", d.max_response_bytes), f"{key}.max_response_bytes"
        ),
        large_response_bytes=_size(
            data.get("large_response_bytes", d.large_response_bytes), f"{key}.large_response_bytes"
        ),
        large_response_sample=sample,
    )


def _limits(raw: Any, key: str) -> LimitsConfig:
    data = _mapping(raw, key)
    _known(
        data,
        key,
        {
            "max_json_body_bytes",
            "max_upload_bytes",
            "max_multipart_fields_bytes",
            "client_idle_timeout",
            "header_timeout",
            "max_client_connections",
            "graphql_max_depth",
            "graphql_max_root_fields",
        },
    )
    d = LimitsConfig()
    return LimitsConfig(
        max_json_body_bytes=_size(
            data.get("max_json_body_bytes", d.max_json_body_bytes), f"{key}.max_json_body_bytes"
        ),
        max_upload_bytes=_size(data.get("max_upload_bytes", d.max_upload_bytes), f"{key}.max_upload_bytes"),
        max_multipart_fields_bytes=_size(
            data.get("max_multipart_fields_bytes", d.max_multipart_fields_bytes),
            f"{key}.max_multipart_fields_bytes",
        ),
        client_idle_timeout=_number(
            data.get("client_idle_timeout", d.client_idle_timeout), f"{key}.client_idle_timeout"
        ),
        header_timeout=_number(data.get("header_timeout", d.header_timeout), f"{key}.header_timeout"),
        max_client_connections=_int(
            data.get("max_client_connections", d.max_client_connections),
            f"{key}.max_client_connections",
            1,
            1_000_000,
        ),
        graphql_max_depth=_int(
            data.get("graphql_max_depth", d.graphql_max_depth), f"{key}.graphql_max_depth", 1, 1000
        ),
        graphql_max_root_fields=_int(
            data.get("graphql_max_root_fields", d.graphql_max_root_fields),
            f"{key}.graphql_max_root_fields",
            1,
            10_000,
        ),
    )


def _token_store(raw: Any, key: str) -> RedisStoreConfig | None:
    if raw == "memory":
        return None
    if not isinstance(raw, dict):
        raise ConfigError(key, "must be `memory` or a mapping with url and key (Redis)")
    _known(raw, key, {"url", "key", "prefix", "timeout", "lock_ttl", "lock_wait", "probe_interval"})
    url = _string(_required(raw, "url", key), f"{key}.url")
    if urlsplit(url).scheme not in ("redis", "rediss", "unix"):  # the URL may hold a password: not echoed
        raise ConfigError(f"{key}.url", "must be a redis://, rediss:// or unix:// URL")
    d = RedisStoreConfig(url="", key=b"")
    config = RedisStoreConfig(
        url=url,
        key=_aes_key(_required(raw, "key", key), f"{key}.key"),
        prefix=_string(raw.get("prefix", d.prefix), f"{key}.prefix"),
        timeout=_number(raw.get("timeout", d.timeout), f"{key}.timeout"),
        lock_ttl=_number(raw.get("lock_ttl", d.lock_ttl), f"{key}.lock_ttl"),
        lock_wait=_number(raw.get("lock_wait", d.lock_wait), f"{key}.lock_wait"),
        probe_interval=_number(raw.get("probe_interval", d.probe_interval), f"{key}.probe_interval"),
    )
    if config.lock_ttl < 3 * config.timeout:
        raise ConfigError(
            f"{key}.lock_ttl", "must be at least three times timeout (the lease is extended by then)"
        )
    return config


def _aes_key(value: Any, key: str) -> bytes:
    """A 256-bit key given base64-encoded (standard or URL-safe alphabet); the value is never echoed."""
    reason = "must be 32 random bytes, base64-encoded (e.g. `openssl rand -base64 32`)"
    if not isinstance(value, str):
        raise ConfigError(key, reason)
    text = value.strip().replace("-", "+").replace("_", "/")
    try:
        decoded = b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise ConfigError(key, f"is not base64: it {reason}") from None
    if len(decoded) != 32:
        raise ConfigError(key, f"decodes to {len(decoded)} bytes: it {reason}")
    return decoded


# -- typed readers -----------------------------------------------------------------------------


def _mapping(value: Any, key: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(key, f"must be a mapping, not {type(value).__name__}")
    return value


def _list(value: Any, key: str) -> list[Any]:
    if value is None:
        raise ConfigError(key, "is required")
    if not isinstance(value, list):
        raise ConfigError(key, f"must be a list, not {type(value).__name__}")
    return value


def _known(data: Mapping[str, Any], key: str, allowed: set[str]) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        where = f"{key}.{unknown[0]}" if key else unknown[0]
        raise ConfigError(where, f"unknown key (expected one of: {', '.join(sorted(allowed))})")


def _required(data: Mapping[str, Any], name: str, key: str) -> Any:
    if name not in data or data[name] is None:
        raise ConfigError(f"{key}.{name}", "is required")
    return data[name]


def _string(value: Any, key: str) -> str:
    if not isinstance(value, str) or not value:
        raise ConfigError(key, "must be a non-empty string")
    return value


def _bool(value: Any, key: str) -> bool:
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    if not isinstance(value, bool):
        raise ConfigError(key, "must be true or false")
    return value


def _int(value: Any, key: str, low: int, high: int) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ConfigError(key, f"must be an integer from {low} to {high}")
    return value


def _fraction(value: Any, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 1:
        raise ConfigError(key, f"must be a fraction above 0 and at most 1, not {value!r}")
    return float(value)


def _number(value: Any, key: str) -> float:
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            value = float(value)
    if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
        raise ConfigError(key, "must be a positive number of seconds")
    return float(value)


def _choice(value: Any, key: str, allowed: type[_Choice]) -> _Choice:
    try:
        return allowed(value)
    except ValueError:
        raise ConfigError(key, f"must be one of {', '.join(allowed)}, not {value!r}") from None


def _size(value: Any, key: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    match = _SIZE.match(value) if isinstance(value, str) else None
    size = int(float(match.group(1)) * _UNITS[(match.group(2) or "B").lower()]) if match else 0
    if size <= 0:
        raise ConfigError(key, f"must be a positive size such as 1048576, '512KiB' or '4MiB', not {value!r}")
    return size


def _networks(value: Any, key: str) -> tuple[IPv4Network | IPv6Network, ...]:
    networks = []
    for i, item in enumerate(_list(value, key)):
        try:
            networks.append(ip_network(_string(item, f"{key}[{i}]"), strict=False))
        except ValueError:
            raise ConfigError(
                f"{key}[{i}]", f"must be an IP address or CIDR such as 10.0.0.0/8, not {item!r}"
            ) from None
    return tuple(networks)
