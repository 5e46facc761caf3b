"""`Contract`: the compiled spec - its operations by operationId and the router that finds them.

Built once at start-up from the OpenAPI document; the gateway, the sandbox and the conformance
suite all read the spec through it, so they cannot disagree about what an operation is.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from gateway.contract.compiler import compile_operations
from gateway.contract.errors import ContractError
from gateway.contract.model import Operation
from gateway.contract.router import Router
from gateway.contract.source import DEFAULT_SPEC_PATH, read_spec


class Contract:
    """The compiled spec: operations by id, and a router from (method, path) to an operation."""

    def __init__(
        self, document: Mapping[str, Any], sha256: str | None = None, base_dir: Path | None = None
    ) -> None:
        """Compile `document`; files it names (GraphQL SDL) are read from `base_dir`, by default the
        packaged spec's directory."""
        self.document = document
        self.sha256 = sha256  # of the spec file's bytes, when loaded from one
        self.operations: dict[str, Operation] = {}
        for op in compile_operations(document, base_dir or DEFAULT_SPEC_PATH.parent):
            if op.operation_id in self.operations:
                raise ContractError(f"duplicate operationId {op.operation_id!r}")
            self.operations[op.operation_id] = op
        self.router = Router(self.operations.values())

    @classmethod
    def load(cls, path: str | Path | None = None) -> Contract:
        """Compile the spec at `path`, or the packaged spec when None."""
        document, sha256 = read_spec(path)
        return cls(document, sha256, Path(path).parent if path is not None else None)

    def match(self, method: str, path: str) -> tuple[Operation, dict[str, str]]:
        """The operation for a request, with its path parameters; raises PathNotFound/MethodNotAllowed."""
        return self.router.match(method, path)
