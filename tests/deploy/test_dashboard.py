"""A lint of deploy/grafana/dashboards/mlops-gateway.json: the variables Grafana needs, a title, unit
and description on every panel, `$__rate_interval` in every rate, and only metrics the gateway has."""

from __future__ import annotations

import re

from tests.deploy.monitoring import (
    METRIC_NAME,
    dashboard,
    exported_names,
    panel_expressions,
    panels,
    variables,
)

RANGE_FUNCTION = re.compile(r"\b(rate|increase|irate)\(")


def test_the_variables_are_a_prometheus_datasource_and_multi_value_team_operation_upstream() -> None:
    found = variables()
    assert found["datasource"]["type"] == "datasource" and found["datasource"]["query"] == "prometheus"
    for name in ("team", "operation", "upstream"):
        v = found[name]
        assert v["type"] == "query" and v["multi"] and v["includeAll"] and v["allValue"] == ".*", v
        assert v["definition"] == f"label_values(mlops_gateway_requests_total, {name})"
        assert v["datasource"]["uid"] == "${datasource}"


def test_the_dashboard_is_importable() -> None:
    document = dashboard()
    assert document["schemaVersion"] >= 36 and document["uid"] and document["title"]
    ids = [p["id"] for p in document["panels"]]
    assert len(ids) == len(set(ids))
    for p in document["panels"]:
        box = p["gridPos"]
        assert box["x"] + box["w"] <= 24 and box["h"] > 0


def test_every_panel_has_a_title_unit_description_and_the_datasource_variable() -> None:
    assert len(panels()) >= 15
    for p in panels():
        assert p["title"].strip(), p
        assert p["description"].strip(), p["title"]
        assert p["fieldConfig"]["defaults"]["unit"], p["title"]
        assert p["datasource"]["uid"] == "${datasource}", p["title"]
        assert p["targets"] and all(t["datasource"]["uid"] == "${datasource}" for t in p["targets"])


def test_every_rate_uses_rate_interval() -> None:
    for title, written in panel_expressions():
        expr = re.sub(r'"[^"]*"', '""', written)  # label values may hold brackets ("[45]..")
        for call in RANGE_FUNCTION.finditer(expr):
            closing = expr.index("]", call.end())
            window = expr[expr.rindex("[", 0, closing) + 1 : closing]
            assert window == "$__rate_interval", (title, expr)


def test_every_metric_named_exists_in_the_registry() -> None:
    names = exported_names()
    used = {m for _, expr in panel_expressions() for m in METRIC_NAME.findall(expr)}
    used |= {m for v in variables().values() for m in METRIC_NAME.findall(v.get("definition", ""))}
    assert used and used <= names, sorted(used - names)


def test_the_red_panels_and_the_drift_panels_are_there() -> None:
    titles = [p["title"] for p in panels()]
    assert titles[:2] == ["Request rate by team", "Request rate by operation"]  # RED first
    expressions = " ".join(expr for _, expr in panel_expressions())
    needed = [
        "by (source)", "mlops_gateway_upstream_duration_seconds_bucket", "by (operation, direction)",
        "mlops_gateway_unvalidated_responses_total", "mlops_gateway_token_expires_at_seconds",
        "mlops_gateway_token_renewals_total", "mlops_gateway_upstream_errors_total",
        "mlops_gateway_in_flight_requests", "mlops_gateway_request_body_bytes_sum",
        "mlops_gateway_response_body_bytes_sum",
    ]  # fmt: skip
    assert [n for n in needed if n not in expressions] == []
