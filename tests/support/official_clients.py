"""The Wallaroo SDK's generated client (`wallaroo_ml_ops_api_client`), taken from the PyPI
`wallaroo` wheel as published. The SDK itself pins versions that clash with this project (pyjwt,
pyarrow), so only its generated client - which needs just httpx, attrs and python-dateutil - is
extracted and imported; it is the code every SDK call goes through."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from tests.support import ROOT

WALLAROO_VERSION = "2026.1.3"
CACHE = ROOT / ".cache" / "official-clients"
PACKAGE = "wallaroo_ml_ops_api_client"


def wallaroo_generated_client() -> Path:
    """Download the wheel once (pip, no dependencies) and make the generated client importable."""
    target = CACHE / f"wallaroo-{WALLAROO_VERSION}"
    if not (target / PACKAGE / "__init__.py").exists():
        wheels = CACHE / "wheels"
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:", "-q",
             "-d", str(wheels), f"wallaroo=={WALLAROO_VERSION}"],
            check=True, timeout=300,
        )  # fmt: skip
        wheel = next(wheels.glob(f"wallaroo-{WALLAROO_VERSION}-*.whl"))
        prefix = f"wallaroo/{PACKAGE}/"
        with zipfile.ZipFile(wheel) as archive:
            for member in archive.namelist():
                if member.startswith(prefix) and member.endswith(".py"):
                    destination = target / PACKAGE / member[len(prefix) :]
                    destination.parent.mkdir(parents=True, exist_ok=True)
                    destination.write_bytes(archive.read(member))
    if str(target) not in sys.path:
        sys.path.insert(0, str(target))
    return target
