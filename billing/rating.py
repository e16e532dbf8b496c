"""BIL-2 rating, set-based: one UPDATE prices every unrated call record.

For each record the tenant's edition's deck is searched for the longest prefix of the
destination (E.164) for the record's direction — the destination's own prefixes are listed
and matched by equality on the (deck, direction, prefix) index, longest first. The price:
billed seconds = the first increment, then whole next increments, at least the minimum;
amount = billed minutes × the per-minute price, or for a pass-through prefix the carrier's
cost plus the edition's markup; 6 decimals, half up. A record with no matching prefix is not
dropped: it keeps no amount and a rating error the operator sees, and is priced on the next
run once the deck has the prefix.
"""

from __future__ import annotations

from django.db import connection

from billing.models import UsageRecord

_RATE_SQL = """
WITH matched AS (
  SELECT u.id, r.id AS rate_id, r.per_minute, r.first_increment_s AS first_s, r.next_increment_s AS next_s,
         r.minimum_s, r.pass_through, e.carrier_markup_pct, u.carrier_cost, u.seconds, u.destination,
         u.direction, d.name AS deck
    FROM billing_usagerecord u
    JOIN tenants_tenant t ON t.id = u.tenant_id
    LEFT JOIN billing_edition e ON e.id = t.edition_id
    LEFT JOIN billing_ratedeck d ON d.id = e.rate_deck_id
    LEFT JOIN LATERAL (
      SELECT r.* FROM billing_rate r
       WHERE r.deck_id = d.id AND r.direction = u.direction
         AND r.prefix = ANY (ARRAY(SELECT left(u.destination, n) FROM generate_series(2, length(u.destination)) n))
       ORDER BY length(r.prefix) DESC LIMIT 1) r ON true
   WHERE u.kind = 'call' AND u.amount IS NULL AND u.invoice_id IS NULL {only}
),
priced AS (
  SELECT id, rate_id, deck, destination, direction,
         CASE WHEN rate_id IS NULL THEN NULL
              ELSE greatest(minimum_s, CASE WHEN seconds <= first_s THEN first_s
                   ELSE first_s + ceil((seconds - first_s)::numeric / next_s)::int * next_s END) END AS billed,
         pass_through, carrier_markup_pct, carrier_cost, per_minute
    FROM matched
)
UPDATE billing_usagerecord u
   SET rate_id = p.rate_id,
       billed_seconds = p.billed,
       amount = CASE WHEN p.rate_id IS NULL THEN NULL
                     WHEN p.pass_through AND p.carrier_cost IS NULL THEN NULL
                     WHEN p.pass_through THEN round(coalesce(p.carrier_cost, 0) * (1 + p.carrier_markup_pct / 100), 6)
                     ELSE round(p.billed * p.per_minute / 60, 6) END,
       rating_error = CASE
         WHEN p.deck IS NULL THEN 'The tenant''s plan has no rate deck.'
         WHEN p.rate_id IS NULL THEN 'No ' || p.direction || ' rate in ' || p.deck || ' for ' || p.destination || '.'
         WHEN p.pass_through AND p.carrier_cost IS NULL THEN 'Pass-through rate but no carrier cost yet.'
         ELSE '' END
  FROM priced p
 WHERE u.id = p.id
"""


def usage_rate(*, tenant_ids: list[int] | None = None) -> dict[str, int]:
    """Price every unrated, uninvoiced call record (of these tenants); returns how many were
    priced and how many could not be."""
    only, params = "", {}
    if tenant_ids is not None:
        only, params = "AND u.tenant_id = ANY(%(tenants)s)", {"tenants": list(tenant_ids)}
    with connection.cursor() as cur:
        cur.execute(_RATE_SQL.format(only=only), params)
        touched = cur.rowcount
    unrated = UsageRecord.objects.filter(kind=UsageRecord.Kind.CALL, amount__isnull=True, invoice__isnull=True)
    if tenant_ids is not None:
        unrated = unrated.filter(tenant_id__in=tenant_ids)
    errors = unrated.count()
    return {"priced": touched - errors, "errors": errors}


def rating_errors(limit: int = 200):
    """Records the operator must look at: no deck, no prefix, no carrier cost."""
    return (UsageRecord.objects.filter(kind=UsageRecord.Kind.CALL, amount__isnull=True)
            .exclude(rating_error="").select_related("tenant").order_by("-occurred_at")[:limit])
