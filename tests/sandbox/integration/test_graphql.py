"""The sandbox's GraphQL API over real sockets: introspection (what the SDK's gql client fetches
first), Hasura-style filters, orderings and aggregates, one store shared with the REST
operations in both directions, GraphQL errors as 200 answers, and the bearer token required."""

from __future__ import annotations

from typing import Any

import aiohttp
from graphql import GraphQLObjectType, get_named_type, is_non_null_type

from sandbox import SandboxServer
from sandbox.graphql.schema import executable_schema
from sandbox.graphql.unbacked import UNBACKED_QUERIES
from tests.support.sandbox import SpecClient


async def gql(api: SpecClient, query: str, **variables: Any) -> dict[str, Any]:
    answer = await api.post("/v1/graphql", json={"query": query, "variables": variables or None})
    assert answer.status == 200, answer.body
    assert "errors" not in answer.body, answer.body["errors"]
    return dict(answer.body["data"])


async def test_introspection_answers_the_schema(api: SpecClient) -> None:
    data = await gql(api, "query { __schema { queryType { name } types { name } } }")
    names = {t["name"] for t in data["__schema"]["types"]}
    assert data["__schema"]["queryType"]["name"] == "query_root"
    assert {"workspace", "pipeline_version", "deployment_model_configs", "model_config_aggregate"} <= names


async def test_rest_and_graphql_share_one_store(api: SpecClient) -> None:
    created = await api.post("/v1/api/workspaces/create", json={"workspace_name": "over-rest"})
    workspace_id = created.body["workspace_id"]
    found = await gql(
        api,
        "query ($name: String!) { workspace(where: {name: {_eq: $name}}) { id name users { user_id } } }",
        name="over-rest",
    )
    assert [w["id"] for w in found["workspace"]] == [workspace_id]
    by_pk = await gql(api, "query ($id: bigint!) { workspace_by_pk(id: $id) { name } }", id=workspace_id)
    assert by_pk["workspace_by_pk"] == {"name": "over-rest"}

    inserted = await gql(
        api,
        """mutation ($name: String!, $user: String!) {
             insert_workspace_one(object: {name: $name, owner_id: $user, archived: false},
                                  on_conflict: {constraint: workspace_name_key, update_columns: []}) { id }
           }""",
        name="over-graphql",
        user="someone",
    )
    listed = await api.post("/v1/api/workspaces/list", json={})
    assert {"id": inserted["insert_workspace_one"]["id"], "name": "over-graphql"}.items() <= next(
        w for w in listed.body["workspaces"] if w["name"] == "over-graphql"
    ).items()
    again = await gql(
        api,
        """mutation { insert_workspace_one(object: {name: "over-graphql"},
             on_conflict: {constraint: workspace_name_key, update_columns: []}) { id } }""",
    )
    assert again == {"insert_workspace_one": None}  # Hasura's do-nothing on a taken name


async def test_filters_orderings_relationships_and_aggregates(
    api: SpecClient,
    deployed: dict[str, Any],
) -> None:
    pipeline_id = deployed["pipeline_id"]
    await api.post(
        "/v1/api/pipelines/create",
        json={"pipeline_id": "sdkinfer", "workspace_id": deployed["workspace_id"], "definition": {}},
    )
    data = await gql(
        api,
        """query ($id: bigint!) {
             pipeline_by_pk(id: $id) {
               pipeline_id
               workspace { name }
               pipeline_versions(order_by: {id: desc}) { id }
               deployment {
                 deployed
                 deployment_pipeline_versions(order_by: {pipeline_version: {id: desc}}) {
                   pipeline_version { id }
                 }
                 deployment_model_configs_aggregate(distinct_on: deployment_id) {
                   nodes { model_config { runtime model { sha model { name } } } }
                 }
               }
             }
           }""",
        id=pipeline_id,
    )
    pipeline = data["pipeline_by_pk"]
    assert pipeline["pipeline_id"] == "sdkinfer" and pipeline["workspace"] == {"name": "sdkinfer"}
    ids = [v["id"] for v in pipeline["pipeline_versions"]]
    assert len(ids) == 2 and ids == sorted(ids, reverse=True)
    deployment = pipeline["deployment"]
    assert deployment["deployed"] is True
    assert deployment["deployment_pipeline_versions"] == [{"pipeline_version": {"id": ids[1]}}]
    (node,) = deployment["deployment_model_configs_aggregate"]["nodes"]
    assert node["model_config"] == {
        "runtime": "onnx",
        "model": {"sha": deployed["sha"], "model": {"name": "sdkinfer-model"}},
    }

    counted = await gql(
        api,
        """query ($sha: bpchar!) {
             model(where: {_and: [{sha: {_eq: $sha}}, {model: {name: {_like: "sdkinfer%"}}}]}) {
               arch: conversion(path: "arch")
               model_configs_aggregate(
                 where: {deployment_model_configs: {deployment: {deployed: {_eq: true}}}}
               ) {
                 aggregate { count(columns: id) }
               }
             }
             none: model(where: {sha: {_eq: "nothing"}}) { id }
             deployment(where: {pipeline: {pipeline_id: {_in: ["sdkinfer"]}}}, limit: 1) { deploy_id }
           }""",
        sha=deployed["sha"],
    )
    assert counted["model"] == [{"arch": "x86", "model_configs_aggregate": {"aggregate": {"count": 1}}}]
    assert counted["none"] == [] and counted["deployment"] == [{"deploy_id": "sdkinfer"}]


async def test_errors_are_answered_200_and_a_token_is_required(
    api: SpecClient, sandbox: SandboxServer, http: aiohttp.ClientSession
) -> None:
    answer = await api.post("/v1/graphql", json={"query": "query { workspace { no_such_field } }"})
    assert answer.status == 200 and answer.body["data"] is None
    assert "no_such_field" in answer.body["errors"][0]["message"]
    async with http.post(
        f"{sandbox.url}/v1/graphql", json={"query": "query { workspace { id } }"}
    ) as response:
        assert response.status == 401


def _selection(type_: GraphQLObjectType, depth: int) -> str:
    """Every field of `type_` that takes no required argument: leaves as they are, objects (and
    lists of them) `depth` levels down."""
    parts = []
    for name, field in type_.fields.items():
        if any(is_non_null_type(arg.type) for arg in field.args.values()):
            continue
        named = get_named_type(field.type)
        if isinstance(named, GraphQLObjectType):
            if depth > 0:
                parts.append(f"{name} {{ {_selection(named, depth - 1)} }}")
        else:
            parts.append(name)
    return " ".join(parts) or "__typename"


async def test_every_column_and_relationship_resolves_as_the_sdl_types_it(
    api: SpecClient,
    deployed: dict[str, Any],
) -> None:
    """No field answers a value its SDL type forbids (a null where `!`): each table, two levels
    deep - the store's tables with rows (their relationships to tables without data answer
    empty), the others with none."""
    root = executable_schema().query_type
    assert root is not None
    for name, field in root.fields.items():
        if name.endswith("_by_pk") or any(is_non_null_type(arg.type) for arg in field.args.values()):
            continue  # by key, or a SQL function (its own test below)
        table = get_named_type(field.type)
        assert isinstance(table, GraphQLObjectType)
        data = await gql(api, f"query {{ {name} {{ {_selection(table, 2)} }} }}")
        if name in UNBACKED_QUERIES:
            assert data[name] == [], name
        else:
            assert data[name], f"{name}: no rows"


async def test_tables_without_data_answer_no_rows_and_relationships_to_them_answer_empty(
    api: SpecClient, deployed: dict[str, Any]
) -> None:
    data = await gql(
        api,
        """query ($sha: bpchar!) {
             tag_by_pk(id: 1) { id }
             task(where: {killed: {_in: [false]}}) { id }
             model(where: {sha: {_eq: $sha}}) {
               files { filename }
               files_aggregate { aggregate { sum { size } } }
               model_tags { tag { tag } }
             }
             deployment_aggregate(where: {deployed: {_eq: true}}) { aggregate { count } }
           }""",
        sha=deployed["sha"],
    )
    assert data["tag_by_pk"] is None and data["task"] == []
    assert data["model"] == [{"files": [], "files_aggregate": {"aggregate": {"sum": None}}, "model_tags": []}]
    assert data["deployment_aggregate"] == {"aggregate": {"count": 1}}


async def test_the_search_functions_find_versions_by_name(api: SpecClient, deployed: dict[str, Any]) -> None:
    data = await gql(
        api,
        """query ($user: String!) {
             search_pipelines(args: {search: "INFER"}, distinct_on: id, order_by: {id: desc},
                              where: {_not: {owner_id: {_eq: $user}}}) {
               version pipeline { pipeline_id pipeline_tags { id } }
             }
             none: search_pipelines(args: {search: "nothing"}) { id }
             search_models(args: {search: "model"}, where: {model: {name: {_like: "sdkinfer%"}}}) { sha }
           }""",
        user="nobody",
    )
    assert [v["pipeline"] for v in data["search_pipelines"]] == [
        {"pipeline_id": "sdkinfer", "pipeline_tags": []}
    ]
    assert data["none"] == [] and data["search_models"] == [{"sha": deployed["sha"]}]


async def test_a_mutation_the_sandbox_does_not_implement_answers_an_error(api: SpecClient) -> None:
    answer = await api.post(
        "/v1/graphql",
        json={"query": 'mutation { insert_tag(objects: {tag: "t"}) { returning { id } } }'},
    )
    assert answer.status == 200 and answer.body["data"] is None
    assert [e["message"] for e in answer.body["errors"]] == ["insert_tag is not supported by the sandbox"]
    assert answer.body["errors"][0]["extensions"] == {"code": "not-supported"}  # x-mlops-graphql-refusals


async def test_undeploy_over_graphql_stops_the_deployment(api: SpecClient, deployed: dict[str, Any]) -> None:
    (deployment,) = (await gql(api, "query { deployment { id deployed } }"))["deployment"]
    assert deployment["deployed"] is True
    undeploy = (
        "mutation ($id: bigint!) {"
        " update_deployment_by_pk(pk_columns: {id: $id}, _set: {deployed: %s}) { id deployed } }"
    )
    stopped = await gql(api, undeploy % "false", id=deployment["id"])
    assert stopped["update_deployment_by_pk"] == {"id": deployment["id"], "deployed": False}
    again = await api.post(
        "/v1/graphql", json={"query": undeploy % "true", "variables": {"id": deployment["id"]}}
    )
    assert again.body["data"] is None
    assert again.body["errors"][0]["message"] == "update_deployment_by_pk is not supported by the sandbox"
    assert (
        await gql(
            api, "query { deployment_aggregate(where: {deployed: {_eq: true}}) { aggregate { count } } }"
        )
    ) == {"deployment_aggregate": {"aggregate": {"count": 0}}}


async def test_workspace_users_added_and_removed_over_graphql_are_the_rest_apis(api: SpecClient) -> None:
    created = await api.post("/v1/api/workspaces/create", json={"workspace_name": "team"})
    workspace_id = created.body["workspace_id"]
    insert = """mutation ($user: String!, $type: String!, $ws: bigint) {
      insert_workspace_users_one(object: {user_id: $user, user_type: $type, workspace_id: $ws},
        on_conflict: {constraint: workspace_users_workspace_id_user_id_key, update_columns: user_type}) {
        user_id user_type
      }
    }"""
    await gql(api, insert, user="ann", type="COLLABORATOR", ws=workspace_id)
    promoted = await gql(api, insert, user="ann", type="OWNER", ws=workspace_id)
    assert promoted["insert_workspace_users_one"] == {"user_id": "ann", "user_type": "OWNER"}
    listed = await api.post("/v1/api/workspaces/list_users", json={"workspace_id": workspace_id})
    assert {"user_id": "ann", "user_type": "OWNER"} in listed.body["users"]

    removed = await gql(
        api,
        """mutation ($user: String!, $ws: bigint!) {
             delete_workspace_users(where: {user_id: {_eq: $user}, _and: {workspace_id: {_eq: $ws}}}) {
               affected_rows
             }
           }""",
        user="ann",
        ws=workspace_id,
    )
    assert removed["delete_workspace_users"] == {"affected_rows": 1}
    listed = await api.post("/v1/api/workspaces/list_users", json={"workspace_id": workspace_id})
    assert "ann" not in [u["user_id"] for u in listed.body["users"]]
