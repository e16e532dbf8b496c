"""Report reads: the KPI table for a period, grouped, with names for the keys, as rows for
the API, the pages and CSV. Every figure comes from `reports.kpis`."""

from __future__ import annotations

import csv
import io

from django.db import connection

from reports import kpis

MAX_GROUPS = 2
COLUMNS = ("offered", "answered", "abandoned", "short_abandoned", "service_level", "asa_s", "abandon_rate",
           "aht_s", "handled", "transfer_rate", "hold_rate")


def tenant_tz() -> str:
    return getattr(connection.tenant, "timezone", "") or "UTC"


def _names(dim: str, ids: set) -> dict:
    from accounts.models import Team, User
    from telephony.models import PhoneNumber, Queue

    ids = {i for i in ids if i is not None}
    if dim == "queue":
        return dict(Queue.objects.filter(pk__in=ids).values_list("pk", "name"))
    if dim == "agent":
        return dict(User.objects.filter(pk__in=ids).values_list("pk", "email"))
    if dim == "team":
        return dict(Team.objects.filter(pk__in=ids).values_list("pk", "name"))
    if dim == "number":
        return dict(PhoneNumber.objects.filter(pk__in=ids).values_list("pk", "e164"))
    return {}


def _label(dim: str, value, names: dict) -> str:
    if dim == "disposition":
        return value or "(none)"
    if dim in kpis.TIME_GROUPS:
        return value.strftime("%Y-%m-%d %H:%M") if dim.startswith(("interval", "hour")) else value.date().isoformat()
    return names.get(value, "(none)") if value is not None else "(none)"


def kpi_report(*, start, end, group_by: list[str], queue_id: int | None = None, service: bool = False) -> dict:
    """KPIs for calls that reached a queue in [start, end), grouped by up to two dimensions;
    `service` adds the period's FCR, complaint rate, repeat calls and CSAT (tenant-wide)."""
    where, params = "c.queued_at >= %(start)s AND c.queued_at < %(end)s", {"start": start, "end": end}
    if queue_id is not None:
        where += " AND c.queue_id = %(queue)s"
        params["queue"] = queue_id
    tz = tenant_tz()
    rows, total = kpis.call_kpis_table(group_by=group_by, where=where, params=params, tz=tz)
    names = {dim: _names(dim, {key[i] for key, _ in rows}) for i, dim in enumerate(group_by)}
    out = []
    for key, k in rows:
        labels = [_label(dim, key[i], names[dim]) for i, dim in enumerate(group_by)]
        out.append({"key": {dim: labels[i] if dim in kpis.TIME_GROUPS else key[i] for i, dim in enumerate(group_by)},
                    "label": " · ".join(labels), **k.as_dict()})
    return {"from": start.isoformat(), "to": end.isoformat(), "timezone": tz, "group_by": group_by,
            "rows": out, "total": total.as_dict(),
            "service": kpis.service_kpis(start=start, end=end) if service and queue_id is None else None}


def kpi_report_csv(report: dict) -> str:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow([*report["group_by"], *COLUMNS])
    for row in report["rows"]:
        w.writerow([*(row["label"].split(" · ") if report["group_by"] else []), *(row[c] for c in COLUMNS)])
    w.writerow([*(["total"] + [""] * (len(report["group_by"]) - 1) if report["group_by"] else []),
                *(report["total"][c] for c in COLUMNS)])
    return out.getvalue()


AGENT_COLUMNS = ("answered", "handled", "aht_s", "talk_s", "hold_s", "acw_s", "transfer_rate", "hold_rate",
                 "occupancy", "utilisation", "talk_pct", "logged_in_s", "not_ready_s", "survey_answers", "csat",
                 "adherence", "conformance")


def agent_report(*, start, end) -> list[dict]:
    """Agent performance over [start, end): calls (by the agent who ended up with them), time
    in state from the state log, CSAT of the surveys tied to the agent and WFM adherence and
    conformance against the published schedule; one row per agent who was logged in or took
    a call."""
    from accounts.models import User
    from telephony import clock

    where, params = "c.queued_at >= %(start)s AND c.queued_at < %(end)s", {"start": start, "end": end}
    calls = {key[0]: k for key, k in kpis.call_kpis_grouped(group_by=["agent"], where=where, params=params)}
    users = {u.pk: u for u in User.objects.filter(agent_profile__isnull=False, is_bot=False)}
    users.update({u.pk: u for u in User.objects.filter(pk__in=[a for a in calls if a is not None])})
    secs = kpis.agent_state_seconds(agent_ids=list(users), since=start, until=min(end, clock.now()))
    surveys = {r["key"]: r for r in kpis.csat(start=start, end=end, by="agent_id")}
    from datetime import timedelta

    from wfm.adherence import period_summary

    adherence = period_summary(start.date(), (end - timedelta(days=1)).date())
    rows = []
    for pk, user in sorted(users.items(), key=lambda kv: kv[1].email):
        time_kpis = kpis.agent_time_kpis(secs.get(pk, {}))
        k = calls.get(pk, kpis.EMPTY)
        if not time_kpis["logged_in_s"] and not k.offered:
            continue
        survey = surveys.get(pk, {"answers": 0, "csat": None})
        rows.append({"agent": pk, "email": user.email, "name": getattr(user, "full_name", "") or user.email,
                     **{f: getattr(k, f) for f in AGENT_COLUMNS if hasattr(k, f)}, **time_kpis,
                     "survey_answers": survey["answers"], "csat": survey["csat"],
                     "adherence": adherence.get(pk, {}).get("adherence"),
                     "conformance": adherence.get(pk, {}).get("conformance")})
    return rows


def call_detail(*, start, end, queue_id: int | None = None, agent_id: int | None = None, outcome: str = "",
                number: str = ""):
    """Calls in [start, end) (by arrival) with the report filters, newest first."""
    from django.db.models import Q

    from telephony.models import Call

    qs = (Call.objects.filter(arrived_at__gte=start, arrived_at__lt=end)
          .select_related("queue", "agent", "number").order_by("-arrived_at", "-id"))
    if queue_id:
        qs = qs.filter(queue_id=queue_id)
    if agent_id:
        qs = qs.filter(agent_id=agent_id)
    if outcome:
        qs = qs.filter(outcome=outcome)
    if number:
        qs = qs.filter(Q(ani__contains=number) | Q(dnis__contains=number))
    return qs
