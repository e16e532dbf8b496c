"""Websocket endpoint for a signed-in user. Issue 4 adds desk/wallboard events; the
foundation provides authentication, tenant-scoped groups and instant revocation."""

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from accounts.models import Role
from tenants.realtime import EVENT_VERSION


@database_sync_to_async
def _heartbeat(tenant, user) -> None:
    from django.db import connection
    from django_tenants.utils import tenant_context

    from telephony.services import agent_heartbeat

    with tenant_context(tenant):
        agent_heartbeat(user=user)
    connection.set_schema_to_public()


class EventsConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        schema = self.scope["schema_name"]
        self.groups_joined = [f"{schema}.user.{user.pk}"]
        if user.has_role(Role.AGENT):
            self.groups_joined += [f"{schema}.agent.{user.pk}", f"{schema}.agents"]
        if user.has_role(Role.SUPERVISOR, Role.TENANT_ADMIN):
            self.groups_joined.append(f"{schema}.supervisors")
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        await self.send_json({"v": EVENT_VERSION, "type": "hello", "tenant": self.scope["tenant"].slug,
                              "user": user.email, "roles": sorted(user.role_codes)})

    async def disconnect(self, code):
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        if content.get("type") == "ping":
            user = self.scope["user"]
            if user.has_role(Role.AGENT):
                await _heartbeat(self.scope["tenant"], user)  # presence (RT-4): the desk is alive
            await self.send_json({"v": EVENT_VERSION, "type": "pong"})

    async def session_revoked(self, event):
        await self.send_json({"v": EVENT_VERSION, "type": "session.revoked"})
        await self.close(code=4403)

    async def event_push(self, message):
        await self.send_json(message["event"])
