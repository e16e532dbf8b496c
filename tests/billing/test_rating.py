"""BIL-2: the usage ledger is written from call legs exactly once, and rating prices it
set-based with the longest matching prefix, billing increments, minimums and pass-through;
a number with no rate is listed for the operator, never dropped."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from billing.models import Rate, RateDeck, UsageRecord
from billing.rating import rating_errors, usage_rate
from billing.usage import one_off_add, usage_collect

T0 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def _leg_call(tenant, *, sid: str, direction: str, number: str, seconds: int, at=T0, role="caller",
              our_number="+15550001000"):
    """A finished call with its caller leg (or an external leg) answered `seconds` before it ended."""
    from telephony.models import Call, CallLeg

    with tenant_context(tenant):
        inbound = direction == "inbound"
        call = Call.objects.create(sid=sid, direction=direction, ani=number if inbound else number,
                                   dnis=our_number if inbound else our_number, arrived_at=at, status="ended",
                                   ended_at=at + timedelta(seconds=seconds))
        CallLeg.objects.create(call=call, sid=f"{sid}-{role}", role=role, target=number if not inbound or role !=
                               "caller" else number, status="completed", started_at=at, answered_at=at,
                               ended_at=at + timedelta(seconds=seconds))
    connection.set_schema_to_public()
    return call


def _deck_rates(tenant, **rates):
    deck = tenant.edition.rate_deck
    return {k: Rate.objects.get(deck=deck, prefix=p, direction=d) for k, (p, d) in rates.items()}


def _rated(tenant, source):
    return UsageRecord.objects.get(tenant=tenant, source=source)


def test_longest_prefix_wins_and_increments_and_minimums_price_the_call(cast):
    a = cast.a.tenant
    _leg_call(a, sid="CAuk-land", direction="outbound", number="+442071234567", seconds=30)  # +44, 1/1 min 60
    _leg_call(a, sid="CAuk-mob", direction="outbound", number="+447700900123", seconds=61)  # +447 beats +44
    _leg_call(a, sid="CAus", direction="outbound", number="+12125550100", seconds=61)  # 60/60: 120 s
    _leg_call(a, sid="CAde", direction="outbound", number="+4930123456", seconds=61)  # 60/1: 61 s
    _leg_call(a, sid="CAcn", direction="outbound", number="+8610123456", seconds=61)  # 60/6: 66 s
    _leg_call(a, sid="CAtf", direction="inbound", number="+15557654321", seconds=90, our_number="+18005550100")
    assert usage_collect(tenant=a, until=T0 + timedelta(hours=1)) == 6  # priced as they are written
    assert usage_rate(tenant_ids=[a.pk]) == {"priced": 0, "errors": 0}  # nothing left to price
    land, mob, us, de, cn = (_rated(a, f"{s}-caller") for s in ("CAuk-land", "CAuk-mob", "CAus", "CAde", "CAcn"))
    assert (land.rate.prefix, land.billed_seconds, land.amount) == ("+44", 60, Decimal("0.030000"))  # the minimum
    assert (mob.rate.prefix, mob.billed_seconds) == ("+447", 61)
    assert mob.amount == Decimal("0.081333")  # 61 × 0.08 / 60 = 0.0813333… → 6 places, half up
    assert (us.billed_seconds, us.amount) == (120, Decimal("0.040000"))
    assert (de.billed_seconds, de.amount) == (61, Decimal("0.040667"))  # 61 × 0.04 / 60 = 0.0406666…
    assert (cn.billed_seconds, cn.amount) == (66, Decimal("0.055000"))
    toll = _rated(a, "CAtf-caller")  # inbound on our toll-free number: the number dialled is rated
    assert (toll.direction, toll.destination, toll.rate.prefix, toll.amount) == ("inbound", "+18005550100", "+1800",
                                                                                  Decimal("0.060000"))


def test_a_number_without_a_rate_is_listed_not_dropped_and_priced_once_the_deck_has_it(cast):
    a = cast.a.tenant
    _leg_call(a, sid="CAfr", direction="outbound", number="+33142685300", seconds=45)
    usage_collect(tenant=a, until=T0 + timedelta(hours=1))
    assert usage_rate(tenant_ids=[a.pk]) == {"priced": 0, "errors": 1}
    record = _rated(a, "CAfr-caller")
    assert record.amount is None and record.rating_error == "No outbound rate in Standard rates for +33142685300."
    assert record in list(rating_errors())
    Rate.objects.create(deck=a.edition.rate_deck, prefix="+33", direction="outbound", per_minute=Decimal("0.03"),
                        first_increment_s=30, next_increment_s=6)
    assert usage_rate(tenant_ids=[a.pk]) == {"priced": 1, "errors": 0}
    record.refresh_from_db()
    assert (record.billed_seconds, record.amount, record.rating_error) == (48, Decimal("0.024000"), "")


def test_pass_through_charges_the_carrier_cost_plus_markup(cast):
    a = cast.a.tenant
    _leg_call(a, sid="CAsat", direction="outbound", number="+881612345678", seconds=100)
    usage_collect(tenant=a, until=T0 + timedelta(hours=1))
    usage_rate(tenant_ids=[a.pk])
    record = _rated(a, "CAsat-caller")
    assert record.amount is None and "no carrier cost" in record.rating_error  # not billed at zero
    UsageRecord.objects.filter(pk=record.pk).update(carrier_cost=Decimal("1.234567"))
    usage_rate(tenant_ids=[a.pk])
    record.refresh_from_db()
    assert record.amount == Decimal("1.481480")  # 1.234567 × 1.20 = 1.4814804


def test_collecting_again_or_replaying_adds_nothing(cast):
    a = cast.a.tenant
    _leg_call(a, sid="CAonce", direction="outbound", number="+12125550101", seconds=10)
    until = T0 + timedelta(hours=1)
    assert usage_collect(tenant=a, until=until) == 1
    assert usage_collect(tenant=a, until=until) == 0
    assert usage_collect(tenant=a, until=until + timedelta(minutes=5)) == 0  # the overlap reads it again: no double
    _leg_call(a, sid="CAlate", direction="outbound", number="+12125550102", seconds=10, at=T0 + timedelta(hours=2))
    assert usage_collect(tenant=a, until=T0 + timedelta(hours=3)) == 1
    assert UsageRecord.objects.filter(tenant=a, source__in=["CAonce-caller", "CAlate-caller"]).count() == 2


def test_unanswered_legs_and_agents_browser_legs_are_not_metered(cast):
    from telephony.models import Call, CallLeg

    a = cast.a.tenant
    call = _leg_call(a, sid="CAmix", direction="inbound", number="+12125550103", seconds=60)
    with tenant_context(a):
        CallLeg.objects.create(call=Call.objects.get(pk=call.pk), sid="CAmix-agent", role="agent",
                               target="client:agent-1", status="completed", started_at=T0, answered_at=T0,
                               ended_at=T0 + timedelta(seconds=50))
        CallLeg.objects.create(call=Call.objects.get(pk=call.pk), sid="CAmix-ext", role="external",
                               target="+442071230000", status="completed", started_at=T0, answered_at=T0,
                               ended_at=T0 + timedelta(seconds=20))
        CallLeg.objects.create(call=Call.objects.get(pk=call.pk), sid="CAmix-noans", role="external",
                               target="+442071230001", status="no_answer", started_at=T0,
                               ended_at=T0 + timedelta(seconds=20))
    connection.set_schema_to_public()
    usage_collect(tenant=a, until=T0 + timedelta(hours=1))
    got = dict(UsageRecord.objects.filter(tenant=a, source__startswith="CAmix").values_list("source", "direction"))
    assert got == {"CAmix-caller": "inbound", "CAmix-ext": "outbound"}  # a transfer out is metered too


def test_one_off_charges_are_recorded_once_and_zero_is_refused(cast):
    from config.errors import ServiceError

    a = cast.a.tenant
    first = one_off_add(tenant=a, reference="setup-2026-03", description="IVR customisation", amount="250.00", on=T0)
    again = one_off_add(tenant=a, reference="setup-2026-03", description="IVR customisation", amount="250.00", on=T0)
    assert first.pk == again.pk and first.amount == Decimal("250.00")
    with pytest.raises(ServiceError, match="amount"):
        one_off_add(tenant=a, reference="nothing", description="x", amount="0", on=T0)


def test_usage_of_one_tenant_never_lands_on_another(cast):
    a, b = cast.a.tenant, cast.b.tenant
    _leg_call(a, sid="CAa-only", direction="outbound", number="+33142685301", seconds=30)
    _leg_call(b, sid="CAb-only", direction="outbound", number="+33142685302", seconds=30)
    usage_collect(tenant=a, until=T0 + timedelta(hours=1))
    assert set(UsageRecord.objects.filter(source__in=["CAa-only-caller", "CAb-only-caller"])
               .values_list("tenant__slug", "source")) == {(cast.a.tenant.slug, "CAa-only-caller")}
    usage_collect(tenant=b, until=T0 + timedelta(hours=1))
    Rate.objects.create(deck=a.edition.rate_deck, prefix="+33", direction="outbound", per_minute=Decimal("0.03"))
    assert usage_rate(tenant_ids=[a.pk]) == {"priced": 1, "errors": 0}  # rating one tenant …
    assert UsageRecord.objects.get(source="CAb-only-caller").amount is None  # … leaves the other's untouched
    assert usage_rate(tenant_ids=[b.pk]) == {"priced": 1, "errors": 0}
    assert RateDeck.objects.count() >= 1
