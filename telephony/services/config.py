"""What tenant admins configure: numbers (TEL-1), IVR flows with versions (TEL-4), caller
lists (TEL-6) and the defaults every new tenant starts with."""

from __future__ import annotations

from datetime import time

from django.db import IntegrityError, connection, transaction

from accounts.models import User
from accounts.services import audit_record
from config.errors import ServiceError, field_error
from telephony import ivr
from telephony.addresses import E164
from telephony.hooks import hook_url
from telephony.models import (
    BusinessHours,
    CallerListEntry,
    IvrFlow,
    IvrFlowVersion,
    PhoneNumber,
    Queue,
)
from telephony.services.common import provider_on_commit
from tenants.models import NumberRoute

MSG_NUMBER_FORMAT = "Enter the number in E.164 form, e.g. +14155550100."
MSG_NUMBER_TAKEN = "This number already belongs to a call center on this platform."
MSG_ONE_ENTRY = "Point the number at an IVR flow or a queue, not both."
MSG_FLOW_NAME_TAKEN = "An IVR flow with this name already exists."
MSG_NO_VERSION = "This flow has no version {version}."
DEFAULT_HOURS = [(d, time(9, 0), time(18, 0)) for d in range(5)]


_invalid = field_error


@transaction.atomic
def number_add(*, e164: str, kind: str = "did", label: str = "", entry_flow: IvrFlow | None = None,
               entry_queue: Queue | None = None, actor: User | None = None) -> PhoneNumber:
    """Claim a number for this tenant platform-wide and point the carrier at our webhook."""
    e164 = (e164 or "").strip()
    if not E164.match(e164):
        raise _invalid("e164", MSG_NUMBER_FORMAT)
    if entry_flow and entry_queue:
        raise _invalid("entry_queue", MSG_ONE_ENTRY)
    try:
        with transaction.atomic():
            NumberRoute.objects.create(e164=e164, tenant_id=connection.tenant.pk)
    except IntegrityError:
        raise _invalid("e164", MSG_NUMBER_TAKEN, code="number_taken", status=409) from None
    number = PhoneNumber.objects.create(e164=e164, kind=kind, label=label, entry_flow=entry_flow,
                                        entry_queue=entry_queue)
    voice, status = hook_url("incoming"), hook_url("status")
    provider_on_commit(lambda p: p.number_configure(e164=e164, voice_url=voice, status_url=status),
                       what=f"configure {e164}")
    audit_record(actor=actor, action="number.add", target=number, summary=f"Number {e164} added")
    return number


@transaction.atomic
def number_update(*, number: PhoneNumber, label: str | None = None, entry_flow: IvrFlow | None = None,
                  entry_queue: Queue | None = None, actor: User | None = None) -> PhoneNumber:
    if entry_flow and entry_queue:
        raise _invalid("entry_queue", MSG_ONE_ENTRY)
    number.entry_flow, number.entry_queue = entry_flow, entry_queue
    if label is not None:
        number.label = label
    number.save()
    audit_record(actor=actor, action="number.update", target=number,
                 summary=f"Number {number.e164} now enters {entry_flow or entry_queue or 'nothing'}")
    return number


@transaction.atomic
def number_remove(*, number: PhoneNumber, actor: User | None = None) -> None:
    NumberRoute.objects.filter(e164=number.e164, tenant_id=connection.tenant.pk).delete()
    audit_record(actor=actor, action="number.remove", target=number, summary=f"Number {number.e164} released")
    number.delete()


def _validated(graph) -> dict:
    problems = ivr.graph_problems(graph, queue_ids=set(Queue.objects.values_list("pk", flat=True)))
    if problems:
        fields: dict[str, list[str]] = {}
        for p in problems:
            fields.setdefault(f"nodes.{p.node}" if p.node else "graph", []).append(p.message)
        raise ServiceError("invalid_ivr", ivr.problems_message(problems), fields)
    return graph


@transaction.atomic
def ivr_flow_create(*, name: str, graph: dict, description: str = "", actor: User | None = None) -> IvrFlow:
    name = (name or "").strip()
    if not name:
        raise _invalid("name", "Give the flow a name.")
    if IvrFlow.objects.filter(name=name).exists():
        raise _invalid("name", MSG_FLOW_NAME_TAKEN, code="name_taken", status=409)
    _validated(graph)
    flow = IvrFlow.objects.create(name=name, description=description)
    ivr_flow_publish(flow=flow, graph=graph, note="first version", actor=actor)
    return flow


@transaction.atomic
def ivr_flow_publish(*, flow: IvrFlow, graph: dict, note: str = "", actor: User | None = None) -> IvrFlowVersion:
    """Validate, then publish as the next version. Calls already in the IVR keep theirs."""
    _validated(graph)
    flow = IvrFlow.objects.select_for_update().get(pk=flow.pk)
    number = (flow.versions.order_by("-version").values_list("version", flat=True).first() or 0) + 1
    version = IvrFlowVersion.objects.create(flow=flow, version=number, graph=graph, note=note[:200],
                                            created_by_email=actor.email if actor else "")
    flow.published = version
    flow.save(update_fields=["published"])
    audit_record(actor=actor, action="ivr.publish", target=flow,
                 summary=f"IVR flow {flow.name} version {number} published", detail={"note": note})
    return version


@transaction.atomic
def ivr_flow_restore(*, flow: IvrFlow, version: int, actor: User | None = None) -> IvrFlowVersion:
    """Put an earlier version back in service (as a new version, so history stays linear)."""
    old = flow.versions.filter(version=version).first()
    if old is None:
        raise ServiceError("not_found", MSG_NO_VERSION.format(version=version), status_code=404)
    return ivr_flow_publish(flow=flow, graph=old.graph, note=f"restored version {version}", actor=actor)


@transaction.atomic
def caller_list_set(*, number: str, kind: str, note: str = "", actor: User | None = None) -> CallerListEntry:
    number = (number or "").strip()
    if not E164.match(number):
        raise _invalid("number", MSG_NUMBER_FORMAT)
    entry, _ = CallerListEntry.objects.update_or_create(number=number, defaults={
        "kind": kind, "note": note[:200], "created_by_email": actor.email if actor else ""})
    audit_record(actor=actor, action="caller_list.set", target=entry, summary=f"{number} put on the {kind} list")
    return entry


@transaction.atomic
def caller_list_remove(*, entry: CallerListEntry, actor: User | None = None) -> None:
    audit_record(actor=actor, action="caller_list.remove", target=entry,
                 summary=f"{entry.number} taken off the {entry.kind} list")
    entry.delete()


def default_flow_graph(queue_id: int) -> dict:
    return {"start": "welcome", "nodes": {
        "welcome": {"type": "play", "say": "Thank you for calling. Please hold for the next available agent.",
                    "next": "queue"},
        "queue": {"type": "queue", "queue": queue_id},
    }}


def telephony_defaults_create() -> Queue:
    """What a new tenant starts with (TEN-2): a default queue, weekday hours and an IVR."""
    queue = Queue.objects.create(name="General", is_default=True)
    BusinessHours.objects.bulk_create(BusinessHours(weekday=d, opens=o, closes=c) for d, o, c in DEFAULT_HOURS)
    flow = IvrFlow.objects.create(name="Main", description="Greets callers and sends them to General.")
    version = IvrFlowVersion.objects.create(flow=flow, version=1, graph=default_flow_graph(queue.pk),
                                            note="default")
    flow.published = version
    flow.save(update_fields=["published"])
    return queue


QUEUE_FIELDS = ("name", "strategy", "priority", "vip_priority_boost", "sl_target_pct", "sl_threshold_s",
                "offer_timeout_s", "acw_limit_s", "sticky_timeout_s", "overflow_after_s", "overflow_widen_skills",
                "overflow_queue", "max_wait_s", "max_wait_action", "max_size", "use_hours", "after_hours_action",
                "after_hours_queue", "after_hours_message", "recording_policy", "consent_prompt",
                "announce_position", "hold_music_url")


@transaction.atomic
def queue_save(*, data: dict, queue: Queue | None = None, actor: User | None = None) -> Queue:
    """Create or change a queue with its required skills and members; takes effect at once."""
    from telephony.models import QueueMember, QueueSkill

    name = data.get("name", queue.name if queue else "")
    if Queue.objects.filter(name=name).exclude(pk=queue.pk if queue else None).exists():
        raise _invalid("name", "A queue with this name already exists.", code="name_taken", status=409)
    queue = queue or Queue()
    for field in QUEUE_FIELDS:
        if field in data:
            setattr(queue, field, data[field])
    for field in ("overflow_queue", "after_hours_queue"):
        if queue.pk and getattr(queue, f"{field}_id") == queue.pk:
            raise _invalid(field, "A queue cannot overflow into itself.")
    queue.save()
    if "skills" in data:
        QueueSkill.objects.filter(queue=queue).delete()
        QueueSkill.objects.bulk_create(QueueSkill(queue=queue, skill=s["skill"], min_proficiency=s["min_proficiency"])
                                       for s in data["skills"])
    if "members" in data:
        QueueMember.objects.filter(queue=queue).delete()
        QueueMember.objects.bulk_create(QueueMember(queue=queue, user=u) for u in data["members"])
    audit_record(actor=actor, action="queue.save", target=queue, summary=f"Queue {queue.name} saved")
    return queue
