"""Which GraphQL root fields a run calls, decided from the spec and the operation plan alone.

The GraphQL phase belongs to the operation that names the schema: skipped with it (no GraphQL
request at all when it is filtered out, or has no credentials), and its mutations are writes, so
they run only with `--allow-writes`; queries always run. A field is reported as
`graphql Query.<field>` or `graphql Mutation.<field>`, whatever the SDL calls its root types.
"""

from __future__ import annotations

from dataclasses import dataclass

from conformance.selection import OperationPlan
from gateway.contract import Contract

#: How reports name the root types, whatever the SDL calls them (Hasura: query_root, mutation_root).
ROOT_KINDS = {"query": "Query", "mutation": "Mutation"}


@dataclass(frozen=True, slots=True)
class GraphQLPlan:
    """The GraphQL operation (`operation_id` at `path`), the root types called (their SDL names by
    kind) and the root fields of each, and the mutations left out by the read-only default."""

    operation_id: str
    path: str
    roots: dict[str, str]
    fields: dict[str, tuple[str, ...]]
    skipped_mutations: int

    def labels(self) -> dict[str, str]:
        """schemathesis's label of each field ("query_root.workspace") -> its report name."""
        return {
            f"{self.roots[kind]}.{name}": report_name(kind, name)
            for kind, names in self.fields.items()
            for name in names
        }

    @property
    def field_count(self) -> int:
        return sum(len(names) for names in self.fields.values())


REPORT_PREFIX = "graphql "


def report_name(kind: str, field: str) -> str:
    """How findings and request counts name a root field: `graphql Query.workspace`."""
    return f"{REPORT_PREFIX}{ROOT_KINDS[kind]}.{field}"


def describe(plan: GraphQLPlan) -> str:
    """The GraphQL phase in one line, as `--dry-run` lists it."""
    counts = ", ".join(f"{len(plan.fields[kind])} {ROOT_KINDS[kind]}" for kind in plan.fields)
    note = f"; {plan.skipped_mutations} Mutation fields need --allow-writes" if plan.skipped_mutations else ""
    return f"graphql: {counts} root fields via {plan.operation_id} (POST {plan.path}){note}"


def plan_graphql(contract: Contract, operations: OperationPlan, allow_writes: bool) -> GraphQLPlan | None:
    """The GraphQL phase of a run; None when the contract has no GraphQL schema or its operation
    is not called."""
    for planned in operations.selected:
        graphql = contract.operations[planned.operation_id].graphql
        if graphql is None:
            continue
        schema = graphql.schema
        types = {"query": schema.query_type, "mutation": schema.mutation_type}
        roots = {
            kind: type_.name
            for kind, type_ in types.items()
            if type_ is not None and (kind == "query" or allow_writes)
        }
        fields = {kind: tuple(sorted(graphql.root_fields[kind])) for kind in roots}
        skipped = 0 if allow_writes else len(graphql.root_fields.get("mutation", ()))
        return GraphQLPlan(planned.operation_id, planned.path, roots, fields, skipped)
    return None
