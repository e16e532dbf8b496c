"""REST snapshots the desk and the wallboard load on open and after every reconnect; the
websocket then carries the changes (docs/events.md). Thin: the reads live in `live`."""

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Role
from accounts.permissions import HasRole, IsAdminOrSupervisor, OnTenantDomain
from crm.selectors import screen_pop, scripts_for_call
from telephony import clock, live, selectors
from telephony.agent_state import AgentState
from telephony.serializers import AgentStateSerializer, CallDetailSerializer, CallSerializer


class DeskSnapshotView(APIView):
    permission_classes = [OnTenantDomain, HasRole.of(Role.AGENT)]

    @extend_schema(responses={200: dict}, summary="Agent desk snapshot: my state, ringing calls, my call, today")
    def get(self, request):
        user = request.user
        me = selectors.agent_list().get(pk=user.pk)
        expiry = live.offer_expiry(user)
        ringing = [{**CallSerializer(c).data, "expires_at": expiry.get(c.pk),
                    "note": selectors.transfer_note_pending(c), "pop": screen_pop(ani=c.ani, collected=c.collected)}
                   for c in selectors.calls_ringing_for(user)]
        call = live.desk_call(user)
        call_data = None
        if call is not None:
            call_data = {**CallDetailSerializer(call).data, "note": live.transfer_note_for(user, call),
                         "mine": call.agent_id == user.pk, "pop": screen_pop(ani=call.ani, collected=call.collected),
                         "scripts": scripts_for_call(call)}
        colleagues = selectors.agent_list().exclude(pk=user.pk).filter(is_bot=False).exclude(status="disabled")
        from telephony.outbound.selectors import agent_desk

        return Response({
            "at": clock.now().isoformat(),
            "me": AgentStateSerializer(me).data,
            "outbound": agent_desk(user),
            "ringing": ringing,
            "call": call_data,
            "today": live.agent_today(user),
            "reasons": [{"value": c.code, "label": c.label} for c in selectors.not_ready_codes()],
            "dispositions": [c.label for c in selectors.wrap_up_codes()],
            "queues": [{"id": t["queue"], "name": t["name"], "waiting": t["waiting"],
                        "longest_wait_s": t["longest_wait_s"]} for t in live.queue_tiles()],
            "colleagues": [{"id": u.pk, "email": u.email, "name": u.full_name or u.email,
                            "state": getattr(getattr(u, "agent_profile", None), "state", AgentState.OFFLINE)}
                           for u in colleagues],
        })


class WallboardSnapshotView(APIView):
    permission_classes = [OnTenantDomain, IsAdminOrSupervisor]

    @extend_schema(responses={200: dict}, summary="Wallboard snapshot: agents by state, queue tiles, alerts")
    def get(self, request):
        return Response(live.wallboard_snapshot())

