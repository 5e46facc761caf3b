"""Every GraphQL document the installed wallaroo SDK can send: its .graphql files and the
gql('''...''') literals of its .py sources (f-string literals with their `{expr}` holes filled
by a placeholder value), so tests can check them all against spec/wallaroo.graphql."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.support.sdk_venvs import sdk_python

_GQL_LITERAL = re.compile(r'gql(?:\.gql)?\(\s*(f?)"""(.*?)"""', re.DOTALL)
_HOLE = re.compile(r"(?<!\{)\{(?!\{)[^{}]*\}(?!\})")


@dataclass(frozen=True)
class SdkDocument:
    """One document: where it is (file, or file:line for an inline literal) and its text."""

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
