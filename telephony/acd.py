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

from django.db import connection, transaction

from accounts.models import User
from telephony import clock
from telephony.agent_state import AgentState, Source
from telephony.models import (
    AgentProfile,
    Call,
    CallStatus,
    Offer,
    Queue,
    QueueMember,
    QueueSkill,
    RoutingDecision,
    Strategy,
)

logger = logging.getLogger(__name__)
CANDIDATE_CALLS = 20

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


def queue_rules(queue_id: int, cache: dict[int, QueueRules] | None = None) -> QueueRules:
    if cache is not None and queue_id in cache:
        return cache[queue_id]
    q = Queue.objects.only("name", "strategy", "offer_timeout_s", "sticky_timeout_s").get(pk=queue_id)
    rules = QueueRules(
        id=q.pk, name=q.name, strategy=q.strategy,
        skills=list(QueueSkill.objects.filter(queue_id=queue_id).values_list("skill_id", "min_proficiency",
                                                                               "skill__name")),
        has_members=QueueMember.objects.filter(queue_id=queue_id).exists(),
        offer_timeout_s=q.offer_timeout_s, sticky_timeout_s=q.sticky_timeout_s)
    if cache is not None:
        cache[queue_id] = rules
    return rules


def _day_start(now: datetime) -> datetime:
    from telephony.selectors import tenant_local

    local = tenant_local(now)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def eligible_agents_sql(rules: QueueRules, *, call_pk: int, relaxed: bool, preferred: int | None,
                        simulated: bool, now: datetime, lock: bool, limit: int | None = 1) -> tuple[str, list]:
    """SELECT of available agents able to take this call, best first for the queue's strategy."""
    params: list = []
    cols = ["p.id", "p.user_id", "u.email", "p.available_since", "p.last_offer_at"]
    if rules.strategy == Strategy.LEAST_OCCUPIED:
        day = _day_start(now)
        cols.append("(SELECT count(*) FROM telephony_call c2 WHERE c2.agent_id = p.user_id "
                    "AND c2.answered_at >= %s) AS calls_today")
        cols.append("(SELECT coalesce(sum(c2.talk_s), 0) FROM telephony_call c2 WHERE c2.agent_id = p.user_id "
                    "AND c2.answered_at >= %s) AS talk_today")
        params += [day, day]
    if rules.strategy == Strategy.SKILLS:
        cols.append("(SELECT coalesce(sum(s.proficiency), 0) FROM accounts_userskill s "
                    "WHERE s.user_id = p.user_id AND s.skill_id = ANY(%s)) AS skill_score")
        params.append([sid for sid, _, _ in rules.skills])
    where = ["p.state = 'available'", "u.status = 'active'", "u.is_bot = %s"]
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


def _route_one(simulated: bool, cache: dict[int, QueueRules]) -> bool:
    with transaction.atomic():
        now = clock.now()
        with connection.cursor() as cur:
            cur.execute(
                "SELECT c.id FROM telephony_call c JOIN telephony_queue q ON q.id = c.queue_id "
                "WHERE c.status = 'queued' AND (c.sim_run <> '') = %s AND q.strategy <> 'ring_all' "
                "ORDER BY c.priority DESC, c.queued_at ASC, c.id LIMIT %s", [simulated, CANDIDATE_CALLS])
            candidates = [r[0] for r in cur.fetchall()]
        for call_pk in candidates:
            t0 = time.perf_counter()
            with connection.cursor() as cur:
                cur.execute("SELECT id, queue_id, queued_at, preferred_agent_id, skills_relaxed FROM telephony_call "
                            "WHERE id = %s AND status = 'queued' FOR UPDATE SKIP LOCKED", [call_pk])
                row = cur.fetchone()
            if row is None:
                continue  # another router has it, or it is no longer waiting
            _, queue_id, queued_at, preferred, relaxed = row
            rules = queue_rules(queue_id, cache)
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
            _offer(call_pk, agent, rules, now, reason=_reason(rules, agent, now, relaxed=relaxed, sticky=sticky),
                   t0=t0)
            return True
        return False


def _offer(call_pk: int, agent: dict, rules: QueueRules, now: datetime, *, reason: str, t0: float,
           set_call_status: bool = True) -> Offer:
    from telephony.services.agents import agent_set_state
    from telephony.services.calls import push_offer
    from telephony.services.common import call_event

    expires = now + timedelta(seconds=rules.offer_timeout_s)
    offer = Offer.objects.create(call_id=call_pk, agent_id=agent["user_id"], created_at=now, expires_at=expires)
    if set_call_status:
        Call.objects.filter(pk=call_pk).update(status=CallStatus.OFFERED, offered_at=now, agent_id=agent["user_id"])
    profile = AgentProfile.objects.select_related("user").get(pk=agent["id"])
    agent_set_state(user=profile.user, profile=profile, to_state=AgentState.RESERVED, source=Source.SYSTEM)
    call = Call.objects.select_related("queue").get(pk=call_pk)
    call_event(call, "offered", agent=agent["email"], reason=reason, expires_at=expires.isoformat())
    push_offer(call, agent["user_id"], expires)
    RoutingDecision.objects.create(at=now, call_id=call_pk, queue_id=rules.id or None, agent_id=agent["user_id"],
                                   strategy=rules.strategy, reason=reason,
                                   elapsed_us=int((time.perf_counter() - t0) * 1e6))
    return offer


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
    profile = (AgentProfile.objects.select_for_update(skip_locked=True)
               .filter(user=agent, state=AgentState.AVAILABLE).values("id", "user_id", "user__email").first())
    if profile is None:
        return None
    rules = queue_rules(call.queue_id) if call.queue_id else QueueRules(
        id=0, name="", strategy="direct", skills=[], has_members=False, offer_timeout_s=20, sticky_timeout_s=0)
    row = {"id": profile["id"], "user_id": profile["user_id"], "email": profile["user__email"]}
    return _offer(call.pk, row, rules, now, reason=reason, t0=time.perf_counter(), set_call_status=False)
