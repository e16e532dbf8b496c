"""Automatic call distribution (TEL-7, TEL-8).

`route()` matches waiting calls with available agents, one match per transaction:
lock one waiting call and one eligible agent with `FOR UPDATE SKIP LOCKED`, reserve the
agent, create the offer and log the decision, commit. Concurrent routers skip each
other's rows instead of waiting, so they never offer one call twice or give one agent two
offers — and the partial unique indexes on Offer would refuse it if they tried.

Strategies choose *which* eligible agent: longest idle, round robin, least occupied today,
best skill proficiency, last agent (sticky, with a timeout), and ring-all (no reservation:
every eligible agent is rung and the first to accept claims the call). Calls are served by
priority (queue priority + VIP boost), then by how long they have waited.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction

from accounts.models import User
from telephony import clock
from telephony.agent_state import AgentState, Source
from telephony.models import (
    AgentProfile,
    Call,
    CallStatus,
    Offer,
    Strategy,
)
from telephony.selectors import tenant_day_start

logger = logging.getLogger(__name__)
CANDIDATE_CALLS = 20

PROFILE_FIELDS = [f.column for f in AgentProfile._meta.concrete_fields]
# An agent row as the ACD reads it: the whole profile (to write it back) and what the log needs.
AGENT_COLUMNS = [f"p.{f}" for f in PROFILE_FIELDS] + ["u.email", "u.status", "u.is_bot", "u.full_name"]
ORDER_BY = {
    Strategy.LONGEST_IDLE: "p.available_since ASC NULLS FIRST, p.id",
    Strategy.ROUND_ROBIN: "p.last_offer_at ASC NULLS FIRST, p.id",
    Strategy.LEAST_OCCUPIED: "calls_today ASC, talk_today ASC, p.available_since ASC NULLS FIRST, p.id",
    Strategy.SKILLS: "skill_score DESC, p.available_since ASC NULLS FIRST, p.id",
    Strategy.LAST_AGENT: "p.available_since ASC NULLS FIRST, p.id",
    Strategy.RING_ALL: "p.available_since ASC NULLS FIRST, p.id",
}


@dataclass
class QueueRules:
    id: int
    name: str
    strategy: str
    skills: list[tuple[int, int, str]]  # (skill id, min proficiency, skill name)
    has_members: bool
    offer_timeout_s: int
    sticky_timeout_s: int


RULES_SQL = """
    q.id, q.name, q.strategy, q.offer_timeout_s, q.sticky_timeout_s,
    coalesce((SELECT json_agg(json_build_array(qs.skill_id, qs.min_proficiency, s.name) ORDER BY qs.skill_id)
              FROM telephony_queueskill qs JOIN accounts_skill s ON s.id = qs.skill_id
              WHERE qs.queue_id = q.id), '[]'::json),
    EXISTS (SELECT 1 FROM telephony_queuemember m WHERE m.queue_id = q.id)
"""


def _rules_from_row(row) -> QueueRules:
    qid, name, strategy, timeout, sticky, skills, has_members = row
    return QueueRules(id=qid, name=name, strategy=strategy, skills=[tuple(s) for s in skills],
                      has_members=has_members, offer_timeout_s=timeout, sticky_timeout_s=sticky)


def queue_rules(queue_id: int, cache: dict[int, QueueRules] | None = None) -> QueueRules:
    """A queue's routing rules, read fresh (admin changes apply to the next decision)."""
    if cache is not None and queue_id in cache:
        return cache[queue_id]
    with connection.cursor() as cur:
        cur.execute(f"SELECT {RULES_SQL} FROM telephony_queue q WHERE q.id = %s", [queue_id])
        rules = _rules_from_row(cur.fetchone())
    if cache is not None:
        cache[queue_id] = rules
    return rules


def eligible_agents_sql(rules: QueueRules, *, call_pk: int, relaxed: bool, preferred: int | None,
                        simulated: bool | None, now: datetime, lock: bool, limit: int | None = 1,
                        states: tuple[str, ...] = ("available",)) -> tuple[str, list]:
    """SELECT of available agents able to take this call, best first for the queue's strategy.
    Other `states` ask who could take it once free (the dialer's blending); `simulated` None
    counts bots and people alike."""
    params: list = []
    cols = list(AGENT_COLUMNS)
    if rules.strategy == Strategy.LEAST_OCCUPIED:
        day = tenant_day_start(now)
        cols.append("(SELECT count(*) FROM telephony_call c2 WHERE c2.agent_id = p.user_id "
                    "AND c2.answered_at >= %s) AS calls_today")
        cols.append("(SELECT coalesce(sum(c2.talk_s), 0) FROM telephony_call c2 WHERE c2.agent_id = p.user_id "
                    "AND c2.answered_at >= %s) AS talk_today")
        params += [day, day]
    if rules.strategy == Strategy.SKILLS:
        cols.append("(SELECT coalesce(sum(s.proficiency), 0) FROM accounts_userskill s "
                    "WHERE s.user_id = p.user_id AND s.skill_id = ANY(%s)) AS skill_score")
        params.append([sid for sid, _, _ in rules.skills])
    # A desk that went silent is never offered a call, even before the sweep logs it out (RT-4).
    where = ["p.state = ANY(%s)", "u.status = 'active'", "(p.last_seen_at IS NULL OR p.last_seen_at >= %s)"]
    params += [list(states), now - timedelta(seconds=settings.PRESENCE_GRACE_S)]
    if simulated is not None:
        where.append("u.is_bot = %s")
        params.append(simulated)
    if rules.has_members:
        where.append("EXISTS (SELECT 1 FROM telephony_queuemember m WHERE m.queue_id = %s AND m.user_id = p.user_id)")
        params.append(rules.id)
    if not relaxed:
        for skill_id, minimum, _ in rules.skills:
            where.append("EXISTS (SELECT 1 FROM accounts_userskill s WHERE s.user_id = p.user_id "
                         "AND s.skill_id = %s AND s.proficiency >= %s)")
            params += [skill_id, minimum]
    if preferred is not None:
        where.append("p.user_id = %s")
        params.append(preferred)
    where.append("NOT EXISTS (SELECT 1 FROM telephony_offer o WHERE o.call_id = %s AND o.agent_id = p.user_id "
                 "AND o.status = 'declined')")
    params.append(call_pk)
    sql = (f"SELECT {', '.join(cols)} FROM telephony_agentprofile p JOIN accounts_user u ON u.id = p.user_id "
           f"WHERE {' AND '.join(where)} ORDER BY {ORDER_BY[rules.strategy]}")
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    if lock:
        sql += " FOR UPDATE OF p SKIP LOCKED"
    return sql, params


def _reason(rules: QueueRules, row: dict, now: datetime, *, relaxed: bool, sticky: bool) -> str:
    email = row["email"]
    if sticky:
        text = f"agent {email}: served this caller last"
    elif rules.strategy == Strategy.ROUND_ROBIN:
        last = row["last_offer_at"]
        text = f"agent {email}: next in rotation (" + (
            f"last offer {int((now - last).total_seconds())} s ago)" if last else "never offered yet)")
    elif rules.strategy == Strategy.LEAST_OCCUPIED:
        text = f"agent {email}: least occupied today ({row['calls_today']} calls, {int(row['talk_today'])} s talk)"
    elif rules.strategy == Strategy.SKILLS:
        text = f"agent {email}: best proficiency (score {row['skill_score']})"
    else:
        idle = int((now - row["available_since"]).total_seconds()) if row["available_since"] else 0
        text = f"agent {email}: longest idle {idle} s"
    if rules.skills and not relaxed:
        text += ", " + ", ".join(f"skill {name}≥{minimum}" for _, minimum, name in rules.skills)
    elif rules.skills:
        text += ", skills relaxed by overflow"
    return text


def _dict_rows(cursor) -> list[dict]:
    names = [c.name for c in cursor.description]
    return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]


CALL_PICK_SQL = f"""
    SELECT c.id, c.queued_at, c.preferred_agent_id, c.skills_relaxed, c.ani, c.ivr_path, c.collected,
           c.caller_tier, {RULES_SQL}
      FROM telephony_call c JOIN telephony_queue q ON q.id = c.queue_id
     WHERE c.status = 'queued' AND (c.sim_run <> '') = %s AND q.strategy <> 'ring_all' AND NOT (c.id = ANY(%s))
     ORDER BY c.priority DESC, c.queued_at ASC, c.id
     LIMIT 1 FOR UPDATE OF c SKIP LOCKED
"""


def _route_one(simulated: bool, cache: dict[int, QueueRules] | None = None) -> bool:
    """Lock the first waiting call nobody else holds (with its queue's rules, one round trip),
    find it an agent; calls no agent can take are passed over for the next one."""
    with transaction.atomic():
        now = clock.now()
        tried: list[int] = []
        for _ in range(CANDIDATE_CALLS):
            t0 = time.perf_counter()
            with connection.cursor() as cur:
                cur.execute(CALL_PICK_SQL, [simulated, tried])
                row = cur.fetchone()
            if row is None:
                return False
            call_pk, queued_at, preferred, relaxed, ani, ivr_path, collected, tier = row[:8]
            tried.append(call_pk)
            rules = _rules_from_row(row[8:])
            sticky = preferred is not None and (now - queued_at) < timedelta(seconds=rules.sticky_timeout_s)
            sql, params = eligible_agents_sql(rules, call_pk=call_pk, relaxed=relaxed,
                                              preferred=preferred if sticky else None, simulated=simulated,
                                              now=now, lock=True)
            with connection.cursor() as cur:
                cur.execute(sql, params)
                agents = _dict_rows(cur)
            if not agents:
                continue
            agent = agents[0]
            call = Call(pk=call_pk, status=CallStatus.OFFERED, queue_id=rules.id, agent_id=agent["user_id"], ani=ani,
                        ivr_path=ivr_path, collected=collected, caller_tier=tier)
            _reserve(call, agent, rules, now, reason=_reason(rules, agent, now, relaxed=relaxed, sticky=sticky), t0=t0)
            return True
        return False


RESERVE_SQL = """
WITH offer AS (
    INSERT INTO telephony_offer (call_id, agent_id, status, created_at, expires_at)
    VALUES (%(call)s, %(agent)s, 'pending', %(now)s, %(expires)s) RETURNING id),
call AS (
    UPDATE telephony_call SET status = 'offered', offered_at = %(now)s, agent_id = %(agent)s
     WHERE id = %(call)s AND %(set_call)s),
profile AS (
    UPDATE telephony_agentprofile SET state = 'reserved', state_since = %(now)s, not_ready_reason = '',
           wrap_up_until = NULL, last_offer_at = %(now)s WHERE id = %(profile)s AND state = 'available'
    RETURNING id),
change AS (
    INSERT INTO telephony_agentstatechange (agent_id, at, from_state, to_state, reason, source, actor_email)
    SELECT id, %(now)s, 'available', 'reserved', '', 'system', '' FROM profile),
event AS (
    INSERT INTO telephony_callevent (call_id, at, kind, actor_email, detail)
    VALUES (%(call)s, %(now)s, 'offered', '', %(detail)s)),
decision AS (
    INSERT INTO telephony_routingdecision (at, call_id, queue_id, agent_id, strategy, reason, elapsed_us)
    VALUES (%(now)s, %(call)s, %(queue)s, %(agent)s, %(strategy)s, %(reason)s, %(elapsed)s))
SELECT (SELECT id FROM offer), (SELECT count(*) FROM profile)
"""


def _reserve(call: Call, agent: dict, rules: QueueRules, now: datetime, *, reason: str, t0: float,
             set_call_status: bool = True) -> int:
    """The ACD's hot path: offer, call, agent state (TEL-10 system transition available → reserved,
    logged like any other), call event and routing decision written in one round trip."""
    from psycopg.types.json import Jsonb

    from telephony.agent_state import transition_allowed
    from telephony.services.agents import push_agent_state
    from telephony.services.calls import push_offer
    from telephony.services.common import push_call_update

    assert transition_allowed(Source.SYSTEM, AgentState.AVAILABLE, AgentState.RESERVED)
    expires = now + timedelta(seconds=rules.offer_timeout_s)
    detail = {"agent": agent["email"], "reason": reason, "expires_at": expires.isoformat()}
    with connection.cursor() as cur:
        cur.execute(RESERVE_SQL, {
            "call": call.pk, "agent": agent["user_id"], "profile": agent["id"], "now": now, "expires": expires,
            "detail": Jsonb(detail), "queue": rules.id, "strategy": rules.strategy, "reason": reason[:300],
            "elapsed": int((time.perf_counter() - t0) * 1e6), "set_call": set_call_status})
        offer_id, reserved = cur.fetchone()
    if reserved != 1:  # the row lock makes this impossible; refuse rather than log a lie
        raise RuntimeError(f"agent {agent['user_id']} was not available when reserved")
    push_agent_state(agent["user_id"], AgentState.RESERVED, "", now, Source.SYSTEM)
    push_call_update(call, "offered", detail)
    push_offer(call, agent["user_id"], expires, queue_name=rules.name)
    return offer_id


def route(*, simulated: bool = False, max_matches: int = 200) -> int:
    """Match waiting calls with available agents until no match is left; returns how many."""
    cache: dict[int, QueueRules] = {}
    made = 0
    while made < max_matches and _route_one(simulated, cache):
        made += 1
    return made


def route_on_commit(*, simulated: bool) -> None:
    """Route once the current transaction commits (once per transaction, however often asked)."""
    conn = transaction.get_connection()
    if conn.in_atomic_block and any(getattr(entry[1], "hostline_route", None) == simulated
                                    for entry in conn.run_on_commit):
        return

    def run() -> None:
        try:
            route(simulated=simulated)
        except Exception:  # the sweep routes again; a webhook must not fail after its commit
            logger.exception("routing after commit failed")

    run.hostline_route = simulated
    transaction.on_commit(run)


def ring_all_on_commit(*, call_pk: int, simulated: bool) -> None:
    """Ring-all: tell every eligible available agent; the first to accept claims the call."""

    def run() -> None:
        from telephony.services.calls import push_offer

        call = Call.objects.select_related("queue").filter(pk=call_pk, status=CallStatus.QUEUED).first()
        if call is None:
            return
        rules = queue_rules(call.queue_id)
        sql, params = eligible_agents_sql(rules, call_pk=call.pk, relaxed=call.skills_relaxed, preferred=None,
                                          simulated=simulated, now=clock.now(), lock=False, limit=None)
        with connection.cursor() as cur:
            cur.execute(sql, params)
            rows = _dict_rows(cur)
        with transaction.atomic():
            for row in rows:
                push_offer(call, row["user_id"], None, ring_all=True)

    transaction.on_commit(run)


def ring_all_claimable(*, user: User) -> list[Call]:
    """Ring-all calls waiting that this agent may take (their desk lists them)."""
    calls = Call.objects.select_related("queue").filter(status=CallStatus.QUEUED, queue__strategy=Strategy.RING_ALL)
    calls = calls.filter(sim_run__gt="") if user.is_bot else calls.filter(sim_run="")
    out = []
    for call in calls:
        sql, params = eligible_agents_sql(queue_rules(call.queue_id), call_pk=call.pk, relaxed=call.skills_relaxed,
                                          preferred=user.pk, simulated=user.is_bot, now=clock.now(), lock=False)
        with connection.cursor() as cur:
            cur.execute(sql, params)
            if cur.fetchone():
                out.append(call)
    return out


def offer_direct(*, call: Call, agent: User, reason: str) -> Offer | None:
    """Offer a call to one named agent (transfers, consults); None if they cannot take it now."""
    now = clock.now()
    with connection.cursor() as cur:
        cur.execute(f"SELECT {', '.join(AGENT_COLUMNS)} FROM telephony_agentprofile p "
                    f"JOIN accounts_user u ON u.id = p.user_id "
                    f"WHERE p.user_id = %s AND p.state = 'available' FOR UPDATE OF p SKIP LOCKED", [agent.pk])
        rows = _dict_rows(cur)
    if not rows:
        return None
    rules = queue_rules(call.queue_id) if call.queue_id else QueueRules(
        id=0, name="", strategy="direct", skills=[], has_members=False, offer_timeout_s=20, sticky_timeout_s=0)
    offer_id = _reserve(call, rows[0], rules, now, reason=reason, t0=time.perf_counter(), set_call_status=False)
    return Offer.objects.get(pk=offer_id)
