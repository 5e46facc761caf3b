"""A small GraphQL contract for tests: an OpenAPI document with one GraphQL operation
(`POST /v1/graphql`, `x-mlops-graphql-schema`) and a small Hasura-style SDL, written side by side
into a test's directory, and a gateway config routing it to one upstream."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import orjson
import yaml

from gateway.config import GatewayConfig, UpstreamAuth, UpstreamConfig
from tests.support.gateway import TEST_TIMEOUTS, UPSTREAM_TOKEN, gateway_config

GRAPHQL_PATH = "/v1/graphql"
SDL = """
scalar timestamptz

enum order_by { asc desc }

input workspace_bool_exp { id: Int, name: String }

type workspace {
  id: Int!
  name: String!
  archived: Boolean
  created_at: timestamptz
  models(limit: Int): [model!]!
}

type model {
  id: Int!
  name: String
  owner: workspace
}

type Query {
  workspace(where: workspace_bool_exp, limit: Int, order_by: order_by): [workspace!]!
  workspace_by_pk(id: Int!): workspace
  model(limit: Int): [model!]!
}

type Mutation {
  insert_workspace_one(name: String!): workspace
}
"""


def graphql_spec(sdl_file: str = "wallaroo.graphql") -> dict[str, Any]:
    """The OpenAPI document: `graphql`, a JSON body `{query, variables, operationName}`."""
    request = {
        "type": "object",
        "required": ["query"],
        "properties": {
            "query": {"type": "string"},
            "variables": {"type": ["object", "null"]},
            "operationName": {"type": ["string", "null"]},
        },
    }
    answer = {
        "type": "object",
        "properties": {"data": {"type": ["object", "null"]}, "errors": {"type": "array"}},
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "graphql test", "version": "1"},
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
        "paths": {
            GRAPHQL_PATH: {
                "post": {
                    "operationId": "graphql",
                    "x-mlops-graphql-schema": sdl_file,
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": request}},
                    },
                    "responses": {
                        "200": {"description": "ok", "content": {"application/json": {"schema": answer}}}
                    },
                }
            }
        },
    }


def write_graphql_spec(directory: Path, sdl: str | None = SDL, sdl_file: str = "wallaroo.graphql") -> Path:
    """The spec file in `directory`, with the SDL beside it (none when `sdl` is None)."""
    spec = directory / "openapi.yaml"
    spec.write_text(yaml.safe_dump(graphql_spec(sdl_file)))
    if sdl is not None:
        (directory / sdl_file).write_text(sdl)
    return spec


def graphql_gateway_config(upstream_url: str, spec: Path, **changes: Any) -> GatewayConfig:
    """A gateway for teams alpha and beta with the GraphQL spec, its one upstream holding a static token."""
    upstream = UpstreamConfig(
        "wallaroo", upstream_url, ("/v1/",), TEST_TIMEOUTS, auth=UpstreamAuth("static", UPSTREAM_TOKEN)
    )
    config = gateway_config(upstream_url, spec_path=spec, upstreams=(upstream,))
    return dataclasses.replace(config, **changes)


def graphql_body(query: str, variables: Any = None, operation_name: str | None = None) -> bytes:
    return orjson.dumps({"query": query, "variables": variables, "operationName": operation_name})
