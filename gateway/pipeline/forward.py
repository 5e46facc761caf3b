"""Stage 3, forward: put the upstream's credentials in place of the client's and send the checked
request through the route's upstream client, timing the wait for the answer's headers.

Failures here stay typed (`UpstreamError`, `CredentialsUnavailable`); the edge turns them into
problems.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
from aiohttp import web

from gateway.pipeline.accounting import Accounting
from gateway.pipeline.exchange import Exchange
from gateway.pipeline.identify import Target
from gateway.upstream.client import RequestBody
from gateway.upstream.headers import upstream_request_headers


class Forward:
    """Sends a checked request upstream and yields the upstream's response."""

    def __init__(self, accounting: Accounting) -> None:
        self.accounting = accounting

    @asynccontextmanager
    async def __call__(
        self, request: web.Request, target: Target, body: RequestBody, exchange: Exchange
    ) -> AsyncIterator[aiohttp.ClientResponse]:
        upstream = target.route.upstream
        authorization = await upstream.credentials.authorization(request.headers)
        headers = upstream_request_headers(request, exchange.request_id, authorization)
        sent = time.perf_counter()
        async with upstream.exchange(request.method, target.upstream_path_qs, headers, body) as response:
            self.accounting.upstream_answered(exchange, time.perf_counter() - sent)
            yield response
