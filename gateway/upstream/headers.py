"""Header hygiene for the upstream hop: what is dropped, replaced or added in each direction.

Requests lose hop-by-hop headers (RFC 9110 section 7.6.1, plus any the Connection header lists),
the client's own credentials (its gateway key in either header) and what aiohttp recomputes; they
gain X-Forwarded-For/-Proto/-Host and the request id. Forwarding headers a client sent are kept
(and X-Forwarded-For appended to) only when the peer is a trusted proxy; anyone else's are
replaced, so a client cannot tell the upstream it came from elsewhere. Responses lose hop-by-hop
headers and the framing headers aiohttp writes itself; they are copied straight into the answer's
own headers (no intermediate multidict to copy again). Both run on every request, so they are
plain loops over the headers, and the set of names to drop is only rebuilt when a Connection
header lists one it does not already hold.
"""

from __future__ import annotations

from aiohttp import web
from multidict import CIMultiDict, MultiMapping

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


def _dropped(always: frozenset[str], headers: MultiMapping[str]) -> frozenset[str]:
    """`always`, plus the names every Connection header line lists (a sender may repeat it)."""
    lines = headers.getall("Connection", None)
    if not lines:
        return always
    listed = {h.strip().lower() for line in lines for h in line.split(",") if h.strip()}
    return always if listed <= always else always | listed


def upstream_request_headers(
    request: web.BaseRequest, request_id: str, authorization: str | None, *, from_trusted_proxy: bool = False
) -> CIMultiDict[str]:
    """The client's headers minus hop-by-hop ones and its credentials, plus X-Forwarded-*."""
    incoming = request.headers
    drop = _dropped(_REQUEST_DROP if from_trusted_proxy else _UNTRUSTED_DROP, incoming)
    headers: CIMultiDict[str] = CIMultiDict()
    add = headers.add
    for name, value in incoming.items():
        if name.lower() not in drop:
            add(name, value)
    peer = request.remote or ""
    prior = ", ".join(incoming.getall("X-Forwarded-For", ())) if from_trusted_proxy else ""
    headers["X-Forwarded-For"] = f"{prior}, {peer}" if prior else peer
    headers.setdefault("X-Forwarded-Proto", request.scheme)
    headers.setdefault("X-Forwarded-Host", request.host)
    headers["X-Request-ID"] = request_id
    if authorization:
        headers["Authorization"] = authorization
    return headers


def relay_response_headers(upstream: MultiMapping[str], into: CIMultiDict[str]) -> None:
    """Add the upstream's response headers to `into`, minus hop-by-hop ones and those aiohttp
    recomputes."""
    drop = _dropped(_RESPONSE_DROP, upstream)
    add = into.add
    for name, value in upstream.items():
        if name.lower() not in drop:
            add(name, value)
