"""A GraphQL request (`{query, variables, operationName}`) checked against its compiled schema:
parsed, bounded (depth, root fields), validated with the specification's rules (introspection
included), its operation selected and its variables coerced.

`GraphQLChecker` checks them, caching the parse and validation of recent query texts. A valid
request becomes a `GraphQLQuery`: the parsed document and selected operation (which the
answer's check executes against the data), its operation type and root fields as the metrics name
them. An invalid one yields `GraphQLProblem`s in GraphQL's own error shape (`message`,
`locations`) whose messages are value-free (`graphql_messages`), each also a `Violation` for the
drift report and the logs. The limits are checked before validation, whose cost grows with the
document (graphql-core's parser recurses, so nesting past Python's stack is a depth problem too).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSyntaxError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValuesOfCorrectTypeRule,
    parse,
    print_ast,
    specified_rules,
    validate,
)
from graphql.execution.values import get_variable_values

from gateway.contract.graphql_messages import (
    LITERAL_FALLBACK,
    NAMES_FALLBACK,
    SYNTAX_FALLBACK,
    client_words,
    guarded,
    literal_message,
    names_message,
    syntax_message,
)
from gateway.contract.graphql_schema import INTROSPECTION_FIELDS, GraphQLContract
from gateway.contract.violations import Violation

MAX_ERRORS = 20  # validation stops after this many errors
CACHED_DOCUMENTS = 256
MAX_CACHED_SOURCE = 8192  # characters: longer query texts are parsed and validated every time
MAX_LOCATIONS = 5
_NAME_RULES = tuple(rule for rule in specified_rules if rule is not ValuesOfCorrectTypeRule)
_LITERAL_RULES = (ValuesOfCorrectTypeRule,)


@dataclass(frozen=True, slots=True)
class GraphQLProblem:
    """One reason a GraphQL request is refused, value-free: where in the body (`pointer`: /query,
    /variables, /operationName), a kind for the drift report, the message and query locations."""

    pointer: str
    kind: str
    message: str
    locations: tuple[tuple[int, int], ...] = ()

    def as_error(self) -> dict[str, Any]:
        """The GraphQL-style error a problem body lists."""
        error: dict[str, Any] = {"message": self.message}
        if self.locations:
            error["locations"] = [{"line": line, "column": column} for line, column in self.locations]
        return error

    def violation(self) -> Violation:
        expected, found = _KINDS[self.kind]
        return Violation("body", self.pointer, self.kind, expected, found, self.message)


_KINDS = {  # each kind's expected and found, as a violation tells them
    "graphql-syntax": ("a GraphQL document", "a syntax error"),
    "graphql-validation": ("a document valid against the GraphQL schema", "a rule broken"),
    "graphql-limit": ("a document within the gateway's GraphQL limits", "a limit exceeded"),
    "graphql-operation": ("one operation of the document selected", "none selected"),
    "graphql-variables": ("variables fitting the operation's definitions", "a variable that does not"),
    "graphql-request": ("a GraphQL request: query string, variables object", "another shape"),
}


@dataclass(frozen=True, slots=True)
class GraphQLQuery:
    """A valid GraphQL request: what the answer's check and the metrics need."""

    contract: GraphQLContract = field(repr=False)
    document: DocumentNode = field(repr=False)
    fragments: dict[str, FragmentDefinitionNode] = field(repr=False)
    operation: OperationDefinitionNode = field(repr=False)
    operation_type: str
    root_fields: tuple[str, ...]  # schema root field names or `introspection`, sorted, no repeats
    variables: Mapping[str, Any] = field(repr=False)  # coerced to their definitions' types


@dataclass(frozen=True, slots=True)
class GraphQLLimits:
    """The bounds a GraphQL operation must keep (the config's `limits.graphql_*`)."""

    max_depth: int
    max_root_fields: int


@dataclass(slots=True)
class _Document:
    """A parsed query text, and its validation problems once known (they hold for every operation)."""

    document: DocumentNode
    fragments: dict[str, FragmentDefinitionNode]
    validation: list[GraphQLProblem] | None = None


class GraphQLChecker:
    """Checks GraphQL requests within `limits`, remembering the parse and validation of the last
    `CACHED_DOCUMENTS` query texts up to `MAX_CACHED_SOURCE` characters: clients send the same few
    queries with new variables, and validation is most of a check (2.5 ms for a query the size of
    the SDK's; 13 µs from the cache)."""

    def __init__(self, limits: GraphQLLimits) -> None:
        self.limits = limits
        self._documents: OrderedDict[tuple[str, str], _Document] = OrderedDict()

    def check(self, contract: GraphQLContract, body: Any) -> tuple[GraphQLQuery | None, list[GraphQLProblem]]:
        """The checked request, or the problems that refuse it."""
        if not isinstance(body, dict) or not isinstance(body.get("query"), str):
            return None, [GraphQLProblem("/query", "graphql-request", "query must be a string")]
        variables, operation_name = body.get("variables"), body.get("operationName")
        if variables is not None and not isinstance(variables, dict):
            message = "variables must be an object or null"
            return None, [GraphQLProblem("/variables", "graphql-request", message)]
        if operation_name is not None and not isinstance(operation_name, str):
            message = "operationName must be a string or null"
            return None, [GraphQLProblem("/operationName", "graphql-request", message)]
        source: str = body["query"]
        parsed = self._parsed(contract, source)
        if not isinstance(parsed, _Document):
            return None, [parsed]
        operation = _select(parsed.document, operation_name)
        if isinstance(operation, GraphQLProblem):
            return None, [operation]
        problems = _limit_problems(operation, parsed.fragments, self.limits)
        if problems:
            return None, problems
        if parsed.validation is None:
            parsed.validation = _validation_problems(contract, parsed.document, source)
        if parsed.validation:
            return None, parsed.validation
        coerced, problems = _coerced_variables(contract, operation, variables or {})
        if problems:
            return None, problems
        operation_type = operation.operation.value
        fields = _root_fields(operation, parsed.fragments)
        labels = {contract.root_label(operation_type, f.name.value) for f in fields}
        roots = tuple(sorted(label for label in labels if label is not None))
        query = GraphQLQuery(
            contract, parsed.document, parsed.fragments, operation, operation_type, roots, coerced
        )
        return query, []

    def _parsed(self, contract: GraphQLContract, source: str) -> _Document | GraphQLProblem:
        """The query text parsed (from the cache when it was seen lately), or its syntax problem."""
        key = (contract.file_name, source)
        cached = self._documents.get(key)
        if cached is not None:
            self._documents.move_to_end(key)
            return cached
        try:
            document = parse(source)
        except GraphQLSyntaxError as error:
            message = guarded(syntax_message(error), client_words(source, contract.names), SYNTAX_FALLBACK)
            return _problem("graphql-syntax", message, error)
        except RecursionError:
            return GraphQLProblem("/query", "graphql-limit", "The document is nested too deeply to parse.")
        parsed = _Document(document, _fragments(document))
        if len(source) <= MAX_CACHED_SOURCE:
            self._documents[key] = parsed
            if len(self._documents) > CACHED_DOCUMENTS:
                self._documents.popitem(last=False)
        return parsed


def _problem(kind: str, message: str, error: GraphQLError, pointer: str = "/query") -> GraphQLProblem:
    locations = tuple((loc.line, loc.column) for loc in (error.locations or ())[:MAX_LOCATIONS])
    return GraphQLProblem(pointer, kind, message, locations)


def _select(document: DocumentNode, operation_name: str | None) -> OperationDefinitionNode | GraphQLProblem:
    """The operation `operationName` selects (the only one when it is null), or why there is none."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is None:
        if len(operations) == 1:
            return operations[0]
        message = (
            "The document defines no operation."
            if not operations
            else f"operationName is required: the document defines {len(operations)} operations."
        )
        return GraphQLProblem("/operationName", "graphql-operation", message)
    for operation in operations:
        if operation.name is not None and operation.name.value == operation_name:
            return operation
    return GraphQLProblem(
        "/operationName", "graphql-operation", "operationName names no operation of the document."
    )


def _fragments(document: DocumentNode) -> dict[str, FragmentDefinitionNode]:
    return {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}


def _limit_problems(
    operation: OperationDefinitionNode, fragments: Mapping[str, FragmentDefinitionNode], limits: GraphQLLimits
) -> list[GraphQLProblem]:
    """Too deep, or too many root fields. Introspection fields do not count for depth: the standard
    introspection query is 15 deep and clients' versions of it differ; the schema bounds it, and
    the specification rules' MaxIntrospectionDepthRule refuses its abuse."""
    problems = []
    roots = _root_fields(operation, fragments)
    budget = limits.max_depth
    depth = max(
        (
            1 + _depth(f.selection_set, fragments, budget, set())
            for f in roots
            if f.name.value not in INTROSPECTION_FIELDS
        ),
        default=0,
    )
    if depth > budget:
        message = f"The operation selects fields nested deeper than {budget} levels."
        problems.append(GraphQLProblem("/query", "graphql-limit", message, _location(operation)))
    if len(roots) > limits.max_root_fields:
        message = f"The operation selects {len(roots)} root fields, more than {limits.max_root_fields}."
        problems.append(GraphQLProblem("/query", "graphql-limit", message, _location(operation)))
    return problems


def _location(operation: OperationDefinitionNode) -> tuple[tuple[int, int], ...]:
    if operation.loc is None:
        return ()
    start = operation.loc.start_token
    return ((start.line, start.column),)


def _depth(
    selection_set: SelectionSetNode | None,
    fragments: Mapping[str, FragmentDefinitionNode],
    budget: int,
    spreading: set[str],
) -> int:
    """How deep fields nest under `selection_set` (fragments spread in), counted up to `budget`."""
    if selection_set is None or budget <= 0:
        return 0
    deepest = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            depth = 1 + _depth(selection.selection_set, fragments, budget - 1, spreading)
        elif isinstance(selection, InlineFragmentNode):
            depth = _depth(selection.selection_set, fragments, budget, spreading)
        else:
            assert isinstance(selection, FragmentSpreadNode)
            name = selection.name.value
            fragment = fragments.get(name)
            if fragment is None or name in spreading:  # unknown or cyclic: validation says so
                continue
            spreading.add(name)
            depth = _depth(fragment.selection_set, fragments, budget, spreading)
            spreading.discard(name)
        deepest = max(deepest, depth)
        if deepest >= budget:
            break
    return deepest


def _root_fields(
    operation: OperationDefinitionNode, fragments: Mapping[str, FragmentDefinitionNode]
) -> list[FieldNode]:
    """The field selections at the operation's root, fragments spread in (each fragment once)."""
    found: list[FieldNode] = []
    pending: list[SelectionSetNode] = [operation.selection_set]
    spread: set[str] = set()
    while pending:
        for selection in pending.pop().selections:
            if isinstance(selection, FieldNode):
                found.append(selection)
            elif isinstance(selection, InlineFragmentNode):
                pending.append(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in spread:
                spread.add(selection.name.value)
                if (fragment := fragments.get(selection.name.value)) is not None:
                    pending.append(fragment.selection_set)
    return found


def _validation_problems(
    contract: GraphQLContract, document: DocumentNode, source: str
) -> list[GraphQLProblem]:
    """The specification's rules: the name rules' messages quote names, the literal rule's values."""
    errors = validate(contract.schema, document, _NAME_RULES, max_errors=MAX_ERRORS)
    literal_errors = validate(contract.schema, document, _LITERAL_RULES, max_errors=MAX_ERRORS)
    if not errors and not literal_errors:
        return []
    words = client_words(source, contract.names)
    types = frozenset(contract.schema.type_map)
    problems = []
    for error in errors:
        message = guarded(names_message(error.message, contract.names), words, NAMES_FALLBACK)
        problems.append(_problem("graphql-validation", message, error))
    for error in literal_errors:
        if error.message.startswith("Field '"):  # an input object's field: names only, no literal
            message = guarded(names_message(error.message, contract.names), words, NAMES_FALLBACK)
        else:
            message = guarded(literal_message(error.message, types), words, LITERAL_FALLBACK)
        problems.append(_problem("graphql-validation", message, error))
    return problems[:MAX_ERRORS]


def _coerced_variables(
    contract: GraphQLContract, operation: OperationDefinitionNode, variables: dict[str, Any]
) -> tuple[dict[str, Any], list[GraphQLProblem]]:
    """Variables coerced to their definitions' types; each failure told by the variable's type."""
    definitions = operation.variable_definitions or ()
    coerced = get_variable_values(contract.schema, definitions, variables, max_errors=MAX_ERRORS)
    if not isinstance(coerced, list):
        return coerced, []
    types = {id(d): print_ast(d.type) for d in definitions}
    problems = []
    for error in coerced:
        node = next(iter(error.nodes or ()), None)
        declared = types.get(id(node)) if node is not None else None
        if declared is None:
            message = "The variables do not fit the operation's definitions (values not shown)."
        elif "was not provided" in error.message:
            message = f"A variable of required type '{declared}' was not provided."
        else:
            message = f"A variable of type '{declared}' got a value that does not fit it (value not shown)."
        problems.append(_problem("graphql-variables", message, error, "/variables"))
    return {}, problems


def graphql_detail(problems: Sequence[GraphQLProblem]) -> str:
    """The problem's detail: how many errors, and the first one."""
    first = problems[0].message
    return first if len(problems) == 1 else f"{first} (and {len(problems) - 1} more)"
