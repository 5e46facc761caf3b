"""Throughput and latency of the gateway, side by side in one run.

    python -m benchmarks.proxy_throughput [--duration 10] [--connections 32]

Starts a canned upstream (its own process and core) and, with the same load generator (wrk, one
thread), measures for a small (~600 B), medium (~8 KB) and large (~1 MB) response:
  a) the upstream directly,
  b) the gateway with validation off,
  c) the gateway with full request and response validation (both enforced),
and prints requests/s, p50 and p99 latency, and the ratios c/b and c/a. The gateway runs on one
core. The three targets are measured in interleaved rounds and each figure is the median round, so
load that comes and goes on a shared machine hits all three alike; the ratios are the point.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from benchmarks.payloads import CASES
from benchmarks.processes import BENCH_KEY, canned_upstream, gateway

WRK_SCRIPT = """
wrk.method = "POST"
wrk.body = [[{body}]]
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer {key}"
"""
VALIDATION_OFF = {"request": "off", "response": "off"}
VALIDATION_FULL = {"request": "enforce", "response": "enforce", "max_response_bytes": "4MiB"}


@dataclass(frozen=True)
class Measurement:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int


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
    return Measurement(rps, _ms(*p50.groups()), _ms(*p99.groups()), errors)  # type: ignore[union-attr]


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
    with canned_upstream() as upstream:
        targets = {"a upstream": upstream}
        with (
            gateway(upstream, VALIDATION_OFF) as (off_url, _),
            gateway(upstream, VALIDATION_FULL) as (full_url, _),
        ):
            targets["b gateway, validation off"] = off_url
            targets["c gateway, full validation"] = full_url
            for size in sizes:
                path, body, _ = CASES[size]
                for base in targets.values():
                    run_wrk(base + path, body, min(1.0, args.duration), args.connections)  # warm-up
                for _ in range(args.rounds):
                    for name, base in targets.items():
                        measured = run_wrk(base + path, body, args.duration, args.connections)
                        rounds.setdefault((size, name), []).append(measured)
    results = {key: _median(values) for key, values in rounds.items()}
    print(
        f"wrk -t1 -c{args.connections} -d{args.duration}s x {args.rounds} interleaved rounds (median shown), "
        "gateway on one core, upstream and wrk on the other"
    )
    print(f"{'size':8} {'target':28} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for size in sizes:
        for name in ("a upstream", "b gateway, validation off", "c gateway, full validation"):
            m = results[(size, name)]
            row = f"{m.requests_per_second:9.0f} {m.p50_ms:8.2f} {m.p99_ms:8.2f} {m.errors:7d}"
            print(f"{size:8} {name:28} {row}")
    print()
    print(f"{'size':8} {'c/b':>6} {'c/a':>6}")
    for size in sizes:
        a, b, c = (
            results[(size, n)].requests_per_second
            for n in ("a upstream", "b gateway, validation off", "c gateway, full validation")
        )
        print(f"{size:8} {c / b:6.2f} {c / a:6.2f}")


if __name__ == "__main__":
    main()
