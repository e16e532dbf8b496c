"""Large CSV imports (CRM-1) run in the real Celery worker with progress for the page: the
same all-or-nothing rule, a report for bad files, and a retried job never imports twice."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_tenants.utils import tenant_context

from tests.conftest import wait_for

HEADER = "first_name,last_name,phones,tier\n"


def _rows(n: int, bad_at: int | None = None) -> str:
    lines = [f"Person{i},Bulk,+1415555{i:04d},{'gold' if i == bad_at else 'ordinary'}" for i in range(n)]
    return HEADER + "\n".join(lines) + "\n"


def _finished(center, pk):
    from crm.models import ImportJob

    def done():
        with tenant_context(center.tenant):
            return ImportJob.objects.get(pk=pk).finished_at is not None
    return done


def test_a_large_file_imports_in_the_worker_with_progress_and_once(center, celery_worker, settings):
    from crm.models import Contact
    from crm.services.imports import contacts_import_run

    settings.CRM_IMPORT_SYNC_ROWS = 10
    api = center.api("supervisor")
    resp = api.post("/api/v1/contacts/import", {"file": SimpleUploadedFile("big.csv", _rows(40).encode())})
    assert resp.status_code == 202, resp.content
    job = resp.json()
    assert (job["status"], job["rows"], job["finished"]) == ("queued", 40, False)
    wait_for("the worker to finish the import", _finished(center, job["id"]), timeout=90)
    done = api.get(f"/api/v1/contacts/import-jobs/{job['id']}").json()
    assert (done["status"], done["created"], done["processed"], done["percent"]) == ("done", 40, 40, 100)
    with center.in_tenant():
        assert Contact.objects.filter(last_name="Bulk").count() == 40
        assert contacts_import_run(job["id"]) == "done"  # a redelivered task changes nothing
        assert Contact.objects.filter(last_name="Bulk").count() == 40
    page = Client(HTTP_HOST=f"{center.host}:8000")
    with center.in_tenant():
        page.force_login(center.users["supervisor"], backend="accounts.backends.EmailBackend")
    fragment = page.get(f"/contacts/import-jobs/{job['id']}")
    assert b"40 contacts imported" in fragment.content and b"hx-trigger" not in fragment.content  # polling stops
    assert center.api("agent1").get(f"/api/v1/contacts/import-jobs/{job['id']}").status_code == 403


def test_a_large_bad_file_imports_nothing_and_reports_the_row(center, celery_worker, settings):
    from crm.models import Contact

    settings.CRM_IMPORT_SYNC_ROWS = 10
    page = Client(HTTP_HOST=f"{center.host}:8000")
    with center.in_tenant():
        page.force_login(center.users["admin"], backend="accounts.backends.EmailBackend")
        before = Contact.objects.count()
    resp = page.post("/contacts", {"file": SimpleUploadedFile("big.csv", _rows(30, bad_at=19).encode())})
    assert resp.status_code == 302 and "?job=" in resp["Location"]
    pk = int(resp["Location"].split("job=")[1])
    following = page.get(resp["Location"])
    assert b'id="import-job"' in following.content and b"hx-trigger" in following.content
    wait_for("the worker to check the file", _finished(center, pk), timeout=90)
    report = center.api("admin").get(f"/api/v1/contacts/import-jobs/{pk}").json()
    assert report["status"] == "failed" and report["created"] == 0
    assert [(p["row"], p["column"]) for p in report["report"]["problems"]] == [(21, "tier")]
    assert b"Nothing was imported" in page.get(f"/contacts/import-jobs/{pk}").content
    with center.in_tenant():
        assert Contact.objects.count() == before
