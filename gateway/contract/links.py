"""What the spec says about how its operations feed one another: `x-mlops-writes` (the operation
creates, changes or deploys something upstream), an operation's success links, and the strings a
link carries (runtime expressions such as `$response.body#/id`, alone or in templates).

Read by the conformance suite (which operations it may call, in what order, which ids must be
accepted) and by the sandbox's stale_ids fault (which answer values later calls read); the
gateway's request path reads none of it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

WRITES_EXTENSION = "x-mlops-writes"


def writes_upstream(operation: Mapping[str, Any]) -> bool:
    """Whether the spec marks the operation (its raw object) as creating, changing or deploying
    something upstream."""
    return operation.get(WRITES_EXTENSION) is True


def success_links(operation: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """(name, link) of every link on the operation's 2xx responses."""
    for status, response in (operation.get("responses") or {}).items():
        if not str(status).startswith("2") or not isinstance(response, Mapping):
            continue
        for name, link in (response.get("links") or {}).items():
            if isinstance(link, Mapping):
                yield name, link


def link_strings(link: Mapping[str, Any]) -> Iterator[str]:
    """Every string in the link's request body and parameters, however deeply nested, in order."""
    yield from _strings([link.get("requestBody"), link.get("parameters")])


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for member in value.values():
            yield from _strings(member)
    elif isinstance(value, list):
        for member in value:
            yield from _strings(member)
