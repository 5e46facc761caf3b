"""The built wheel works on its own: installed non-editable into a fresh venv and run from outside
the checkout, `spec-check` finds the packaged spec, `demo` and `conformance` name the extra they
need until it is installed, then `demo` answers /readyz and `conformance --dry-run` plans a run.

pip goes through the machine's configured indexes and its own cache (a warm cache makes this
a matter of seconds); no system site-packages leak into the venv."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support import ROOT

PIP_TIMEOUT = 600  # a cold pip cache downloads schemathesis and its dependencies
COMMAND_TIMEOUT = 60
READY_TIMEOUT = 60


@dataclass(frozen=True)
class Venv:
    """A fresh venv holding the wheel, and a working directory outside the checkout."""

    python: Path
    wheel: Path
    cwd: Path

    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
        env["PATH"] = f"{self.python.parent}{os.pathsep}{env.get('PATH', '')}"
        return env

    def pip_install(self, requirement: str) -> None:
        # the outer pip installs into the venv (`--python`): no ensurepip, one shared cache
        _run([sys.executable, "-m", "pip", "--python", str(self.python), "install", "-q", requirement],
             cwd=self.cwd, env=self.env, timeout=PIP_TIMEOUT)  # fmt: skip

    def command(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.python.parent / "mlops-gateway"), *args],
            cwd=self.cwd, env=self.env, capture_output=True, text=True, timeout=COMMAND_TIMEOUT, check=False,
        )  # fmt: skip


def _run(args: list[str], *, cwd: Path, env: dict[str, str] | None = None, timeout: float) -> None:
    result = subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )  # fmt: skip
    assert result.returncode == 0, f"{' '.join(args)}\n{result.stdout}{result.stderr}"


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Venv]:
    base = tmp_path_factory.mktemp("wheel")
    dist, cwd = base / "dist", base / "elsewhere"
    cwd.mkdir()
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(ROOT)],
         cwd=base, timeout=PIP_TIMEOUT)  # fmt: skip
    (wheel,) = dist.glob("mlops_gateway-*.whl")
    _run([sys.executable, "-m", "venv", "--without-pip", str(base / "venv")],
         cwd=base, timeout=COMMAND_TIMEOUT)  # fmt: skip
    env = Venv(base / "venv" / "bin" / "python", wheel, cwd)
    env.pip_install(str(wheel))
    yield env


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_ready(url: str, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"demo exited with {proc.returncode}"
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} did not answer 200 within {READY_TIMEOUT} s")


def test_the_wheel_carries_the_spec_and_the_markers(venv: Venv) -> None:
    result = venv.command("spec-check")
    assert result.returncode == 0, result.stdout + result.stderr
    site = subprocess.run(
        [str(venv.python), "-c", "import gateway, spec; print(gateway.__file__, spec.__file__)"],
        cwd=venv.cwd, env=venv.env, capture_output=True, text=True, timeout=COMMAND_TIMEOUT, check=True,
    ).stdout  # fmt: skip
    assert str(ROOT) not in site and "site-packages" in site, site
    assert "openapi.yaml: valid OpenAPI" in result.stdout and "site-packages" in result.stdout
    packages = Path(site.split()[0]).parent.parent
    for package in ("gateway", "conformance", "sandbox"):
        assert (packages / package / "py.typed").is_file(), package
    assert (packages / "spec" / "wallaroo.graphql").is_file()  # the graphql operation's SDL


def test_the_demo_and_the_conformance_run_name_their_extra_then_run(venv: Venv) -> None:
    without = {
        "sandbox": venv.command("demo", "--port", str(_free_port())),
        "conformance": venv.command("conformance", "--base-url", "http://127.0.0.1:9"),
    }
    for extra, result in without.items():
        assert result.returncode == 2, result.stdout + result.stderr
        assert f"pip install 'mlops-gateway[{extra}]'" in result.stderr, result.stderr
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr  # one line, no traceback

    venv.pip_install(f"{venv.wheel}[sandbox,conformance]")
    port = _free_port()
    demo = subprocess.Popen(
        [str(venv.python.parent / "mlops-gateway"), "demo", "--port", str(port)],
        cwd=venv.cwd, env=venv.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        _wait_ready(f"http://127.0.0.1:{port}/readyz", demo)
        demo.send_signal(signal.SIGINT)
        output, _ = demo.communicate(timeout=COMMAND_TIMEOUT)
        assert demo.returncode == 0, output
        assert "mlops-gateway demo" in output
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait(timeout=COMMAND_TIMEOUT)

    dry = venv.command("conformance", "--dry-run", "--base-url", "http://127.0.0.1:9", "--token", "unused")
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert "workspaces_list" in dry.stdout, dry.stdout
