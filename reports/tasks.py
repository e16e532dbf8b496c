from celery import shared_task
from django_tenants.utils import tenant_context

from tenants.selectors import tenant_list_live


@shared_task(name="reports.daily_summaries", time_limit=600, soft_time_limit=540, ignore_result=True)
def daily_summaries() -> int:
    """Beat, every 15 minutes: each tenant's summary of yesterday once its morning has come."""
    from django.utils import timezone

    from reports.services import daily_summary_send

    sent = 0
    for tenant in tenant_list_live():
        with tenant_context(tenant):
            sent += daily_summary_send(now=timezone.now())
    return sent
