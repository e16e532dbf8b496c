from celery import shared_task
from django_tenants.utils import tenant_context

from tenants.selectors import tenant_list_live

RECENTLY_ACTIVE_KEY = "sweep:recently-active"  # per tenant: the cache key function adds the schema
RECENTLY_ACTIVE_S = 120


@shared_task(name="telephony.sweep_all", time_limit=60, soft_time_limit=50, ignore_result=True)
def sweep_all() -> int:
    """Beat, every 2 s: run the ACD timers of every live tenant that has anything going on,
    then push its wallboard figures (a tenant that just went quiet gets one last push)."""
    from django.core.cache import cache

    from telephony.live import push_live_stats
    from telephony.sweep import sweep, tenant_sweep_needed

    swept = 0
    for tenant in tenant_list_live():
        with tenant_context(tenant):
            if tenant_sweep_needed():
                sweep()
                cache.set(RECENTLY_ACTIVE_KEY, True, timeout=RECENTLY_ACTIVE_S)
                push_live_stats()
                swept += 1
            elif cache.get(RECENTLY_ACTIVE_KEY):
                push_live_stats()
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


@shared_task(name="outbound.dial_tick_all", time_limit=30, soft_time_limit=25, ignore_result=True)
def dial_tick_all() -> int:
    """Beat, every 2 s: place the dials of every tenant's running or piloting campaigns."""
    from telephony.models import Campaign
    from telephony.outbound import dialer
    from telephony.outbound.campaigns import DIALING_STATES

    placed = 0
    for tenant in tenant_list_live():
        with tenant_context(tenant):
            if Campaign.objects.filter(state__in=list(DIALING_STATES)).exists():
                placed += dialer.dial_tick_all()
    return placed
