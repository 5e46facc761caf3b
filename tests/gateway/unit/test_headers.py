"""Header hygiene for the upstream hop: hop-by-hop headers and those the Connection header lists
are dropped in both directions, the client's credentials never go upstream, X-Forwarded-* and the
request id are set, and repeated headers keep every value."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from aiohttp.test_utils import make_mocked_request
from multidict import CIMultiDict, CIMultiDictProxy

from gateway.upstream.headers import HOP_BY_HOP, relay_response_headers, upstream_request_headers

PEER = ("203.0.113.7", 50123)


class _Transport:
    """Just enough of a transport for `request.remote`."""

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return PEER if name == "peername" else default

    def is_closing(self) -> bool:
        return False


def _request(headers: list[tuple[str, str]], path: str = "/v1/api/workspaces/list") -> web.Request:
    return make_mocked_request("POST", path, headers=CIMultiDict(headers), transport=_Transport())


def _forwarded(
    headers: list[tuple[str, str]], authorization: str | None = None, *, trusted: bool = False
) -> CIMultiDict[str]:
    return upstream_request_headers(_request(headers), "req-123", authorization, from_trusted_proxy=trusted)


HOP_HEADERS = [
    ("Connection", "keep-alive, X-Private-Hop"),
    ("Keep-Alive", "timeout=5"),
    ("Proxy-Authorization", "Basic cHJveHk6cHc="),
    ("Proxy-Authenticate", "Basic"),
    ("Proxy-Connection", "keep-alive"),
    ("TE", "trailers"),
    ("Trailer", "X-Checksum"),
    ("Transfer-Encoding", "chunked"),
    ("Upgrade", "websocket"),
    ("X-Private-Hop", "secret-for-the-next-hop-only"),
]


def test_request_loses_hop_by_hop_headers_and_those_connection_lists() -> None:
    headers = _forwarded([("Host", "gw.example"), ("Content-Type", "application/json"), *HOP_HEADERS])
    assert headers["Content-Type"] == "application/json"
    for name, _ in HOP_HEADERS:
        assert name not in headers, name


def test_connection_listed_names_are_matched_case_insensitively_and_trimmed() -> None:
    headers = _forwarded(
        [("Connection", " X-ONE ,x-two,, "), ("x-one", "1"), ("X-Two", "2"), ("X-Three", "3")]
    )
    assert "X-One" not in headers and "X-Two" not in headers
    assert headers["X-Three"] == "3"


def test_every_connection_header_line_counts() -> None:
    headers = _forwarded([("Connection", "close"), ("Connection", "X-Hop"), ("X-Hop", "1"), ("X-Keep", "2")])
    assert "X-Hop" not in headers and headers["X-Keep"] == "2"


def test_the_clients_credentials_are_never_forwarded() -> None:
    headers = _forwarded(
        [
            ("Authorization", "Bearer team-key-0123456789abcdef"),
            ("X-Gateway-Key", "team-key-0123456789abcdef"),
        ]
    )
    assert "Authorization" not in headers and "X-Gateway-Key" not in headers
    assert "team-key-0123456789abcdef" not in repr(headers)


def test_the_upstreams_authorization_replaces_the_clients() -> None:
    headers = _forwarded(
        [("Authorization", "Bearer team-key"), ("authorization", "Bearer second")], "Bearer upstream-token"
    )
    assert headers.getall("Authorization") == ["Bearer upstream-token"]


def test_recomputed_request_headers_are_dropped() -> None:
    headers = _forwarded(
        [
            ("Host", "gw.example"),
            ("Content-Length", "12"),
            ("Accept-Encoding", "gzip"),
            ("Expect", "100-continue"),
        ]
    )
    for name in ("Host", "Content-Length", "Accept-Encoding", "Expect"):
        assert name not in headers, name


def test_forwarded_headers_and_request_id_are_set() -> None:
    headers = _forwarded([("Host", "gw.example:8080"), ("X-Request-ID", "client-chosen")])
    assert headers["X-Forwarded-For"] == PEER[0]
    assert headers["X-Forwarded-Proto"] == "http"
    assert headers["X-Forwarded-Host"] == "gw.example:8080"
    assert headers.getall("X-Request-ID") == ["req-123"]


FORWARDING = [
    ("Host", "gw.internal"),
    ("X-Forwarded-For", "198.51.100.1"),
    ("X-Forwarded-Proto", "https"),
    ("X-Forwarded-Host", "api.example.com"),
    ("Forwarded", "for=198.51.100.1"),
    ("X-Real-IP", "198.51.100.1"),
]


def test_a_trusted_proxys_forwarded_headers_are_extended_or_kept() -> None:
    headers = _forwarded(FORWARDING, trusted=True)
    assert headers.getall("X-Forwarded-For") == [f"198.51.100.1, {PEER[0]}"]
    assert headers["X-Forwarded-Proto"] == "https"
    assert headers["X-Forwarded-Host"] == "api.example.com"
    assert headers["Forwarded"] == "for=198.51.100.1"


def test_anyone_elses_forwarded_headers_are_replaced() -> None:
    headers = _forwarded(FORWARDING)
    assert headers.getall("X-Forwarded-For") == [PEER[0]]
    assert headers.getall("X-Forwarded-Proto") == ["http"]
    assert headers.getall("X-Forwarded-Host") == ["gw.internal"]
    assert "Forwarded" not in headers and "X-Real-IP" not in headers


def test_repeated_request_headers_keep_every_value_in_order() -> None:
    headers = _forwarded(
        [("Accept", "application/json"), ("X-Tag", "a"), ("Accept", "text/plain"), ("X-Tag", "b")]
    )
    assert headers.getall("Accept") == ["application/json", "text/plain"]
    assert headers.getall("X-Tag") == ["a", "b"]


def _upstream(headers: list[tuple[str, str]]) -> CIMultiDict[str]:
    into: CIMultiDict[str] = CIMultiDict([("X-Request-ID", "req-123")])  # what the answer already holds
    relay_response_headers(CIMultiDictProxy(CIMultiDict(headers)), into)
    assert into.getall("X-Request-ID") == ["req-123"]
    return into


def test_response_loses_hop_by_hop_framing_and_connection_listed_headers() -> None:
    headers = _upstream(
        [
            *HOP_HEADERS,
            ("Content-Length", "10"),
            ("Server", "upstream/1.0"),
            ("Date", "Mon, 01 Jan 2024 00:00:00 GMT"),
            ("Content-Type", "application/json"),
            ("ETag", '"v1"'),
        ]
    )
    for name, _ in HOP_HEADERS:
        assert name not in headers, name
    for name in ("Content-Length", "Server", "Date"):
        assert name not in headers, name
    assert headers["Content-Type"] == "application/json" and headers["ETag"] == '"v1"'


def test_response_connection_listed_names_from_every_line_are_dropped() -> None:
    headers = _upstream([("Connection", "close"), ("connection", "X-Hop"), ("X-Hop", "1"), ("X-Keep", "2")])
    assert "X-Hop" not in headers and headers["X-Keep"] == "2"


def test_a_connection_header_listing_only_hop_by_hop_names_drops_just_those() -> None:
    headers = _upstream([("Connection", "keep-alive"), ("Keep-Alive", "timeout=5"), ("X-Keep", "2")])
    assert "Keep-Alive" not in headers and "Connection" not in headers and headers["X-Keep"] == "2"


def test_repeated_response_headers_such_as_set_cookie_keep_every_value() -> None:
    headers = _upstream(
        [("Set-Cookie", "a=1"), ("Set-Cookie", "b=2"), ("Vary", "Accept"), ("Vary", "Origin")]
    )
    assert headers.getall("Set-Cookie") == ["a=1", "b=2"]
    assert headers.getall("Vary") == ["Accept", "Origin"]


def test_the_hop_by_hop_set_is_the_rfc_9110_one() -> None:
    assert {"connection", "keep-alive", "te", "trailer", "transfer-encoding", "upgrade"} <= HOP_BY_HOP
    assert all(name == name.lower() for name in HOP_BY_HOP)
