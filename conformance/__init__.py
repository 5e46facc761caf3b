"""The conformance suite: fuzz any upstream (or a gateway) against spec/openapi.yaml with
schemathesis and say what broke, under the check that found it, with a curl that reproduces it.

One run, in the order the data flows:

    options      CLI / pytest options -> settings (secrets also from MLOPS_CONFORMANCE_*)
    selection    which operations: filters, `x-mlops-writes` (read-only by default), credentials
    plan         + checks and phases: what `--dry-run` prints
    runner       reachability and login first (exit 2 otherwise), then the engine
    auth         Authorization per security scheme (static, KeycloakLogin, gateway key)
    engine       the schemathesis config and schema (auth, generation hooks, our checks)
    reach/       our first phase: every operation once, in link order, ids from earlier answers
    generation   requests kept honest before they are sent
    checks/      our checks (`x-mlops-*` promises) and the catalogue of all checks
    collector    engine events -> de-duplicated findings with masked curl chains
    reports/     terminal, markdown, JUnit XML
    cli          `mlops-gateway conformance`; conftest.py + test_upstream.py: `pytest conformance/`

Nothing imports schemathesis before a run needs it, so `--dry-run` and `--help` stay light.
"""
