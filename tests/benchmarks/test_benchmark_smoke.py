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
    if shutil.which("wrk") is None and os.environ.get("CI") != "true":
        pytest.skip("wrk is not installed (apt-get install wrk); CI installs it and runs this")
    out = _run(
        "benchmarks.proxy_throughput",
        "--duration",
        "1",
        "--connections",
        "4",
        "--sizes",
        "small",
        "--rounds",
        "1",
    )
    rows = re.findall(r"^small\s+([abcd]) .*?\s(\d+)\s+[\d.]+\s+[\d.]+\s+(\d+)\s+(\d+|-)$", out, re.MULTILINE)
    assert [target for target, *_ in rows] == ["a", "b", "c", "d"], out
    assert all(int(rps) > 0 and int(errors) == 0 for _, rps, errors, _ in rows), out
    assert rows[0][3] == "-" and all(int(cpu) > 0 for *_, cpu in rows[1:]), out  # proxies' own CPU
    assert re.search(r"^small\s+\d+\.\d\d\s+\d+\.\d\d\s+\d+\.\d\d$", out, re.MULTILINE), out


def test_upload_streaming_smoke() -> None:
    out = _run("benchmarks.upload_streaming", "--stream-mib", "16", "--multipart-mib", "8")
    rows = re.findall(r"^upload.*?\s(\d+)\s+(\d+)\s+(\d+)\s+([\d.]+)\s+([\d.]+)$", out, re.MULTILINE)
    assert len(rows) == 2, out
    for _, direct, through, _, growth in rows:
        assert int(direct) > 0 and int(through) > 0
        assert float(growth) < 64, out  # a 16 MiB upload must not be held in memory
