"""The store's two refusals, shared by every table: an unknown id or name (answered 404) and a
taken name (answered 409), and the look-up that raises the first."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

K = TypeVar("K")
V = TypeVar("V")


class UnknownEntity(LookupError):
    """No entity of that kind has that id or name."""

    def __init__(self, kind: str, key: object) -> None:
        super().__init__(f"{kind} {key!r} not found")


class DuplicateName(ValueError):
    """The name is already taken where it must be unique."""

    def __init__(self, kind: str, name: str) -> None:
        super().__init__(f"{kind} {name!r} already exists")


def lookup(table: Mapping[K, V], kind: str, key: K) -> V:
    """``table[key]``, or UnknownEntity(kind, key)."""
    try:
        return table[key]
    except KeyError:
        raise UnknownEntity(kind, key) from None
