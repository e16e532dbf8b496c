"""The one KPI engine (SPEC §9), in SQL over the call records and the agent-state log. The
wallboard, the report pages and API, WFM and billing all read it, so the same period gives
the same numbers everywhere.

Definitions (inbound calls that reached a queue; a call belongs to the interval in which it
reached the queue, in the tenant's timezone):
  offered          calls that reached a queue
  short abandon    abandoned with a wait under SHORT_ABANDON_S (excluded from SL and abandon rate)
  service level    answered within T / (answered + abandoned after T), T = the queue's threshold
  ASA              total queue wait of answered calls / answered calls
  abandon rate     abandoned (not short) / offered
  AHT              (talk + hold + wrap-up) / handled calls (answered and ended)
  transfer rate    handled calls transferred at least once / handled calls
  hold rate        handled calls put on hold / handled calls
  occupancy        handle time / (handle time + available time)     } per agent, from the
  utilisation      handle time / logged-in time                      } state log (handle =
  talk-time %      on-call time / logged-in time                     } on call + wrap-up)
  FCR              cases resolved on first contact / cases opened
  complaint rate   complaint cases opened / handled calls
  repeat calls     handled calls whose caller had a call answered in the 7 days before / handled
                   calls (an index scan on (ani, answered_at) per call)
  CSAT             satisfied survey answers / answers
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection

SHORT_ABANDON_S = 5.0

# Time buckets: local wall-clock time in the tenant's timezone (a DST day has 23 or 25 hours).
TIME_GROUPS = {
    "interval15": "date_bin(interval '15 minutes', c.queued_at AT TIME ZONE %(tz)s, timestamp '2000-01-01')",
    "interval30": "date_bin(interval '30 minutes', c.queued_at AT TIME ZONE %(tz)s, timestamp '2000-01-01')",
    "hour": "date_trunc('hour', c.queued_at AT TIME ZONE %(tz)s)",
    "day": "date_trunc('day', c.queued_at AT TIME ZONE %(tz)s)",
    "week": "date_trunc('week', c.queued_at AT TIME ZONE %(tz)s)",
    "month": "date_trunc('month', c.queued_at AT TIME ZONE %(tz)s)",
}
OBJECT_GROUPS = {
    "queue": "c.queue_id",
    "agent": "c.agent_id",
    "number": "c.number_id",
    # An agent in several teams counts for the first: one row per call, totals add up.
    "team": "(SELECT min(ut.team_id) FROM accounts_user_teams ut WHERE ut.user_id = c.agent_id)",
    "disposition": "nullif(c.disposition, '')",
}
GROUPS = {**TIME_GROUPS, **OBJECT_GROUPS}


@dataclass
class CallKpis:
    offered: int
    answered: int
    abandoned: int
    short_abandoned: int
    answered_within_t: int
    abandoned_after_t: int
    handled: int
    transferred: int
    held: int
    service_level: float | None
    asa_s: float | None
    abandon_rate: float | None
    aht_s: float | None
    transfer_rate: float | None
    hold_rate: float | None
    talk_s: float | None  # averages over handled calls
    hold_s: float | None
    acw_s: float | None

    def as_dict(self) -> dict:
        return dict(self.__dict__)  # flat fields: a shallow copy (dataclasses.asdict deep-copies, 10× slower)


_COLUMNS = """
      count(*) AS offered,
      count(*) FILTER (WHERE c.answered_at IS NOT NULL) AS answered,
      count(*) FILTER (WHERE c.outcome = 'abandoned' AND c.wait_s >= %(short)s) AS abandoned,
      count(*) FILTER (WHERE c.outcome = 'abandoned' AND c.wait_s < %(short)s) AS short_abandoned,
      count(*) FILTER (WHERE c.answered_at IS NOT NULL AND c.wait_s <= q.sl_threshold_s) AS answered_within_t,
      count(*) FILTER (WHERE c.outcome = 'abandoned' AND c.wait_s > q.sl_threshold_s
                       AND c.wait_s >= %(short)s) AS abandoned_after_t,
      count(*) FILTER (WHERE c.answered_at IS NOT NULL AND c.ended_at IS NOT NULL) AS handled,
      count(*) FILTER (WHERE c.answered_at IS NOT NULL AND c.ended_at IS NOT NULL
                       AND c.transfer_count > 0) AS transferred,
      count(*) FILTER (WHERE c.answered_at IS NOT NULL AND c.ended_at IS NOT NULL AND c.hold_s > 0) AS held,
      avg(c.wait_s) FILTER (WHERE c.answered_at IS NOT NULL) AS asa_s,
      avg(coalesce(c.talk_s, 0) + c.hold_s + coalesce(c.acw_s, 0))
        FILTER (WHERE c.answered_at IS NOT NULL AND c.ended_at IS NOT NULL) AS aht_s,
      avg(coalesce(c.talk_s, 0)) FILTER (WHERE c.answered_at IS NOT NULL AND c.ended_at IS NOT NULL) AS talk_s,
      avg(c.hold_s) FILTER (WHERE c.answered_at IS NOT NULL AND c.ended_at IS NOT NULL) AS hold_s,
      avg(coalesce(c.acw_s, 0)) FILTER (WHERE c.answered_at IS NOT NULL AND c.ended_at IS NOT NULL) AS acw_s
"""
_FROM = """
    FROM telephony_call c JOIN telephony_queue q ON q.id = c.queue_id
    WHERE c.direction = 'inbound' AND c.queued_at IS NOT NULL AND ({where})
"""


def _ratio(n: int, d: int) -> float | None:
    return round(n / d, 4) if d else None


def _avg(v) -> float | None:
    return round(float(v), 1) if v is not None else None


def _kpis(row) -> CallKpis:
    offered, answered, abandoned, short, in_t, after_t, handled, transferred, held, asa, aht, talk, hold, acw = row
    return CallKpis(offered=offered, answered=answered, abandoned=abandoned, short_abandoned=short,
                    answered_within_t=in_t, abandoned_after_t=after_t, handled=handled, transferred=transferred,
                    held=held, service_level=_ratio(in_t, answered + after_t),
                    asa_s=round(float(asa), 2) if asa is not None else None,
                    abandon_rate=_ratio(abandoned, offered),
                    aht_s=round(float(aht), 1) if aht is not None else None,
                    transfer_rate=_ratio(transferred, handled), hold_rate=_ratio(held, handled),
                    talk_s=_avg(talk), hold_s=_avg(hold), acw_s=_avg(acw))


EMPTY = _kpis((0, 0, 0, 0, 0, 0, 0, 0, 0, None, None, None, None, None))


def call_kpis_table(*, group_by: list[str], where: str = "TRUE", params: dict | None = None,
                    tz: str = "UTC") -> tuple[list[tuple[tuple, CallKpis]], CallKpis]:
    """KPIs per combination of `group_by` dimensions (names in GROUPS) over the calls matching
    `where` (SQL on aliases c = call, q = queue, with named params), and the total — in one
    scan (GROUPING SETS). Groups without calls are absent; rows come sorted by their keys."""
    keys = [GROUPS[g] for g in group_by]
    values = {"short": SHORT_ABANDON_S, "tz": tz, **(params or {})}
    with connection.cursor() as cur:
        if not keys:
            cur.execute(f"SELECT {_COLUMNS} {_FROM.format(where=where)}", values)
            return [], _kpis(cur.fetchone())
        select = ", ".join(f"{k} AS g{i}" for i, k in enumerate(keys))
        grouped = ", ".join(keys)
        cur.execute(f"SELECT {select}, GROUPING({grouped}) AS total_row, {_COLUMNS} {_FROM.format(where=where)}"
                    f" GROUP BY GROUPING SETS (({grouped}), ()) ORDER BY total_row, "
                    + ", ".join(f"g{i}" for i in range(len(keys))), values)
        n = len(keys)
        rows, total = [], EMPTY
        for row in cur.fetchall():
            if row[n]:
                total = _kpis(row[n + 1:])
            else:
                rows.append((tuple(row[:n]), _kpis(row[n + 1:])))
        return rows, total


def call_kpis_grouped(*, group_by: list[str], where: str = "TRUE", params: dict | None = None,
                      tz: str = "UTC") -> list[tuple[tuple, CallKpis]]:
    """The grouped rows of `call_kpis_table` (without the total)."""
    return call_kpis_table(group_by=group_by, where=where, params=params, tz=tz)[0]


def call_kpis(*, where: str = "TRUE", params: dict | None = None, tz: str = "UTC") -> CallKpis:
    """KPIs over all the inbound calls matching `where` (SQL on aliases c and q, named params)."""
    return call_kpis_table(group_by=[], where=where, params=params, tz=tz)[1]


_STATE_SPANS_CTE = """
    WITH spans AS (
      SELECT p.user_id, s.to_state AS state, s.at,
             lead(s.at) OVER (PARTITION BY s.agent_id ORDER BY s.at, s.id) AS next_at
      FROM telephony_agentstatechange s JOIN telephony_agentprofile p ON p.id = s.agent_id
      WHERE p.user_id = ANY(%(agents)s) AND s.at < %(until)s
        AND s.at >= coalesce((SELECT max(s2.at) FROM telephony_agentstatechange s2
                              WHERE s2.agent_id = s.agent_id AND s2.at <= %(since)s), %(since)s)
    )
"""
_STATE_SECONDS_SQL = _STATE_SPANS_CTE + """
    SELECT user_id, state,
           sum(extract(epoch FROM least(coalesce(next_at, %(until)s), %(until)s) - greatest(at, %(since)s)))
    FROM spans WHERE coalesce(next_at, %(until)s) > %(since)s
    GROUP BY 1, 2
"""
_STATE_SPANS_SQL = _STATE_SPANS_CTE + """
    SELECT user_id, state, greatest(at, %(since)s), least(coalesce(next_at, %(until)s), %(until)s)
    FROM spans WHERE coalesce(next_at, %(until)s) > %(since)s
    ORDER BY user_id, 3
"""


def agent_state_seconds(*, agent_ids: list[int], since, until) -> dict[int, dict[str, float]]:
    """Seconds each agent (user id) spent in each state between `since` and `until`, from
    the state log: the state held at `since` counts from `since`, the current one to `until`."""
    out: dict[int, dict[str, float]] = {}
    with connection.cursor() as cur:
        cur.execute(_STATE_SECONDS_SQL, {"agents": list(agent_ids), "since": since, "until": until})
        for user_id, state, seconds in cur.fetchall():
            out.setdefault(user_id, {})[state] = float(seconds)
    return out


def agent_state_spans(*, agent_ids: list[int], since, until) -> dict[int, list[tuple]]:
    """Each agent's states as (state, start, end) spans clipped to [since, until), from the
    same log and rules as `agent_state_seconds` (WFM adherence reads these)."""
    out: dict[int, list[tuple]] = {}
    with connection.cursor() as cur:
        cur.execute(_STATE_SPANS_SQL, {"agents": list(agent_ids), "since": since, "until": until})
        for user_id, state, start, end in cur.fetchall():
            out.setdefault(user_id, []).append((state, start, end))
    return out


_AGENT_HANDLED_SQL = """
    SELECT count(DISTINCT l.call_id),
           avg(extract(epoch FROM l.ended_at - l.answered_at)
               + CASE WHEN c.agent_id = l.user_id THEN coalesce(c.acw_s, 0) ELSE 0 END)
             FILTER (WHERE l.ended_at IS NOT NULL)
    FROM telephony_callleg l JOIN telephony_call c ON c.id = l.call_id
    WHERE l.user_id = %s AND l.role = 'agent' AND l.answered_at >= %s
"""


def agent_handled(*, agent_id: int, since) -> tuple[int, float | None]:
    """Calls an agent talked on since `since` (a call handed over counts for both agents) and
    their handle time: their own leg's talk, plus wrap-up on the calls they finished."""
    with connection.cursor() as cur:
        cur.execute(_AGENT_HANDLED_SQL, [agent_id, since])
        calls, aht = cur.fetchone()
    return calls, round(float(aht), 1) if aht is not None else None


def agent_time_kpis(secs: dict[str, float]) -> dict:
    """Occupancy, utilisation and talk-time % from one agent's seconds per state."""
    on_call, wrap = secs.get("on_call", 0.0), secs.get("wrap_up", 0.0)
    handle = on_call + wrap
    available = secs.get("available", 0.0) + secs.get("reserved", 0.0)
    logged_in = sum(v for k, v in secs.items() if k != "offline")
    return {"occupancy": _ratio(handle, handle + available) if handle + available else None,
            "utilisation": _ratio(handle, logged_in) if logged_in else None,
            "talk_pct": _ratio(on_call, logged_in) if logged_in else None,
            "logged_in_s": int(logged_in), "available_s": int(available), "handle_s": int(handle),
            "not_ready_s": int(secs.get("not_ready", 0.0))}


_SERVICE_SQL = """
    SELECT
      (SELECT count(*) FROM crm_case WHERE created_at >= %(start)s AND created_at < %(end)s) AS opened,
      (SELECT count(*) FROM crm_case WHERE created_at >= %(start)s AND created_at < %(end)s
         AND resolved_on_first_contact) AS fcr,
      (SELECT count(*) FROM crm_case WHERE created_at >= %(start)s AND created_at < %(end)s
         AND type = 'complaint') AS complaints,
      count(*) AS handled,
      count(*) FILTER (WHERE EXISTS (
         SELECT 1 FROM telephony_call p WHERE p.ani = c.ani AND p.id <> c.id
           AND p.answered_at < c.answered_at AND p.answered_at >= c.answered_at - interval '7 days')) AS repeats
    FROM telephony_call c
    WHERE c.direction = 'inbound' AND c.queued_at >= %(start)s AND c.queued_at < %(end)s
      AND c.answered_at IS NOT NULL AND c.ended_at IS NOT NULL AND c.ani NOT IN ('', 'erased')
"""


def service_kpis(*, start, end) -> dict:
    """FCR, complaint rate, repeat calls within 7 days and CSAT over [start, end)."""
    with connection.cursor() as cur:
        cur.execute(_SERVICE_SQL, {"start": start, "end": end})
        opened, fcr, complaints, handled, repeats = cur.fetchone()
    survey = csat(start=start, end=end)[0]
    return {"cases_opened": opened, "fcr": _ratio(fcr, opened), "complaints": complaints,
            "complaint_rate": _ratio(complaints, handled), "repeat_calls_7d": repeats,
            "repeat_rate_7d": _ratio(repeats, handled), "survey_answers": survey["answers"],
            "csat": survey["csat"]}


def csat(*, start, end, by: str = "") -> list[dict]:
    """CRM-5 CSAT = satisfied answers / answers, in [start, end), overall or per agent (email or
    agent_id), queue or period (day/week/month in the tenant's timezone)."""
    from zoneinfo import ZoneInfo

    from django.db.models import Count, Q
    from django.db.models.functions import Trunc

    from crm.models import SurveyResponse

    qs = SurveyResponse.objects.filter(at__gte=start, at__lt=end)
    keys = {"agent": ["agent__email"], "agent_id": ["agent_id"], "queue": ["queue__name"], "": []}
    if by in ("day", "week", "month"):
        tz = ZoneInfo(getattr(connection.tenant, "timezone", "") or "UTC")
        qs, fields = qs.annotate(period=Trunc("at", by, tzinfo=tz)), ["period"]
    elif by in keys:
        fields = keys[by]
    else:
        raise ValueError(by)
    counts = {"answers": Count("id"), "satisfied": Count("id", filter=Q(satisfied=True))}
    rows = qs.values(*fields).annotate(**counts).order_by(*fields) if fields else [qs.aggregate(**counts)]
    out = []
    for r in rows:
        key = r.get(fields[0]) if fields else "all"
        if by in ("day", "week", "month"):
            key = key.date().isoformat()
        out.append({"key": key or "(none)", "answers": r["answers"], "satisfied": r["satisfied"],
                    "csat": _ratio(r["satisfied"], r["answers"])})
    return out
