"""The one exception a conformance run raises instead of a result."""

from __future__ import annotations


class UsageProblem(Exception):
    """The run cannot start or cannot go on, and the user has to act: inconsistent options, an
    upstream that cannot be reached, a refused login, nothing left to test. Exit status 2; the
    message says which (e.g. "cannot connect to http://127.0.0.1:9 (connection refused)")."""
