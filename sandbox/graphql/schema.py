"""The executable GraphQL schema: spec/wallaroo.graphql (read from the packaged `spec`) with the
root fields bound to their resolvers; every other field uses graphql-core's default resolver
over the rows. Built once per process; a root field without a resolver fails the build, so
the SDL and the resolvers cannot drift apart."""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from graphql import GraphQLObjectType, GraphQLSchema, build_schema

from sandbox.graphql.resolvers import MUTATION_FIELDS, QUERY_FIELDS, Resolver

SDL_FILE = "wallaroo.graphql"


def read_sdl() -> str:
    return files("spec").joinpath(SDL_FILE).read_text(encoding="utf-8")


def _bind(root: GraphQLObjectType | None, resolvers: dict[str, Resolver]) -> None:
    fields = root.fields if root is not None else {}
    missing = sorted(set(fields) - set(resolvers))
    if missing:
        raise ValueError(f"root fields without a resolver: {', '.join(missing)}")
    for name, field in fields.items():
        field.resolve = resolvers[name]


@cache
def executable_schema() -> GraphQLSchema:
    schema = build_schema(read_sdl())
    _bind(schema.query_type, QUERY_FIELDS)
    _bind(schema.mutation_type, MUTATION_FIELDS)
    return schema
