"""Throughput, latency and CPU cost of the gateway, side by side with a bare aiohttp proxy, in one run.

    python -m benchmarks.proxy_throughput [--duration 5] [--rounds 3] [--loops uvloop,asyncio]
                                          [--sizes small,medium,large] [--processes 3]
                                          [--workers 1,2]

An nginx upstream answers fixed bodies (its own cost is negligible next to any Python proxy's) and
the same load generator (wrk, one thread, on the other core) measures, for a small (~600 B),
medium (~8 KB) and large (~1 MB) response, on each event loop:
  upstream  the upstream directly,
  bare      a bare aiohttp proxy (benchmarks.bare_proxy: read, forward, relay; the reference),
  floor     the bare proxy plus only the work a validating gateway cannot skip (benchmarks.floor_proxy:
            key, match, header hygiene, both directions validated, one counter, one histogram, one
            access line): what the gateway's own pipeline costs is the distance from floor to full,
  off       the gateway with validation off,
  full      the gateway checking both directions, both enforced,
  report    the gateway checking both directions, responses in report mode (the default: large
            answers are relayed before they are checked),
  sampled   as report, checking 1 in 10 large answers (validation.large_response_sample: 0.1),
and prints requests/s, p50 and p99 latency, the proxy's CPU microseconds per request (its own
utime + stime from /proc, over the requests wrk counted), and the ratios to the bare proxy on the
same loop. Each proxy runs alone on one core. The targets are measured in interleaved rounds and
each figure is the median round, so load that comes and goes on a shared machine hits all of them
alike; the ratios are the point. One process of the same code runs up to ~10% faster or slower
than another (measured: four processes of one proxy in one run spanned 0.89-1.07 of the bare
proxy), so `--processes 3` starts three of each proxy and takes the median over all their rounds.

With --workers 1,2 it also runs the full gateway with that many worker processes (not pinned: they
need the cores) on the small response and prints requests per CPU-second of the whole process tree,
to show that the cost of a request does not grow with the workers.
"""

from __future__ import annotations

import argparse
import dataclasses
import re
import subprocess
import tempfile
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from benchmarks.payloads import CASES
from benchmarks.processes import BENCH_KEY, bare_proxy, gateway, nginx_upstream, process_tree_cpu_seconds

WRK_SCRIPT = """
wrk.method = "POST"
wrk.body = [[{body}]]
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer {key}"
"""
VALIDATION_OFF = {"request": "off", "response": "off"}
VALIDATION_FULL = {"request": "enforce", "response": "enforce", "max_response_bytes": "4MiB"}
VALIDATION_REPORT = {"request": "enforce", "response": "report", "max_response_bytes": "4MiB"}
VALIDATION_SAMPLED: dict[str, object] = {**VALIDATION_REPORT, "large_response_sample": 0.1}
GATEWAYS: dict[str, Mapping[str, object]] = {
    "off": VALIDATION_OFF,
    "full": VALIDATION_FULL,
    "report": VALIDATION_REPORT,
    "sampled": VALIDATION_SAMPLED,
}
REFERENCES = ("bare", "floor")
PROXIES = (*REFERENCES, *GATEWAYS)
LOOPS = ("uvloop", "asyncio")


@dataclass(frozen=True)
class Measurement:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int
    requests: int
    cpu_us_per_request: float | None = None


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def run_wrk(url: str, body: bytes, duration: float, connections: int) -> Measurement:
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "post.lua"
        script.write_text(WRK_SCRIPT.format(body=body.decode(), key=BENCH_KEY))
        command = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(duration))}s", "--latency"]
        out = subprocess.run(
            ["taskset", "-c", "1", *command, "-s", str(script), url],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)", out)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    # "Socket errors: connect 0, read 0, write 0, timeout 0" and "Non-2xx or 3xx responses: 12"
    errors = sum(
        int(n) for n in re.findall(r"(?:Non-2xx or 3xx responses:|connect|read|write|timeout) (\d+)", out)
    )
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    return Measurement(rps, _ms(*p50.groups()), _ms(*p99.groups()), errors, requests)  # type: ignore[union-attr]


def check_answer(url: str, body: bytes, expected: bytes) -> None:
    """One call first: a target that does not answer 200 with the upstream's body is not measured
    (wrk would count its refusals as fast answers)."""
    request = urllib.request.Request(url, data=body, method="POST")
    request.add_header("Content-Type", "application/json")
    request.add_header("Authorization", f"Bearer {BENCH_KEY}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, answer = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, answer = exc.code, exc.read()
    if (status, answer) != (200, expected):
        raise SystemExit(f"{url} answered {status} with {len(answer)} bytes, not 200 with {len(expected)}")


def measure(url: str, body: bytes, duration: float, connections: int, pid: int | None) -> Measurement:
    """One wrk run, with the CPU the process `pid` (and its children) spent on it per request."""
    before = process_tree_cpu_seconds(pid) if pid is not None else 0.0
    measured = run_wrk(url, body, duration, connections)
    if pid is None or not measured.requests:
        return measured
    spent = process_tree_cpu_seconds(pid) - before
    return dataclasses.replace(measured, cpu_us_per_request=spent / measured.requests * 1e6)


def _median(values: list[Measurement]) -> Measurement:
    return sorted(values, key=lambda m: m.requests_per_second)[len(values) // 2]


@contextmanager
def _proxies(
    upstream: str, loops: list[str], processes: int
) -> Iterator[dict[tuple[str, str, int], tuple[str, int]]]:
    """`processes` of every proxy on every loop, each pinned to core 0: (loop, proxy, n) -> (URL, pid)."""
    with ExitStack() as stack:
        started = {}
        for n in range(processes):
            for loop in loops:
                for name in REFERENCES:
                    started[(loop, name, n)] = stack.enter_context(
                        bare_proxy(upstream, event_loop=loop, module=f"{name}_proxy")
                    )
                for name, validation in GATEWAYS.items():
                    started[(loop, name, n)] = stack.enter_context(
                        gateway(upstream, validation, event_loop=loop)
                    )
        yield started


def _bodies() -> Mapping[str, bytes]:
    return {path: make() for path, _, make in CASES.values()}


def _cpu(m: Measurement) -> str:
    return f"{m.cpu_us_per_request:10.0f}" if m.cpu_us_per_request is not None else f"{'-':>10}"


def _row(m: Measurement) -> str:
    return f"{m.requests_per_second:9.0f} {m.p50_ms:8.2f} {m.p99_ms:8.2f} {m.errors:7d} {_cpu(m)}"


def throughput(args: argparse.Namespace) -> None:
    sizes, loops = args.sizes.split(","), args.loops.split(",")
    rounds: dict[tuple[str, str, str], list[Measurement]] = {}
    with nginx_upstream(_bodies()) as upstream, _proxies(upstream, loops, args.processes) as proxies:
        targets: dict[tuple[str, str, int], tuple[str, int | None]] = {("-", "upstream", 0): (upstream, None)}
        targets.update(proxies)
        for size in sizes:
            path, body, make = CASES[size]
            for base, _pid in targets.values():
                check_answer(base + path, body, make())
                run_wrk(base + path, body, 1.0, args.connections)  # warm-up
            for _ in range(args.rounds):
                for (loop, name, _n), (base, pid) in targets.items():
                    measured = measure(base + path, body, args.duration, args.connections, pid)
                    rounds.setdefault((size, loop, name), []).append(measured)
    results = {key: _median(values) for key, values in rounds.items()}
    print(
        f"wrk -t1 -c{args.connections} -d{args.duration:g}s x {args.rounds} interleaved rounds x "
        f"{args.processes} process(es) per proxy (median shown); each proxy alone on core 0, nginx "
        "upstream and wrk on core 1"
    )
    header = f"{'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'cpu us/req':>10}"
    print(f"{'size':8} {'loop':8} {'target':9} {header}")
    for size in sizes:
        print(f"{size:8} {'-':8} {'upstream':9} {_row(results[(size, '-', 'upstream')])}")
        for loop in loops:
            for name in PROXIES:
                print(f"{size:8} {loop:8} {name:9} {_row(results[(size, loop, name)])}")
    print()
    print("ratios to the bare aiohttp proxy on the same loop (req/s; cpu and p50: gateway over bare)")
    columns = (*PROXIES[1:], "cpu floor", "cpu full", "p50 report", "p50 sampled")
    print(f"{'size':8} {'loop':8} " + " ".join(f"{c:>10}" for c in columns))
    for size in sizes:
        for loop in loops:
            of = {name: results[(size, loop, name)] for name in PROXIES}
            bare = of["bare"]
            ratios = [of[name].requests_per_second / bare.requests_per_second for name in PROXIES[1:]]
            for name in ("floor", "full"):
                ratios.append((of[name].cpu_us_per_request or 0.0) / (bare.cpu_us_per_request or 1.0))
            ratios += [of[name].p50_ms / bare.p50_ms for name in ("report", "sampled")]
            print(f"{size:8} {loop:8} " + " ".join(f"{r:10.2f}" for r in ratios))


def workers_scan(args: argparse.Namespace) -> None:
    """Requests per CPU-second of the full gateway with each worker count, on the small response."""
    path, body, _ = CASES["small"]
    counts = [int(n) for n in args.workers.split(",")]
    print()
    print(
        f"--workers: full gateway, small response, wrk -c{args.connections} -d{args.duration:g}s (unpinned)"
    )
    print(f"{'workers':>7} {'req/s':>9} {'p50 ms':>8} {'cpu us/req':>10} {'req/cpu-s':>10}")
    with nginx_upstream(_bodies()) as upstream:
        for count in counts:
            with gateway(upstream, VALIDATION_FULL, core=None, workers=count) as (url, pid):
                run_wrk(url + path, body, 1.0, args.connections)  # warm-up
                runs = [measure(url + path, body, args.duration, args.connections, pid)]
                runs += [measure(url + path, body, args.duration, args.connections, pid)]
                m = _median(runs)
                per_cpu_second = 1e6 / (m.cpu_us_per_request or 1.0)
                row = f"{m.requests_per_second:9.0f} {m.p50_ms:8.2f} {_cpu(m)} {per_cpu_second:10.0f}"
                print(f"{count:7d} {row}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per measurement")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--sizes", default="small,medium,large")
    parser.add_argument("--loops", default=",".join(LOOPS), help="event loops of the proxies")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds; the median is shown")
    parser.add_argument(
        "--processes",
        type=int,
        default=1,
        help="processes started per proxy, all measured (one process's speed varies by ~10%%)",
    )
    parser.add_argument("--workers", default="", help="worker counts to compare, e.g. 1,2 (default: none)")
    args = parser.parse_args()
    throughput(args)
    if args.workers:
        workers_scan(args)


if __name__ == "__main__":
    main()
