"""In a real browser: sign up a company, sign in as its admin, invite an agent.
Everything commits (daphne is another process), so the tenant is dropped afterwards."""

import re

import pytest
from playwright.sync_api import expect

from tenants.models import Tenant
from tests.e2e.conftest import off_loop

SLUG = "e2e-browser"


def _drop_tenant(django_db_blocker, slug: str) -> None:
    def drop():
        for tenant in Tenant.objects.filter(slug=slug):
            tenant.delete(force_drop=True)

    off_loop(django_db_blocker, drop)


def test_company_signs_up_signs_in_and_invites_an_agent(live_site, browser, django_db_blocker):
    page = browser.new_page()
    try:
        page.goto(live_site.url(path="/signup"))
        page.fill("#id_company", "Browser Co")
        page.fill("#id_slug", SLUG)
        page.fill("#id_admin_email", "owner@browser.test")
        page.fill("#id_password", "short")
        page.click("button[type=submit]")
        expect(page.locator(".error-text").first).to_contain_text("too short")

        page.fill("#id_password", "Browser123x")
        page.click("button[type=submit]")
        expect(page.locator("h1")).to_have_text("Your call center is live")
        expect(page.locator("#tenant-url")).to_have_text(live_site.url(f"{SLUG}.localhost"))

        page.click("text=Go to sign in")
        expect(page).to_have_url(re.compile(rf"http://{SLUG}\.localhost:\d+/login"))
        page.fill("#id_email", "owner@browser.test")
        page.fill("#id_password", "wrong-pass1")
        page.click("button[type=submit]")
        expect(page.locator(".msg.error")).to_contain_text("incorrect")
        page.fill("#id_password", "Browser123x")
        page.click("button[type=submit]")
        expect(page.locator("h1")).to_contain_text("Welcome")

        page.click("text=Users & seats")
        expect(page.locator("#seats-used")).to_have_text("1")
        page.fill("#id_email", "first.agent@browser.test")
        page.click("text=Send invitation")
        expect(page.locator("input.copy")).to_have_value(re.compile(rf"http://{SLUG}\.localhost:\d+/invite/"))
        expect(page.locator("#seats-used")).to_have_text("2")
        expect(page.locator("table")).to_contain_text("first.agent@browser.test")
        expect(page.locator("table")).to_contain_text("Invited")
    finally:
        page.close()
        _drop_tenant(django_db_blocker, SLUG)


@pytest.mark.parametrize("host", ["nosuch.localhost"])
def test_unknown_call_center_address_shows_not_found(live_site, browser, host):
    page = browser.new_page()
    try:
        resp = page.goto(live_site.url(host, "/login"))
        assert resp.status == 404
        expect(page.locator("body")).to_contain_text("No call center at this address")
    finally:
        page.close()
