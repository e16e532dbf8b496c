"""In real browsers against daphne and the sandbox carrier process (real time): two agents
and a supervisor take a call end to end — answer, hold, warm transfer with notes, wrap-up,
whisper — while the wallboard follows over the websocket; and tenant B's session gets
nothing of tenant A's pages or sockets."""

import re

from playwright.sync_api import expect

from tests.conftest import PASSWORD, http_json, wait_for
from tests.e2e.conftest import off_loop, sign_in
from tests.telephony.conftest import build_center

CALLER = "+15557650001"
NOTE = "Refund for order 42 was promised last week"


def _row(page, email):
    return page.locator(f"tr[data-agent='{email}']")


def test_agents_take_a_call_end_to_end_while_the_wallboard_follows(telephony_site, people, django_db_blocker):
    carrier, web_port, carrier_port = telephony_site
    center = off_loop(django_db_blocker, build_center, django_db_blocker, features={"supervisor_monitoring": True})
    base = f"http://{center.host}:{web_port}"
    a1, a2, sup = (center.users[k].email for k in ("agent1", "agent2", "supervisor"))

    board = people("supervisor")
    sign_in(board, base, sup, PASSWORD, "/wallboard")
    expect(board.locator(".link-status")).to_have_text("Live")
    expect(_row(board, a1).locator(".agent-state")).to_have_text("Offline")

    desk1 = people("agent1")
    sign_in(desk1, base, a1, PASSWORD, "/desk")
    expect(desk1.locator("#softphone-status")).to_have_text("ready")
    expect(desk1.locator("#my-state")).to_have_text("Offline")
    desk1.keyboard.press("a")  # keyboard-first: A = available
    expect(desk1.locator("#my-state")).to_have_text("Available")
    expect(_row(board, a1).locator(".agent-state")).to_have_text("Available")  # pushed, not polled

    # A caller dials the demo number at the carrier; the desk rings with the screen pop.
    assert http_json("POST", f"http://127.0.0.1:{carrier_port}/calls", {"from": CALLER, "to": center.number})[0] == 202
    banner = desk1.locator(".incoming")
    expect(banner).to_contain_text(CALLER)
    expect(desk1.locator(".ring-timer")).to_have_text(re.compile(r"\d+ s"))
    expect(_row(board, a1).locator(".agent-state")).to_have_text("Ringing")
    desk1.click("#accept-call")
    expect(desk1.locator("#call-status")).to_have_text("connected")
    expect(desk1.locator("#caller-ani")).to_have_text(CALLER)
    expect(desk1.locator("#ivr-path")).not_to_have_text("–")
    expect(_row(board, a1).locator(".agent-state")).to_have_text("On a call")

    desk1.click("#hold-btn")
    expect(desk1.locator("#hold-btn")).to_have_text("Resume (H)")
    wait_for("the hold at the carrier", lambda: any(c.from_ == CALLER and c.on_hold for c in carrier.calls.values()))

    # The second agent comes in and takes the call over by warm transfer, notes attached.
    desk2 = people("agent2")
    sign_in(desk2, base, a2, PASSWORD, "/desk")
    desk2.click("#go-available")
    expect(_row(board, a2).locator(".agent-state")).to_have_text("Available")
    desk1.click("#transfer-btn")
    desk1.select_option("#transfer-agent", str(center.users["agent2"].pk))
    expect(desk1.locator("#transfer-warm")).to_be_checked()
    desk1.fill("#transfer-note", NOTE)
    desk1.click("#transfer-send")
    expect(desk2.locator(".incoming .transfer-note")).to_have_text(NOTE)
    desk2.click("#accept-call")
    expect(desk2.locator("#call-note")).to_have_text(NOTE)
    desk1.click("#complete-transfer")
    expect(desk1.locator("#my-state")).to_have_text("Wrap-up")
    expect(_row(board, a1).locator(".agent-state")).to_have_text("Wrap-up")
    expect(desk2.locator("#call-status")).to_have_text("connected")
    expect(desk2.locator("#hold-btn")).to_have_text("Hold (H)")  # the caller is back on the line

    desk1.select_option("#wrap-disposition", "Escalated")
    desk1.fill("#wrap-notes", "Handed to billing specialist")
    desk1.click("#wrap-submit")
    expect(desk1.locator("#my-state")).to_have_text("Available")
    expect(_row(board, a1).locator(".agent-state")).to_have_text("Available")
    expect(desk1.locator("#stat-calls")).to_have_text("1")

    # The supervisor whispers to the agent now on the call.
    expect(_row(board, a2).locator(".agent-state")).to_have_text("On a call")
    _row(board, a2).locator("button.whisper").click()
    expect(board.locator(".msg.success")).to_contain_text("Whispering to")

    def recorded():
        from django_tenants.utils import tenant_context

        from telephony.models import Call, CallLeg

        with tenant_context(center.tenant):
            call = Call.objects.get(ani=CALLER)
            return (call.disposition, call.notes, call.transfer_count,
                    list(CallLeg.objects.filter(call=call, role="supervisor").values_list("monitor_mode", flat=True)),
                    list(call.events.values_list("kind", flat=True)))

    disposition, notes, transfers, monitor_modes, events = off_loop(django_db_blocker, recorded)
    assert disposition == "Escalated" and NOTE in notes and "Handed to billing specialist" in notes
    assert transfers == 1 and monitor_modes == ["whisper"]
    assert {"accepted", "hold", "consult_requested", "consult_accepted", "transfer_completed", "wrapped_up",
            "whisper"} <= set(events)

    desk2.click("#hangup-btn")
    expect(desk2.locator("#my-state")).to_have_text("Wrap-up")
    expect(_row(board, a2).locator(".agent-state")).to_have_text("Wrap-up")
    assert carrier.errors == []


def test_a_session_of_tenant_b_gets_nothing_of_tenant_a(telephony_site, people, django_db_blocker):
    import pytest

    _, web_port, _ = telephony_site
    a, b = pytest.hostline_cast.a, pytest.hostline_cast.b
    page = people("b-admin")
    sign_in(page, f"http://{b.host}:{web_port}", b.users["admin"].email, PASSWORD, "/wallboard")
    expect(page.locator(".link-status")).to_have_text("Live")
    # Carry B's session cookie over to A's address: A must treat the browser as a stranger.
    cookie = next(c for c in page.context.cookies() if c["name"] == "sessionid")
    page.context.add_cookies([{**cookie, "domain": a.host}])
    a_base = f"http://{a.host}:{web_port}"
    assert any(c["name"] == "sessionid" for c in page.context.cookies(a_base))  # the browser does send it
    for path in ("/wallboard", "/desk", "/console/users"):
        page.goto(f"{a_base}{path}")
        expect(page).to_have_url(re.compile(r"/login"))
    status, body = page.evaluate("""async () => {
        const r = await fetch('/api/v1/wallboard', {credentials: 'same-origin'});
        return [r.status, await r.text()];
    }""")
    assert status in (401, 403) and a.users["supervisor"].email not in body
    # And its websocket on A's address is refused during the handshake: never opened, no event.
    outcome = page.evaluate("""(url) => new Promise((done) => {
        const ws = new WebSocket(url);
        let opened = false;
        ws.onopen = () => { opened = true; };
        ws.onmessage = (m) => done('message: ' + m.data);
        ws.onclose = () => done(opened ? 'opened' : 'refused');
    })""", f"ws://{a.host}:{web_port}/ws/v1/events")
    assert outcome == "refused"


def test_a_call_from_a_known_number_pops_the_contact_and_a_new_caller_is_saved(telephony_site, people,
                                                                              django_db_blocker):
    _, web_port, carrier_port = telephony_site
    center = off_loop(django_db_blocker, build_center, django_db_blocker)

    def seed():
        from django_tenants.utils import tenant_context

        from crm.services import case_open, contact_create
        from crm.services.kb import article_save

        with tenant_context(center.tenant):
            ada = contact_create(data={"first_name": "Ada", "last_name": "Lovelace", "phones": ["+1 415 555 0101"],
                                       "tier": "vip", "account_number": "A-1001", "account_name": "Analytical Ltd"})
            case_open(type="repair", subject="Engine makes a noise", contact=ada)
            admin = center.users["admin"]
            article_save(actor=admin, data={"kind": "script", "title": "Greeting", "steps": [
                {"type": "say", "text": "Thank you for calling"},
                {"type": "identity_check", "text": "Confirm date of birth and postcode"}]})
            article_save(actor=admin, data={"title": "Refund policy", "body": "Damaged goods are refunded in 14 days."})

    off_loop(django_db_blocker, seed)
    base = f"http://{center.host}:{web_port}"
    desk = people("agent1")
    sign_in(desk, base, center.users["agent1"].email, PASSWORD, "/desk")
    expect(desk.locator("#my-state")).to_have_text("Offline")
    desk.click("#go-available")
    expect(desk.locator("#my-state")).to_have_text("Available")

    carrier_calls = f"http://127.0.0.1:{carrier_port}/calls"
    assert http_json("POST", carrier_calls, {"from": "+14155550101", "to": center.number})[0] == 202
    expect(desk.locator(".incoming .incoming-who")).to_contain_text("Ada Lovelace")
    expect(desk.locator(".incoming .tier")).to_have_text("vip")
    desk.click("#accept-call")
    expect(desk.locator(".contact-name")).to_have_text("Ada Lovelace")
    expect(desk.locator(".contact-card")).to_contain_text("Account A-1001 · Analytical Ltd")
    expect(desk.locator(".open-cases")).to_contain_text("Case #1 Engine makes a noise")
    # The queue's script, with its identity check recorded on the call; the knowledge base.
    expect(desk.locator(".script")).to_contain_text("Confirm date of birth and postcode")
    desk.locator(".script button", has_text="Identity checked").click()
    expect(desk.locator(".script button")).to_have_text("Identity checked ✓")
    desk.fill("#kb-q", "refunded")
    desk.locator(".kb button", has_text="Search").click()
    desk.locator("#kb-results a", has_text="Refund policy").click()
    expect(desk.locator("#kb-article")).to_contain_text("refunded in 14 days")
    desk.fill("#contact-note", "Asked about the refund")
    desk.keyboard.press("Enter")
    expect(desk.locator(".history")).to_contain_text("Asked about the refund")
    desk.click("#hangup-btn")
    expect(desk.locator("#my-state")).to_have_text("Wrap-up")
    desk.click("#wrap-submit")
    expect(desk.locator("#my-state")).to_have_text("Available")

    # An unknown caller: the desk offers "new caller", and saving makes them known.
    assert http_json("POST", carrier_calls, {"from": "+14155550177", "to": center.number})[0] == 202
    expect(desk.locator(".incoming")).to_contain_text("New caller")
    desk.click("#accept-call")
    desk.fill("#nc-first", "Lin")
    desk.fill("#nc-last", "Ng")
    desk.click("#nc-save")
    expect(desk.locator(".contact-name")).to_have_text("Lin Ng")
