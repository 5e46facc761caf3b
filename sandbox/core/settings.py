"""The sandbox's settings: seed, demo credentials, token lifetimes, timings, storage and limits.

One frozen dataclass, read by every sandbox part; the defaults are what `python -m sandbox` runs
with and what the README's demo credentials say.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sandbox.core.fault_switch import DEFAULT_DELAY, Fault

MIB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class SandboxSettings:
    """Everything that shapes one sandbox instance.

    `storage_dir` None means a fresh temporary directory, removed when the app shuts down.
    `clock` (seconds since the epoch) drives token expiry, timestamps and deployment start-up,
    so tests can move time without sleeping. An Openlayer evaluation completes
    `evaluation_duration` seconds after it was queued; each inference pipeline keeps its newest
    `openlayer_max_rows` streamed rows. `fault` switches one contract fault on from the
    start, limited to `fault_operations` (None: every operation), `fault_delay` seconds for
    slow_response (see `sandbox.core.fault_switch`); `admin_key` guards `/_sandbox/fault`.
    `record_requests` keeps every request received in a `RequestLog` (`SandboxServer.requests`).
    """

    seed: int = 0
    access_token_lifetime: int = 3600
    refresh_token_lifetime: int = 1800
    client_id: str = "api-client"
    client_secret: str = "sandbox-secret"
    admin_email: str = "admin@example.com"
    admin_password: str = "sandbox-password"
    openlayer_api_keys: tuple[str, ...] = ("ol-sandbox-key",)
    deployment_start_delay: float = 1.0
    evaluation_duration: float = 1.0
    openlayer_max_rows: int = 10_000
    storage_dir: Path | None = None
    max_json_body_bytes: int = 32 * MIB
    max_upload_bytes: int = 4 * 1024 * MIB
    max_form_field_bytes: int = 64 * 1024
    clock: Callable[[], float] = field(default=time.time)
    fault: Fault | None = None
    fault_operations: tuple[str, ...] | None = None
    fault_delay: float = DEFAULT_DELAY
    admin_key: str = "sandbox-admin-key"
    record_requests: bool = False
