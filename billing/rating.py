"""BIL-2 rating, set-based: SQL prices whole sets of calls at once, never a Python loop.

`priced_sql` is the one rating engine. Given any set of calls (tenant, direction, number,
seconds, carrier cost) it finds, for each distinct (deck, direction, number), the longest
prefix the tenant's edition's deck holds — the number's own prefixes are listed and matched
by equality on the (deck, direction, prefix) index, longest first — and prices each call:
billed seconds = the first increment, then whole next increments, at least the minimum;
amount = billed minutes × the per-minute price, or for a pass-through prefix the carrier's
cost plus the edition's markup; 6 decimals, half up. A call with no matching prefix gets no
amount and a rating error the operator sees; it is priced by `usage_rate` once the deck has
the prefix. The usage collector prices as it inserts (one write per record); `usage_rate`
prices what is left.
"""

from __future__ import annotations

from django.db import connection

from billing.models import UsageRecord


def priced_sql(source: str) -> str:
    """SELECT of `source`'s columns plus rate_id, billed_seconds, amount and rating_error.
    `source` must yield tenant_id, direction, destination, seconds and carrier_cost."""
    return f"""
    WITH src AS ({source}),
    plan AS (
      SELECT t.id AS tenant_id, d.id AS deck_id, d.name AS deck, e.carrier_markup_pct AS markup
        FROM tenants_tenant t LEFT JOIN billing_edition e ON e.id = t.edition_id
        LEFT JOIN billing_ratedeck d ON d.id = e.rate_deck_id
       WHERE t.id IN (SELECT DISTINCT tenant_id FROM src)),
    numbers AS (
      SELECT DISTINCT p.deck_id, s.direction, s.destination FROM src s JOIN plan p USING (tenant_id)
       WHERE p.deck_id IS NOT NULL),
    best AS (
      SELECT n.deck_id, n.direction, n.destination, r.id AS rate_id, r.per_minute, r.first_increment_s AS first_s,
             r.next_increment_s AS next_s, r.minimum_s, r.pass_through
        FROM numbers n LEFT JOIN LATERAL (
          SELECT * FROM billing_rate r
           WHERE r.deck_id = n.deck_id AND r.direction = n.direction
             AND r.prefix = ANY (ARRAY(SELECT left(n.destination, k)
                                         FROM generate_series(2, least(length(n.destination), 16)) k))
           ORDER BY length(r.prefix) DESC LIMIT 1) r ON true),
    joined AS (
      SELECT s.*, p.deck, p.markup, b.rate_id, b.per_minute, b.pass_through, b.first_s, b.next_s, b.minimum_s,
             CASE WHEN b.rate_id IS NULL THEN NULL
                  ELSE greatest(b.minimum_s, CASE WHEN s.seconds <= b.first_s THEN b.first_s
                       ELSE b.first_s + ceil((s.seconds - b.first_s)::numeric / b.next_s)::int * b.next_s END)
             END AS billed
        FROM src s JOIN plan p USING (tenant_id)
        LEFT JOIN best b ON b.deck_id = p.deck_id AND b.direction = s.direction AND b.destination = s.destination)
    SELECT j.*, j.billed AS billed_seconds,
           CASE WHEN j.rate_id IS NULL THEN NULL
                WHEN j.pass_through AND j.carrier_cost IS NULL THEN NULL
                WHEN j.pass_through THEN round(j.carrier_cost * (1 + j.markup / 100), 6)
                ELSE round(j.billed * j.per_minute / 60, 6) END AS amount,
           CASE WHEN j.deck IS NULL THEN 'The tenant''s plan has no rate deck.'
                WHEN j.rate_id IS NULL THEN 'No ' || j.direction || ' rate in ' || j.deck || ' for '
                                            || j.destination || '.'
                WHEN j.pass_through AND j.carrier_cost IS NULL THEN 'Pass-through rate but no carrier cost yet.'
                ELSE '' END AS rating_error
      FROM joined j"""


_RERATE_SQL = """
UPDATE billing_usagerecord u
   SET rate_id = p.rate_id, billed_seconds = p.billed_seconds, amount = p.amount, rating_error = p.rating_error
  FROM ({priced}) p
 WHERE u.id = p.id
"""

_UNRATED = ("SELECT id, tenant_id, direction, destination, seconds, carrier_cost FROM billing_usagerecord "
            "WHERE kind = 'call' AND amount IS NULL AND invoice_id IS NULL {only}")


def usage_rate(*, tenant_ids: list[int] | None = None) -> dict[str, int]:
    """Price every unrated, uninvoiced call record (of these tenants); returns how many were
    priced and how many still could not be."""
    only, params = "", {}
    if tenant_ids is not None:
        only, params = "AND tenant_id = ANY(%(tenants)s)", {"tenants": list(tenant_ids)}
    with connection.cursor() as cur:
        cur.execute(_RERATE_SQL.format(priced=priced_sql(_UNRATED.format(only=only))), params)
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
