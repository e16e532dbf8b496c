"""BIL-2 metering: the tenant's call legs become rows of the public usage ledger.

Set-based: one INSERT … SELECT per tenant reads every leg that ended since the tenant's
watermark (less an hour of overlap, for transactions that committed late) straight from the
tenant's schema, priced on the way in by the rating engine (`billing.rating.priced_sql`).
The ledger's unique (tenant, kind, source) makes it exactly once: a replayed status
callback, a re-run or an overlapping read adds nothing.

Metered legs: the caller's leg (inbound on our number, or the person an outbound call or
callback dialled) and legs to outside numbers (transfers, conferences). Agents' browser and SIP
legs are part of the seat.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone

from billing.models import UsageRecord, UsageWatermark
from billing.rating import priced_sql

OVERLAP = timedelta(hours=1)
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)

_LEGS_SQL = """
SELECT %(tenant)s::bigint AS tenant_id, coalesce(l.sid, 'leg-' || l.id) AS source, l.answered_at AS occurred_at,
       CASE WHEN l.role = 'caller' AND c.direction = 'inbound' THEN 'inbound' ELSE 'outbound' END AS direction,
       CASE WHEN l.role = 'caller' AND c.direction = 'inbound' THEN c.dnis ELSE l.target END AS destination,
       ceil(extract(epoch FROM l.ended_at - l.answered_at))::int AS seconds, NULL::numeric AS carrier_cost
  FROM {schema}.telephony_callleg l JOIN {schema}.telephony_call c ON c.id = l.call_id
 WHERE l.ended_at > %(since)s AND l.ended_at <= %(until)s AND l.answered_at IS NOT NULL
   AND l.ended_at > l.answered_at
   AND (l.role = 'caller' OR (l.role = 'external' AND l.target LIKE '+%%'))
"""

_COLLECT_SQL = """
INSERT INTO billing_usagerecord (tenant_id, kind, source, occurred_at, direction, destination, seconds, quantity,
                                 description, carrier_cost, rate_id, billed_seconds, amount, rating_error)
SELECT tenant_id, 'call', source, occurred_at, direction, destination, seconds, 0, '', carrier_cost, rate_id,
       billed_seconds, amount, rating_error
  FROM ({priced}) p
ON CONFLICT (tenant_id, kind, source) DO NOTHING
"""


def usage_collect(*, tenant, until: datetime | None = None) -> int:
    """Meter one tenant's legs that ended up to `until` (default now); returns rows added."""
    until = until or timezone.now()
    schema = connection.ops.quote_name(tenant.schema_name)
    with transaction.atomic():
        with connection.cursor() as cur:  # the tenant's row exists before it is locked: collectors queue on it
            cur.execute("INSERT INTO billing_usagewatermark (tenant_id, calls_until) VALUES (%s, %s) "
                        "ON CONFLICT (tenant_id) DO NOTHING", [tenant.pk, EPOCH])
        mark = UsageWatermark.objects.select_for_update().get(tenant=tenant)
        since = mark.calls_until - OVERLAP if mark.calls_until > EPOCH else EPOCH
        with connection.cursor() as cur:
            legs = _LEGS_SQL.format(schema=schema)
            cur.execute(_COLLECT_SQL.format(priced=priced_sql(legs)),
                        {"tenant": tenant.pk, "since": since, "until": until})
            added = cur.rowcount
        if until > mark.calls_until:
            UsageWatermark.objects.filter(pk=mark.pk).update(calls_until=until)
    return added


def one_off_add(*, tenant, reference: str, description: str, amount, on: datetime) -> UsageRecord:
    """A one-off charge (customisation, set-up) billed with the month it falls in."""
    from decimal import Decimal

    from config.errors import field_error

    amount = Decimal(str(amount))
    if amount == 0:
        raise field_error("amount", "a charge of zero is not a charge.")
    record, _ = UsageRecord.objects.get_or_create(
        tenant=tenant, kind=UsageRecord.Kind.ONE_OFF, source=reference[:64],
        defaults={"occurred_at": on, "description": description[:200], "quantity": 1, "amount": amount})
    return record


def ledger_analyze() -> None:
    """Fresh planner statistics after a large batch of ledger rows: with stale ones Postgres
    may nest-loop over the whole ledger when rating or invoicing the batch."""
    with connection.cursor() as cur:
        cur.execute("ANALYZE billing_usagerecord")


def usage_meter_all(*, tenant_ids: list[int] | None = None, until: datetime | None = None) -> dict[str, int]:
    """Meter every customer tenant (or these), then price what is still unpriced: the beat's
    job every 15 minutes."""
    from billing.rating import usage_rate
    from tenants.models import INTERNAL_STATES, Tenant

    tenants = Tenant.objects.exclude(state__in=INTERNAL_STATES).order_by("pk")
    if tenant_ids is not None:
        tenants = tenants.filter(pk__in=tenant_ids)
    from billing.fanout import for_each_tenant

    added = sum(for_each_tenant(lambda t: usage_collect(tenant=t, until=until), tenants))
    if added:
        ledger_analyze()
    return {"added": added, **usage_rate(tenant_ids=tenant_ids)}


RECORDING_BYTES_PER_S = 16_000  # 8 kHz, 16-bit mono WAV: what the carrier keeps per second of recording

_STORAGE_SQL = """
SELECT coalesce(sum(r.duration_s::numeric * %(bps)s
         * extract(epoch FROM least(coalesce(r.deleted_at, %(end)s), %(end)s)
                              - greatest(coalesce(r.completed_at, r.started_at), %(start)s))
         / extract(epoch FROM %(end)s::timestamptz - %(start)s::timestamptz)), 0)
  FROM {schema}.telephony_recording r
 WHERE coalesce(r.completed_at, r.started_at) < %(end)s AND coalesce(r.deleted_at, %(end)s) > %(start)s
"""


def storage_meter(*, tenant, period) -> UsageRecord | None:
    """BIL-2: the month's recording storage in GB-months (each recording's size × the share of
    the month it was kept), priced at the edition's GB-month price; one record per month."""
    from decimal import ROUND_HALF_UP, Decimal

    from billing.invoicing import period_end, period_start

    start, end = period_start(period), period_end(period)
    schema = connection.ops.quote_name(tenant.schema_name)
    with connection.cursor() as cur:
        cur.execute(_STORAGE_SQL.format(schema=schema), {"bps": RECORDING_BYTES_PER_S, "start": start, "end": end})
        byte_months = Decimal(cur.fetchone()[0] or 0)
    gb_months = (byte_months / Decimal(10**9)).quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP)
    if gb_months <= 0:
        return None
    price = tenant.edition.storage_gb_month_price if tenant.edition else Decimal(0)
    record, _ = UsageRecord.objects.get_or_create(
        tenant=tenant, kind=UsageRecord.Kind.RECORDING_STORAGE, source=f"storage-{period:%Y-%m}",
        defaults={"occurred_at": start, "quantity": gb_months,
                  "amount": (gb_months * price).quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP),
                  "description": f"Recording storage {period:%B %Y}: {gb_months} GB-month at {price}"})
    return record
