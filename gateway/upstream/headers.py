"""Header hygiene for the upstream hop: what is dropped, replaced or added in each direction.

Requests lose hop-by-hop headers (RFC 9110 section 7.6.1, plus any the Connection header lists),
the client's own credentials (its gateway key in either header) and what aiohttp recomputes; they
gain X-Forwarded-For/-Proto/-Host and the request id. Forwarding headers a client sent are kept
(and X-Forwarded-For appended to) only when the peer is a trusted proxy; anyone else's are
replaced, so a client cannot tell the upstream it came from elsewhere. Responses lose hop-by-hop
headers and the framing headers aiohttp writes itself.
"""

from __future__ import annotations

from aiohttp import web
from multidict import CIMultiDict, CIMultiDictProxy, MultiMapping

from gateway.credentials.inbound import GATEWAY_KEY_HEADER

HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "trailers",
        "transfer-encoding",
        "upgrade",
    }
)
# never forwarded upstream: recomputed, replaced, or the client's own gateway credentials
_REQUEST_DROP = HOP_BY_HOP | {
    "host",
    "content-length",
    "authorization",
    GATEWAY_KEY_HEADER.lower(),
    "accept-encoding",
    "expect",
}
_RESPONSE_DROP = HOP_BY_HOP | {"content-length", "server", "date"}
# what a proxy in front of the gateway may say about the original client; nobody else may
_FORWARDING = frozenset(
    {"forwarded", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "x-forwarded-port", "x-real-ip"}
)
_UNTRUSTED_DROP = _REQUEST_DROP | _FORWARDING  # built once, not per request


def _connection_listed(headers: MultiMapping[str]) -> set[str]:
    """Header names listed by every Connection header line (a sender may repeat the header)."""
    return {
        h.strip().lower() for line in headers.getall("Connection", ()) for h in line.split(",") if h.strip()
    }


def upstream_request_headers(
    request: web.Request, request_id: str, authorization: str | None, *, from_trusted_proxy: bool = False
) -> CIMultiDict[str]:
    """The client's headers minus hop-by-hop ones and its credentials, plus X-Forwarded-*."""
    drop = (_REQUEST_DROP if from_trusted_proxy else _UNTRUSTED_DROP) | _connection_listed(request.headers)
    headers: CIMultiDict[str] = CIMultiDict(
        (k, v) for k, v in request.headers.items() if k.lower() not in drop
    )
    peer = request.remote or ""
    prior = ", ".join(request.headers.getall("X-Forwarded-For", ())) if from_trusted_proxy else ""
    headers["X-Forwarded-For"] = f"{prior}, {peer}" if prior else peer
    headers.setdefault("X-Forwarded-Proto", request.scheme)
    headers.setdefault("X-Forwarded-Host", request.host)
    headers["X-Request-ID"] = request_id
    if authorization:
        headers["Authorization"] = authorization
    return headers


def client_response_headers(upstream: CIMultiDictProxy[str]) -> CIMultiDict[str]:
    """The upstream's response headers minus hop-by-hop ones and those aiohttp recomputes."""
    drop = _RESPONSE_DROP | _connection_listed(upstream)
    return CIMultiDict((k, v) for k, v in upstream.items() if k.lower() not in drop)
