"""The one websocket endpoint (`/ws/v1/events`) for the agent desk and the wallboard.

The tenant comes from the Host header (TenantWebsocketMiddleware), the user from the
session; every group name starts with the tenant's schema, so a socket can only ever join
its own tenant's audiences. Protocol: docs/events.md."""

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from accounts.models import Role
from telephony.presence import note_heartbeat
from tenants.realtime import EVENT_VERSION


@database_sync_to_async
def _own_queue_ids(tenant, ids: list) -> set[int]:
    """Which of `ids` are queues of this tenant (ids of another tenant's queues are not)."""
    from django.db import connection
    from django_tenants.utils import tenant_context

    from telephony.selectors import queue_ids_among

    with tenant_context(tenant):
        found = queue_ids_among(ids)
    connection.set_schema_to_public()
    return found


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
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "ping":
            user = self.scope["user"]
            if user.has_role(Role.AGENT):
                note_heartbeat(self.scope["tenant"], user.pk)  # presence (RT-4): the desk is alive
            await self.send_json({"v": EVENT_VERSION, "type": "pong", "id": content.get("id")})
        elif kind == "subscribe":
            await self._subscribe(content.get("queues"))
        else:
            await self.send_json({"v": EVENT_VERSION, "type": "error",
                                  "message": "Unknown message: send {\"type\": \"ping\"} or "
                                             "{\"type\": \"subscribe\", \"queues\": [ids]}."})

    async def _subscribe(self, queues) -> None:
        """Join `<schema>.queue.<id>` for queues of this tenant; anything else is refused."""
        if not isinstance(queues, list) or not queues:
            await self.send_json({"v": EVENT_VERSION, "type": "error",
                                  "message": "subscribe: give a non-empty list of queue ids."})
            return
        own = await _own_queue_ids(self.scope["tenant"], queues)
        refused = [q for q in queues if q not in own]
        schema = self.scope["schema_name"]
        for queue_id in sorted(own):
            group = f"{schema}.queue.{queue_id}"
            if group not in self.groups_joined:
                await self.channel_layer.group_add(group, self.channel_name)
                self.groups_joined.append(group)
        await self.send_json({"v": EVENT_VERSION, "type": "subscribed", "queues": sorted(own),
                              "refused": refused})

    async def session_revoked(self, event):
        await self.send_json({"v": EVENT_VERSION, "type": "session.revoked"})
        await self.close(code=4403)

    async def event_push(self, message):
        await self.send_json(message["event"])
