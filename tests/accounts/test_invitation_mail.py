"""The invitation e-mail goes through a real Celery worker, in the inviting tenant's schema.

These tests commit for real (the worker is another process), so they clean up after themselves."""

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from accounts.models import ApiToken, Invitation, User


def _cleanup(tenant, emails):
    with tenant_context(tenant):
        User.objects.filter(email__in=emails).delete()
        ApiToken.objects.all().delete()
    connection.set_schema_to_public()


def test_invite_mail_is_sent_by_the_worker_with_the_tenant_link(celery_worker, django_db_blocker):
    cast = pytest.hostline_cast
    with django_db_blocker.unblock():
        try:
            resp = cast.a.api(cast.a.token("admin")).post(
                "/api/v1/users/invite", {"email": "mailme@alpha.test", "roles": ["agent"]},
                content_type="application/json")
            assert resp.status_code == 201, resp.content
            token = resp.json()["invite_url"].rsplit("/", 1)[1]
            mail = celery_worker.wait_for_mail("To: mailme@alpha.test")
            assert "You are invited to Alpha Corp on Hostline" in mail
            assert f"http://alpha.localhost:8000/invite/{token}" in mail
        finally:
            _cleanup(cast.a.tenant, ["mailme@alpha.test"])


def test_a_task_routed_to_the_wrong_tenant_sends_nothing(celery_worker, django_db_blocker):
    from accounts.tasks import invitation_email_send

    cast = pytest.hostline_cast
    with django_db_blocker.unblock():
        try:
            a_resp = cast.a.api(cast.a.token("admin")).post(
                "/api/v1/users/invite", {"email": "victim@alpha.test"}, content_type="application/json")
            a_token = a_resp.json()["invite_url"].rsplit("/", 1)[1]
            celery_worker.wait_for_mail("To: victim@alpha.test")
            with tenant_context(cast.a.tenant):
                inv_id = Invitation.objects.get(user__email="victim@alpha.test").pk
            connection.set_schema_to_public()
            # Alpha's invitation id and token, but carried with bravo's schema.
            invitation_email_send.apply_async(kwargs={"invitation_id": inv_id, "raw_token": a_token},
                                              headers={"_schema_name": cast.b.tenant.schema_name})
            # A later bravo invitation proves the worker has handled the forged task (one solo worker, FIFO).
            cast.b.api(cast.b.token("admin")).post("/api/v1/users/invite", {"email": "sentinel@bravo.test"},
                                                   content_type="application/json")
            celery_worker.wait_for_mail("To: sentinel@bravo.test")
            assert celery_worker.all_mail().count("To: victim@alpha.test") == 1
        finally:
            _cleanup(cast.a.tenant, ["victim@alpha.test"])
            _cleanup(cast.b.tenant, ["sentinel@bravo.test"])
