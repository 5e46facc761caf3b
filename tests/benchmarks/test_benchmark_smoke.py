"""A seconds-long run of each benchmark, so the scripts keep working (figures come from full runs)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

import pytest

from tests.support import ROOT


def _run(*args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=240, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_proxy_throughput_smoke() -> None:
    for tool in ("wrk", "nginx"):
        if shutil.which(tool) is None and os.environ.get("CI") != "true":
            pytest.skip(f"{tool} is not installed (apt-get install wrk nginx-light); CI installs it")
    out = _run(
        "benchmarks.proxy_throughput",
        *("--duration", "1", "--connections", "4", "--sizes", "small", "--rounds", "1"),
        *("--workers", "1,2"),
    )
    number = r"\s+(\d+)\s+[\d.]+\s+[\d.]+\s+(\d+)\s+(\d+|-)$"
    rows = re.findall(r"^small\s+(-|uvloop|asyncio)\s+(\w+)" + number, out, re.MULTILINE)
    proxies = ["bare", "floor", "off", "full", "report", "sampled"]
    expected = [("-", "upstream")] + [(loop, p) for loop in ("uvloop", "asyncio") for p in proxies]
    assert [(loop, target) for loop, target, *_ in rows] == expected, out
    assert all(int(rps) > 0 and int(errors) == 0 for _, _, rps, errors, _ in rows), out
    assert rows[0][4] == "-" and all(int(cpu) > 0 for *_, cpu in rows[1:]), out  # proxies' own CPU
    ratios = re.findall(r"^small\s+(uvloop|asyncio)((?:\s+\d+\.\d\d){9})$", out, re.MULTILINE)
    assert [loop for loop, _ in ratios] == ["uvloop", "asyncio"], out
    scan = re.findall(r"^\s+([12])\s+(\d+)\s+[\d.]+\s+(\d+)\s+(\d+)$", out, re.MULTILINE)
    assert [workers for workers, *_ in scan] == ["1", "2"] and all(int(r) > 0 for _, r, _, _ in scan), out


def test_upload_streaming_smoke() -> None:
    out = _run("benchmarks.upload_streaming", "--stream-mib", "16", "--multipart-mib", "8")
    rows = re.findall(r"^upload.*?\s(\d+)\s+(\d+)\s+(\d+)\s+([\d.]+)\s+([\d.]+)$", out, re.MULTILINE)
    assert len(rows) == 2, out
    for _, direct, through, _, growth in rows:
        assert int(direct) > 0 and int(through) > 0
        assert float(growth) < 64, out  # a 16 MiB upload must not be held in memory


def test_memory_growth_smoke() -> None:
    out = _run("benchmarks.memory_growth", "--requests", "1200", "--warm", "400", "--connections", "4")
    rows = re.findall(r"^\s*(\d+)\s+(\d+)$", out, re.MULTILINE)
    assert [int(n) for n, _ in rows] == [0, 400, 1200], out  # every call of the mix answered
    assert all(int(rss) > 10_000 for _, rss in rows), out  # KiB: a live process's resident size
    assert re.search(r"^growth from 400 to 1200 requests: -?\d+\.\d%$", out, re.MULTILINE), out
