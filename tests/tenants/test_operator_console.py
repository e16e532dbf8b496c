import pytest
from django.test import Client

from accounts.models import User


@pytest.mark.django_db
def test_operator_console_is_on_the_public_host_only(cast):
    User.objects.create_superuser("ops@hostline.test", "Operator123x")  # public schema
    ops = Client(HTTP_HOST="localhost")
    assert ops.login(email="ops@hostline.test", password="Operator123x")
    page = ops.get("/admin/tenants/tenant/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "alpha" in html and "bravo" in html and "tenant-template" not in html
    # A tenant host has no operator console, and tenant admins cannot use the public one.
    assert cast.a.client("admin").get("/admin/").status_code == 404
    outsider = Client(HTTP_HOST="localhost")
    resp = outsider.post("/admin/login/?next=/admin/", {"username": "admin@alpha.test", "password": "Passw0rd-test"})
    assert resp.status_code == 200 and b"Please enter the correct" in resp.content
    assert outsider.get("/admin/tenants/tenant/").status_code == 302
