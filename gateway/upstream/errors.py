"""Transport errors of the upstream hop, typed the way httpx types them: one small hierarchy that
says what went wrong on the wire, raised by the upstream client and turned into problem+json only
at the edge (the pipeline), which keeps this layer free of HTTP-answer concerns."""

from __future__ import annotations


class UpstreamError(Exception):
    """An exchange with an upstream failed; `upstream` names it (a config name, never a secret)."""

    def __init__(self, upstream: str, message: str) -> None:
        super().__init__(message)
        self.upstream = upstream


class UpstreamTimeout(UpstreamError):
    """The upstream did not connect, send or finish its answer within the configured timeouts."""


class UpstreamUnavailable(UpstreamError):
    """The upstream refused, reset or broke the connection."""
