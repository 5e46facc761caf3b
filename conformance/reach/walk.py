"""The reach phase: before schemathesis generates anything, call every selected operation once, in
the spec's dependency order (`conformance.reach.order`), with the spec's example request and
whatever the links from earlier success answers carry (`conformance.reach.requests`): a workspace
is created, a model uploaded into it, a pipeline created from it and deployed, its status read
until Running, inference run, the deployment undeployed, the assay chains walked.

Generated requests rarely carry ids that exist, so without this many operations never answer
2xx and their success answers are never checked. Each answer here goes through the same checks
as any other (schemathesis's `validate_response` with this run's enabled checks, ours included),
in one recorder whose case tree follows the links, so `created_id_accepted` and the curl chains
of findings work as in the stateful phase. Only the planned operations are called (filtered here
by operationId, whatever else the schema holds), so a write only when the plan allows writes.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

import requests
from schemathesis.auths import AuthContext, set_on_case
from schemathesis.checks import CheckContext, run_checks_for
from schemathesis.core.result import Ok
from schemathesis.engine._validate import validate_response
from schemathesis.engine.recorder import ScenarioRecorder
from schemathesis.generation.stateful.state_machine import StepOutput
from schemathesis.specs.openapi.stateful import collect_transitions

from conformance.checks.exchange import UNRESOLVED, json_of, pointer_values
from conformance.generation import contract_accepts, unique_body, wire_faithful
from conformance.plan import REACH_PHASE
from conformance.reach.links import carries_created, link_body, link_parameters, precedence
from conformance.reach.order import ReachStep, reach_order
from conformance.reach.requests import Request, example_request, with_link
from gateway.contract import BodyKind, Contract


@dataclass(frozen=True, slots=True)
class Attempt:
    """A request to try, the case it follows (the source of the link applied last, whose values
    win: its parent in the recorder, so curl chains and created_id_accepted see the chain) and
    that link's transition."""

    request: Request
    parent_id: str | None = None
    transition: Any = None
    created: bool = False


class ReachWalk:
    """One reach phase over a schema restricted to the planned operations."""

    def __init__(self, schema: Any, contract: Contract, planned: Collection[str]) -> None:
        """`planned`: the operationIds the plan calls; no other operation is sent anything."""
        self.schema = schema
        self.contract = contract
        self.run_tag = f"r{secrets.token_hex(3)}"
        operations = [
            op
            for result in schema.get_all_operations()
            if isinstance(result, Ok) and (op := result.ok()).definition.raw.get("operationId") in planned
        ]
        self.operations = {op.definition.raw["operationId"]: op for op in operations}
        transitions = collect_transitions(operations).operations
        self.incoming = {
            op_id: list(transitions[op.label].incoming) if op.label in transitions else []
            for op_id, op in self.operations.items()
        }
        self.recorder = ScenarioRecorder(label=REACH_PHASE)
        #: The latest success of each operation, which links from it read.
        self.outputs: dict[str, StepOutput] = {}
        self._enforced: set[str] = set()
        self._sent = 0

    def run(self) -> ScenarioRecorder:
        for step in reach_order(self.contract.document, self.operations):
            self._reach(step)
        return self.recorder

    def _attempts(self, operation_id: str) -> list[Attempt]:
        """The example with every incoming link applied (the latest success of each source; links
        that replace the body first, so the others merge into it; what links from creates carry
        merged once more at the end, so a created id wins), then each other link alone:
        `created` ones are always sent, so every create's ids meet every operation they feed;
        the rest only while nothing succeeded (two sources may disagree: an external URL and a
        deployment both name what to infer on)."""
        base = example_request(self.contract.document, self.operations[operation_id].definition.raw)
        applied = [
            (link, self.outputs[source], carries_created(link))
            for link in sorted(self.incoming[operation_id], key=precedence)
            if (source := link.source.definition.raw["operationId"]) in self.outputs
        ]
        if not applied:
            return [Attempt(base)]
        combined = base
        for link, output, _ in applied:
            combined = self._with_link(combined, link, output)
        for link, output, created in applied:  # what creates answered wins over what merged after
            if created:
                combined = self._with_link(combined, link, output, merge=True)
        parent = max(range(len(applied)), key=lambda i: (applied[i][2], i))  # the last from a create
        link, output, created = applied[parent]
        attempts = [Attempt(combined, output.case.id, link.extract(output), created)]
        return attempts + [
            Attempt(self._with_link(base, link, output), output.case.id, link.extract(output), created)
            for i, (link, output, created) in enumerate(applied)
            if i != parent
        ]

    @staticmethod
    def _with_link(request: Request, link: Any, output: StepOutput, merge: bool = False) -> Request:
        return with_link(
            request, link_body(link, output), merge or link.merge_body, link_parameters(link, output)
        )

    def _reach(self, step: ReachStep) -> None:
        reached = False
        for attempt in self._attempts(step.operation_id):
            if not reached or attempt.created:
                reached = self._try(step, attempt) or reached

    def _try(self, step: ReachStep, attempt: Attempt) -> bool:
        """Send one attempt (polling it when the step says so); whether it answered 2xx."""
        case = self._case(step.operation_id, attempt.request)
        if case is None:
            return False
        response = self._send(case, attempt)
        if response is not None and step.until is not None:
            case, response = self._poll(step, attempt, case, response)
        if response is None or not 200 <= response.status_code < 300:
            return False
        self.outputs.setdefault(step.operation_id, StepOutput(response, case))
        return True

    def _case(self, operation_id: str, request: Request) -> Any:
        operation = self.operations[operation_id]
        body = request.body
        contract_op = self.contract.operations[operation_id]
        if isinstance(body, Mapping):
            body = unique_body(contract_op, dict(body), self.run_tag, f"{self.run_tag}-r{self._sent}")
            media = contract_op.request_media.find(request.media_type or "")
            if media is not None and media.kind is BodyKind.MULTIPART:  # a form field is text on the wire
                body = {
                    k: str(v) if isinstance(v, int) and not isinstance(v, bool) else v
                    for k, v in body.items()
                }
        kwargs: dict[str, Any] = {name: dict(values) for name, values in request.parameters.items()}
        if body is not None:
            kwargs["body"], kwargs["media_type"] = body, request.media_type
        case = operation.Case(**kwargs)
        if not (wire_faithful(contract_op, case) and contract_accepts(contract_op, case)):
            return None
        set_on_case(case, AuthContext(operation=operation, app=None), self.schema.auth)
        return case

    def _send(self, case: Any, attempt: Attempt) -> Any:
        """Send, record, and apply every enabled check; None when the request never got an answer."""
        self._sent += 1
        transition = attempt.transition
        self.recorder.record_case(
            case=case,
            parent_id=attempt.parent_id,
            transition=transition,
            is_transition_applied=bool(transition),
        )
        kwargs = self._transport_kwargs(case.operation)
        try:
            response = case.call(**kwargs)
        except requests.RequestException as exc:  # the engine's phases report transport errors
            self.recorder.record_network_error(case_id=case.id, error=exc)
            return None
        self.recorder.record_response(case_id=case.id, response=response)
        validate_response(
            case=case,
            ctx=self._check_context(case.operation, kwargs),
            response=response,
            continue_on_failure=True,
            recorder=self.recorder,
        )
        return response

    def _poll(self, step: ReachStep, attempt: Attempt, case: Any, response: Any) -> tuple[Any, Any]:
        """Send the request again until its success answer holds what `step.until` waits for."""
        until = step.until
        assert until is not None
        for _ in range(until.attempts - 1):
            document = json_of(response) if 200 <= response.status_code < 300 else UNRESOLVED
            if document is not UNRESOLVED and until.equals in pointer_values(document, until.pointer):
                break
            time.sleep(until.interval)
            again = self._case(step.operation_id, attempt.request)
            answer = self._send(again, attempt) if again is not None else None
            if answer is None:
                break
            case, response = again, answer
        return case, response

    def _transport_kwargs(self, operation: Any) -> dict[str, Any]:
        config = self.schema.config
        kwargs: dict[str, Any] = {"verify": config.tls_verify_for(operation=operation)}
        timeout = config.request_timeout_for(operation=operation)
        if timeout is not None:
            kwargs["timeout"] = timeout
        return kwargs

    def _check_context(self, operation: Any, transport_kwargs: Mapping[str, Any]) -> CheckContext:
        return CheckContext(
            override=None,
            auth=None,
            headers=None,
            config=self.schema.config.checks_config_for(operation=operation, phase=None),
            transport_kwargs=dict(transport_kwargs),
            recorder=self.recorder,
            response_checks=run_checks_for(self.schema).for_responses(),
            phase=None,
            auth_enforced_operations=self._enforced,
        )
