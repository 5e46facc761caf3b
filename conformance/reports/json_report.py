"""`--report-json FILE.json`: the run as a machine-readable document, for CI and for `--baseline`.

Everything `RunResult` holds is written (plan, per-operation requests and 2xx answers, findings
with their de-duplication `key`, errors, seed, timings, and any field added to it later, such as
reach), plus the upstream, the exit status and a per-operation summary. The document names its
`format` and `version`: a reader refuses other versions rather than misreading them (bump
`REPORT_VERSION` when a field changes meaning). Every string passes through the `Masker`, so no
secret is written.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Callable, Mapping
from pathlib import PurePath
from typing import Any

import orjson

from conformance.masking import Masker
from conformance.results import RunResult
from conformance.settings import ConformanceSettings

REPORT_FORMAT = "mlops-gateway-conformance-report"
REPORT_VERSION = 1


def _plain(value: Any, mask: Callable[[str], str]) -> Any:
    """`value` as JSON types, every string masked."""
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, enum.Enum):
        return _plain(value.value, mask)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name), mask) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(_plain(k, mask)): _plain(v, mask) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [_plain(v, mask) for v in value]
        return sorted(items, key=repr) if isinstance(value, set | frozenset) else items
    if isinstance(value, PurePath):
        return mask(str(value))
    return value


def report_document(result: RunResult, settings: ConformanceSettings, exit_status: int) -> dict[str, Any]:
    """The report as a JSON-ready dictionary."""
    mask = Masker(settings.credentials.secrets)
    operations = {
        op.operation_id: {
            "requests": result.requests.get(op.operation_id, 0),
            "successes": result.successes.get(op.operation_id, 0),
            "findings": len(result.findings_for(op.operation_id)),
        }
        for op in result.plan.selected
    }
    return {
        "format": REPORT_FORMAT,
        "version": REPORT_VERSION,
        "base_url": mask(settings.base_url),
        "exit_status": exit_status,
        "operations": operations,
        **_plain(result, mask),
    }


def render_json(result: RunResult, settings: ConformanceSettings, exit_status: int) -> bytes:
    return orjson.dumps(report_document(result, settings, exit_status), option=orjson.OPT_INDENT_2)
