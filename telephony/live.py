"""Live views of a tenant for the agent desk and the supervisor wallboard (RT-1, RT-2).

The REST snapshots a client loads on (re)connect and the `queue.stats` / `alert` events the
sweep pushes are built here, from the one KPI module (`reports.kpis`): the wallboard and
the reports agree because they run the same SQL. Reads only, plus the push helper.
"""

from __future__ import annotations

from django.core.cache import cache
from django.db.models import Count, Min, Q

from accounts.models import User
from reports.kpis import EMPTY, agent_handled, agent_state_seconds, agent_time_kpis, call_kpis_grouped
from telephony import clock
from telephony.agent_state import AgentState
from telephony.models import AgentProfile, Call, CallLeg, CallStatus, LegRole, LegStatus, Offer, OfferStatus, Queue
from telephony.selectors import agent_list, tenant_day_start

WAITING = (CallStatus.QUEUED, CallStatus.OFFERED)
ALERT_MIN_CALLS = 5  # below this many calls today an SL figure is noise, not an alert
ALERTS_KEY = "wallboard:alerts"  # the cache key function adds the tenant's schema
TILES_KEY = "wallboard:tiles"


def queue_alerts(queue: Queue, tile: dict) -> list[dict]:
    """RT-2 alerts: SL today below the queue's target, a caller waiting past its threshold."""
    alerts = []
    sl, base = tile["service_level"], tile["answered"] + tile["abandoned_after_t"]
    if sl is not None and base >= ALERT_MIN_CALLS and sl * 100 < queue.sl_target_pct:
        alerts.append({"kind": "sl_below_target", "queue": queue.pk, "level": "warning",
                       "message": f"{queue.name}: service level {sl:.0%} is below the {queue.sl_target_pct}% target"})
    if tile["longest_wait_s"] > queue.sl_threshold_s:
        alerts.append({"kind": "wait_above_threshold", "queue": queue.pk, "level": "critical",
                       "message": f"{queue.name}: a caller has waited {tile['longest_wait_s']} s "
                                  f"(threshold {queue.sl_threshold_s} s)"})
    return alerts


def queue_tiles() -> list[dict]:
    """One tile per queue: waiting now, longest wait, and today's KPIs."""
    now = clock.now()
    kpis = {key[0]: k for key, k in call_kpis_grouped(group_by=["queue"], where="c.queued_at >= %(since)s",
                                                       params={"since": tenant_day_start(now)})}
    waiting = {row["queue_id"]: row for row in Call.objects.filter(status__in=WAITING).values("queue_id")
               .annotate(n=Count("id"), oldest=Min("queued_at"))}
    tiles = []
    for queue in Queue.objects.order_by("name"):
        w = waiting.get(queue.pk)
        tile = {"queue": queue.pk, "name": queue.name, "waiting": w["n"] if w else 0,
                "longest_wait_s": int((now - w["oldest"]).total_seconds()) if w and w["oldest"] else 0,
                "sl_target_pct": queue.sl_target_pct, "sl_threshold_s": queue.sl_threshold_s,
                **kpis.get(queue.pk, EMPTY).as_dict()}
        tile["alerts"] = queue_alerts(queue, tile)
        tiles.append(tile)
    return tiles


def agent_rows() -> list[dict]:
    """Every enabled agent with state, reason, time in state and the call they are on."""
    now = clock.now()
    on_call = dict(Call.objects.filter(status__in=[CallStatus.CONNECTING, CallStatus.CONNECTED],
                                       agent__isnull=False).values_list("agent_id", "pk"))
    rows = []
    for user in agent_list().exclude(status="disabled"):
        p = getattr(user, "agent_profile", None)
        since = p.state_since if p else user.date_joined
        rows.append({"agent": user.pk, "email": user.email, "name": user.full_name or user.email,
                     "state": p.state if p else AgentState.OFFLINE, "reason": p.not_ready_reason if p else "",
                     "since": since.isoformat(), "seconds_in_state": int((now - since).total_seconds()),
                     "call": on_call.get(user.pk), "bot": user.is_bot})
    return rows


def wallboard_snapshot() -> dict:
    tiles = queue_tiles()
    return {"at": clock.now().isoformat(), "agents": agent_rows(), "queues": tiles,
            "alerts": [a for t in tiles for a in t["alerts"]]}


def agent_today(user: User) -> dict:
    """Personal stats today (RT-1): calls handled, AHT, occupancy — from the same KPI SQL."""
    start = tenant_day_start()
    calls, aht = agent_handled(agent_id=user.pk, since=start)
    secs = agent_state_seconds(agent_ids=[user.pk], since=start, until=clock.now()).get(user.pk, {})
    time_kpis = agent_time_kpis(secs)
    return {"calls": calls, "aht_s": aht, "occupancy": time_kpis["occupancy"],
            "logged_in_s": time_kpis["logged_in_s"]}


def desk_call(user: User) -> Call | None:
    """The call on this agent's desk: being connected, talking, consulting, or wrapping up."""
    live = (Call.objects.select_related("queue", "agent").prefetch_related("legs__user")
            .filter(Q(agent=user, status__in=[CallStatus.CONNECTING, CallStatus.CONNECTED])
                    | Q(legs__user=user, legs__role=LegRole.CONSULT,
                        legs__status__in=[LegStatus.RINGING, LegStatus.IN_PROGRESS]))
            .order_by("-arrived_at").first())
    if live is not None:
        return live
    profile = AgentProfile.objects.filter(user=user).only("state").first()
    if profile is None or profile.state != AgentState.WRAP_UP:
        return None
    # Wrapping up: the call this agent handled last (it may since belong to a colleague).
    leg = (CallLeg.objects.filter(user=user, role__in=[LegRole.AGENT, LegRole.CONSULT])
           .order_by("-started_at", "-id").first())
    if leg is None:
        return None
    return Call.objects.select_related("queue", "agent").prefetch_related("legs__user").get(pk=leg.call_id)


def transfer_note_for(user: User, call: Call) -> str:
    """A warm transfer's notes, shown to the agent who takes the call over."""
    leg = CallLeg.objects.filter(call=call, user=user).exclude(note="").order_by("-started_at").first()
    return leg.note if leg else ""


def offer_expiry(user: User) -> dict[int, str]:
    return {o.call_id: o.expires_at.isoformat() for o in
            Offer.objects.filter(agent=user, status=OfferStatus.PENDING).only("call_id", "expires_at")}


def push_live_stats(*, force: bool = False) -> int:
    """Sweep, every beat: push `queue.stats` for tiles that changed and `alert` for alerts
    that started or cleared. Returns the number of events queued."""
    from tenants.realtime import event_on_commit

    tiles = queue_tiles()
    last = cache.get(TILES_KEY) or {}
    sent = 0
    current = {}
    for tile in tiles:
        key = str(tile["queue"])
        current[key] = tile
        if force or last.get(key) != tile:
            event_on_commit(["supervisors", f"queue.{tile['queue']}"], "queue.stats", tile)
            sent += 1
    before = cache.get(ALERTS_KEY) or {}
    now_alerts = {f"{a['queue']}:{a['kind']}": a for t in tiles for a in t["alerts"]}
    for key, alert in now_alerts.items():
        if key not in before:
            event_on_commit(["supervisors", f"queue.{alert['queue']}"], "alert", {**alert, "active": True})
            sent += 1
    for key, alert in before.items():
        if key not in now_alerts:
            event_on_commit(["supervisors", f"queue.{alert['queue']}"], "alert", {**alert, "active": False})
            sent += 1
    cache.set(TILES_KEY, current, timeout=3600)
    cache.set(ALERTS_KEY, now_alerts, timeout=3600)
    return sent
