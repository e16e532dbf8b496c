from celery import shared_task
from django_tenants.utils import tenant_context

from tenants.selectors import tenant_list_live


@shared_task(name="qa.sample_yesterday_all", time_limit=1800, soft_time_limit=1700, ignore_result=True)
def sample_yesterday_all() -> int:
    """Beat: fill every tenant's evaluator queues with yesterday's calls (its own calendar).
    Hourly, and idempotent: a day is sampled once whatever the number of runs."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from qa.services.sampling import sample_day

    n = 0
    for tenant in tenant_list_live():
        with tenant_context(tenant):
            yesterday = datetime.now(ZoneInfo(tenant.timezone or "UTC")).date() - timedelta(days=1)
            n += sample_day(yesterday)
    return n
