"""Every GraphQL document the installed wallaroo SDK can send: its .graphql files, the
gql('''...''') literals of its .py sources (f-string literals with their `{expr}` holes filled
by a placeholder value) and the queries its client builds at run time from a caller's filters
(rendered by tests/sdk/scripts/wallaroo_built_queries.py in the SDK's venv, every filter
given), so tests can check them all against spec/wallaroo.graphql."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.support import ROOT
from tests.support.sdk_venvs import run_sdk_script, sdk_python

_GQL_LITERAL = re.compile(r'gql(?:\.gql)?\(\s*(f?)"""(.*?)"""', re.DOTALL)
BUILT_QUERIES_SCRIPT = ROOT / "tests" / "sdk" / "scripts" / "wallaroo_built_queries.py"
_HOLE = re.compile(r"(?<!\{)\{(?!\{)[^{}]*\}(?!\})")


@dataclass(frozen=True)
class SdkDocument:
    """One document: where it is (file, file:line of an inline literal, or the client method
    that builds it), its text, and whether it is a template (an f-string or a built query)."""

    where: str
    text: str
    templated: bool


def sdk_package() -> Path:
    (package,) = sdk_python("wallaroo").parent.parent.glob("lib/python3*/site-packages/wallaroo")
    return package


def _untemplate(text: str) -> str:
    """An f-string literal's text as Python would render it with each hole replaced by `1`."""
    return _HOLE.sub("1", text).replace("{{", "{").replace("}}", "}")


def sdk_documents() -> Iterator[SdkDocument]:
    package = sdk_package()
    for path in sorted((package / "graphql").rglob("*.graphql")):
        yield SdkDocument(str(path.relative_to(package)), path.read_text(), templated=False)
    for path in sorted(package.rglob("*.py")):
        source = path.read_text()
        for found in _GQL_LITERAL.finditer(source):
            line = source.count("\n", 0, found.start()) + 1
            is_f, text = found.group(1) == "f", found.group(2)
            yield SdkDocument(
                f"{path.relative_to(package)}:{line}", _untemplate(text) if is_f else text, is_f
            )


def built_documents() -> Iterator[SdkDocument]:
    """The queries the SDK's client builds from a caller's filters, as the SDK renders them."""
    ran = run_sdk_script("wallaroo", BUILT_QUERIES_SCRIPT, timeout=120)
    assert ran.returncode == 0, ran.stderr[-2000:]
    for where, text in json.loads(ran.stdout).items():
        yield SdkDocument(where, text, templated=True)
