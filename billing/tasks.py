"""Billing's beat jobs: meter and rate usage every 15 minutes; invoice last month on the 1st
(02:00 in the platform timezone). Both are idempotent: a retried or doubled run adds nothing."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="billing.usage_collect_all", time_limit=1800, soft_time_limit=1700)
def usage_collect_all() -> dict:
    from billing.usage import usage_meter_all

    return usage_meter_all()


@shared_task(name="billing.invoice_run_last_month", time_limit=3600, soft_time_limit=3500, acks_late=True,
             autoretry_for=(Exception,), retry_backoff=60, max_retries=5)
def invoice_run_last_month() -> dict:
    from billing.invoicing import invoice_run, last_month

    return invoice_run(period=last_month())


@shared_task(name="billing.dunning", time_limit=1800, soft_time_limit=1700)
def dunning() -> dict:
    from billing.dunning import dunning_run

    return dunning_run()


@shared_task(name="billing.invoice_run_period", time_limit=3600, soft_time_limit=3500, acks_late=True,
             autoretry_for=(Exception,), retry_backoff=60, max_retries=5)
def invoice_run_period(*, period: str, tenant_ids: list[int] | None = None) -> dict:
    """A month's run in the background (the operator's "run", a re-run after a failure)."""
    from datetime import date

    from billing.invoicing import invoice_run

    return invoice_run(period=date.fromisoformat(period), tenant_ids=tenant_ids)
