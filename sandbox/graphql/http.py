"""Handler of POST /v1/graphql (operation `graphql`): one GraphQL operation, executed against
the store, answered as `{data, errors}` with status 200 - as Hasura answers, a query that does
not validate or fails to resolve is a 200 with `errors`, not an HTTP error; an operation the
sandbox refuses (a mutation it does not support, an invalid regex) answers `data: null` with its
error and Hasura's code (see `refusals`)."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler
from graphql import graphql

from sandbox.core.context import body, caller_id, store
from sandbox.core.responses import json_response
from sandbox.graphql.refusals import Refusal
from sandbox.graphql.resolvers import Context
from sandbox.graphql.rows import Rows
from sandbox.graphql.schema import executable_schema
from sandbox.graphql.unbacked import empty_field_resolver


async def graphql_operation(request: web.Request) -> web.StreamResponse:
    data = body(request)
    result = await graphql(
        executable_schema(),
        data["query"],
        context_value=Context(Rows(store(request)), caller_id(request)),
        variable_values=data.get("variables"),
        operation_name=data.get("operationName"),
        field_resolver=empty_field_resolver,
    )
    refused = any(isinstance(e.original_error, Refusal) for e in result.errors or ())
    answer: dict[str, Any] = {"data": None if refused else result.data}
    if result.errors:
        answer["errors"] = [error.formatted for error in result.errors]
    return json_response(answer)


HANDLERS: dict[str, Handler] = {"graphql": graphql_operation}
