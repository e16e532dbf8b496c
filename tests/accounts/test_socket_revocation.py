"""Disabling a user closes their open websocket at once (TEN-3), through the real Redis
channel layer. Commits for real, so it restores the cast afterwards."""

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import connection
from django_tenants.utils import tenant_context

from accounts.models import ApiToken, User
from config.asgi import application
from tests.conftest import run_async


def test_disabling_a_user_closes_their_socket(django_db_setup, django_db_blocker):
    cast = pytest.hostline_cast
    agent = cast.a.users["agent"]

    def disable():
        from accounts.services import user_disable

        with tenant_context(cast.a.tenant):
            user_disable(user=User.objects.get(pk=agent.pk), actor=User.objects.get(pk=cast.a.users["admin"].pk))
        connection.set_schema_to_public()

    async def run():
        headers = [(b"host", cast.a.host.encode()), (b"origin", f"http://{cast.a.host}".encode()),
                   (b"cookie", f"sessionid={cast.a.session_keys['agent']}".encode())]
        ws = WebsocketCommunicator(application, "/ws/v1/events", headers=headers)
        connected, _ = await ws.connect()
        assert connected
        assert (await ws.receive_json_from(timeout=5))["type"] == "hello"
        await database_sync_to_async(disable)()
        assert (await ws.receive_json_from(timeout=10)) == {"v": 1, "type": "session.revoked"}
        closed = await ws.receive_output(timeout=5)
        assert closed == {"type": "websocket.close", "code": 4403}

    with django_db_blocker.unblock():
        with tenant_context(cast.a.tenant):
            before = User.objects.get(pk=agent.pk).session_version
        try:
            run_async(run)
        finally:
            with tenant_context(cast.a.tenant):
                User.objects.filter(pk=agent.pk).update(status="active", session_version=before)
                ApiToken.objects.all().delete()
            connection.set_schema_to_public()
