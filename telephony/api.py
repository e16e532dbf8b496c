"""Telephony API: agent state (TEL-10), calls and in-call controls (TEL-11, TEL-12),
configuration (queues, numbers, IVR, caller lists), callbacks, backlog and recordings.
Thin: validate, call one service, serialize."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import PermissionDenied
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Role
from accounts.permissions import HasRole, IsAdminOrSupervisor, IsStaffOrAgent, OnTenantDomain
from config.drf import client_ip as _ip
from config.drf import validated as _valid
from telephony import selectors, services
from telephony.agent_state import Source
from telephony.models import (
    ACTIVE_STATUSES,
    BacklogItem,
    CallerListEntry,
    IvrFlow,
    PhoneNumber,
    Queue,
    Recording,
    RoutingDecision,
)
from telephony.serializers import (
    AgentPhoneSerializer,
    AgentStateSerializer,
    AttemptSerializer,
    BacklogItemSerializer,
    CallbackScheduleSerializer,
    CallbackSerializer,
    CallDetailSerializer,
    CallerListSerializer,
    CallEventSerializer,
    CallSerializer,
    CloseSerializer,
    ConferenceSerializer,
    ConvertSerializer,
    DigitsSerializer,
    HoldSerializer,
    IvrFlowCreateSerializer,
    IvrFlowSerializer,
    IvrPublishSerializer,
    IvrRestoreSerializer,
    IvrVersionSerializer,
    MessageSerializer,
    MonitorSerializer,
    MuteSerializer,
    NumberSerializer,
    QueueSerializer,
    RecordingPauseSerializer,
    RecordingSerializer,
    RoutingDecisionSerializer,
    StateChangeRequestSerializer,
    StateChangeSerializer,
    TransferSerializer,
    WrapUpSerializer,
)
from telephony.services import backlog, callbacks, config, controls, recordings

IsAgent = HasRole.of(Role.AGENT)
IsAdmin = HasRole.of(Role.TENANT_ADMIN)


def _agent_or_404(pk: int):
    return get_object_or_404(selectors.agent_list(), pk=pk)


class AgentListView(APIView):
    permission_classes = [OnTenantDomain, IsAdminOrSupervisor]

    @extend_schema(responses=AgentStateSerializer(many=True), summary="Agents with live state and time in state")
    def get(self, request):
        return Response(AgentStateSerializer(selectors.agent_list(), many=True).data)


class MyStateView(APIView):
    permission_classes = [OnTenantDomain, IsAgent]

    @extend_schema(responses=AgentStateSerializer, summary="My current state")
    def get(self, request):
        return Response(AgentStateSerializer(_agent_or_404(request.user.pk)).data)

    @extend_schema(request=StateChangeRequestSerializer, responses=AgentStateSerializer,
                   summary="Switch my state (available, not_ready with a reason, offline)")
    def put(self, request):
        data = StateChangeRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.agent_set_state(user=request.user, to_state=data.validated_data["state"],
                                 reason=data.validated_data["reason"], source=Source.AGENT, actor=request.user,
                                 ip=request.META.get("REMOTE_ADDR"))
        return Response(AgentStateSerializer(_agent_or_404(request.user.pk)).data)


class ForceStateView(APIView):
    permission_classes = [OnTenantDomain, IsAdminOrSupervisor]

    @extend_schema(request=StateChangeRequestSerializer, responses=AgentStateSerializer,
                   summary="Force an agent ready, not ready or logged out (audited)")
    def post(self, request, pk: int):
        agent = _agent_or_404(pk)
        data = StateChangeRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.agent_set_state(user=agent, to_state=data.validated_data["state"],
                                 reason=data.validated_data["reason"], source=Source.SUPERVISOR,
                                 actor=request.user, ip=request.META.get("REMOTE_ADDR"))
        return Response(AgentStateSerializer(_agent_or_404(pk)).data)


class AgentPhoneView(APIView):
    permission_classes = [OnTenantDomain, IsAdmin]

    @extend_schema(request=AgentPhoneSerializer, responses=AgentPhoneSerializer,
                   summary="Ring this agent at a SIP address (empty: the browser softphone)")
    def put(self, request, pk: int):
        agent = _agent_or_404(pk)
        data = _valid(AgentPhoneSerializer, request)
        profile = services.agents.agent_set_phone(user=agent, sip_uri=data["sip_uri"], actor=request.user)
        return Response({"sip_uri": profile.sip_uri})


class StateLogView(APIView):
    permission_classes = [OnTenantDomain]

    @extend_schema(responses=StateChangeSerializer(many=True), summary="An agent's state transitions, newest first")
    def get(self, request, pk: int):
        user = request.user
        if not (user.is_authenticated and (user.pk == pk or user.has_role(Role.SUPERVISOR, Role.TENANT_ADMIN))):
            raise PermissionDenied(HasRole.message)
        agent = _agent_or_404(pk)
        return Response(StateChangeSerializer(selectors.agent_state_log(user=agent), many=True).data)


# ---------------------------------------------------------------- calls and in-call controls



def _call_or_404(request, pk: int):
    return get_object_or_404(selectors.calls_visible_to(request.user), pk=pk)




class CallListView(APIView):
    permission_classes = [OnTenantDomain, IsStaffOrAgent]

    @extend_schema(responses=CallSerializer(many=True), summary="Calls (agents see their own), newest first",
                   parameters=[OpenApiParameter("status", str), OpenApiParameter("queue", int),
                               OpenApiParameter("active", bool)])
    def get(self, request):
        qs = selectors.calls_visible_to(request.user)
        params = request.query_params
        if params.get("status"):
            qs = qs.filter(status=params["status"])
        if params.get("queue", "").isdigit():
            qs = qs.filter(queue_id=int(params["queue"]))
        if params.get("active") in ("1", "true"):
            qs = qs.filter(status__in=ACTIVE_STATUSES)
        paginator = LimitOffsetPagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(CallSerializer(page, many=True).data)


class CallDetailView(APIView):
    permission_classes = [OnTenantDomain, IsStaffOrAgent]

    @extend_schema(responses=CallDetailSerializer, summary="One call with its legs")
    def get(self, request, pk: int):
        return Response(CallDetailSerializer(_call_or_404(request, pk)).data)


class CallEventsView(APIView):
    permission_classes = [OnTenantDomain, IsStaffOrAgent]

    @extend_schema(responses=CallEventSerializer(many=True), summary="The call's event log, in order")
    def get(self, request, pk: int):
        call = _call_or_404(request, pk)
        return Response(CallEventSerializer(call.events.all(), many=True).data)


class RoutingDecisionView(APIView):
    permission_classes = [OnTenantDomain, IsAdminOrSupervisor]

    @extend_schema(responses=RoutingDecisionSerializer(many=True), summary="Why each call went where it went",
                   parameters=[OpenApiParameter("call", int)])
    def get(self, request):
        qs = RoutingDecision.objects.select_related("agent").order_by("-at", "-id")
        if request.query_params.get("call", "").isdigit():
            qs = qs.filter(call_id=int(request.query_params["call"]))
        return Response(RoutingDecisionSerializer(qs[:500], many=True).data)


class RingingView(APIView):
    permission_classes = [OnTenantDomain, IsAgent]

    @extend_schema(responses=CallSerializer(many=True), summary="Calls ringing for me (my offer, ring-all calls)")
    def get(self, request):
        return Response(CallSerializer(selectors.calls_ringing_for(request.user), many=True).data)


def _call_action(name: str, summary: str, serializer=None, roles=(Role.AGENT,), run=None):
    """A POST on /calls/<id>/<action> that runs one control service and returns the call."""

    class View(APIView):
        permission_classes = [OnTenantDomain, HasRole.of(*roles)]

        @extend_schema(request=serializer, responses=CallDetailSerializer, summary=summary)
        def post(self, request, pk: int):
            data = _valid(serializer, request) if serializer else {}
            run(request, pk, data)
            return Response(CallDetailSerializer(get_object_or_404(selectors.call_list(), pk=pk)).data)

    View.__name__ = View.__qualname__ = f"Call{name}View"
    return View


CallAcceptView = _call_action("Accept", "Answer the call ringing for me (or claim a ring-all call)",
                              run=lambda r, pk, d: controls.offer_accept(agent=r.user, call_pk=pk))
CallDeclineView = _call_action("Decline", "Decline the call ringing for me",
                               run=lambda r, pk, d: controls.offer_decline(agent=r.user, call_pk=pk))
CallHoldView = _call_action("Hold", "Put the caller on hold or take them off", HoldSerializer,
                            run=lambda r, pk, d: controls.call_hold(agent=r.user, call_pk=pk, hold=d["hold"]))
CallMuteView = _call_action("Mute", "Mute or unmute my microphone", MuteSerializer,
                            run=lambda r, pk, d: controls.call_mute(agent=r.user, call_pk=pk, muted=d["muted"]))
CallDigitsView = _call_action("Digits", "Send phone keys (DTMF) into the call from my leg", DigitsSerializer,
                              run=lambda r, pk, d: controls.call_send_digits(agent=r.user, call_pk=pk,
                                                                             digits=d["digits"]))
CallHangupView = _call_action("Hangup", "Hang up the call", roles=(Role.AGENT, Role.SUPERVISOR, Role.TENANT_ADMIN),
                              run=lambda r, pk, d: controls.call_hangup(user=r.user, call_pk=pk))
CallTransferView = _call_action(
    "Transfer", "Transfer to an agent, a queue or a number; blind or warm (the note travels)", TransferSerializer,
    run=lambda r, pk, d: controls.call_transfer(agent=r.user, call_pk=pk, **d))
CallTransferCompleteView = _call_action(
    "TransferComplete", "Warm transfer: hand over to the consulted party",
    run=lambda r, pk, d: controls.call_transfer_complete(agent=r.user, call_pk=pk))
CallConsultCancelView = _call_action(
    "ConsultCancel", "Warm transfer: end the consultation and return to the caller",
    run=lambda r, pk, d: controls.call_consult_cancel(agent=r.user, call_pk=pk))
CallConferenceView = _call_action(
    "Conference", "Add an agent or a number to the call (three-way)", ConferenceSerializer,
    run=lambda r, pk, d: controls.call_conference_add(agent=r.user, call_pk=pk, **d))
CallMonitorView = _call_action(
    "Monitor", "Supervisor: silent monitor, whisper or barge (audited)", MonitorSerializer,
    roles=(Role.SUPERVISOR, Role.TENANT_ADMIN),
    run=lambda r, pk, d: controls.call_monitor(supervisor=r.user, call_pk=pk, mode=d["mode"], ip=_ip(r)))
CallMonitorStopView = _call_action(
    "MonitorStop", "Supervisor: leave the call", roles=(Role.SUPERVISOR, Role.TENANT_ADMIN),
    run=lambda r, pk, d: controls.call_monitor_stop(supervisor=r.user, call_pk=pk))
CallRecordingView = _call_action(
    "Recording", "Pause or resume the recording (PCI, audited)", RecordingPauseSerializer,
    roles=(Role.AGENT, Role.SUPERVISOR, Role.TENANT_ADMIN),
    run=lambda r, pk, d: recordings.recording_pause(user=r.user, call_pk=pk, paused=d["paused"], ip=_ip(r)))
CallWrapUpView = _call_action(
    "WrapUp", "Finish wrap-up: disposition, notes, next state", WrapUpSerializer,
    run=lambda r, pk, d: controls.call_wrap_up(agent=r.user, call_pk=pk, **d))


class HeartbeatView(APIView):
    permission_classes = [OnTenantDomain, IsAgent]

    @extend_schema(request=None, responses={204: None}, summary="My desk is alive (presence)")
    def post(self, request):
        services.agent_heartbeat(user=request.user)
        return Response(status=204)


class SoftphoneTokenView(APIView):
    permission_classes = [OnTenantDomain, IsAgent]

    @extend_schema(request=None, responses={200: dict}, summary="Credential for the browser softphone")
    def get(self, request):
        from telephony.providers import provider_for_current_tenant
        from telephony.services.controls import agent_target

        provider = provider_for_current_tenant()
        identity = agent_target(request.user).removeprefix("client:")
        return Response({"provider": provider.name, "identity": identity,
                         "token": provider.access_token(identity=identity)})


# ---------------------------------------------------------------- configuration



def _admin_writes(request) -> None:
    if request.method not in ("GET", "HEAD", "OPTIONS") and not request.user.has_role(Role.TENANT_ADMIN):
        raise PermissionDenied(HasRole.message)


class QueueListView(APIView):
    permission_classes = [OnTenantDomain, IsAdminOrSupervisor]

    @extend_schema(responses=QueueSerializer(many=True), summary="Queues with strategy, skills and limits")
    def get(self, request):
        return Response(QueueSerializer(selectors.queue_list(), many=True).data)

    @extend_schema(request=QueueSerializer, responses={201: QueueSerializer}, summary="Create a queue")
    def post(self, request):
        _admin_writes(request)
        data = _valid(QueueSerializer, request)
        if "required_skills" in data:
            data["skills"] = data.pop("required_skills")
        queue = config.queue_save(data=data, actor=request.user)
        return Response(QueueSerializer(selectors.queue_list().get(pk=queue.pk)).data, status=201)


class QueueDetailView(APIView):
    permission_classes = [OnTenantDomain, IsAdminOrSupervisor]

    @extend_schema(responses=QueueSerializer)
    def get(self, request, pk: int):
        return Response(QueueSerializer(get_object_or_404(selectors.queue_list(), pk=pk)).data)

    @extend_schema(request=QueueSerializer, responses=QueueSerializer, summary="Change a queue (takes effect at once)")
    def patch(self, request, pk: int):
        _admin_writes(request)
        queue = get_object_or_404(Queue, pk=pk)
        s = QueueSerializer(queue, data=request.data, partial=True)
        s.is_valid(raise_exception=True)
        data = dict(s.validated_data)
        if "required_skills" in data:
            data["skills"] = data.pop("required_skills")
        config.queue_save(data=data, queue=queue, actor=request.user)
        return Response(QueueSerializer(selectors.queue_list().get(pk=pk)).data)


class NumberListView(APIView):
    permission_classes = [OnTenantDomain, IsAdminOrSupervisor]

    @extend_schema(responses=NumberSerializer(many=True), summary="This call center's phone numbers")
    def get(self, request):
        return Response(NumberSerializer(PhoneNumber.objects.all(), many=True).data)

    @extend_schema(request=NumberSerializer, responses={201: NumberSerializer},
                   summary="Add a number and point it at an IVR flow or a queue")
    def post(self, request):
        _admin_writes(request)
        d = _valid(NumberSerializer, request)
        number = config.number_add(e164=d["e164"], kind=d.get("kind", "did"), label=d.get("label", ""),
                                   entry_flow=d.get("entry_flow"), entry_queue=d.get("entry_queue"),
                                   actor=request.user)
        return Response(NumberSerializer(number).data, status=201)


class NumberDetailView(APIView):
    permission_classes = [OnTenantDomain, IsAdmin]

    @extend_schema(request=NumberSerializer, responses=NumberSerializer, summary="Re-point a number")
    def patch(self, request, pk: int):
        number = get_object_or_404(PhoneNumber, pk=pk)
        s = NumberSerializer(number, data=request.data, partial=True)
        s.is_valid(raise_exception=True)
        d = s.validated_data
        config.number_update(number=number, label=d.get("label"), entry_flow=d.get("entry_flow"),
                             entry_queue=d.get("entry_queue"), actor=request.user)
        return Response(NumberSerializer(number).data)

    @extend_schema(responses={204: None}, summary="Release a number")
    def delete(self, request, pk: int):
        config.number_remove(number=get_object_or_404(PhoneNumber, pk=pk), actor=request.user)
        return Response(status=204)


class IvrFlowListView(APIView):
    permission_classes = [OnTenantDomain, IsAdminOrSupervisor]

    @extend_schema(responses=IvrFlowSerializer(many=True), summary="IVR flows with their published graph")
    def get(self, request):
        return Response(IvrFlowSerializer(IvrFlow.objects.select_related("published"), many=True).data)

    @extend_schema(request=IvrFlowCreateSerializer, responses={201: IvrFlowSerializer},
                   summary="Create a flow (validated; published as version 1)")
    def post(self, request):
        _admin_writes(request)
        d = _valid(IvrFlowCreateSerializer, request)
        flow = config.ivr_flow_create(name=d["name"], graph=d["graph"], description=d["description"],
                                      actor=request.user)
        return Response(IvrFlowSerializer(flow).data, status=201)


class IvrValidateView(APIView):
    permission_classes = [OnTenantDomain, IsAdminOrSupervisor]

    @extend_schema(request=IvrPublishSerializer, responses={200: dict},
                   summary="Check a graph without publishing: every problem, by node")
    def post(self, request):
        from telephony import ivr

        d = _valid(IvrPublishSerializer, request)
        problems = ivr.graph_problems(d["graph"], queue_ids=set(Queue.objects.values_list("pk", flat=True)))
        return Response({"ok": not problems, "problems": [{"node": p.node, "message": p.message} for p in problems],
                         "message": ivr.problems_message(problems) if problems else "Ready to publish."})


class IvrFlowDetailView(APIView):
    permission_classes = [OnTenantDomain, IsAdminOrSupervisor]

    @extend_schema(responses=IvrVersionSerializer(many=True), summary="A flow's versions, newest first")
    def get(self, request, pk: int):
        flow = get_object_or_404(IvrFlow, pk=pk)
        return Response({**IvrFlowSerializer(flow).data,
                         "versions": IvrVersionSerializer(flow.versions.all(), many=True).data})


class IvrFlowPublishView(APIView):
    permission_classes = [OnTenantDomain, IsAdmin]

    @extend_schema(request=IvrPublishSerializer, responses={201: IvrVersionSerializer},
                   summary="Validate and publish a new version (400 lists every problem by node)")
    def post(self, request, pk: int):
        flow = get_object_or_404(IvrFlow, pk=pk)
        d = _valid(IvrPublishSerializer, request)
        version = config.ivr_flow_publish(flow=flow, graph=d["graph"], note=d["note"], actor=request.user)
        return Response(IvrVersionSerializer(version).data, status=201)


class IvrFlowRestoreView(APIView):
    permission_classes = [OnTenantDomain, IsAdmin]

    @extend_schema(request=IvrRestoreSerializer, responses={201: IvrVersionSerializer},
                   summary="Put an earlier version back in service")
    def post(self, request, pk: int):
        flow = get_object_or_404(IvrFlow, pk=pk)
        version = config.ivr_flow_restore(flow=flow, version=_valid(IvrRestoreSerializer, request)["version"],
                                          actor=request.user)
        return Response(IvrVersionSerializer(version).data, status=201)


def _require_feature(request, feature: str) -> None:
    from tenants.features import FEATURE_DISABLED, FEATURES
    from tenants.selectors import current_tenant_has

    if not current_tenant_has(feature):
        raise PermissionDenied(FEATURE_DISABLED.format(feature=FEATURES[feature]))


class CallerListView(APIView):
    permission_classes = [OnTenantDomain, IsAdminOrSupervisor]

    @extend_schema(responses=CallerListSerializer(many=True), summary="Blacklist and VIP whitelist")
    def get(self, request):
        _require_feature(request, "blacklist")
        return Response(CallerListSerializer(CallerListEntry.objects.all(), many=True).data)

    @extend_schema(request=CallerListSerializer, responses={201: CallerListSerializer},
                   summary="Block a caller or mark them VIP")
    def post(self, request):
        _require_feature(request, "blacklist")
        _admin_writes(request)
        d = _valid(CallerListSerializer, request)
        entry = config.caller_list_set(number=d["number"], kind=d["kind"], note=d.get("note", ""),
                                       actor=request.user)
        return Response(CallerListSerializer(entry).data, status=201)


class CallerListDetailView(APIView):
    permission_classes = [OnTenantDomain, IsAdmin]

    @extend_schema(responses={204: None})
    def delete(self, request, pk: int):
        _require_feature(request, "blacklist")
        config.caller_list_remove(entry=get_object_or_404(CallerListEntry, pk=pk), actor=request.user)
        return Response(status=204)


# ---------------------------------------------------------------- callbacks, backlog, recordings

class CallbackListView(APIView):
    permission_classes = [OnTenantDomain, IsStaffOrAgent]

    @extend_schema(responses=CallbackSerializer(many=True), summary="Callbacks (agents: theirs and unowned)")
    def get(self, request):
        qs = selectors.callbacks_visible_to(request.user)
        if request.query_params.get("status"):
            qs = qs.filter(status=request.query_params["status"])
        return Response(CallbackSerializer(qs[:500], many=True).data)

    @extend_schema(request=CallbackScheduleSerializer, responses={201: CallbackSerializer},
                   summary="Promise a call back at a time (owned by me)")
    def post(self, request):
        if not request.user.has_role(Role.AGENT):
            raise PermissionDenied(HasRole.message)
        d = _valid(CallbackScheduleSerializer, request)
        cb = callbacks.callback_schedule(agent=request.user, number=d["number"], due_at=d["due_at"],
                                         queue=d["queue"], note=d["note"])
        return Response(CallbackSerializer(cb).data, status=201)


class CallbackCancelView(APIView):
    permission_classes = [OnTenantDomain, IsStaffOrAgent]

    @extend_schema(request=None, responses=CallbackSerializer, summary="Cancel a callback")
    def post(self, request, pk: int):
        qs = selectors.callbacks_visible_to(request.user)
        if not request.user.has_role(Role.SUPERVISOR, Role.TENANT_ADMIN):
            qs = qs.filter(owner=request.user)  # cancel only your own promises
        cb = get_object_or_404(qs, pk=pk)
        return Response(CallbackSerializer(callbacks.callback_cancel(callback_pk=cb.pk, actor=request.user)).data)


class BacklogListView(APIView):
    permission_classes = [OnTenantDomain, IsStaffOrAgent]

    @extend_schema(responses=BacklogItemSerializer(many=True), summary="Voicemail and message backlog",
                   parameters=[OpenApiParameter("status", str)])
    def get(self, request):
        qs = BacklogItem.objects.prefetch_related("attempt_log__agent")
        if request.query_params.get("status"):
            qs = qs.filter(status=request.query_params["status"])
        return Response(BacklogItemSerializer(qs[:500], many=True).data)


class BacklogMessageView(APIView):
    permission_classes = [OnTenantDomain, IsStaffOrAgent]

    @extend_schema(request=MessageSerializer, responses={201: BacklogItemSerializer},
                   summary="Log a web message into the backlog")
    def post(self, request):
        d = _valid(MessageSerializer, request)
        return Response(BacklogItemSerializer(backlog.message_receive(**d)).data, status=201)


def _backlog_action(name: str, summary: str, serializer, run):
    class View(APIView):
        permission_classes = [OnTenantDomain, IsStaffOrAgent]

        @extend_schema(request=serializer, responses=BacklogItemSerializer, summary=summary)
        def post(self, request, pk: int):
            get_object_or_404(BacklogItem, pk=pk)
            data = _valid(serializer, request) if serializer else {}
            return Response(BacklogItemSerializer(run(request, pk, data)).data)

    View.__name__ = View.__qualname__ = f"Backlog{name}View"
    return View


BacklogReviewView = _backlog_action("Review", "Review: invalid if too short or no number, else contact", None,
                                    lambda r, pk, d: backlog.backlog_review(item_pk=pk, actor=r.user))
BacklogAttemptView = _backlog_action("Attempt", "Record a contact attempt (max 3)", AttemptSerializer,
                                     lambda r, pk, d: backlog.backlog_attempt(item_pk=pk, actor=r.user, **d))
BacklogConvertView = _backlog_action("Convert", "Convert to a case", ConvertSerializer,
                                     lambda r, pk, d: backlog.backlog_convert(item_pk=pk, actor=r.user, **d))
BacklogCloseView = _backlog_action("Close", "Close with a reason", CloseSerializer,
                                   lambda r, pk, d: backlog.backlog_close(item_pk=pk, actor=r.user, **d))


class RecordingDetailView(APIView):
    permission_classes = [OnTenantDomain, IsStaffOrAgent]

    @extend_schema(responses=RecordingSerializer, summary="A recording (access is checked and audited)")
    def get(self, request, pk: int):
        rec = get_object_or_404(Recording.objects.select_related("call"), pk=pk)
        rec = recordings.recording_access(user=request.user, rec=rec, ip=_ip(request))
        return Response(RecordingSerializer(rec).data)

    @extend_schema(responses={204: None}, summary="Delete a recording here and at the carrier")
    def delete(self, request, pk: int):
        rec = get_object_or_404(Recording, pk=pk)
        recordings.recording_delete(user=request.user, rec=rec, ip=_ip(request))
        return Response(status=204)
