"""BIL-2 metering: the tenant's call legs become rows of the public usage ledger.

Set-based: one INSERT … SELECT per tenant reads every leg that ended since the tenant's
watermark (less an hour of overlap, for transactions that committed late) straight from the
tenant's schema. The ledger's unique (tenant, kind, source) makes it exactly once: a replayed
status callback, a re-run or an overlapping read adds nothing.

Metered legs: the caller's leg (inbound on our number, or the person an outbound call or
callback dialled) and legs to outside numbers (transfers, conferences). Agents' browser and SIP
legs are part of the seat.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone

from billing.models import UsageRecord, UsageWatermark

OVERLAP = timedelta(hours=1)
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)

_COLLECT_SQL = """
INSERT INTO billing_usagerecord (tenant_id, kind, source, occurred_at, direction, destination, seconds,
                                 quantity, description, rating_error)
SELECT %(tenant)s, 'call', coalesce(l.sid, 'leg-' || l.id), l.answered_at,
       CASE WHEN l.role = 'caller' AND c.direction = 'inbound' THEN 'inbound' ELSE 'outbound' END,
       CASE WHEN l.role = 'caller' AND c.direction = 'inbound' THEN c.dnis ELSE l.target END,
       ceil(extract(epoch FROM l.ended_at - l.answered_at))::int, 0, '', ''
  FROM {schema}.telephony_callleg l JOIN {schema}.telephony_call c ON c.id = l.call_id
 WHERE l.ended_at > %(since)s AND l.ended_at <= %(until)s AND l.answered_at IS NOT NULL
   AND l.ended_at > l.answered_at
   AND (l.role = 'caller' OR (l.role = 'external' AND l.target LIKE '+%%'))
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
            cur.execute(_COLLECT_SQL.format(schema=schema), {"tenant": tenant.pk, "since": since, "until": until})
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
