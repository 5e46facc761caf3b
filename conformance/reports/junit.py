"""`--junit-xml FILE`: one test case per operation and GraphQL root field (skipped ones marked
so), a `<failure>` per finding (typed by its check) and an `<error>` per engine error, for CI
dashboards."""

from __future__ import annotations

from xml.etree import ElementTree

from conformance.results import RunResult

SUITE = "mlops-gateway conformance"


def render_junit(result: RunResult) -> bytes:
    tested = [
        *((op.tags[0] if op.tags else "api", op.operation_id) for op in result.plan.selected),
        *(("graphql", name) for name in result.graphql_fields()),
    ]
    failures = sum(1 for _, name in tested if result.findings_for(name))
    errors = sum(1 for _, name in tested if result.errors_for(name))
    suite = ElementTree.Element(
        "testsuite",
        name=SUITE,
        tests=str(len(tested) + len(result.plan.skipped)),
        failures=str(failures),
        errors=str(errors),
        skipped=str(len(result.plan.skipped)),
        time=f"{result.seconds:.3f}",
    )
    for classname, name in tested:
        case = ElementTree.SubElement(suite, "testcase", classname=classname, name=name)
        for finding in result.findings_for(name):
            failure = ElementTree.SubElement(case, "failure", type=finding.check, message=finding.title)
            failure.text = f"{finding.message}\n\nReproduce:\n{finding.curl}\n"
        for error in result.errors_for(name):
            ElementTree.SubElement(case, "error", type=error.title, message=error.message)
    for skipped in result.plan.skipped:
        case = ElementTree.SubElement(suite, "testcase", classname="skipped", name=skipped.operation_id)
        ElementTree.SubElement(case, "skipped", message=skipped.reason)
    run_errors = [e for e in result.errors if e.operation is None]
    if run_errors:
        case = ElementTree.SubElement(suite, "testcase", classname="run", name="run")
        for error in run_errors:
            ElementTree.SubElement(case, "error", type=error.title, message=error.message)
    document: bytes = ElementTree.tostring(suite, encoding="utf-8", xml_declaration=True)
    return document
