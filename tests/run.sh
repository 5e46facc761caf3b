#!/usr/bin/env bash
# The checks and the tests in one command, on a fresh machine or in CI (`.ci/run` runs exactly this):
# the system tools the tests use, the project with its [test] extra (editable), ruff, ruff format,
# mypy --strict, then pytest with nothing skipped (CI=true: a skip fails the run; exit 5, no tests
# collected, fails it too). Arguments go to pytest, e.g. `tests/run.sh tests/gateway -x`.
set -euo pipefail
cd "$(dirname "$0")/.."
export PIP_DISABLE_PIP_VERSION_CHECK=1 DEBIAN_FRONTEND=noninteractive CI=true

# system tools: one "command:apt-package" per entry (e.g. redis-server:redis-server, chromium:chromium)
system_tools=(
  wrk:wrk
  nginx:nginx-light
  redis-server:redis-server
  chromium:chromium
  prometheus:prometheus
  promtool:prometheus
)
missing=()
for tool in "${system_tools[@]}"; do
  command -v "${tool%%:*}" >/dev/null || missing+=("${tool#*:}")
done
if ((${#missing[@]})); then
  sudo=$([[ $(id -u) -eq 0 ]] || echo sudo)
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

python3 -m pip install -q -e '.[test]'

echo "== ruff check" && python3 -m ruff check .
echo "== ruff format --check" && python3 -m ruff format --check .
mypy_targets=(
  gateway
  conformance
  sandbox
  benchmarks
)
echo "== mypy --strict ${mypy_targets[*]}" && python3 -m mypy "${mypy_targets[@]}"
echo "== sdk venvs (the official SDKs, each in its own cached venv)" && python3 -m tests.support.sdk_venvs
echo "== pytest" && python3 -m pytest "$@"
