"""In a real browser: a tenant admin builds a two-level IVR in the visual builder (with the
server's validation shown on the offending node), publishes it, points a number at it in
the console, and a sandbox call follows it key by key into the chosen queue."""

import re

from playwright.sync_api import expect

from tests.conftest import PASSWORD, http_json, wait_for
from tests.e2e.conftest import off_loop, sign_in
from tests.telephony.conftest import build_center

CALLER = "+15557650042"


def _node(page, node_id):
    return page.locator(f"article.node[data-node='{node_id}']")


def test_admin_builds_a_two_level_ivr_and_a_call_follows_it(telephony_site, people, django_db_blocker):
    carrier, web_port, carrier_port = telephony_site
    center = off_loop(django_db_blocker, build_center, django_db_blocker)

    def second_queue():
        from django_tenants.utils import tenant_context

        from telephony.services.config import queue_save

        with tenant_context(center.tenant):
            return queue_save(data={"name": "Second line"}).pk

    second = off_loop(django_db_blocker, second_queue)
    base = f"http://{center.host}:{web_port}"
    page = people("admin")
    sign_in(page, base, center.users["admin"].email, PASSWORD, "/console/ivr")
    page.fill("#new-flow-name", "Two level")
    page.click("text=Create")
    expect(page).to_have_url(re.compile(r"/console/ivr/\d+$"))
    expect(_node(page, "welcome")).to_be_visible()

    # Level 1: the welcome becomes a menu; key 1 opens a new sub-menu, key 2 the existing queue.
    _node(page, "welcome").locator("select.node-type").select_option("menu")
    _node(page, "welcome").locator("textarea.node-say").fill("Sales press 1, everything else press 2.")
    _node(page, "welcome").locator("button.add-option").click()
    # Key 1 has no target yet: the server's check names the node and the problem.
    page.click("#ivr-check")
    expect(_node(page, "welcome").locator(".node-problems")).to_contain_text("'options.1' points at ''")
    _node(page, "welcome").locator("select.opt-target").first.select_option("+menu")
    _node(page, "welcome").locator("button.add-option").click()
    _node(page, "welcome").locator("select.opt-target").nth(1).select_option("queue")
    # Level 2: the sub-menu's key 1 goes to a new queue node set to "Second line".
    sub = _node(page, "menu1")
    expect(sub).to_be_visible()
    sub.locator("textarea.node-say").fill("New orders press 1.")
    sub.locator("button.add-option").click()
    sub.locator("select.opt-target").first.select_option("+queue")
    _node(page, "queue1").locator("select.node-queue").select_option(str(second))
    page.click("#ivr-check")
    expect(page.locator("#ivr-message")).to_have_text("No problems: ready to publish.")
    expect(page.locator(".node-problems:visible")).to_have_count(0)
    page.fill("#ivr-note", "two-level menu")
    page.click("#ivr-publish")
    expect(page.locator("#ivr-message")).to_contain_text("Published version 2")

    # Point the number at the new flow in the console.
    page.goto(f"{base}/console/numbers")
    row = page.locator(f"tr[data-number='{center.number}']")
    row.locator("select.number-entry").select_option(label="IVR: Two level")
    row.locator("button[value=save]").click()
    expect(page.locator(".msg.success")).to_contain_text("now goes to Two level")

    # A caller follows it: 1 (sales), then 1 (new orders) → queue "Second line".
    assert http_json("POST", f"http://127.0.0.1:{carrier_port}/calls", {"from": CALLER, "to": center.number})[0] == 202
    sid = wait_for("the call at the carrier", lambda: next((c.sid for c in carrier.calls.values()
                                                           if c.from_ == CALLER), None))
    for node in ("welcome", "menu1"):  # the menu the caller hears, then the key they press
        wait_for(f"the {node} prompt", lambda node=node: carrier.waiting_input(sid) == node)
        assert http_json("POST", f"http://127.0.0.1:{carrier_port}/calls/{sid}/digits", {"digits": "1"})[0] == 202

    def landed():
        from django_tenants.utils import tenant_context

        from telephony.models import Call

        with tenant_context(center.tenant):
            call = Call.objects.filter(ani=CALLER, status="queued").select_related("queue").first()
            return (call.queue.name, call.ivr_path) if call else None

    queue_name, path = wait_for("the call to queue", lambda: off_loop(django_db_blocker, landed))
    assert queue_name == "Second line"
    assert path[:3] == ["welcome", "menu1", "queue1"]
    assert carrier.errors == []
