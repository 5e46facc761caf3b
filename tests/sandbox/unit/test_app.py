"""sandbox.app: every spec operation has a handler, and no handler names an unknown operation."""

from __future__ import annotations

from gateway.contract import Contract
from sandbox.app import collect_handlers


def test_every_operation_has_exactly_one_handler(contract: Contract) -> None:
    assert set(collect_handlers()) == set(contract.operations)
