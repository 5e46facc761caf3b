"""`--baseline PREVIOUS.json`: a run compared with an earlier one's `--report-json`.

Findings are matched by their de-duplication key (operation, check, failure kind and the kind's
own key, such as the undocumented status code or the schema path), which holds nothing
run-specific: no generated value, id or timing. Each finding of this run is new or unchanged;
each of the baseline's is fixed when its operation was tested again, and "not retested" when this
run skipped it. With a baseline the run fails (exit 1) only on new failures or errors: what a
team runs in CI on every upstream release, so known breakage does not hide a new one.

A baseline that cannot be read, is not a report, or has another report version is a usage
problem (exit 2), found before anything is called.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from conformance.errors import UsageProblem
from conformance.reports.json_report import REPORT_FORMAT, REPORT_VERSION
from conformance.results import EXIT_FAILURES, EXIT_OK, EXIT_USAGE, RunResult


@dataclass(frozen=True, slots=True)
class KnownFinding:
    """What a comparison shows of a finding: where, which check, what."""

    key: str
    operation: str
    check: str
    title: str


@dataclass(frozen=True, slots=True)
class Baseline:
    path: Path
    seed: int | None
    findings: tuple[KnownFinding, ...]


@dataclass(frozen=True, slots=True)
class Comparison:
    baseline: Baseline
    new: tuple[KnownFinding, ...]
    fixed: tuple[KnownFinding, ...]
    unchanged: tuple[KnownFinding, ...]
    not_retested: tuple[KnownFinding, ...]

    def exit_status(self, result: RunResult) -> int:
        """1 only on new failures or run errors (2 when the upstream could not be reached)."""
        if any(error.connection for error in result.errors):
            return EXIT_USAGE
        return EXIT_FAILURES if self.new or result.errors else EXIT_OK


def _known(raw: Any) -> KnownFinding:
    if not isinstance(raw, dict):
        raise ValueError("a finding is not an object")
    values = [raw.get(name) for name in ("key", "operation", "check", "title")]
    texts = [value for value in values if isinstance(value, str)]
    if len(texts) != len(values):
        raise ValueError("a finding lacks its key, operation, check or title")
    return KnownFinding(*texts)


def load_baseline(path: Path) -> Baseline:
    """The findings of an earlier `--report-json`; a `UsageProblem` saying why not."""
    try:
        document = orjson.loads(path.read_bytes())
    except OSError as exc:
        raise UsageProblem(f"--baseline {path}: cannot read it: {exc.strerror or exc}") from None
    except orjson.JSONDecodeError as exc:
        raise UsageProblem(f"--baseline {path}: not JSON ({exc})") from None
    if not isinstance(document, dict) or document.get("format") != REPORT_FORMAT:
        raise UsageProblem(f"--baseline {path}: not a --report-json report of mlops-gateway conformance")
    if document.get("version") != REPORT_VERSION:
        raise UsageProblem(
            f"--baseline {path}: report version {document.get('version')!r}; "
            f"this version reads version {REPORT_VERSION}: run once without --baseline to make a new one"
        )
    seed, findings = document.get("seed"), document.get("findings")
    try:
        if not isinstance(findings, list) or not (seed is None or isinstance(seed, int)):
            raise ValueError("no findings list or a seed that is not an integer")
        return Baseline(path, seed, tuple(_known(raw) for raw in findings))
    except ValueError as exc:
        raise UsageProblem(f"--baseline {path}: malformed report: {exc}") from None


def compare(baseline: Baseline, result: RunResult) -> Comparison:
    """This run's findings against the baseline's, by de-duplication key."""
    before = {finding.key: finding for finding in baseline.findings}
    now = {f.key: KnownFinding(f.key, f.operation, f.check, f.title) for f in result.findings}
    tested = {*result.plan.operation_ids, "(run)"}
    gone = [before[key] for key in sorted(before.keys() - now.keys())]
    return Comparison(
        baseline=baseline,
        new=tuple(now[key] for key in sorted(now.keys() - before.keys())),
        fixed=tuple(f for f in gone if f.operation in tested),
        unchanged=tuple(now[key] for key in sorted(now.keys() & before.keys())),
        not_retested=tuple(f for f in gone if f.operation not in tested),
    )
