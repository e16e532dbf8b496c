from celery import shared_task
from django_tenants.utils import tenant_context

from tenants.selectors import tenant_list_live


@shared_task(name="crm.cases_overdue_all", time_limit=300, soft_time_limit=240, ignore_result=True)
def cases_overdue_all() -> int:
    """Beat, every minute: overdue case promises alert and escalate (CRM-3), per tenant."""
    from crm.services import cases_overdue_sweep

    total = 0
    for tenant in tenant_list_live():
        with tenant_context(tenant):
            total += cases_overdue_sweep()
    return total


@shared_task(name="crm.follow_ups_all", time_limit=300, soft_time_limit=240, ignore_result=True)
def follow_ups_all() -> int:
    """Beat, every 5 minutes: follow-up rules create the tasks that have fallen due (CRM-7)."""
    from crm.services.followups import follow_ups_create

    total = 0
    for tenant in tenant_list_live():
        with tenant_context(tenant):
            total += follow_ups_create()
    return total


@shared_task(name="crm.contacts_import_job", acks_late=True, time_limit=1800, soft_time_limit=1700,
             ignore_result=True)
def contacts_import_job(job_id: int) -> str:
    """A large CSV import, in the tenant that queued it (the schema travels with the task)."""
    from crm.services.imports import contacts_import_run

    return contacts_import_run(job_id)
