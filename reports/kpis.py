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
  utilisation      handle time / logged-in time                      } state log
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

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

    def as_dict(self) -> dict:
        return asdict(self)


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
        FILTER (WHERE c.answered_at IS NOT NULL AND c.ended_at IS NOT NULL) AS aht_s
"""
_FROM = """
    FROM telephony_call c JOIN telephony_queue q ON q.id = c.queue_id
    WHERE c.direction = 'inbound' AND c.queued_at IS NOT NULL AND ({where})
"""


def _ratio(n: int, d: int) -> float | None:
    return round(n / d, 4) if d else None


def _kpis(row) -> CallKpis:
    offered, answered, abandoned, short, in_t, after_t, handled, transferred, held, asa, aht = row
    return CallKpis(offered=offered, answered=answered, abandoned=abandoned, short_abandoned=short,
                    answered_within_t=in_t, abandoned_after_t=after_t, handled=handled, transferred=transferred,
                    held=held, service_level=_ratio(in_t, answered + after_t),
                    asa_s=round(float(asa), 2) if asa is not None else None,
                    abandon_rate=_ratio(abandoned, offered),
                    aht_s=round(float(aht), 1) if aht is not None else None,
                    transfer_rate=_ratio(transferred, handled), hold_rate=_ratio(held, handled))


EMPTY = _kpis((0, 0, 0, 0, 0, 0, 0, 0, 0, None, None))


def call_kpis_grouped(*, group_by: list[str], where: str = "TRUE", params: dict | None = None,
                      tz: str = "UTC") -> list[tuple[tuple, CallKpis]]:
    """KPIs per combination of `group_by` dimensions (names in GROUPS) over the calls matching
    `where` (SQL on aliases c = call, q = queue, with named params). Groups without calls
    are absent; rows come sorted by their keys."""
    keys = [GROUPS[g] for g in group_by]
    select = ", ".join(f"{k} AS g{i}" for i, k in enumerate(keys))
    sql = (f"SELECT {select + ',' if keys else ''} {_COLUMNS} {_FROM.format(where=where)}"
           + (f" GROUP BY {', '.join(str(i + 1) for i in range(len(keys)))} ORDER BY "
              f"{', '.join(str(i + 1) for i in range(len(keys)))}" if keys else ""))
    with connection.cursor() as cur:
        cur.execute(sql, {"short": SHORT_ABANDON_S, "tz": tz, **(params or {})})
        n = len(keys)
        return [(tuple(row[:n]), _kpis(row[n:])) for row in cur.fetchall()]


def call_kpis(*, where: str = "TRUE", params: dict | None = None, tz: str = "UTC") -> CallKpis:
    """KPIs over all the inbound calls matching `where` (SQL on aliases c and q, named params)."""
    return call_kpis_grouped(group_by=[], where=where, params=params, tz=tz)[0][1]


_STATE_SECONDS_SQL = """
    WITH spans AS (
      SELECT p.user_id, s.to_state AS state, s.at,
             lead(s.at) OVER (PARTITION BY s.agent_id ORDER BY s.at, s.id) AS next_at
      FROM telephony_agentstatechange s JOIN telephony_agentprofile p ON p.id = s.agent_id
      WHERE p.user_id = ANY(%(agents)s) AND s.at < %(until)s
        AND s.at >= coalesce((SELECT max(s2.at) FROM telephony_agentstatechange s2
                              WHERE s2.agent_id = s.agent_id AND s2.at <= %(since)s), %(since)s)
    )
    SELECT user_id, state,
           sum(extract(epoch FROM least(coalesce(next_at, %(until)s), %(until)s) - greatest(at, %(since)s)))
    FROM spans WHERE coalesce(next_at, %(until)s) > %(since)s
    GROUP BY 1, 2
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
