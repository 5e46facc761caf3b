"""GraphQL errors that refuse an operation as Hasura does, each with its `extensions.code`
(declared in the spec's `x-mlops-graphql-refusals`, so a conformance run takes them for
documented refusals, not server errors); `http` answers `data: null` beside them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sandbox.core.store import DuplicateName, UnknownEntity


class Refusal(Exception):
    """A refused operation: the message, and Hasura's code in `extensions` (graphql-core copies
    an original error's `extensions` into the GraphQL error it reports)."""

    code = "refused"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.extensions: dict[str, Any] = {"code": self.code}


class NotSupported(Refusal):
    """A mutation (or a form of one) the sandbox does not implement."""

    code = "not-supported"

    def __init__(self, field_name: str) -> None:
        super().__init__(f"{field_name} is not supported by the sandbox")


class DataException(Refusal):
    """A value its SDL type admits but the data cannot take (Postgres's data exceptions), such as
    an invalid regular expression."""

    code = "data-exception"


class ConstraintViolation(Refusal):
    """A row a mutation would write breaks a key: an unknown referenced row, a taken unique name,
    a value outside an enum table (Hasura's foreign-key and uniqueness violations)."""

    code = "constraint-violation"


@contextmanager
def constraints() -> Iterator[None]:
    """The store's refusals of a write (unknown entity, duplicate name, a value outside an enum)
    as Hasura's constraint violations."""
    try:
        yield
    except (UnknownEntity, DuplicateName, ValueError) as exc:
        raise ConstraintViolation(f"constraint violation: {exc}") from None
