from datetime import timedelta

from celery import shared_task
from django_tenants.utils import tenant_context

from tenants.selectors import tenant_list_live


@shared_task(name="wfm.schedule_build", acks_late=True, time_limit=900, soft_time_limit=840, ignore_result=True)
def schedule_build_task(schedule_id: int) -> str:
    """Solve a schedule in the tenant that asked (the schema travels with the task)."""
    from wfm.services.schedules import schedule_build

    return schedule_build(schedule_id).status


@shared_task(name="wfm.schedules_resume", time_limit=900, soft_time_limit=840, ignore_result=True)
def schedules_resume() -> int:
    """Beat: a schedule still building well past its time limit lost its task (broker down,
    worker killed): build it again. A build that was only slow loses the race harmlessly."""
    from django.utils import timezone

    from wfm.models import Schedule
    from wfm.services.schedules import schedule_build

    built = 0
    for tenant in tenant_list_live():
        with tenant_context(tenant):
            for s in Schedule.objects.filter(status=Schedule.Status.BUILDING):
                if s.created_at < timezone.now() - timedelta(seconds=s.time_limit_s * 2 + 300):
                    schedule_build(s.pk)
                    built += 1
    return built


@shared_task(name="wfm.lateness_sweep_all", time_limit=600, soft_time_limit=540, ignore_result=True)
def lateness_sweep_all() -> int:
    """Beat: record today's late starts in every tenant (idempotent per agent and day)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from wfm.services.leave import lateness_sweep

    n = 0
    for tenant in tenant_list_live():
        with tenant_context(tenant):
            n += lateness_sweep(datetime.now(ZoneInfo(tenant.timezone or "UTC")).date())
    return n


@shared_task(name="wfm.intraday_check_all", time_limit=600, soft_time_limit=540, ignore_result=True)
def intraday_check_all() -> int:
    """Beat: compare today's volume with the forecast in every tenant; alert supervisors once
    per interval when it strays past 10 %."""
    from wfm.services.intraday import intraday_alerts

    n = 0
    for tenant in tenant_list_live():
        with tenant_context(tenant):
            n += intraday_alerts()
    return n
