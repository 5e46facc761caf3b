"""Value-free GraphQL error messages: graphql-core's messages rewritten so that nothing the client
wrote reaches a problem body, a log line or a drift row - only fixed text and names of the schema.

graphql-core quotes client text: literals (`Expected value of type 'Int!', found "abc".`), unknown
names (`Cannot query field 'secret' on type 'Query'.`), token values in syntax errors. Three kinds
of message are rewritten three ways:
- syntax errors keep their fixed grammar words and the kinds of the tokens (`Unexpected Name.`),
  never a token's value;
- messages about literal values (ValuesOfCorrectTypeRule and scalar parsing) become a sentence
  naming only the expected schema type;
- every other validation message quotes names only, and names cannot hold a quote, so each quoted
  name that is not a name of the schema becomes `<name>` (`Cannot query field '<name>' on type
  'Query'.`).
As a last guard, a rewritten message that still holds any value or name of the client's document
(other than a schema name) is replaced by a fixed sentence.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from graphql import GraphQLSyntaxError, Source, TokenKind
from graphql.language.lexer import Lexer

PLACEHOLDER = "<name>"
_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]*")
_QUOTED = re.compile(r"'([^']*)'")
_KIND_DESCS = frozenset(
    {f"'{kind.value}'" for kind in TokenKind} | {kind.value for kind in TokenKind}
)  # how graphql-core names a token kind: Name, Int, String, '{', <EOF> ...
_KEYWORDS = frozenset({"on", "fragment", "query", "mutation", "subscription"})
_GRAMMAR = _KEYWORDS | {"true", "false", "null"}  # names the grammar fixes: no client values
_FOUND = r"(?P<found>'[^']{1,3}'|<[A-Z]+>|Name|Int|Float|String|BlockString|Comment)(?: '.*')?"
_UNEXPECTED = re.compile(rf"Unexpected {_FOUND}\.", re.DOTALL)
_EXPECTED = re.compile(rf"Expected (?P<expected>'[^']{{1,12}}'|[A-Za-z<>]+), found {_FOUND}\.", re.DOTALL)
_LEXICAL = (
    "Unterminated string",
    "Invalid character escape sequence",
    "Invalid Unicode escape sequence",
    "Invalid character",
    "Unexpected character",
    "Invalid number",
    "Unexpected variable",
    "Document contains more than",
)
_CANNOT_REPRESENT = re.compile(r"(?:Enum )?'?([_A-Za-z][_0-9A-Za-z]*)'? cannot represent")
_TYPE_REF = re.compile(r"[\[\]!]*([_A-Za-z][_0-9A-Za-z]*)[\[\]!]*")
SYNTAX_FALLBACK = "Syntax Error."
NAMES_FALLBACK = "The document breaks a GraphQL validation rule (its message would quote the request)."
LITERAL_FALLBACK = "A literal value does not fit the type expected at its place."


def client_words(source: str, schema_names: frozenset[str]) -> frozenset[str]:
    """Every name and literal of the document that the schema does not define (up to a syntax
    error): what no message may contain."""
    words: set[str] = set()
    lexer = Lexer(Source(source))
    try:
        token = lexer.advance()
        while token.kind is not TokenKind.EOF:
            if token.value and token.value not in schema_names and token.value not in _GRAMMAR:
                words.add(token.value)
            token = lexer.advance()
    except GraphQLSyntaxError:
        pass
    return frozenset(words)


def syntax_message(error: GraphQLSyntaxError) -> str:
    """`Syntax Error: <what>` with token kinds and grammar words only."""
    description = error.message.removeprefix("Syntax Error: ")
    if found := _UNEXPECTED.fullmatch(description):
        return f"Syntax Error: Unexpected {_kind(found['found'])}."
    if found := _EXPECTED.fullmatch(description):
        expected = found["expected"]
        if expected not in _KIND_DESCS and expected.strip("'") not in _KEYWORDS:
            return SYNTAX_FALLBACK
        return f"Syntax Error: Expected {expected}, found {_kind(found['found'])}."
    for prefix in _LEXICAL:
        if description.startswith(prefix):
            return f"Syntax Error: {prefix}."
    return SYNTAX_FALLBACK


def _kind(found: str) -> str:
    return found if found in _KIND_DESCS else "a token"


def literal_message(message: str, schema_names: frozenset[str]) -> str:
    """A message about a literal value, naming only the schema type it should have been."""
    candidates = [m.group(1) for m in _QUOTED.finditer(message)]
    if leading := _CANNOT_REPRESENT.match(message):
        candidates.insert(0, leading.group(1))
    for candidate in candidates:
        ref = _TYPE_REF.fullmatch(candidate)
        if ref and ref.group(1) in schema_names:
            return f"Expected a value of type '{candidate}'; the literal given is not one (value not shown)."
    return LITERAL_FALLBACK


def names_message(message: str, schema_names: frozenset[str]) -> str:
    """A message that quotes names: each quoted name the schema does not define becomes `<name>`."""

    def quoted(match: re.Match[str]) -> str:
        text = _NAME.sub(lambda m: m.group(0) if m.group(0) in schema_names else PLACEHOLDER, match.group(1))
        return f"'{text}'"

    return _QUOTED.sub(quoted, message)


def guarded(message: str, words: Iterable[str], fallback: str) -> str:
    """`message`, or `fallback` when a client word still shows in it (short words as whole words)."""
    for word in words:
        if word in message and (
            len(word) >= 3 or re.search(rf"(?<![_0-9A-Za-z]){re.escape(word)}(?![_0-9A-Za-z])", message)
        ):
            return fallback
    return message
