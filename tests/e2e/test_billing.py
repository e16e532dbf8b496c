"""After a sandbox simulation the operator runs the month's billing from the console, and the
tenant admin sees the invoice (HTML and PDF) and the month's call statement (issue 10)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.e2e.conftest import off_loop, sign_in
from tests.telephony.conftest import build_center

CALLERS = ["+12125550141", "+12125550142", "+12125550143"]


def _simulate(center) -> None:
    """Three callers reach agent1 through the sandbox carrier, talk a minute and hang up."""
    from django.db import connection

    from telephony import clock
    from telephony.sandbox import carrier_installed

    with carrier_installed(center.carrier), clock.virtual(center.scheduler.now):
        center.ready("agent1")
        for caller in CALLERS:
            sid = center.dial(from_=caller)  # offered to agent1, who is free
            pk = center.call(sid).pk
            assert center.post("agent1", f"/api/v1/calls/{pk}/accept").status_code == 200
            center.advance(60)
            center.carrier.hangup(sid)
            center.run()
            center.advance(35)  # wrap-up runs out
    connection.set_schema_to_public()


def _operator() -> str:
    from accounts.models import User

    email = "ops-billing@hostline.test"
    if not User.objects.filter(email=email).exists():
        User.objects.create_superuser(email, "Operator123x")
    return email


def test_operator_runs_billing_and_the_admin_reads_invoice_pdf_and_statement(live_site, people, django_db_blocker):
    # the simulation's clock runs ahead of the wall clock: start it 15 minutes back, so its calls
    # are over by the time the operator bills (as real calls would be)
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=15)
    center = off_loop(django_db_blocker, build_center, django_db_blocker, start=start)
    off_loop(django_db_blocker, _simulate, center)
    ops_email = off_loop(django_db_blocker, _operator)
    month = start.strftime("%Y-%m")

    ops = people("operator")
    public = f"http://localhost:{live_site.port}"
    ops.goto(f"{public}/admin/login/?next=/operator/billing")
    ops.fill("#id_username", ops_email)
    ops.fill("#id_password", "Operator123x")
    ops.click("input[type=submit]")
    ops.wait_for_url(f"{public}/operator/billing")
    ops.fill("#run-period", month)
    ops.click("#run-form button")
    expect(ops.locator(".msg.success")).to_contain_text("invoiced")
    expect(ops.locator("#operator-invoices")).to_contain_text(center.tenant.name)

    admin = people("admin")
    base = f"http://{center.host}:{live_site.port}"
    sign_in(admin, base, center.users["admin"].email, PASSWORD, "/billing")
    row = admin.locator("#invoice-list tbody tr").first
    expect(row).to_contain_text(start.strftime("%B %Y"))
    row.locator("a").first.click()
    expect(admin.locator("#invoice-lines")).to_contain_text("Inbound calls")  # the simulation's calls, priced
    expect(admin.locator("#invoice-lines")).to_contain_text("seats")
    # fetched by the page itself (its session, its *.localhost name resolution)
    status, kind, magic = admin.evaluate(
        """async (u) => { const r = await fetch(u); const b = new Uint8Array(await r.arrayBuffer());
                          return [r.status, r.headers.get('content-type'), String.fromCharCode(...b.slice(0, 4))]; }""",
        admin.locator("#invoice-pdf").get_attribute("href"))
    assert (status, kind, magic) == (200, "application/pdf", "%PDF")
    admin.goto(f"{base}/billing")
    expect(admin.locator("#statements")).to_contain_text(start.strftime("%b %Y"))
    status, body = admin.evaluate("async (u) => { const r = await fetch(u); return [r.status, await r.text()]; }",
                                  f"/billing/statement?month={month}")
    assert status == 200
    assert body.count(center.number) == len(CALLERS)  # each inbound call, rated on the number dialled
