"""Reading schemathesis's event stream into a `RunResult`.

Each finished scenario carries a recorder: the cases it sent, their exchanges, and every check's
verdict. A failed check becomes a `Finding` under the check's own name, attributed to the
operation's operationId, with the curl chain that reproduces it (the case, the stateful steps or
the follow-up calls that led to it), masked. Engine errors become `RunError`s; the ones caused by
an unreachable upstream are marked as connection errors.
"""

from __future__ import annotations

import dataclasses
import time
from collections import Counter
from collections.abc import Mapping
from typing import Any

import requests
from schemathesis.engine import events

from conformance.masking import Masker
from conformance.results import Finding, RunError, RunResult


class Collector:
    """Feed it every event of a run; `result` is complete after `EngineFinished`."""

    def __init__(self, result: RunResult, mask: Masker, operation_ids: Mapping[str, str]) -> None:
        """`operation_ids` maps schemathesis's labels ("POST /v1/api/x") to operationIds."""
        self.result = result
        self._mask = mask
        self._ids = operation_ids
        self._seen: dict[str, int] = {}
        self._requests: Counter[str] = Counter()
        self._successes: Counter[str] = Counter()
        self._started = time.monotonic()

    def operation_id(self, label: str | None) -> str | None:
        if label is None:
            return None
        return self._ids.get(label, label)

    def feed(self, event: Any) -> None:
        if isinstance(event, events.ScenarioFinished):
            self.scenario(event.recorder, str(event.phase))
        elif isinstance(event, events.NonFatalError):
            self._error(
                event.label if event.related_to_operation else None,
                event.info.title,
                event.info.message,
                event.value,
            )
        elif isinstance(event, events.FatalError):
            self._error(None, "Fatal error", str(event.exception), event.exception)
        elif isinstance(event, events.EngineFinished):
            for failure in event.failures:
                self._finding(failure.operation, "after_run", failure, "", "run")
            self.result.requests = dict(self._requests)
            self.result.successes = dict(self._successes)
            self.result.seconds = time.monotonic() - self._started

    def scenario(self, recorder: Any, phase: str) -> None:
        """One finished scenario: its requests, successes and failed checks."""
        for node in recorder.cases.values():
            interaction = recorder.interactions.get(node.value.id)
            if interaction is not None:
                operation = self.operation_id(node.value.operation.label) or "?"
                self._requests[operation] += 1
                if interaction.response is not None and 200 <= interaction.response.status_code < 300:
                    self._successes[operation] += 1
        for case_id, nodes in recorder.checks.items():
            for node in nodes:
                info = node.failure_info
                if info is not None:
                    curl = _curl_chain(recorder, case_id, info)
                    self._finding(info.failure.operation, node.name, info.failure, curl, phase)

    def _finding(self, label: str | None, check: str, failure: Any, curl: str, phase: str) -> None:
        operation = self.operation_id(label) or "(run)"
        key = f"{operation}|{check}|{type(failure).__name__}|{failure._unique_key}"
        if key in self._seen:
            index = self._seen[key]
            old = self.result.findings[index]
            self.result.findings[index] = dataclasses.replace(old, count=old.count + 1)
            return
        self._seen[key] = len(self.result.findings)
        self.result.findings.append(
            Finding(
                operation=operation,
                check=check,
                title=self._mask(failure.title),
                severity=str(failure.severity.value),
                message=self._mask(failure.message),
                curl=self._mask(curl),
                phase=phase,
                code=failure.code,
                key=key,
            )
        )

    def _error(self, label: str | None, title: str, message: str, exc: BaseException) -> None:
        error = RunError(self.operation_id(label), title, self._mask(message), _is_connection_error(exc))
        if error not in self.result.errors:
            self.result.errors.append(error)


def _curl_chain(recorder: Any, case_id: str, info: Any) -> str:
    """The commands that reproduce a failure: its case's ancestors and related cases, in order."""
    try:
        commands = [
            case.as_curl_command(headers=recorder.find_request_headers(case_id=case.id))
            for case in recorder.iter_chain_cases(
                case_id=case_id, related_case_ids=info.failure.related_case_ids()
            )
            if case.id in recorder.interactions
        ]
    except Exception:  # a case rebuilt without its interaction: fall back to what the engine rendered
        commands = []
    return "\n".join(commands) or info.code_sample


def _is_connection_error(exc: BaseException | None) -> bool:
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, requests.ConnectionError) and not isinstance(exc, requests.ReadTimeout):
            return True
        if isinstance(exc, ConnectionError):
            return True
        exc = exc.__cause__ or exc.__context__
    return False
