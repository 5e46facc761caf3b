"""Print (as JSON) the GraphQL documents the wallaroo SDK builds at run time from a caller's
filters - the client's search and by-name queries - with every filter given, so that each
optional part of them is in the document. Runs in the SDK's venv; talks to no server (the
client's GraphQL transport is a recorder answering no rows)."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime
from typing import Any

from graphql import DocumentNode, print_ast
from wallaroo.client import Client
from wallaroo.object import EntityNotFoundError

WHEN = datetime(2026, 1, 1, tzinfo=UTC)


class Recorder:
    """Stands in for the client's gql transport: keeps each document, answers no rows."""

    def __init__(self) -> None:
        self.documents: list[str] = []

    def execute(self, document: DocumentNode, **_: Any) -> dict[str, Any]:
        self.documents.append(print_ast(document))
        return {"pipeline": [], "model": [], "search_pipelines": []}


def main() -> None:
    client = object.__new__(Client)
    recorder = Recorder()
    client._gql_client = recorder  # type: ignore[attr-defined]
    built: dict[str, str] = {}
    query, _ = client._generate_search_pipeline_query(
        search_term="x",
        deployed=True,
        user_id="u",
        created_start=WHEN,
        created_end=WHEN,
        updated_start=WHEN,
        updated_end=WHEN,
        workspace_id=1,
        workspace_name="w",
    )
    built["client.py _generate_search_pipeline_query"] = query
    query, _ = client._generate_model_query(
        search_term="x", user_id="u", start=WHEN, end=WHEN, workspace_id=1, workspace_name="w"
    )
    built["client.py _generate_model_query"] = query
    query, _ = client._generate_model_by_name_query("m", "v", workspace_id=1, workspace_name="w")
    built["client.py _generate_model_by_name_query"] = print_ast(query)
    with contextlib.suppress(EntityNotFoundError):  # the recorder answers no rows
        client.pipelines_by_name("p", workspace_id=1, workspace_name="w")
    (built["client.py pipelines_by_name"],) = recorder.documents
    print(json.dumps(built))


if __name__ == "__main__":
    main()
