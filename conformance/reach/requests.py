"""The request the reach phase sends to one operation: the spec's own example (the first of the
body's and of each parameter's), with `x-mlops-reach: {body: ...}` merged in where the documents'
example lacks something a request needs (an upload's file), and then what the links from earlier
success answers carry laid over it (a link's body merged in, or replacing the body when the link
says `merge_body: false`; its parameters set). An operation without any example starts from an
empty JSON body.

Plain data in, plain data out: `conformance.reach.walk` turns it into a schemathesis case.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from conformance.checks.exchange import PARAMETER_CONTAINERS
from conformance.reach.order import REACH
from gateway.contract.compiler import follow_refs

JSON = "application/json"


@dataclass(frozen=True, slots=True)
class Request:
    """What to send: the body (None: no body) and its media type, and parameters by container
    (`path_parameters`, `query`, `headers`), schemathesis's names."""

    media_type: str | None
    body: Any
    parameters: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


def _resolve(document: Mapping[str, Any], node: Any) -> Any:
    """An OpenAPI object with its `$ref`s followed (anything else as it is)."""
    return follow_refs(document, node)[0] if isinstance(node, Mapping) else node


def _example(document: Mapping[str, Any], media: Mapping[str, Any]) -> Any:
    if "example" in media:
        return media["example"]
    for example in (media.get("examples") or {}).values():
        example = _resolve(document, example)
        if isinstance(example, Mapping) and "value" in example:
            return example["value"]
    return None


def example_request(document: Mapping[str, Any], operation: Mapping[str, Any]) -> Request:
    """The operation's first documented request: JSON first, then the first media type with an
    example; parameters with an `example` get it."""
    body = _resolve(document, operation.get("requestBody")) or {}
    content: Mapping[str, Any] = body.get("content") or {}
    ordered = sorted(content, key=lambda media_type: media_type != JSON)
    media_type, value = next(
        ((mt, ex) for mt in ordered if (ex := _example(document, content[mt])) is not None),
        (JSON, {}) if JSON in content else (ordered[0], None) if ordered else (None, None),
    )
    parameters: dict[str, dict[str, Any]] = {}
    for raw in operation.get("parameters") or ():
        parameter = _resolve(document, raw)
        location = parameter.get("in", "") if isinstance(parameter, Mapping) else ""
        container = PARAMETER_CONTAINERS.get(location)
        example = _example(document, parameter) if container is not None else None
        if container is not None and example is not None:
            parameters.setdefault(container, {})[parameter["name"]] = example
    request = Request(media_type, value, parameters)
    extra = (operation.get(REACH) or {}).get("body")
    return request if extra is None else with_link(request, extra, True, {})


def with_link(
    request: Request, body: Any, merge_body: bool, parameters: Mapping[str, Mapping[str, Any]]
) -> Request:
    """`request` with a link's extracted body (None: the link carries none) and parameters."""
    merged: dict[str, dict[str, Any]] = {name: dict(values) for name, values in request.parameters.items()}
    for container, values in parameters.items():
        merged.setdefault(container, {}).update(values)
    new_body = request.body
    if body is not None:
        if merge_body and isinstance(body, Mapping) and isinstance(request.body, Mapping):
            new_body = {**request.body, **body}
        else:
            new_body = body
    media_type = request.media_type or (JSON if body is not None else None)
    return replace(request, media_type=media_type, body=new_body, parameters=merged)
