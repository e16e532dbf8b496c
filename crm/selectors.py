"""CRM reads: the screen-pop lookups, search, the interaction timeline (CRM-2), export."""

from __future__ import annotations

import contextlib
import csv
import io
from collections.abc import Iterable

from django.db.models import Q, QuerySet

from crm.models import Contact, ContactNote, ContactPhone
from crm.phones import InvalidPhone, to_e164

TIMELINE_LIMIT = 20


def contact_list() -> QuerySet[Contact]:
    return Contact.objects.select_related("account", "owner").prefetch_related("phones")


def _phone_matches(number: str) -> QuerySet[ContactPhone]:
    """Contacts' numbers equal to `number` (any format), the most recently updated contact first."""
    try:
        e164 = to_e164(number)
    except InvalidPhone:
        return ContactPhone.objects.none()
    return ContactPhone.objects.filter(e164=e164).order_by("-contact__updated_at")


def contact_for_phone(number: str) -> Contact | None:
    """The contact with this number (the most recently updated, if several share it)."""
    hit = _phone_matches(number).values_list("contact_id", flat=True).first()
    return contact_list().filter(pk=hit).first() if hit else None


def contact_tier_for_phone(number: str) -> str:
    """The caller's routing tier on the call's way in, in one query: 'vip' when their
    contact's tier jumps the queue, else the tier's code ('' when unknown)."""
    from django.db.models import Exists, OuterRef

    from crm.models import TierSetting

    row = (_phone_matches(number).annotate(vip=Exists(TierSetting.objects.filter(code=OuterRef("contact__tier"),
                                                                                   vip=True)))
           .values_list("contact__tier", "vip").first())
    if row is None:
        return ""
    return "vip" if row[1] else row[0]


def tier_choices() -> list[tuple[str, str]]:
    from crm.models import TierSetting

    return list(TierSetting.objects.filter(active=True).values_list("code", "label"))


def contact_for_account_number(number: str) -> Contact | None:
    if not number:
        return None
    return contact_list().filter(account__number=number).order_by("-updated_at").first()


def contact_search(q: str) -> QuerySet[Contact]:
    """By name, e-mail, account number or name, or any phone number (in any format)."""
    q = (q or "").strip()
    qs = contact_list()
    if not q:
        return qs
    cond = (Q(first_name__icontains=q) | Q(last_name__icontains=q) | Q(email__icontains=q)
            | Q(account__number=q) | Q(account__name__icontains=q))
    with contextlib.suppress(InvalidPhone):  # not a phone number: search the other fields only
        cond |= Q(phones__e164=to_e164(q))
    return qs.filter(cond).distinct()


def contact_numbers(contact: Contact) -> list[str]:
    return [p.e164 for p in contact.phones.all()]


def timeline_for_numbers(numbers: Iterable[str], *, contact: Contact | None = None,
                         limit: int = TIMELINE_LIMIT) -> list[dict]:
    """Calls, voicemails, callbacks and survey answers of these numbers, and the contact's
    notes and cases, newest first (CRM-2)."""
    from telephony.models import BacklogItem, Call, Callback

    numbers = list(numbers)
    items: list[dict] = []
    for c in Call.objects.filter(ani__in=numbers).select_related("queue", "agent").order_by("-arrived_at")[:limit]:
        items.append({"kind": "call", "at": c.arrived_at, "id": c.pk, "outcome": c.outcome or c.status,
                      "queue": c.queue.name if c.queue_id else "", "agent": c.agent.email if c.agent_id else "",
                      "disposition": c.disposition, "talk_s": c.talk_s})
    for b in BacklogItem.objects.filter(contact_number__in=numbers).order_by("-created_at")[:limit]:
        items.append({"kind": b.kind, "at": b.created_at, "id": b.pk, "status": b.status, "message": b.message,
                      "duration_s": b.duration_s})
    for cb in Callback.objects.filter(number__in=numbers).order_by("-created_at")[:limit]:
        items.append({"kind": "callback", "at": cb.created_at, "id": cb.pk, "status": cb.status})
    from crm.models import SurveyResponse

    answers = SurveyResponse.objects.filter(call__ani__in=numbers)
    if contact is not None:
        answers = SurveyResponse.objects.filter(Q(call__ani__in=numbers) | Q(contact=contact))
        for n in ContactNote.objects.filter(contact=contact).select_related("author")[:limit]:
            items.append({"kind": "note", "at": n.at, "id": n.pk, "text": n.text,
                          "author": n.author.email if n.author_id else ""})
        for c in contact.cases.all()[:limit]:
            items.append({"kind": "case", "at": c.created_at, "id": c.pk, "status": c.state,
                          "text": f"Case #{c.number} {c.subject}"})
    for a in answers.distinct().order_by("-at")[:limit]:
        items.append({"kind": "survey", "at": a.at, "id": a.pk, "status": "satisfied" if a.satisfied
                      else "not satisfied", "text": ("Satisfied" if a.satisfied else "Not satisfied")
                      + (f": {a.reason}" if a.reason else "")})
    items.sort(key=lambda i: i["at"], reverse=True)
    return items[:limit]


def contact_card(contact: Contact) -> dict:
    return {"id": contact.pk, "name": contact.name, "first_name": contact.first_name,
            "last_name": contact.last_name, "email": contact.email, "tier": contact.tier,
            "lifecycle": contact.lifecycle, "tags": contact.tags, "do_not_contact": contact.do_not_contact,
            "consent_recording": contact.consent_recording, "phones": contact_numbers(contact),
            "account": ({"number": contact.account.number, "name": contact.account.name, "tier": contact.account.tier}
                        if contact.account_id else None),
            "owner": contact.owner.email if contact.owner_id else None, "custom": contact.custom}


def screen_pop(*, ani: str, collected: dict | None = None) -> dict:
    """What the desk shows about a caller: the contact (by an account number keyed in the
    IVR first, else by the calling number), and the recent history of that number."""
    collected = collected or {}
    contact = contact_for_account_number(str(collected.get("account", "")))
    matched_by = "account" if contact else ""
    if contact is None:
        contact = contact_for_phone(ani)
        matched_by = "phone" if contact else ""
    numbers = set(contact_numbers(contact)) if contact else set()
    try:
        numbers.add(to_e164(ani))
    except InvalidPhone:
        numbers.add(ani)
    return {"contact": contact_card(contact) if contact else None, "matched_by": matched_by,
            "cases": open_cases_of(contact) if contact else [],
            "history": timeline_for_numbers(numbers, contact=contact, limit=5)}


def contacts_csv(contacts: QuerySet[Contact]) -> str:
    """Export in the import's own format (so an export re-imports as it is)."""
    from crm.services import FIELDS

    keys = sorted({k for custom in contacts.values_list("custom", flat=True) for k in custom})
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*FIELDS, *(f"custom.{k}" for k in keys)])
    for c in contacts:
        writer.writerow([c.first_name, c.last_name, c.email, ";".join(contact_numbers(c)),
                         c.account.number if c.account_id else "", c.account.name if c.account_id else "",
                         c.tier, c.lifecycle, ";".join(c.tags), "yes" if c.do_not_contact else "no",
                         "yes" if c.consent_marketing else "no", c.address, *(c.custom.get(k, "") for k in keys)])
    return out.getvalue()


def case_card(case) -> dict:
    return {"id": case.pk, "number": case.number, "type": case.type, "state": case.state, "subject": case.subject,
            "contact": case.contact_id, "call": case.call_id, "assignee": case.assignee.email if case.assignee_id
            else None, "promised_by": case.promised_by, "escalation": case.get_escalation_display(),
            "resolved_on_first_contact": case.resolved_on_first_contact, "created_at": case.created_at,
            "team": case.team_id, "complaint_category": case.complaint_category.code if case.complaint_category_id
            else None,
            "overdue": case.overdue_alerted_at is not None}


def open_cases_of(contact: Contact) -> list[dict]:
    from crm.cases import OPEN_STATES

    return [case_card(c) for c in contact.cases.filter(state__in=[*OPEN_STATES, "follow_up"])
            .select_related("assignee")[:10]]


def held_numbers() -> set[str]:
    """Phone numbers of contacts under an active legal hold: their recordings are kept."""
    return set(ContactPhone.objects.filter(contact__legal_holds__released_at__isnull=True,
                                           contact__legal_holds__isnull=False).values_list("e164", flat=True))


def recording_on_hold(rec) -> bool:
    call = rec.call
    numbers = {call.ani, call.dnis} - {""}
    return ContactPhone.objects.filter(e164__in=numbers, contact__legal_holds__released_at__isnull=True,
                                       contact__legal_holds__isnull=False).exists()


def contact_export(contact: Contact) -> dict:
    """Everything held about a contact (CRM-8 subject access): the card, consent evidence,
    holds, notes, cases with their history, every call, message, callback and survey of
    their numbers, and the list of recordings (fetched through the audited recording API)."""
    from crm.models import Case, SurveyResponse
    from telephony.models import BacklogItem, Call, Callback, Recording

    numbers = contact_numbers(contact)
    calls = Call.objects.filter(Q(ani__in=numbers) | Q(dnis__in=numbers)).select_related("queue", "agent")
    backlog = BacklogItem.objects.filter(contact_number__in=numbers)
    recordings = Recording.objects.filter(Q(call__in=calls) | Q(pk__in=backlog.exclude(recording=None)
                                                                 .values("recording")))
    return {
        "contact": {**contact_card(contact), "address": contact.address, "consent_marketing":
                    contact.consent_marketing, "source": contact.source, "created_at": contact.created_at,
                    "updated_at": contact.updated_at},
        "consent_records": [{"kind": r.kind, "granted": r.granted, "source": r.source, "by": r.actor_email,
                             "at": r.at} for r in contact.consent_records.all()],
        "legal_holds": [{"reason": h.reason, "placed_by": h.placed_by, "placed_at": h.placed_at,
                         "released_at": h.released_at} for h in contact.legal_holds.all()],
        "notes": [{"at": n.at, "text": n.text, "author": n.author.email if n.author_id else ""}
                  for n in contact.notes.select_related("author")],
        "cases": [{**case_card(c), "description": c.description,
                   "events": [{"at": e.at, "kind": e.kind, "from": e.from_state, "to": e.to_state,
                               "reason": e.reason, "by": e.actor_email} for e in c.events.all()]}
                  for c in Case.objects.filter(contact=contact).select_related("assignee").prefetch_related("events")],
        "calls": [{"id": c.pk, "direction": c.direction, "from": c.ani, "to": c.dnis, "at": c.arrived_at,
                   "queue": c.queue.name if c.queue_id else "", "agent": c.agent.email if c.agent_id else "",
                   "outcome": c.outcome or c.status, "wait_s": c.wait_s, "talk_s": c.talk_s,
                   "disposition": c.disposition, "notes": c.notes, "collected": c.collected}
                  for c in calls.order_by("arrived_at")],
        "voicemails_and_messages": [{"id": b.pk, "kind": b.kind, "at": b.created_at, "status": b.status,
                                     "message": b.message, "duration_s": b.duration_s}
                                    for b in backlog.order_by("created_at")],
        "callbacks": [{"id": cb.pk, "at": cb.created_at, "status": cb.status}
                      for cb in Callback.objects.filter(number__in=numbers).order_by("created_at")],
        "surveys": [{"at": s.at, "kind": s.kind, "satisfied": s.satisfied, "reason": s.reason, "call": s.call_id}
                    for s in SurveyResponse.objects.filter(Q(contact=contact) | Q(call__in=calls)).distinct()],
        "recordings": [{"id": r.pk, "call": r.call_id, "kind": r.kind, "started_at": r.started_at,
                        "duration_s": r.duration_s, "status": r.status, "api": f"/api/v1/recordings/{r.pk}"}
                       for r in recordings.order_by("started_at")],
    }


def case_type_choices() -> list[tuple[str, str]]:
    from crm.models import CaseTypeSetting

    return list(CaseTypeSetting.objects.filter(active=True).values_list("code", "label"))


def complaint_category_choices() -> list[tuple[str, str]]:
    from crm.models import ComplaintCategory

    return list(ComplaintCategory.objects.filter(active=True).values_list("code", "label"))


BUCKETS = ("day", "week", "month")


def _tenant_tz():
    from zoneinfo import ZoneInfo

    from django.db import connection

    return ZoneInfo(getattr(connection.tenant, "timezone", "") or "UTC")


def complaint_distribution(*, start, end, bucket: str = "month") -> dict:
    """CRM-4: complaints per category per day/week/month (tenant's timezone) in [start, end)."""
    from django.db.models import Count
    from django.db.models.functions import Trunc

    from crm.models import Case, ComplaintCategory

    rows = (Case.objects.filter(type="complaint", created_at__gte=start, created_at__lt=end)
            .annotate(period=Trunc("created_at", bucket, tzinfo=_tenant_tz()))
            .values("period", "complaint_category__code").annotate(n=Count("id")).order_by("period"))
    labels = dict(ComplaintCategory.objects.values_list("code", "label"))
    periods: dict[str, dict[str, int]] = {}
    totals: dict[str, int] = {}
    for r in rows:
        code = r["complaint_category__code"] or "uncategorised"
        key = r["period"].date().isoformat()
        periods.setdefault(key, {})[code] = r["n"]
        totals[code] = totals.get(code, 0) + r["n"]
    all_n = sum(totals.values())
    return {"bucket": bucket, "periods": [{"period": k, "counts": v} for k, v in periods.items()],
            "categories": [{"code": c, "label": labels.get(c, "Uncategorised"), "count": n,
                            "share": round(n / all_n, 4) if all_n else 0.0}
                           for c, n in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))],
            "total": all_n}


def csat(*, start, end, by: str = "") -> list[dict]:
    """CSAT rows (the KPI engine's, `reports.kpis.csat`)."""
    from reports.kpis import csat as kpi_csat

    return kpi_csat(start=start, end=end, by=by)


def follow_up_card(task) -> dict:
    return {"id": task.pk, "title": task.title, "action": task.action, "status": task.status,
            "due_at": task.due_at, "case": task.case.number if task.case_id else None,
            "contact": task.contact_id, "contact_name": task.contact.name if task.contact_id else "",
            "phones": contact_numbers(task.contact) if task.contact_id else [],
            "assignee": task.assignee.email if task.assignee_id else None, "outcome": task.outcome}


def follow_ups_due(*, user=None, include_unassigned: bool = True, limit: int = 100) -> list[dict]:
    from crm.models import FollowUpStatus, FollowUpTask
    from telephony import clock

    qs = (FollowUpTask.objects.filter(status=FollowUpStatus.OPEN, due_at__lte=clock.now())
          .select_related("case", "contact", "assignee").prefetch_related("contact__phones"))
    if user is not None:
        qs = qs.filter(Q(assignee=user) | Q(assignee__isnull=True)) if include_unassigned else qs.filter(
            assignee=user)
    return [follow_up_card(t) for t in qs[:limit]]


def article_card(a, *, full: bool = False) -> dict:
    card = {"id": a.pk, "kind": a.kind, "title": a.title, "tags": a.tags, "queue": a.queue_id,
            "campaign": a.campaign, "version": a.version, "uses": a.uses, "active": a.active,
            "updated_at": a.updated_at}
    if full:
        card.update(body=a.body, steps=a.steps)
    else:
        card["excerpt"] = a.body[:200]
    return card


def kb_search(q: str, *, kind: str = "", limit: int = 20) -> list[dict]:
    """Full-text search (English stemming, title > tags > body), best match first; with no
    query, the most used first."""
    from django.contrib.postgres.search import SearchQuery, SearchRank
    from django.db.models import F

    from crm.models import Article

    qs = Article.objects.filter(active=True)
    if kind:
        qs = qs.filter(kind=kind)
    q = (q or "").strip()
    if q:
        query = SearchQuery(q, search_type="websearch", config="english")
        qs = qs.filter(search=query).annotate(rank=SearchRank(F("search"), query)).order_by("-rank", "-uses")
    return [article_card(a) for a in qs[:limit]]


def scripts_for_call(call) -> list[dict]:
    """Scripts for the call's queue, then the general ones (no queue)."""
    from crm.models import Article, ArticleKind

    qs = Article.objects.filter(kind=ArticleKind.SCRIPT, active=True).filter(
        Q(queue_id=call.queue_id) | Q(queue__isnull=True)) if call.queue_id else Article.objects.filter(
        kind=ArticleKind.SCRIPT, active=True, queue__isnull=True)
    from django.db.models import F

    return [article_card(a, full=True) for a in qs.order_by(F("queue_id").asc(nulls_last=True), "title")[:5]]


def import_job_card(job) -> dict:
    total = job.rows or 0
    return {"id": job.pk, "filename": job.filename, "status": job.status, "status_label": job.get_status_display(),
            "rows": total, "processed": job.processed, "created": job.created,
            "percent": 100 if job.finished_at else (min(99, round(100 * job.processed / total)) if total else 0),
            "finished": job.finished_at is not None, "report": job.report or None,
            "created_at": job.created_at, "finished_at": job.finished_at}
