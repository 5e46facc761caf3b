"""The official SDKs in virtual environments of their own, as a team installs them.

`wallaroo` pins numpy 1.26, pyarrow 14 and pyjwt 2.4, `openlayer` wants pyarrow 18+: neither can
share the project's environment, so each gets a venv under `.cache/sdk-venvs/`, named by a hash
of its requirements and reused between runs (a marker file is written only once pip succeeded;
a lock file keeps two processes from building the same venv at once). Tests run scripts in them
against a real gateway over sockets. `python -m tests.support.sdk_venvs` prepares all of them and
prints how long each took, which `tests/run.sh` does before pytest.
"""

from __future__ import annotations

import asyncio
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
import venv
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tests.support import ROOT

CACHE = ROOT / ".cache" / "sdk-venvs"
SDK_REQUIREMENTS: Mapping[str, tuple[str, ...]] = {
    "wallaroo": ("wallaroo==2026.1.3",),
    "openlayer": ("openlayer==0.36.0", "pandas>=2.2,<3"),
}
INSTALL_TIMEOUT = 900  # seconds: a cold install downloads numpy, pandas and pyarrow wheels


def _venv_dir(name: str) -> Path:
    requirements = SDK_REQUIREMENTS[name]
    digest = hashlib.sha256("\n".join(requirements).encode()).hexdigest()[:12]
    return CACHE / f"{name}-{digest}"


def sdk_python(name: str) -> Path:
    """The interpreter of the SDK's own venv, created (and its requirements installed) if missing."""
    target = _venv_dir(name)
    python = target / "bin" / "python"
    marker = target / ".ready"
    if marker.exists():
        return python
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if marker.exists():  # another process built it while this one waited
            return python
        shutil.rmtree(target, ignore_errors=True)
        venv.EnvBuilder(with_pip=True).create(target)
        installed = subprocess.run(
            [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check",
             *SDK_REQUIREMENTS[name]],
            capture_output=True, text=True, timeout=INSTALL_TIMEOUT,
        )  # fmt: skip
        if installed.returncode != 0:
            raise RuntimeError(f"pip could not install {name}'s venv:\n{installed.stderr[-4000:]}")
        marker.write_text("\n".join(SDK_REQUIREMENTS[name]) + "\n")
    return python


def run_sdk_script(
    name: str, script: Path, *args: str, env: Mapping[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """Run `script` with the SDK's interpreter, outside the checkout's import path; the process
    environment is the caller's `env` plus PATH and HOME only (no project variables leak in)."""
    base = {key: os.environ[key] for key in ("PATH", "HOME") if key in os.environ}
    return subprocess.run(
        [str(sdk_python(name)), str(script), *args],
        env={**base, **(env or {})},
        cwd=script.parent,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


async def sdk_summary(
    name: str, script: Path, *args: str, env: Mapping[str, str] | None = None, limit: float = 300
) -> dict[str, Any]:
    """Run an SDK script in a thread (the caller's loop keeps serving the gateway and sandbox
    meanwhile), killed after `limit` seconds; it must succeed, and its last stdout line is its JSON
    summary."""
    done = await asyncio.to_thread(run_sdk_script, name, script, *args, env=env, timeout=limit)
    assert done.returncode == 0, f"stdout:\n{done.stdout[-3000:]}\nstderr:\n{done.stderr[-6000:]}"
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> None:
    for name in SDK_REQUIREMENTS:
        started = time.monotonic()
        warm = (_venv_dir(name) / ".ready").exists()
        sdk_python(name)
        state = "warm (cached)" if warm else "cold (created)"
        print(f"sdk venv {name}: {state} in {time.monotonic() - started:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
