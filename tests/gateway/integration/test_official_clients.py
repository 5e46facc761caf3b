"""The official clients work through the gateway unchanged: the Wallaroo SDK's generated client,
pointed at the gateway with a team key instead of upstream credentials, gets typed answers - and
typed errors when the gateway refuses a request. (The Openlayer SDK's proof runs in its own venv:
tests/sdk/test_openlayer_sdk.py.)"""

from __future__ import annotations

import pytest

from gateway.config import GatewayConfig, TeamConfig
from gateway.demo import sandbox_upstreams
from sandbox import SandboxServer
from tests.support.gateway import TEAM_KEY, running_gateway
from tests.support.official_clients import wallaroo_generated_client


@pytest.fixture(scope="module")
def wallaroo_client_package() -> None:
    wallaroo_generated_client()


@pytest.fixture
async def gateway_url(sandbox: SandboxServer):
    config = GatewayConfig(
        host="127.0.0.1",
        port=0,
        upstreams=sandbox_upstreams(sandbox),
        teams=(TeamConfig("clients", (TEAM_KEY,)),),
    )
    async with running_gateway(config) as gateway:
        yield gateway.url


async def test_wallaroo_generated_client_through_the_gateway(wallaroo_client_package, gateway_url) -> None:
    from wallaroo_ml_ops_api_client.api.assays import get as assays_v2_get
    from wallaroo_ml_ops_api_client.api.misc import features_list
    from wallaroo_ml_ops_api_client.api.user import users_query
    from wallaroo_ml_ops_api_client.api.workspace import workspaces_create, workspaces_list
    from wallaroo_ml_ops_api_client.client import AuthenticatedClient
    from wallaroo_ml_ops_api_client.models.filter_on_active import FilterOnActive
    from wallaroo_ml_ops_api_client.models.get_body import GetBody
    from wallaroo_ml_ops_api_client.models.users_query_body import UsersQueryBody
    from wallaroo_ml_ops_api_client.models.workspaces_create_body import WorkspacesCreateBody
    from wallaroo_ml_ops_api_client.models.workspaces_create_response_200 import WorkspacesCreateResponse200
    from wallaroo_ml_ops_api_client.models.workspaces_create_response_400 import WorkspacesCreateResponse400
    from wallaroo_ml_ops_api_client.models.workspaces_list_body import WorkspacesListBody

    async with AuthenticatedClient(
        base_url=gateway_url, token=TEAM_KEY, raise_on_unexpected_status=True
    ) as client:
        created = await workspaces_create.asyncio_detailed(
            client=client, body=WorkspacesCreateBody("sdk-space")
        )
        assert created.status_code == 200 and isinstance(created.parsed, WorkspacesCreateResponse200)
        listed = await workspaces_list.asyncio_detailed(client=client, body=WorkspacesListBody())
        assert created.parsed.workspace_id in {w.id for w in listed.parsed.workspaces}
        features = await features_list.asyncio_detailed(client=client)  # sent without any body
        assert features.status_code == 200 and features.parsed.is_auth_enabled is True
        users = await users_query.asyncio_detailed(client=client, body=UsersQueryBody())
        assert users.status_code == 200 and users.parsed.users.additional_properties
        assays = await assays_v2_get.asyncio_detailed(client=client, body=GetBody(FilterOnActive.ALL))
        assert assays.status_code == 200 and all(a.name for a in assays.parsed)
        refused = await workspaces_create.asyncio_detailed(client=client, body=WorkspacesCreateBody(42))
        assert refused.status_code == 400 and isinstance(refused.parsed, WorkspacesCreateResponse400)
        assert "workspaces_create" in refused.parsed.msg and refused.parsed.code == 400
