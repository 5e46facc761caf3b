"""spec/wallaroo.graphql: named by the graphql operation, packaged, a valid SDL, hand-written for
the SDK's queries - and every query of the SDK's workflow (its .graphql files and its inline
gql() strings, read from the installed wallaroo 2026.1.3) validates against it, as the SDK's gql
client validates them against the schema it introspects."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from graphql import build_schema, parse, validate

from tests.support import ROOT
from tests.support.sdk_venvs import sdk_python

SPEC_DIR = ROOT / "spec"
#: .graphql files of the SDK (wallaroo/graphql/) the workflow runs.
WORKFLOW_FILES = (
    "WorkspaceById",
    "UserDefaultWorkspace",
    "CreateDefaultUserWorkspace",
    "PipelineVariantById",
    "PipelineModels",
    "GetDeploymentForPipeline",
    "ListDeployments",
)
#: Inline gql() operations of the SDK's modules the workflow runs: (module, operation name).
WORKFLOW_INLINE = (
    ("client.py", "ListDeployments"),
    ("pipeline.py", "PipelineById"),
    ("pipeline.py", "GetDeploymentForPipeline"),
    ("deployment.py", "DeploymentById"),
    ("deployment.py", "QueryLimitStatus"),
    ("model_version.py", "ModelById"),
    ("model_config.py", "ModelConfigById"),
)
_TRIPLE = re.compile(r'(f?)"""(.*?)"""', re.DOTALL)
_OPERATION = re.compile(r"^\s*(?:query|mutation)\s+(\w+)")


def sdk_package() -> Path:
    (package,) = sdk_python("wallaroo").parent.parent.glob("lib/python3*/site-packages/wallaroo")
    return package


def inline_operation(source: str, name: str) -> str:
    """The inline operation called `name`; f-strings unescaped, their one `{self._id}` made 1."""
    for is_f, text in _TRIPLE.findall(source):
        found = _OPERATION.match(text)
        if found and found.group(1) == name:
            if is_f:
                text = text.replace("{self._id}", "1").replace("{{", "{").replace("}}", "}")
            return str(text)
    raise AssertionError(f"no inline operation {name}")


@pytest.fixture(scope="module")
def schema():  # type: ignore[no-untyped-def]
    return build_schema((SPEC_DIR / "wallaroo.graphql").read_text())


def test_the_graphql_operation_names_the_packaged_sdl() -> None:
    document = yaml.safe_load((SPEC_DIR / "openapi.yaml").read_text())
    operation = document["paths"]["/v1/graphql"]["post"]
    assert operation["operationId"] == "graphql"
    assert (SPEC_DIR / operation["x-mlops-graphql-schema"]).is_file()
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert 'spec = ["openapi.yaml", "wallaroo.graphql"]' in pyproject
    header = (SPEC_DIR / "wallaroo.graphql").read_text()[:600]
    assert "hand-written" in header and "wallaroo 2026.1.3" in header and "only what" in header


@pytest.mark.parametrize("name", WORKFLOW_FILES)
def test_the_sdks_query_files_validate(schema, name: str) -> None:  # type: ignore[no-untyped-def]
    text = (sdk_package() / "graphql" / f"{name}.graphql").read_text()
    assert validate(schema, parse(text)) == []


@pytest.mark.parametrize(("module", "name"), WORKFLOW_INLINE)
def test_the_sdks_inline_queries_validate(schema, module: str, name: str) -> None:  # type: ignore[no-untyped-def]
    source = (sdk_package() / module).read_text()
    assert validate(schema, parse(inline_operation(source, name))) == []


def test_a_query_the_sdl_does_not_cover_is_rejected(schema) -> None:  # type: ignore[no-untyped-def]
    errors = validate(schema, parse("query { workspace { id no_such_column } }"))
    assert [e.message for e in errors] == ["Cannot query field 'no_such_column' on type 'workspace'."]
