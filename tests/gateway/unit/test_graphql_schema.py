"""GraphQL schemas are compiled at start-up: an operation carrying `x-mlops-graphql-schema` gets
its SDL compiled from beside the spec, and a missing or invalid SDL stops the gateway (and
`spec-check`) with a ContractError naming the file and the place in the spec."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.app import build_app
from gateway.cli import main
from gateway.contract import Contract, ContractError
from tests.support.graphql import graphql_gateway_config, write_graphql_spec


def test_the_operation_gets_its_schema_compiled_from_beside_the_spec(tmp_path: Path) -> None:
    contract = Contract.load(write_graphql_spec(tmp_path))
    graphql = contract.operations["graphql"].graphql
    assert graphql is not None
    assert graphql.root_fields["query"] == {"workspace", "workspace_by_pk", "model"}
    assert graphql.root_fields["mutation"] == {"insert_workspace_one"}
    assert {"workspace", "timestamptz", "order_by", "asc", "where", "skip"} <= graphql.names


@pytest.mark.parametrize(
    ("sdl", "reason"),
    [
        (None, "cannot read the GraphQL schema"),
        ("type Query { id: Int", "is invalid: Syntax Error"),
        ("type Query { owner: nosuchtype }", "is invalid: Unknown type 'nosuchtype'"),
        ("type Query { id: Int } type Query { name: String }", "is invalid"),
        ("type workspace { id: Int }", "Query root type must be provided"),
        ("interface Named { name: String } type Query implements Named { id: Int }", "is invalid"),
    ],
)
def test_a_missing_or_invalid_sdl_stops_start_up(tmp_path: Path, sdl: str | None, reason: str) -> None:
    spec = write_graphql_spec(tmp_path, sdl)
    with pytest.raises(ContractError, match=reason) as raised:
        Contract.load(spec)
    assert "x-mlops-graphql-schema" in str(raised.value)
    with pytest.raises(ContractError, match=reason):
        build_app(graphql_gateway_config("http://127.0.0.1:9", spec))


def test_spec_check_reports_a_bad_sdl(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = write_graphql_spec(tmp_path, "type Query { owner: nosuchtype }")
    assert main(["spec-check", "--spec", str(spec)]) == 1
    assert "Unknown type 'nosuchtype'" in capsys.readouterr().err
    (tmp_path / "wallaroo.graphql").write_text("type Query { id: Int }")
    assert main(["spec-check", "--spec", str(spec)]) == 0


def test_the_file_name_is_relative_to_the_spec_not_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = write_graphql_spec(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert Contract.load(spec).operations["graphql"].graphql is not None
