"""What the deploy tests read from deploy/: the dashboard's panels, variables and PromQL expressions
(with Grafana's variables filled in), the rules file's expressions, the metric names the gateway
exports, and the Prometheus binaries (skipped when missing, except under `CI=true`, where it fails).
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from gateway.metrics import GatewayMetrics

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
DASHBOARD = DEPLOY / "grafana" / "dashboards" / "mlops-gateway.json"
PROMETHEUS_DIR = DEPLOY / "prometheus"
RULES = PROMETHEUS_DIR / "rules.yml"
METRIC_NAME = re.compile(r"\bmlops_gateway_[a-z0-9_]+")
LABEL_VALUES = re.compile(r"label_values\((\w+),\s*(\w+)\)")
_SUFFIXES = {"counter": ("_total", "_created"), "histogram": ("_bucket", "_sum", "_count", "_created")}


def dashboard() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    return document


def panels() -> list[dict[str, Any]]:
    """Every panel but the rows (which only group them)."""
    return [p for p in dashboard()["panels"] if p["type"] != "row"]


def variables() -> dict[str, dict[str, Any]]:
    return {v["name"]: v for v in dashboard()["templating"]["list"]}


def panel_expressions() -> list[tuple[str, str]]:
    """(panel title, PromQL) for every target of every panel, as written (variables unfilled)."""
    return [(p["title"], t["expr"]) for p in panels() for t in p["targets"]]


def variable_expressions() -> list[tuple[str, str]]:
    """Each query variable's `label_values(metric, label)` as the PromQL Grafana runs for it."""
    found = []
    for name, v in variables().items():
        if v["type"] == "query":
            metric, label = LABEL_VALUES.fullmatch(v["definition"]).groups()  # type: ignore[union-attr]
            found.append((f"${name}", f"group by ({label}) ({metric})"))
    return found


def filled(expr: str, values: dict[str, str] | None = None, rate_interval: str = "1m") -> str:
    """The expression as Grafana sends it: `$__rate_interval` given, each variable its selected
    value (a `|` alternation when several are selected) or `.*` (All)."""
    expr = expr.replace("$__rate_interval", rate_interval)
    chosen = values or {}
    return re.sub(r"\$(team|operation|upstream)\b", lambda m: chosen.get(m[1], ".*"), expr)


def rule_expressions() -> list[tuple[str, str]]:
    """(record or alert name, PromQL) for every rule of the rules file."""
    groups = yaml.safe_load(RULES.read_text(encoding="utf-8"))["groups"]
    return [(r.get("alert") or r["record"], r["expr"]) for g in groups for r in g["rules"]]


def exported_names() -> set[str]:
    """Every sample name the gateway's registry can export (families and their suffixes)."""
    names = set()
    for family in GatewayMetrics().registry.collect():
        names.add(family.name)
        names.update(family.name + suffix for suffix in _SUFFIXES.get(family.type, ()))
    return names


def binary(name: str) -> str:
    """The path of a Prometheus binary: skip without it, fail under CI=true (tests/run.sh installs it)."""
    found = shutil.which(name)
    if found is None:
        message = f"{name} is not installed (apt-get install prometheus; tests/run.sh does)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return found
