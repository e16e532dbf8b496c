from smtplib import SMTPException

from celery import shared_task

from accounts import services


@shared_task(name="accounts.invitation_email_send", autoretry_for=(SMTPException, OSError),
             retry_backoff=True, max_retries=5, time_limit=60, soft_time_limit=45)
def invitation_email_send(invitation_id: int, raw_token: str) -> bool:
    return services.invitation_email_send(invitation_id=invitation_id, raw_token=raw_token)
