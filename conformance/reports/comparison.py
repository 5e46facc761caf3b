"""The `--baseline` section of the terminal summary and the markdown report: per operation and
check, which failures are new, fixed, unchanged (or not retested), and the exit status that
follows from them."""

from __future__ import annotations

from conformance.baseline import Comparison, KnownFinding

#: (label, attribute of `Comparison`), in the order shown.
_GROUPS = (("new", "new"), ("fixed", "fixed"), ("unchanged", "unchanged"), ("not retested", "not_retested"))


def _rows(comparison: Comparison) -> list[tuple[str, KnownFinding]]:
    return [(label, f) for label, name in _GROUPS for f in getattr(comparison, name)]


def _counts(comparison: Comparison) -> str:
    return ", ".join(f"{len(getattr(comparison, name))} {label}" for label, name in _GROUPS)


def render_comparison(comparison: Comparison, exit_status: int) -> str:
    baseline = comparison.baseline
    lines = [f"against the baseline {baseline.path} (seed {baseline.seed}):"]
    lines += [f"  {label:<12} {f.operation:<34} {f.check}: {f.title}" for label, f in _rows(comparison)]
    verdict = "new failures" if comparison.new else "no new failures"
    lines.append(f"baseline: {_counts(comparison)}; {verdict} (exit {exit_status})")
    return "\n".join(lines)


def render_comparison_markdown(comparison: Comparison, exit_status: int) -> str:
    lines = [
        "",
        "## Compared with the baseline",
        "",
        f"`{comparison.baseline.path}` (seed `{comparison.baseline.seed}`): {_counts(comparison)}; "
        f"exit status {exit_status}.",
        "",
        "| change | operation | check | failure |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {label} | `{f.operation}` | `{f.check}` | {f.title.replace('|', '/')} |"
        for label, f in _rows(comparison)
    ]
    return "\n".join(lines) + "\n"
