"""`mlops-gateway demo`: the sandbox and a gateway in front of it, wired as a real deployment
would be - the gateway logs in to the sandbox's Keycloak itself and holds the Openlayer key, and
the demo team holds only its gateway key."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from gateway.config import AuthMode, GatewayConfig, TeamConfig, UpstreamAuth, UpstreamConfig
from gateway.server import start_gateway
from sandbox import SandboxServer, SandboxSettings, start_sandbox

DEMO_TEAM_KEY = "demo-team-key-0123456789abcdef"
#: The path prefixes of the spec's Openlayer operations: tests, inference pipelines, background tasks.
WALLAROO_PATHS = ("/v1/api/", "/v2/api/", "/v1/graphql", "/v1/logs/")
OPENLAYER_PATHS = ("/v1/tests/", "/v1/inference-pipelines/", "/v1/background-tasks/")


def sandbox_upstreams(sandbox: SandboxServer) -> tuple[UpstreamConfig, UpstreamConfig]:
    """The two upstreams as the sandbox serves them, with the credentials a gateway needs."""
    settings = sandbox.settings
    login = UpstreamAuth(
        AuthMode.KEYCLOAK,
        token_url=sandbox.token_url,
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        username=settings.admin_email,
        password=settings.admin_password,
    )
    openlayer_key = UpstreamAuth(AuthMode.STATIC, settings.openlayer_api_keys[0])
    return (
        UpstreamConfig("wallaroo", sandbox.url, WALLAROO_PATHS, auth=login),
        UpstreamConfig("openlayer", sandbox.url, OPENLAYER_PATHS, auth=openlayer_key),
    )


def _banner(base: str, sandbox_url: str) -> str:
    auth = f"-H 'Authorization: Bearer {DEMO_TEAM_KEY}' -H 'Content-Type: application/json'"
    return f"""mlops-gateway demo
  gateway   {base}   (validating proxy; metrics at {base}/metrics, drift report at {base}/_gateway/violations)
  sandbox   {sandbox_url}   (stand-in Keycloak, Wallaroo MLOps API and Openlayer)
  team key  {DEMO_TEAM_KEY}   (team 'demo'; the gateway holds the upstream tokens)

Try:
  curl -s {base}/v1/api/workspaces/list {auth} -d '{{}}'
  curl -s {base}/v1/api/workspaces/create {auth} -d '{{"workspace_name": "demo-ws"}}'
  curl -s {base}/v2/api/assays/get {auth} -d '{{"active": "All"}}'
  curl -s {base}/v1/api/workspaces/create {auth} -d '{{"workspace_name": 42}}'   # rejected: problem+json
  curl -s {base}/v1/tests/182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e/evaluate {auth} \\
       -d '{{"startTimestamp": 1699920000, "endTimestamp": 1700006400}}'
Ctrl-C stops both."""


async def run_demo(host: str, port: int, wait_for_stop: Callable[[], Awaitable[None]]) -> None:
    sandbox = await start_sandbox(SandboxSettings(), host="127.0.0.1", port=0)
    config = GatewayConfig(
        host=host,
        port=port,
        upstreams=sandbox_upstreams(sandbox),
        teams=(TeamConfig("demo", (DEMO_TEAM_KEY,)),),
    )
    try:
        gateway = await start_gateway(config)
        try:
            print(_banner(gateway.url, sandbox.url), flush=True)
            await wait_for_stop()
        finally:
            await gateway.close()
    finally:
        await sandbox.close()
