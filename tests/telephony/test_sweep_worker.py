"""The ACD's timers run in a real Celery worker (beat's `telephony.sweep_all`), per tenant,
on real time; and the desk's websocket ping keeps its agent present (RT-4)."""

import asyncio
import time
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.db import connection
from django.utils import timezone
from django_tenants.utils import tenant_context

from tests.telephony.conftest import build_center


def test_the_worker_expires_an_offer_that_rang_out(celery_worker, django_db_blocker):
    from telephony.models import AgentProfile, Call, Offer, Queue
    from telephony.tasks import sweep_all

    center = build_center(django_db_blocker)
    with django_db_blocker.unblock():
        with tenant_context(center.tenant):
            agent = center.users["agent1"]
            AgentProfile.objects.create(user=agent, state="reserved")
            call = Call.objects.create(sid="CAsweep1", ani="+15550000009", status="offered", agent=agent,
                                       queue=Queue.objects.get(name="General"), queued_at=timezone.now())
            offer = Offer.objects.create(call=call, agent=agent, expires_at=timezone.now() - timedelta(seconds=1))
        connection.set_schema_to_public()
        sweep_all.apply_async(queue="hostline-test")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with tenant_context(center.tenant):
                offer.refresh_from_db()
                if offer.status != "pending":
                    break
            time.sleep(0.2)
        with tenant_context(center.tenant):
            offer.refresh_from_db()
            call.refresh_from_db()
            profile = AgentProfile.objects.get(user=agent)
            assert offer.status == "missed"
            assert (profile.state, profile.not_ready_reason, profile.missed_offers) == ("not_ready", "missed", 1)
            assert call.status == "queued" and call.agent is None
        connection.set_schema_to_public()


def test_a_desk_ping_over_the_websocket_is_a_heartbeat(django_db_setup, django_db_blocker):
    from channels.testing import WebsocketCommunicator

    from config.asgi import application
    from telephony.models import AgentProfile
    from tests.conftest import run_async

    cast = pytest.hostline_cast
    with django_db_blocker.unblock():
        with tenant_context(cast.a.tenant):
            AgentProfile.objects.get_or_create(user=cast.a.users["agent"])
        connection.set_schema_to_public()

    def seen():
        with tenant_context(cast.a.tenant):
            return AgentProfile.objects.get(user=cast.a.users["agent"]).last_seen_at

    async def run():
        ws = WebsocketCommunicator(application, "/ws/v1/events", headers=[
            (b"host", cast.a.host.encode()), (b"origin", f"http://{cast.a.host}".encode()),
            (b"cookie", f"sessionid={cast.a.session_keys['agent']}".encode())])
        assert (await ws.connect())[0]
        await ws.receive_json_from(timeout=5)
        await ws.send_json_to({"type": "ping", "id": 7})
        assert await ws.receive_json_from(timeout=5) == {"v": 1, "type": "pong", "id": 7}
        # Pings are written in batches, once a second per web process: wait for the write.
        for _ in range(50):
            if await database_sync_to_async(seen)():
                break
            await asyncio.sleep(0.2)
        assert await database_sync_to_async(seen)() is not None
        await ws.disconnect()

    with django_db_blocker.unblock():
        run_async(run)
        with tenant_context(cast.a.tenant):
            profile = AgentProfile.objects.get(user=cast.a.users["agent"])
            assert timezone.now() - profile.last_seen_at < timedelta(minutes=5)
            AgentProfile.objects.all().delete()
        connection.set_schema_to_public()
