"""The one error of the contract layer: the spec itself is unusable.

Raised at start-up only (loading, compiling), never while serving, so the gateway refuses to start
with a message that names the place in the spec instead of failing on the first request.
"""

from __future__ import annotations


class ContractError(Exception):
    """The spec is unusable: unreadable, not YAML, a missing operationId, a dangling reference."""
