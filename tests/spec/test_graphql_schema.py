"""spec/wallaroo.graphql: named by the graphql operation, packaged, a valid SDL, hand-written for
the SDK - and every GraphQL document the installed wallaroo 2026.1.3 can send (each .graphql
file of wallaroo/graphql/, each inline gql() literal of its .py sources, and the queries its
client builds from a caller's filters) validates against it, as the SDK's gql client validates
them against the schema it introspects."""

from __future__ import annotations

import re

import pytest
import yaml
from graphql import GraphQLError, GraphQLSchema, build_schema, parse, validate

from gateway.config import LimitsConfig
from gateway.contract.graphql_request import GraphQLChecker, GraphQLLimits
from gateway.contract.graphql_schema import load_graphql_schema
from tests.support import ROOT
from tests.support.sdk_graphql import SdkDocument, built_documents, sdk_documents

SPEC_DIR = ROOT / "spec"
#: Documents of the SDK no schema can validate (SDK bugs), with the first error each answers.
SDK_BUGS = {
    "WorkspaceByName": "Unknown type 'string'. Did you mean 'String'?",
    "AddCommentToPipeline": "Variable '$pipeline_id' is not defined by operation 'AddCommentToPipeline'.",
}
#: f-string literals whose holes are whole variable lists and where clauses, so no placeholder
#: makes them parse; `built_documents` renders them (and the other built queries) as the SDK does.
UNPARSABLE_TEMPLATES = {"ModelByName", "PipelineByName"}
_OPERATION = re.compile(r"(?:query|mutation)\s+(\w+)")


def operation_name(document: SdkDocument) -> str:
    found = _OPERATION.search(document.text)
    return found.group(1) if found else document.where


@pytest.fixture(scope="module")
def schema() -> GraphQLSchema:
    return build_schema((SPEC_DIR / "wallaroo.graphql").read_text())


@pytest.fixture(scope="module")
def documents() -> list[SdkDocument]:
    return [*sdk_documents(), *built_documents()]


def first_errors(schema: GraphQLSchema, documents: list[SdkDocument]) -> dict[str, str]:
    """`where (operation)` -> the first validation error, for each document that fails."""
    failures = {}
    for document in documents:
        try:
            parsed = parse(document.text)
        except GraphQLError as error:
            if document.templated and operation_name(document) in UNPARSABLE_TEMPLATES:
                continue
            failures[f"{document.where} ({operation_name(document)})"] = f"does not parse: {error.message}"
            continue
        errors = validate(schema, parsed)
        if errors:
            failures[f"{document.where} ({operation_name(document)})"] = errors[0].message
    return failures


def test_the_graphql_operation_names_the_packaged_sdl() -> None:
    document = yaml.safe_load((SPEC_DIR / "openapi.yaml").read_text())
    operation = document["paths"]["/v1/graphql"]["post"]
    assert operation["operationId"] == "graphql"
    assert (SPEC_DIR / operation["x-mlops-graphql-schema"]).is_file()
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert 'spec = ["openapi.yaml", "wallaroo.graphql"]' in pyproject
    header = (SPEC_DIR / "wallaroo.graphql").read_text()[:600]
    assert "hand-written" in header and "wallaroo 2026.1.3" in header and "only what" in header


def test_every_graphql_document_of_the_sdk_validates(
    schema: GraphQLSchema, documents: list[SdkDocument]
) -> None:
    failures = first_errors(schema, documents)
    bugs = {
        where: error for where, error in failures.items() if where.endswith(tuple(f"({n})" for n in SDK_BUGS))
    }
    assert sorted(e for e in bugs.values()) == sorted(SDK_BUGS.values())
    rest = {where: error for where, error in failures.items() if where not in bugs}
    assert not rest, f"{len(rest)} of {len(documents)} SDK documents fail:\n" + "\n".join(
        f"  {where}: {error}" for where, error in sorted(rest.items())
    )


def test_the_gateway_passes_every_valid_sdk_document_within_its_default_limits(
    documents: list[SdkDocument],
) -> None:
    """Depth and root-field limits included: only the variables (not sent here) are missing."""
    contract = load_graphql_schema(SPEC_DIR, "wallaroo.graphql", "#/x-mlops-graphql-schema")
    defaults = LimitsConfig()
    checker = GraphQLChecker(GraphQLLimits(defaults.graphql_max_depth, defaults.graphql_max_root_fields))
    refused = {}
    for document in documents:
        name = operation_name(document)
        if name in SDK_BUGS:
            continue
        try:
            parse(document.text)
        except GraphQLError:
            continue  # an unparsable template (its rendering is among the documents too)
        _, problems = checker.check(contract, {"query": document.text, "operationName": name})
        kinds = [p for p in problems if p.kind != "graphql-variables"]
        if kinds:
            refused[document.where] = kinds[0].message
    assert not refused, refused


def test_the_documents_are_all_of_the_sdks(documents: list[SdkDocument]) -> None:
    """Every .graphql file, and inline literals of every module that sends one; only the named
    templates are left unparsed."""
    files = [d for d in documents if d.where.endswith(".graphql")]
    inline = [d for d in documents if re.fullmatch(r"[\w/]+\.py:\d+", d.where)]
    built = {d.where for d in documents} - {d.where for d in files + inline}
    assert len(files) == 186
    modules = {d.where.split(":")[0] for d in inline}
    assert {"client.py", "deployment.py", "pipeline.py", "tag.py", "comment.py", "assay.py"} <= modules
    assert "records/graphql_queries.py" in modules and len(inline) >= 60
    assert built == {
        "client.py _generate_search_pipeline_query",
        "client.py _generate_model_query",
        "client.py _generate_model_by_name_query",
        "client.py pipelines_by_name",
    }
    unparsed = set()
    for document in documents:
        try:
            parse(document.text)
        except GraphQLError:
            assert document.templated, document.where
            unparsed.add(operation_name(document))
    assert unparsed == UNPARSABLE_TEMPLATES


def test_a_document_the_sdl_does_not_cover_is_reported_with_its_first_error(schema: GraphQLSchema) -> None:
    failing = SdkDocument(
        "made-up.graphql", "query Made { workspace { id no_such_column } }", templated=False
    )
    assert first_errors(schema, [failing]) == {
        "made-up.graphql (Made)": "Cannot query field 'no_such_column' on type 'workspace'."
    }


def test_a_query_the_sdl_does_not_cover_is_rejected(schema: GraphQLSchema) -> None:
    errors = validate(schema, parse("query { workspace { id no_such_column } }"))
    assert [e.message for e in errors] == ["Cannot query field 'no_such_column' on type 'workspace'."]
