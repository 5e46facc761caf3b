"""Throughput, latency and CPU cost of the gateway, side by side with a bare aiohttp proxy, in one run.

    python -m benchmarks.proxy_throughput [--duration 10] [--connections 32]

Starts a canned upstream (its own process and core) and, with the same load generator (wrk, one
thread), measures for a small (~600 B), medium (~8 KB) and large (~1 MB) response:
  a) the upstream directly,
  b) a bare aiohttp proxy (benchmarks.bare_proxy: read, forward, relay; the reference),
  c) the gateway with validation off,
  d) the gateway with full request and response validation (both enforced),
and prints requests/s, p50 and p99 latency, the proxy's CPU microseconds per request (its own
utime + stime from /proc, over the requests wrk counted), and the ratios to the bare proxy. Each
proxy runs on one core. The targets are measured in interleaved rounds and each figure is the
median round, so load that comes and goes on a shared machine hits all of them alike; the ratios
are the point.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from benchmarks.payloads import CASES
from benchmarks.processes import BENCH_KEY, bare_proxy, canned_upstream, gateway

WRK_SCRIPT = """
wrk.method = "POST"
wrk.body = [[{body}]]
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer {key}"
"""
VALIDATION_OFF = {"request": "off", "response": "off"}
VALIDATION_FULL = {"request": "enforce", "response": "enforce", "max_response_bytes": "4MiB"}


UPSTREAM, BARE, OFF, FULL = (
    "a upstream",
    "b bare aiohttp proxy",
    "c gateway, validation off",
    "d gateway, full",
)
TARGETS = (UPSTREAM, BARE, OFF, FULL)
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Measurement:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int
    requests: int
    cpu_us_per_request: float | None = None


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def run_wrk(url: str, body: bytes, duration: float, connections: int) -> Measurement:
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "post.lua"
        script.write_text(WRK_SCRIPT.format(body=body.decode(), key=BENCH_KEY))
        out = subprocess.run(
            [
                "taskset",
                "-c",
                "1",
                "wrk",
                "-t1",
                f"-c{connections}",
                f"-d{max(1, round(duration))}s",
                "--latency",
                "-s",
                str(script),
                url,
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)", out)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    errors = sum(
        int(n) for n in re.findall(r"(?:Non-2xx or 3xx responses|timeout|read|write|connect) (\d+)", out)
    )
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    return Measurement(rps, _ms(*p50.groups()), _ms(*p99.groups()), errors, requests)  # type: ignore[union-attr]


def measure(url: str, body: bytes, duration: float, connections: int, pid: int | None) -> Measurement:
    """One wrk run, with the CPU the process `pid` spent on it per request."""
    before = cpu_seconds(pid) if pid is not None else 0.0
    measured = run_wrk(url, body, duration, connections)
    if pid is None or not measured.requests:
        return measured
    spent = cpu_seconds(pid) - before
    return dataclasses.replace(measured, cpu_us_per_request=spent / measured.requests * 1e6)


def _median(values: list[Measurement]) -> Measurement:
    return sorted(values, key=lambda m: m.requests_per_second)[len(values) // 2]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per measurement")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--sizes", default="small,medium,large")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds; the median is shown")
    args = parser.parse_args()
    sizes = args.sizes.split(",")
    rounds: dict[tuple[str, str], list[Measurement]] = {}
    with (
        canned_upstream() as upstream,
        bare_proxy(upstream) as (bare_url, bare_pid),
        gateway(upstream, VALIDATION_OFF) as (off_url, off_pid),
        gateway(upstream, VALIDATION_FULL) as (full_url, full_pid),
    ):
        targets: dict[str, tuple[str, int | None]] = {
            UPSTREAM: (upstream, None),
            BARE: (bare_url, bare_pid),
            OFF: (off_url, off_pid),
            FULL: (full_url, full_pid),
        }
        for size in sizes:
            path, body, _ = CASES[size]
            for base, _pid in targets.values():
                run_wrk(base + path, body, min(1.0, args.duration), args.connections)  # warm-up
            for _ in range(args.rounds):
                for name, (base, pid) in targets.items():
                    measured = measure(base + path, body, args.duration, args.connections, pid)
                    rounds.setdefault((size, name), []).append(measured)
    results = {key: _median(values) for key, values in rounds.items()}
    print(
        f"wrk -t1 -c{args.connections} -d{args.duration}s x {args.rounds} interleaved rounds (median shown), "
        "each proxy on one core, upstream and wrk on the other"
    )
    print(
        f"{'size':8} {'target':26} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'cpu us/req':>10}"
    )
    for size in sizes:
        for name in TARGETS:
            m = results[(size, name)]
            cpu = f"{m.cpu_us_per_request:10.0f}" if m.cpu_us_per_request is not None else f"{'-':>10}"
            row = f"{m.requests_per_second:9.0f} {m.p50_ms:8.2f} {m.p99_ms:8.2f} {m.errors:7d} {cpu}"
            print(f"{size:8} {name:26} {row}")
    print()
    print("ratios to the bare aiohttp proxy (req/s; cpu: gateway us/req over bare us/req)")
    print(f"{'size':8} {'off/bare':>9} {'full/bare':>10} {'cpu full/bare':>14}")
    for size in sizes:
        bare, off, full = (results[(size, n)] for n in (BARE, OFF, FULL))
        cpu_ratio = (full.cpu_us_per_request or 0.0) / (bare.cpu_us_per_request or 1.0)
        print(
            f"{size:8} {off.requests_per_second / bare.requests_per_second:9.2f} "
            f"{full.requests_per_second / bare.requests_per_second:10.2f} {cpu_ratio:14.2f}"
        )


if __name__ == "__main__":
    main()
