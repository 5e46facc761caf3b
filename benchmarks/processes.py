"""Start the benchmark's parties as separate processes, each pinned to its own core where the
machine has one, and wait until each answers on its port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import yaml

from gateway.demo import OPENLAYER_PATHS

ROOT = Path(__file__).resolve().parents[1]
BENCH_KEY = "benchmark-team-key-0123456789"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"process exited early with {process.returncode}: {process.args!r}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on port {port} after {timeout}s")


def _pinned(command: Sequence[str], core: int | None) -> list[str]:
    if core is not None and (os.cpu_count() or 1) > 1 and os.path.exists("/usr/bin/taskset"):
        return ["taskset", "-c", str(core), *command]
    return list(command)


@contextmanager
def process(command: Sequence[str], port: int, core: int | None) -> Iterator[subprocess.Popen[bytes]]:
    """Run `command` until the block ends; its output goes to a temporary log, shown on failure."""
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(_pinned(command, core), cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_for_port(port, proc)
            yield proc
        except BaseException:
            log.seek(0)
            sys.stderr.write(log.read()[-4000:].decode(errors="replace"))
            raise
        finally:
            _stop(proc)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


NGINX_CONF = """
worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  client_body_temp_path {tmp}/body;
  proxy_temp_path {tmp}/proxy;
  fastcgi_temp_path {tmp}/fastcgi;
  uwsgi_temp_path {tmp}/uwsgi;
  scgi_temp_path {tmp}/scgi;
  keepalive_requests 10000000;
  etag off;
  server {{
    listen 127.0.0.1:{port};
    root {tmp}/root;
    default_type application/json;
    error_page 405 =200 $uri;  # answer a POST with the file, as for a GET
  }}
}}
"""


@contextmanager
def nginx_upstream(bodies: Mapping[str, bytes], core: int | None = 1) -> Iterator[str]:
    """nginx answering each path of `bodies` (any method) with its fixed JSON body: an upstream
    whose own cost is negligible next to any Python proxy's."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="bench-nginx-") as tmp:
        os.chmod(tmp, 0o755)  # nginx's workers (user nobody, when started as root) read the files
        for path, body in bodies.items():
            file = Path(tmp, "root", path.lstrip("/"))
            file.parent.mkdir(parents=True, exist_ok=True)
            file.write_bytes(body)
        conf = Path(tmp, "nginx.conf")
        conf.write_text(NGINX_CONF.format(tmp=tmp, port=port))
        with process(["nginx", "-c", str(conf), "-p", tmp], port, core):
            yield f"http://127.0.0.1:{port}"


def process_tree_cpu_seconds(pid: int) -> float:
    """User plus system CPU time `pid` and its live children have used so far (Linux /proc)."""
    pids = [pid, *(int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split())]
    return sum(_cpu_seconds(p) for p in pids)


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def status_kib(pid: int, field: str) -> int:
    """A memory figure of `pid` from /proc/<pid>/status (`VmRSS`, `VmHWM`), in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


@contextmanager
def canned_upstream(core: int | None = 1) -> Iterator[str]:
    port = free_port()
    with process([sys.executable, "-m", "benchmarks.upstream", "--port", str(port)], port, core):
        yield f"http://127.0.0.1:{port}"


@contextmanager
def gateway(
    upstream_url: str,
    validation: Mapping[str, object],
    core: int | None = 0,
    *,
    event_loop: str = "auto",
    workers: int = 1,
) -> Iterator[tuple[str, int]]:
    """A gateway process in front of `upstream_url`; yields its URL and pid (with several workers,
    the supervisor's: `process_tree_cpu_seconds` counts its workers)."""
    port = free_port()
    config = {
        "listen": {"host": "127.0.0.1", "port": port, "event_loop": event_loop, "workers": workers},
        "log_level": "INFO",  # the access log is part of the cost being measured
        "upstreams": [
            {
                "name": "wallaroo",
                "base_url": upstream_url,
                "paths": ["/v1/api/", "/v2/api/", "/v1/graphql", "/v1/logs/"],
                "auth": {"mode": "static", "token": "benchmark-upstream-token"},
            },
            {"name": "openlayer", "base_url": upstream_url, "paths": list(OPENLAYER_PATHS)},
        ],
        "teams": [{"name": "bench", "keys": [BENCH_KEY]}],
        "validation": validation,
        "limits": {"max_upload_bytes": "64GiB"},
    }
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "gateway.yaml"
        path.write_text(yaml.safe_dump(config))
        command = [sys.executable, "-m", "gateway.cli", "serve", "--config", str(path)]
        with process(command, port, core) as proc:
            yield f"http://127.0.0.1:{port}", proc.pid


@contextmanager
def bare_proxy(
    upstream_url: str, core: int | None = 0, *, event_loop: str = "asyncio", module: str = "bare_proxy"
) -> Iterator[tuple[str, int]]:
    """The bare aiohttp reference proxy (benchmarks.bare_proxy), or another of its command line
    (`module="floor_proxy"`), in front of `upstream_url`."""
    port = free_port()
    command = [sys.executable, "-m", f"benchmarks.{module}", "--port", str(port), "--upstream", upstream_url]
    command += ["--loop", event_loop]
    with process(command, port, core) as proc:
        yield f"http://127.0.0.1:{port}", proc.pid
