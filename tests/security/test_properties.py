"""Property tests (hypothesis, bounded): the IVR validator, the rating engine and the KPI
maths hold for generated input, not only for the hand-picked cases of their own tests."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db import connection, transaction
from django_tenants.utils import tenant_context
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from telephony import ivr

FAST = settings(max_examples=150, deadline=None, database=None)
DB = settings(max_examples=25, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

# --- IVR graphs ----------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 300) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=5),
    max_leaves=25)


@FAST
@given(graph=json_values | st.fixed_dictionaries({"start": json_values, "nodes": json_values}))
def test_any_json_gets_reasons_never_a_crash(graph):
    problems = ivr.graph_problems(graph, queue_ids={1, 2})
    assert problems  # nothing random is a sound call flow
    assert ivr.problems_message(problems).startswith("The IVR graph cannot be published")


@st.composite
def ivr_graphs(draw):
    """Graphs of real node types whose branches point at real (or, sometimes, missing) nodes."""
    ids = [f"n{i}" for i in range(draw(st.integers(1, 8)))]
    target = st.sampled_from(ids) | st.sampled_from(["nowhere", None]) if draw(st.booleans()) else \
        st.sampled_from(ids)
    nodes = {}
    for nid in ids:
        kind = draw(st.sampled_from(sorted(ivr.NODE_TYPES)))
        node: dict = {"type": kind, "say": draw(st.text(max_size=20))}
        for branch in ivr.REQUIRED_BRANCHES.get(kind, ()) + ivr.OPTIONAL_BRANCHES.get(kind, ()):
            if branch in ivr.REQUIRED_BRANCHES.get(kind, ()) or draw(st.booleans()):
                node[branch] = draw(target)
        if kind == "menu":
            keys = draw(st.lists(st.sampled_from(["1", "2", "3", "9", "*", "#", "12", "x"]), min_size=1, max_size=4,
                                 unique=True))
            node["options"] = {k: draw(target) for k in keys}
            node["retries"] = draw(st.integers(0, 3))
        if kind == "collect":
            node["min_digits"], node["max_digits"] = draw(st.integers(1, 4)), draw(st.integers(1, 6))
        if kind in ("queue", "callback"):
            node["queue"] = draw(st.sampled_from([1, 2, 3]))
        if kind == "transfer":
            node["number"] = draw(st.sampled_from(["+14155550100", "0800 123"]))
        nodes[nid] = node
    return {"start": draw(st.sampled_from([*ids, "missing"])), "nodes": nodes}


@FAST
@given(graph=ivr_graphs(), presses=st.lists(st.sampled_from(["", "1", "2", "3", "9", "*", "#", "12", "1234", "x"]),
                                            max_size=8),
       is_open=st.booleans(), holiday=st.booleans(), vip=st.booleans())
def test_a_sound_graph_always_leads_a_caller_somewhere(graph, presses, is_open, holiday, vip):
    """Problems name real nodes; a graph without problems never crashes or spins: whatever
    the caller presses, each step ends at an input or a terminal node of the graph."""
    problems = ivr.graph_problems(graph, queue_ids={1, 2})
    assert {p.node for p in problems} <= set(graph["nodes"]) | {""}
    if problems:
        return
    ctx = ivr.Context(is_open=lambda q: is_open, is_holiday=lambda q: holiday, is_vip=vip)
    step = ivr.walk(graph, graph["start"], ctx)
    retries = 0
    for digits in presses:
        assert step.node["type"] in ivr.INPUT_TYPES | ivr.TERMINAL_TYPES
        if step.node["type"] not in ivr.INPUT_TYPES:
            break
        step = ivr.advance(graph, step.node_id, digits, ctx, retries_used=retries)
        retries = retries + 1 if step.retry else 0
        assert step.node_id in graph["nodes"]


# --- Rating --------------------------------------------------------------------------------

rates = st.dictionaries(
    st.text("0123456789", min_size=1, max_size=4).map(lambda s: "+99" + s),
    st.tuples(st.decimals("0.0001", "2.5", places=4), st.integers(1, 120), st.integers(1, 60), st.integers(0, 120)),
    min_size=1, max_size=6)
calls = st.lists(st.tuples(st.text("0123456789", min_size=4, max_size=10).map(lambda s: "+99" + s),
                           st.integers(1, 4 * 3600)), min_size=1, max_size=12)


def _expected(rates: dict, number: str, seconds: int):
    """BIL-2 as written: the longest prefix; the first increment, then whole next increments,
    at least the minimum; billed minutes × price, 6 places half up."""
    prefix = max((p for p in rates if number.startswith(p)), key=len, default=None)
    if prefix is None:
        return None, None
    price, first, nxt, minimum = rates[prefix]
    billed = first if seconds <= first else first + math.ceil((seconds - first) / nxt) * nxt
    billed = max(minimum, billed)
    return billed, (Decimal(billed) * price / 60).quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP)


@pytest.mark.django_db
@DB
@given(rates=rates, calls=calls)
def test_the_rating_engine_prices_like_the_written_rule(cast, rates, calls):
    from billing.models import Rate
    from billing.rating import priced_sql

    tenant = cast.a.tenant
    deck = tenant.edition.rate_deck
    with transaction.atomic():
        sid = transaction.savepoint()
        Rate.objects.bulk_create(Rate(deck=deck, prefix=p, direction="outbound", per_minute=price,
                                      first_increment_s=first, next_increment_s=nxt, minimum_s=minimum)
                                 for p, (price, first, nxt, minimum) in rates.items())
        values = ", ".join(["(%s, 'outbound', %s, %s::int, NULL::numeric)"] * len(calls))
        params = [x for number, seconds in calls for x in (tenant.pk, number, seconds)]
        source = f"SELECT * FROM (VALUES {values}) v(tenant_id, direction, destination, seconds, carrier_cost)"
        with connection.cursor() as cur:
            cur.execute(f"SELECT destination, seconds, billed_seconds, amount FROM ({priced_sql(source)}) p", params)
            got = cur.fetchall()
        transaction.savepoint_rollback(sid)
    assert sorted((n, s, b, a) for n, s, b, a in got) == sorted(
        (n, s, *_expected(rates, n, s)) for n, s in calls)


# --- KPIs ----------------------------------------------------------------------------------

call_rows = st.lists(st.tuples(st.sampled_from(["answered", "abandoned", "voicemail"]), st.integers(0, 600),
                               st.integers(0, 1800), st.integers(0, 120), st.integers(0, 300), st.integers(0, 2)),
                     min_size=0, max_size=30)


@pytest.mark.django_db
@DB
@given(rows=call_rows, threshold=st.integers(5, 120))
def test_call_kpis_stay_within_their_definitions(cast, rows, threshold):
    from reports.kpis import call_kpis
    from telephony.models import Call, Queue

    t0 = datetime(2026, 5, 4, 9, tzinfo=UTC)
    with tenant_context(cast.a.tenant), transaction.atomic():
        sid = transaction.savepoint()
        q = Queue.objects.create(name=f"Props {threshold}", sl_threshold_s=threshold)
        Call.objects.bulk_create(
            Call(sid=f"CAprop{i}", queue=q, direction="inbound", queued_at=t0, arrived_at=t0, status="ended",
                 outcome=outcome, wait_s=wait, answered_at=t0 + timedelta(seconds=wait) if outcome == "answered"
                 else None, ended_at=t0 + timedelta(seconds=wait + talk), talk_s=talk if outcome == "answered"
                 else None, hold_s=hold if outcome == "answered" else 0, acw_s=acw if outcome == "answered" else None,
                 transfer_count=transfers if outcome == "answered" else 0)
            for i, (outcome, wait, talk, hold, acw, transfers) in enumerate(rows))
        k = call_kpis(where="c.queue_id = %(q)s", params={"q": q.pk})
        transaction.savepoint_rollback(sid)
    connection.set_schema_to_public()
    answered = [r for r in rows if r[0] == "answered"]
    assert (k.offered, k.answered, k.handled) == (len(rows), len(answered), len(answered))
    assert k.abandoned + k.short_abandoned == sum(r[0] == "abandoned" for r in rows)
    assert k.answered_within_t == sum(r[1] <= threshold for r in answered)
    assert k.transferred == sum(r[5] > 0 for r in answered) and k.held == sum(r[3] > 0 for r in answered)
    for rate in (k.service_level, k.abandon_rate, k.transfer_rate, k.hold_rate):
        assert rate is None or 0 <= rate <= 1
    if answered:
        assert min(r[1] for r in answered) - 0.01 <= k.asa_s <= max(r[1] for r in answered) + 0.01
        aht = sum(r[2] + r[3] + r[4] for r in answered) / len(answered)
        assert k.aht_s == pytest.approx(aht, abs=0.051)
    else:
        assert k.asa_s is None and k.aht_s is None and k.service_level in (None, 0)


@pytest.mark.django_db
@pytest.mark.parametrize("graph", [{"start": [], "nodes": {"a": {"type": "hangup"}}},
                                   {"start": "a", "nodes": {"a": {"type": ["queue"]}}},
                                   {"start": {"x": 1}, "nodes": {"a": {"type": {"t": 1}}}}])
def test_unhashable_start_or_type_is_a_clear_400_not_a_crash(cast, graph):
    """Found by the property above: a list as 'start' or 'type' used to raise a TypeError (500)."""
    resp = cast.a.api(cast.a.token("admin")).post("/api/v1/ivr-flows/validate", {"graph": graph},
                                                 content_type="application/json")
    assert resp.status_code in (200, 400)
    body = resp.json()
    assert "start" in str(body) or "unknown type" in str(body)
