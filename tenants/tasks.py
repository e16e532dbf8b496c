from celery import shared_task

from tenants.services import tenant_pool_refill


@shared_task(name="tenants.pool_refill", time_limit=600, soft_time_limit=540)
def tenant_pool_refill_task() -> int:
    """Keep spare schemas ready so the next signup is a rename, not a clone."""
    return tenant_pool_refill()
