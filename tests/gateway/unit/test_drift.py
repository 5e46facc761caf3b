"""The drift report: violations aggregated per (operation, direction, location, folded pointer,
kind), counted, time-stamped by an injected clock, bounded in rows per direction, read per team
or by an admin, and rendered in a stable order with totals."""

from __future__ import annotations

from gateway.contract import Violation
from gateway.drift import DriftReport

T0 = 1_700_000_000.25  # 2023-11-14T22:13:20.250Z


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _v(pointer: str, kind: str = "type", expected: str = "integer", found: str = "string") -> Violation:
    return Violation("body", pointer, kind, expected, found, f"{pointer} is wrong")


def _rows(report: DriftReport, team: str | None = None) -> list[dict[str, object]]:
    return report.snapshot(team)["violations"]  # type: ignore[no-any-return]


def test_one_violation_is_one_row_with_its_details() -> None:
    report = DriftReport(clock=Clock())
    report.record("workspaces_list", "response", [_v("/workspaces/0/id")], "req-1")
    assert _rows(report) == [
        {
            "operation": "workspaces_list",
            "direction": "response",
            "location": "body",
            "pointer": "/workspaces/*/id",
            "kind": "type",
            "expected": "integer",
            "found": "string",
            "count": 1,
            "first_seen": "2023-11-14T22:13:20.250Z",
            "last_seen": "2023-11-14T22:13:20.250Z",
            "sample_request_id": "req-1",
            "teams": ["anonymous"],
        }
    ]


def test_array_indices_are_folded_so_a_long_list_is_one_row() -> None:
    report = DriftReport(clock=Clock())
    report.record("op", "response", [_v(f"/items/{i}/tags/{i * 7}") for i in range(1000)], "r")
    rows = _rows(report)
    assert [(r["pointer"], r["count"]) for r in rows] == [("/items/*/tags/*", 1000)]


def test_only_whole_numeric_segments_are_folded() -> None:
    report = DriftReport(clock=Clock())
    report.record("op", "request", [_v("/0"), _v("/a1/b"), _v("/v2/3"), _v("/x/12y")], "r")
    assert sorted(r["pointer"] for r in _rows(report)) == ["/*", "/a1/b", "/v2/*", "/x/12y"]


def test_each_part_of_the_key_makes_its_own_row() -> None:
    report = DriftReport(clock=Clock())
    report.record("op", "response", [_v("/a"), _v("/a", kind="required")], "r1")
    report.record("op", "request", [_v("/a")], "r2")
    report.record("other", "response", [_v("/a")], "r3")
    keys = {(r["operation"], r["direction"], r["pointer"], r["kind"]) for r in _rows(report)}
    assert keys == {
        ("op", "response", "/a", "type"),
        ("op", "response", "/a", "required"),
        ("op", "request", "/a", "type"),
        ("other", "response", "/a", "type"),
    }


def test_repeats_count_up_keep_the_first_sample_and_move_last_seen() -> None:
    clock = Clock()
    report = DriftReport(clock=clock)
    report.record("op", "response", [_v("/a", found="string")], "first")
    clock.now = T0 + 60
    report.record("op", "response", [_v("/a", found="null")], "second")
    clock.now = T0 + 120.5
    report.record("op", "response", [_v("/a", found="boolean")], "third")
    (row,) = _rows(report)
    assert row["count"] == 3
    assert row["found"] == "string" and row["sample_request_id"] == "first"
    assert row["first_seen"] == "2023-11-14T22:13:20.250Z"
    assert row["last_seen"] == "2023-11-14T22:15:20.750Z"


def test_the_report_starts_at_its_clocks_time_and_is_empty() -> None:
    report = DriftReport(clock=Clock(T0 - 20))
    assert report.snapshot() == {
        "since": "2023-11-14T22:13:00.250Z",
        "scope": "all",
        "team": None,
        "total": 0,
        "operations": {},
        "violations": [],
        "undocumented": [],
        "dropped_rows": {"request": 0, "response": 0, "undocumented": 0},
    }


def test_rows_are_bounded_and_dropped_ones_counted_while_known_rows_keep_counting() -> None:
    report = DriftReport(max_response_rows=2, clock=Clock())
    report.record("op", "response", [_v("/a"), _v("/b")], "r1")
    report.record("op", "response", [_v("/c"), _v("/d"), _v("/a")], "r2")
    report.record("op", "response", [_v("/c")], "r3")
    snapshot = report.snapshot()
    assert [(r["pointer"], r["count"]) for r in snapshot["violations"]] == [("/a", 2), ("/b", 1)]
    assert snapshot["dropped_rows"] == {"request": 0, "response": 3, "undocumented": 0}
    assert snapshot["total"] == 3  # dropped violations are not in the totals


def test_snapshot_orders_by_count_then_operation_then_pointer_and_totals_per_operation() -> None:
    report = DriftReport(clock=Clock())
    report.record("b_op", "response", [_v("/z")] * 3, "r")
    report.record("a_op", "response", [_v("/y")] * 3 + [_v("/x")] * 3, "r")
    report.record("a_op", "request", [_v("/w")], "r")
    report.record("c_op", "response", [_v("/v")] * 5, "r")
    snapshot = report.snapshot()
    order = [(r["operation"], r["pointer"], r["count"]) for r in snapshot["violations"]]
    assert order == [
        ("c_op", "/v", 5),
        ("a_op", "/x", 3),
        ("a_op", "/y", 3),
        ("b_op", "/z", 3),
        ("a_op", "/w", 1),
    ]
    assert snapshot["total"] == 15
    assert snapshot["operations"] == {"c_op": 5, "a_op": 7, "b_op": 3}


def test_an_empty_list_of_violations_records_nothing() -> None:
    report = DriftReport(clock=Clock())
    report.record("op", "response", [], "r")
    assert _rows(report) == [] and report.snapshot()["total"] == 0


def test_request_rows_cannot_crowd_out_response_rows() -> None:
    report = DriftReport(max_request_rows=3, max_response_rows=3, clock=Clock())
    report.record("op", "request", [_v(f"/r{i}") for i in range(50)], "client-mistakes")
    report.record("op", "response", [_v("/workspace_id")], "upstream-drift")
    snapshot = report.snapshot()
    by_direction = [(r["direction"], r["pointer"]) for r in snapshot["violations"]]
    assert ("response", "/workspace_id") in by_direction
    assert sum(1 for d, _ in by_direction if d == "request") == 3
    assert snapshot["dropped_rows"] == {"request": 47, "response": 0, "undocumented": 0}


def test_free_form_keys_are_one_row_whatever_their_number() -> None:
    report = DriftReport(max_request_rows=10, max_response_rows=10, clock=Clock())
    free = [
        Violation("body", f"/next/k{i}", "type", "type integer", "string", "m", "/next/{key}")
        for i in range(3000)
    ]
    report.record("assays_get_baseline", "request", free, "r")
    report.record("workspaces_create", "response", [_v("/workspace_id")], "r2")
    rows = {(r["operation"], r["pointer"]): r["count"] for r in _rows(report)}
    assert rows == {("assays_get_baseline", "/next/{key}"): 3000, ("workspaces_create", "/workspace_id"): 1}
    assert report.snapshot()["dropped_rows"] == {"request": 0, "response": 0, "undocumented": 0}


def test_a_team_reads_its_own_request_rows_and_every_response_row() -> None:
    clock = Clock()
    report = DriftReport(clock=clock)
    report.record("op", "request", [_v("/a_only")], "a-req-1", "alpha")
    clock.now = T0 + 10
    report.record("op", "request", [_v("/shared")], "a-req-2", "alpha")
    clock.now = T0 + 20
    report.record("op", "request", [_v("/shared")], "b-req-1", "beta")
    report.record("op", "response", [_v("/drift")], "a-req-3", "alpha")
    beta = {(r["direction"], r["pointer"]): r for r in _rows(report, "beta")}
    assert set(beta) == {("request", "/shared"), ("response", "/drift")}
    shared = beta["request", "/shared"]
    # only beta's own share of a row both teams produced: count, times and sample
    assert (shared["count"], shared["sample_request_id"]) == (1, "b-req-1")
    assert shared["first_seen"] == "2023-11-14T22:13:40.250Z" and "teams" not in shared
    # every response row, but never another team's request id
    drift = beta["response", "/drift"]
    assert drift["count"] == 1 and drift["sample_request_id"] is None
    alpha = {(r["direction"], r["pointer"]): r for r in _rows(report, "alpha")}
    assert alpha["request", "/shared"]["sample_request_id"] == "a-req-2"
    assert alpha["response", "/drift"]["sample_request_id"] == "a-req-3"
    snapshot = report.snapshot("beta")
    assert snapshot["scope"] == "team" and snapshot["team"] == "beta" and snapshot["total"] == 2
    assert all("a-req" not in str(v) for v in snapshot["violations"])


def test_the_admin_view_has_every_row_with_its_teams_and_totals() -> None:
    report = DriftReport(clock=Clock())
    report.record("op", "request", [_v("/shared")], "a-req", "alpha")
    report.record("op", "request", [_v("/shared")], "b-req", "beta")
    report.record("op", "request", [_v("/b_only")], "b-req-2", "beta")
    everything = {r["pointer"]: r for r in _rows(report)}
    assert set(everything) == {"/shared", "/b_only"}
    assert everything["/shared"]["count"] == 2 and everything["/shared"]["teams"] == ["alpha", "beta"]
    assert everything["/shared"]["sample_request_id"] == "a-req"
    assert _rows(report, "gamma") == []


def test_teams_remembered_per_row_are_bounded() -> None:
    report = DriftReport(max_teams=2, clock=Clock())
    for team in ("t1", "t2", "t3"):
        report.record("op", "request", [_v("/a")], f"{team}-req", team)
    (row,) = _rows(report)
    assert row["count"] == 3 and row["teams"] == ["t1", "t2"]
    assert _rows(report, "t3") == []  # a team the row could not remember does not see it


def test_texts_kept_in_a_row_are_clipped() -> None:
    report = DriftReport(clock=Clock())
    report.record("op", "response", [_v("/" + "p" * 5000, expected="e" * 5000, found="f" * 5000)], "r")
    (row,) = _rows(report)
    assert all(len(str(row[name])) <= 160 for name in ("pointer", "expected", "found"))


def test_undocumented_calls_are_rows_by_upstream_method_and_shape_with_their_own_budget() -> None:
    clock = Clock()
    report = DriftReport(clock=clock, max_undocumented_rows=2, max_request_rows=1)
    report.record_undocumented("wallaroo", "POST", "/v1/api/models/{param}", "req-1", "alpha")
    clock.now += 2
    report.record_undocumented("wallaroo", "POST", "/v1/api/models/{param}", "req-2", "beta")
    report.record_undocumented("wallaroo", "GET", "/v1/api/models/{param}", "req-3", "alpha")
    report.record_undocumented("openlayer", "POST", "/v1/other", "req-4", "alpha")  # over the budget
    report.record("workspaces_list", "request", [_v("/a")], "req-5", "alpha")  # budgets are apart
    admin = report.snapshot()
    assert admin["undocumented"] == [
        {
            "upstream": "wallaroo",
            "method": "POST",
            "path": "/v1/api/models/{param}",
            "count": 2,
            "first_seen": "2023-11-14T22:13:20.250Z",
            "last_seen": "2023-11-14T22:13:22.250Z",
            "sample_request_id": "req-1",
            "teams": ["alpha", "beta"],
        },
        {
            "upstream": "wallaroo",
            "method": "GET",
            "path": "/v1/api/models/{param}",
            "count": 1,
            "first_seen": "2023-11-14T22:13:22.250Z",
            "last_seen": "2023-11-14T22:13:22.250Z",
            "sample_request_id": "req-3",
            "teams": ["alpha"],
        },
    ]
    assert admin["dropped_rows"] == {"request": 0, "response": 0, "undocumented": 1}
    assert len(admin["violations"]) == 1
    beta = report.snapshot("beta")["undocumented"]
    assert beta == [
        {
            "upstream": "wallaroo",
            "method": "POST",
            "path": "/v1/api/models/{param}",
            "count": 1,
            "first_seen": "2023-11-14T22:13:22.250Z",
            "last_seen": "2023-11-14T22:13:22.250Z",
            "sample_request_id": "req-2",
        }
    ]
