"""Where a create operation's answer holds what later calls use, for the stale_ids fault.

Read from the spec, not listed here: the places of a success answer that the operation's links
read (`$response.body#/pipeline_pk_id`, `{$request.body#/deploy_id}-{$response.body#/id}`, or
the whole answer, `$response.body`, for v2 schedule's bare id). stale_ids changes each of them to
an id that does not exist but still fits its schema (an integer 1,000,000 higher, another uuid
for a uuid, a suffixed string otherwise), so only a later call can tell.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from typing import Any

from gateway.contract.links import link_strings, success_links
from sandbox.faults.bodies import JsonPath

STALE_OFFSET = 1_000_000
_ANSWER = re.compile(r"\$response\.body(?:#(/[^}'\"\s]*))?")


def _path(pointer: str) -> JsonPath:
    parts = [part.replace("~1", "/").replace("~0", "~") for part in pointer.split("/")[1:]]
    return tuple(int(part) if part.isdigit() else part for part in parts)


def answer_paths(spec: Mapping[str, Any]) -> tuple[JsonPath, ...]:
    """The places of the success answer that the operation's success links read (`()`: all of it)."""
    found: list[JsonPath] = []
    for _, link in success_links(spec):
        for template in link_strings(link):
            for match in _ANSWER.finditer(template):
                path = _path(match.group(1) or "")
                if path not in found:
                    found.append(path)
    return tuple(found)


def stale(value: Any) -> Any:
    """An id like `value` that names nothing."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        return value
    if isinstance(value, int):
        return value + STALE_OFFSET
    try:
        return str(uuid.uuid5(uuid.UUID(value), "stale"))
    except ValueError:
        return f"{value}-stale"


def with_stale_ids(document: Any, paths: tuple[JsonPath, ...]) -> Any:
    """`document` with the value at each path made stale (paths that are not there are skipped)."""
    if () in paths:
        return stale(document)
    for path in paths:
        parent = document
        try:
            for part in path[:-1]:
                parent = parent[part]
            parent[path[-1]] = stale(parent[path[-1]])
        except (KeyError, IndexError, TypeError):
            continue
    return document
