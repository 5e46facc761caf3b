"""What one request accumulates on its way through the pipeline, for its answer, metrics and log
line, and the headers the gateway itself adds to answers."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from gateway.contract import GraphQLQuery
from gateway.metrics import UNMATCHED

REQUEST_ID_HEADER = "X-Request-ID"
CLIENT_CLOSED_REQUEST = 499  # nginx's status for a client that left before its answer was sent
VIOLATIONS_HEADER = "X-Gateway-Contract-Violations"
REQUEST_VIOLATIONS_HEADER = "X-Gateway-Request-Violations"
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def request_id(offered: str | None) -> str:
    """The client's X-Request-ID when it is safe to echo and log, else a fresh one."""
    if offered and _REQUEST_ID.fullmatch(offered):
        return offered
    return os.urandom(16).hex()  # 128 random bits, as uuid4().hex without building a UUID


@dataclass(slots=True)
class Exchange:
    """One request's state: who, which operation and upstream, and what was counted."""

    request_id: str
    operation: str = UNMATCHED
    upstream: str = "none"
    team: str = "anonymous"
    status: int = 500
    request_violations: int = 0
    response_violations: int = 0
    request_bytes: int = 0
    response_bytes: int = 0
    streamed: bool = False  # response headers already sent: a failure can only cut the connection
    client_gone: bool = False  # the client disconnected or stopped reading: answered 499
    source: str = "gateway"  # `upstream` once the upstream's answer is what the client gets
    undocumented: tuple[str, str] | None = None  # (method, path shape) of a forwarded unlisted call
    graphql: GraphQLQuery | None = None  # a GraphQL operation's valid request: its answer is checked by it
