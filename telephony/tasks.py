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
