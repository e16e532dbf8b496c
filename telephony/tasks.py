from celery import shared_task
from django_tenants.utils import tenant_context

from tenants.selectors import tenant_list_live


@shared_task(name="telephony.sweep_all", time_limit=60, soft_time_limit=50, ignore_result=True)
def sweep_all() -> int:
    """Beat, every 2 s: run the ACD timers of every live tenant that has anything going on."""
    from telephony.sweep import sweep, tenant_sweep_needed

    swept = 0
    for tenant in tenant_list_live():
        with tenant_context(tenant):
            if tenant_sweep_needed():
                sweep()
                swept += 1
    return swept


@shared_task(name="telephony.recordings_expire_all", time_limit=600, soft_time_limit=540, ignore_result=True)
def recordings_expire_all() -> int:
    """Daily: each tenant's retention period (TEL-13), deletions cascading to the carrier."""
    from telephony.services.recordings import recordings_expire

    deleted = 0
    for tenant in tenant_list_live():
        with tenant_context(tenant):
            deleted += recordings_expire(retention_days=tenant.recording_retention_days)
    return deleted
