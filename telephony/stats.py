"""Call KPIs of SPEC §9, computed in SQL from call records — the one implementation the
simulator reports from today and the wallboard, reports, WFM and billing will share.

Definitions (inbound calls that reached a queue):
  offered         calls that reached a queue
  short abandon   abandoned with a wait under SHORT_ABANDON_S (excluded from SL and abandon rate)
  service level   answered within T / (answered + abandoned after T), T = the queue's threshold
  ASA             total queue wait of answered calls / answered calls
  abandon rate    abandoned (not short) / offered
  AHT             (talk + hold + wrap-up) / handled calls
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from django.db import connection

SHORT_ABANDON_S = 5.0


@dataclass
class CallKpis:
    offered: int
    answered: int
    abandoned: int
    short_abandoned: int
    answered_within_t: int
    abandoned_after_t: int
    service_level: float | None
    asa_s: float | None
    abandon_rate: float | None
    aht_s: float | None

    def as_dict(self) -> dict:
        return asdict(self)


_KPI_SQL = """
    SELECT {key} AS key,
      count(*) AS offered,
      count(*) FILTER (WHERE c.answered_at IS NOT NULL) AS answered,
      count(*) FILTER (WHERE c.outcome = 'abandoned' AND c.wait_s >= %s) AS abandoned,
      count(*) FILTER (WHERE c.outcome = 'abandoned' AND c.wait_s < %s) AS short_abandoned,
      count(*) FILTER (WHERE c.answered_at IS NOT NULL AND c.wait_s <= q.sl_threshold_s) AS answered_within_t,
      count(*) FILTER (WHERE c.outcome = 'abandoned' AND c.wait_s > q.sl_threshold_s
                       AND c.wait_s >= %s) AS abandoned_after_t,
      avg(c.wait_s) FILTER (WHERE c.answered_at IS NOT NULL) AS asa_s,
      avg(coalesce(c.talk_s, 0) + c.hold_s + coalesce(c.acw_s, 0))
        FILTER (WHERE c.answered_at IS NOT NULL AND c.ended_at IS NOT NULL) AS aht_s
    FROM telephony_call c JOIN telephony_queue q ON q.id = c.queue_id
    WHERE c.direction = 'inbound' AND c.queued_at IS NOT NULL AND ({where})
    GROUP BY 1
"""


def _kpis(row) -> CallKpis:
    offered, answered, abandoned, short, in_t, after_t, asa, aht = row
    sl_base = answered + after_t
    return CallKpis(offered=offered, answered=answered, abandoned=abandoned, short_abandoned=short,
                    answered_within_t=in_t, abandoned_after_t=after_t,
                    service_level=round(in_t / sl_base, 4) if sl_base else None,
                    asa_s=round(float(asa), 2) if asa is not None else None,
                    abandon_rate=round(abandoned / offered, 4) if offered else None,
                    aht_s=round(float(aht), 1) if aht is not None else None)


EMPTY = _kpis((0, 0, 0, 0, 0, 0, None, None))


def call_kpis_by(*, key: str, where: str = "TRUE", params: list | None = None) -> dict:
    """KPIs per value of the SQL expression `key` (e.g. "c.queue_id") over the calls matching
    `where` (SQL on aliases c = call, q = queue, with params). Keys without calls are absent."""
    with connection.cursor() as cur:
        cur.execute(_KPI_SQL.format(key=key, where=where),
                    [SHORT_ABANDON_S, SHORT_ABANDON_S, SHORT_ABANDON_S, *(params or [])])
        return {row[0]: _kpis(row[1:]) for row in cur.fetchall()}


def call_kpis(*, where: str = "TRUE", params: list | None = None) -> CallKpis:
    """KPIs over the inbound calls matching `where` (SQL on alias c, with params)."""
    return call_kpis_by(key="1", where=where, params=params).get(1, EMPTY)


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
