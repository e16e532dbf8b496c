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


def call_kpis(*, where: str = "TRUE", params: list | None = None) -> CallKpis:
    """KPIs over the inbound calls matching `where` (SQL on alias c, with params)."""
    sql = f"""
        SELECT
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
    """
    with connection.cursor() as cur:
        cur.execute(sql, [SHORT_ABANDON_S, SHORT_ABANDON_S, SHORT_ABANDON_S, *(params or [])])
        offered, answered, abandoned, short, in_t, after_t, asa, aht = cur.fetchone()
    sl_base = answered + after_t
    return CallKpis(offered=offered, answered=answered, abandoned=abandoned, short_abandoned=short,
                    answered_within_t=in_t, abandoned_after_t=after_t,
                    service_level=round(in_t / sl_base, 4) if sl_base else None,
                    asa_s=round(float(asa), 2) if asa is not None else None,
                    abandon_rate=round(abandoned / offered, 4) if offered else None,
                    aht_s=round(float(aht), 1) if aht is not None else None)
