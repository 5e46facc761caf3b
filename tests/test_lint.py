"""The code base stays ruff clean (the README's test command runs this too)."""

import shutil
import subprocess
import sys
from pathlib import Path

from tests.support import ROOT


def test_ruff_check_is_clean() -> None:
    ruff = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    result = subprocess.run(
        [ruff, "check", "gateway", "sandbox", "conformance", "tests", "benchmarks"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
