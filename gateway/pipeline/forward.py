"""Stage 3, forward: put the upstream credentials of the request's (upstream, team) in place of the
client's and send the checked request through the route's upstream client, timing the wait for
the answer's headers. A peer in `listen.trusted_proxies` may pass on what it knows of the
original client (X-Forwarded-*).

An upstream 401 to a managed token means the token went stale upstream (revoked, or the
upstream's clock ran ahead): the credentials forget it and renew, and a request whose body was
buffered (JSON, or none) is sent once more with the new token, so the client never sees that
401. A streamed upload cannot be replayed: it fails with `TokenRejected` (the next try works).

Failures here stay typed (`UpstreamError`, `CredentialsError`); the edge turns them into problems.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from ipaddress import IPv4Network, IPv6Network, ip_address

from aiohttp import web

from gateway.credentials.errors import TokenRejected
from gateway.pipeline.accounting import Accounting
from gateway.pipeline.exchange import Exchange
from gateway.pipeline.identify import Target
from gateway.upstream.answer import UpstreamAnswer
from gateway.upstream.client import RequestBody
from gateway.upstream.headers import upstream_request_headers

UNAUTHORIZED = 401


class Forward:
    """Sends a checked request upstream and answers the upstream's response."""

    def __init__(
        self, accounting: Accounting, trusted_proxies: Sequence[IPv4Network | IPv6Network] = ()
    ) -> None:
        self.accounting = accounting
        self.trusted_proxies = tuple(trusted_proxies)

    def _trusted(self, peer: str | None) -> bool:
        if not self.trusted_proxies or not peer:
            return False
        try:
            address = ip_address(peer)
        except ValueError:  # a Unix socket or an unknown peer
            return False
        return any(address in network for network in self.trusted_proxies)

    async def __call__(
        self, request: web.BaseRequest, target: Target, body: RequestBody, exchange: Exchange
    ) -> UpstreamAnswer:
        """The upstream's answer, which the caller releases."""
        upstream = target.route.upstream
        credentials = upstream.credentials_for(exchange.team)
        # an anonymous operation goes without credentials: no client borrows the gateway's token
        anonymous = target.route.operation.anonymous
        authorization = None if anonymous else await credentials.authorization(request.headers)
        answer = await self._send(request, target, body, exchange, authorization)
        try:
            if not (
                answer.status == UNAUTHORIZED
                and authorization is not None
                and await credentials.rejected(authorization)
            ):
                return answer
        except BaseException:
            answer.release()
            raise
        answer.release()  # the refused answer goes; a buffered body is sent once more, newly signed
        if body is not None and not isinstance(body, bytes):
            raise TokenRejected(
                upstream.name,
                f"upstream {upstream.name!r} refused the gateway's token during a streamed upload, "
                "which cannot be replayed; the token is renewed: send the upload again",
            )
        authorization = await credentials.authorization(request.headers)
        return await self._send(request, target, body, exchange, authorization)

    async def _send(
        self,
        request: web.BaseRequest,
        target: Target,
        body: RequestBody,
        exchange: Exchange,
        authorization: str | None,
    ) -> UpstreamAnswer:
        trusted = self._trusted(request.remote)
        headers = upstream_request_headers(
            request, exchange.request_id, authorization, from_trusted_proxy=trusted
        )
        if body is not None and not isinstance(body, bytes) and request.content_length is not None:
            # a streamed upload of known size goes on with its length, not chunked: some upstreams
            # (and their proxies) refuse chunked uploads or need the size up front
            headers["Content-Length"] = str(request.content_length)
        upstream = target.route.upstream
        sent = time.perf_counter()
        answer = await upstream.send(request.method, target.upstream_path_qs, headers, body)
        self.accounting.upstream_answered(exchange, time.perf_counter() - sent)
        return answer
