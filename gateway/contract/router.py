"""The router: (method, path) to a spec operation, by exact look-up first, then path templates.

The spec is the only route table. Literal paths are one dictionary look-up; templated paths
(`/v1/tests/{testId}/evaluate`) are tried in spec order as compiled regular expressions, each
parameter matching one non-empty path segment.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from gateway.contract.model import PATH_PARAMETER, Operation


class PathNotFound(LookupError):
    """No path template of the spec matches the request path."""


class MethodNotAllowed(LookupError):
    """The path exists in the spec but not with this method."""

    def __init__(self, allowed: list[str]) -> None:
        super().__init__(", ".join(allowed))
        self.allowed = allowed


def is_templated(path: str) -> bool:
    return PATH_PARAMETER.search(path) is not None


class Router:
    """Finds the operation of a request among operations grouped by their path template."""

    def __init__(self, operations: Iterable[Operation]) -> None:
        self._exact: dict[str, dict[str, Operation]] = {}
        templated: dict[str, dict[str, Operation]] = {}
        for op in operations:
            table = templated if is_templated(op.path_template) else self._exact
            table.setdefault(op.path_template, {})[op.method] = op
        self._templated = [(_template_regex(path), by_method) for path, by_method in templated.items()]

    def match(self, method: str, path: str) -> tuple[Operation, dict[str, str]]:
        """The operation for a request, with its path parameters; raises PathNotFound/MethodNotAllowed."""
        by_method = self._exact.get(path)
        params: dict[str, str] = {}
        if by_method is None:
            for regex, candidate in self._templated:
                found = regex.fullmatch(path)
                if found:
                    by_method, params = candidate, found.groupdict()
                    break
            else:
                raise PathNotFound(path)
        op = by_method.get(method.upper())
        if op is None:
            raise MethodNotAllowed(sorted(by_method))
        return op, params


def _template_regex(path: str) -> re.Pattern[str]:
    pattern, last = [], 0
    for m in PATH_PARAMETER.finditer(path):
        pattern.append(re.escape(path[last : m.start()]))
        pattern.append(f"(?P<{m.group(1)}>[^/]+)")
        last = m.end()
    pattern.append(re.escape(path[last:]))
    return re.compile("".join(pattern))
