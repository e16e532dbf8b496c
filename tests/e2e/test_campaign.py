"""A supervisor creates a predictive campaign in the browser, uploads its list, approves it,
runs the pilot, reads the pilot evaluation, goes live and watches the dashboard count the
dials and conversations the dialer makes through the sandbox carrier (issue 9)."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.e2e.conftest import off_loop, sign_in
from tests.telephony.conftest import build_center

TEAM = ("agent1", "agent2", "agent3")


def _callees(center) -> list[str]:
    """Twelve numbers: people who talk 20–40 s, one answering machine, one busy line."""
    from telephony.sandbox.carrier import Callee

    numbers = [f"+1212555{n:04d}" for n in range(700, 712)]
    for i, n in enumerate(numbers):
        center.carrier.callees[n] = (Callee(outcome="machine", ring_s=4) if i == 3 else
                                     Callee(outcome="busy") if i == 7 else
                                     Callee(outcome="human", ring_s=3 + i % 4, talk_s=20 + 2 * i))
    return numbers


def _dial_for(center, seconds: int) -> dict:
    """What beat and the carrier do for `seconds`: the dial tick every 2 s, the ACD sweep,
    callees answering, talking and hanging up; returns the campaign's figures from the DB."""
    from django.db import connection

    from telephony import clock
    from telephony.models import Campaign, DialAttempt
    from telephony.outbound.dialer import dial_tick_all
    from telephony.sandbox import carrier_installed

    with carrier_installed(center.carrier), clock.virtual(center.scheduler.now):
        for who in TEAM:
            if center.state(who) in ("offline", "not_ready"):
                center.ready(who)
        for _ in range(seconds // 2):
            with center.in_tenant():
                dial_tick_all()
            center.advance(2)
        with center.in_tenant():
            c = Campaign.objects.get()
            attempts = DialAttempt.objects.filter(campaign=c)
            figures = {"dials": attempts.exclude(outcome="blocked").count(),
                       "contacts": attempts.filter(outcome="answered").count(),
                       "pilot": attempts.filter(pilot=True).exclude(outcome="blocked").count()}
    connection.set_schema_to_public()
    return figures


def test_supervisor_creates_pilots_approves_and_runs_a_predictive_campaign(live_site, people, django_db_blocker):
    center = off_loop(django_db_blocker, build_center, django_db_blocker)
    numbers = _callees(center)
    base = f"http://{center.host}:{live_site.port}"

    sup = people("supervisor")
    sign_in(sup, base, center.users["supervisor"].email, PASSWORD, "/campaigns")
    sup.fill("#c-name", "Spring renewals")
    sup.select_option("#c-mode", "predictive")
    sup.fill("#c-from", "00:00")
    sup.fill("#c-until", "23:59")
    sup.fill("#c-pilot", "4")
    sup.fill("#c-goals", "sale, appointment")
    sup.select_option("#c-agents", label=[center.users[a].email for a in TEAM])
    sup.check("#c-b2b")  # a business list may not be dialled predictively: refused, nothing created
    sup.click("#campaign-create")
    expect(sup.locator(".msg.error")).to_contain_text("predictive dialing is not allowed for a business list")
    expect(sup.locator("#campaign-list")).to_contain_text("No campaign yet")

    sup.fill("#c-name", "Spring renewals")
    sup.select_option("#c-mode", "predictive")
    sup.fill("#c-from", "00:00")
    sup.fill("#c-until", "23:59")
    sup.fill("#c-pilot", "4")
    sup.select_option("#c-agents", label=[center.users[a].email for a in TEAM])
    sup.click("#campaign-create")
    expect(sup.locator("#campaign-state")).to_have_text("Draft")
    expect(sup.locator("#campaign-mode")).to_contain_text("Predictive")

    sup.locator("#list-file").set_input_files(files=[{
        "name": "renewals.csv", "mimeType": "text/csv",
        "buffer": ("number,name,grade\n" + "".join(f"{n},Customer {i},B\n" for i, n in enumerate(numbers))).encode()}])
    sup.click("#list-form button")
    expect(sup.locator(".msg.success")).to_contain_text("12 numbers added from CSV renewals.csv")
    expect(sup.locator("#campaign-list-source")).to_have_text("CSV renewals.csv")

    sup.click("button[data-to=approved]")
    expect(sup.locator("#campaign-state")).to_have_text("Approved")
    sup.click("button[data-to=pilot]")
    expect(sup.locator("#campaign-state")).to_have_text("Pilot")
    sup.click("button[data-to=running]")  # too early: the pilot has not made its calls
    expect(sup.locator(".msg.error")).to_contain_text("The pilot has made 0 of its 4 test calls")

    pilot = off_loop(django_db_blocker, _dial_for, center, 90)
    assert pilot["pilot"] == 4  # the pilot stops at its test calls
    expect(sup.locator("#pilot-dials")).to_have_text("4", timeout=10_000)  # the dashboard refreshed itself
    expect(sup.locator("#m-dials")).to_have_text("4")
    expect(sup.locator("#pilot-report")).to_contain_text("complete")

    sup.click("button[data-to=running]")
    expect(sup.locator("#campaign-state")).to_have_text("Running")
    live = off_loop(django_db_blocker, _dial_for, center, 240)
    assert live["dials"] > pilot["dials"] and live["contacts"] >= 8
    expect(sup.locator("#m-dials")).to_have_text(str(live["dials"]), timeout=10_000)
    expect(sup.locator("#m-contacts")).to_have_text(str(live["contacts"]))
    expect(sup.locator("#m-abandon-30d")).to_contain_text("%")
    expect(sup.locator("#m-outcomes")).to_contain_text("machine 1")

    sup.click("#to-preview")  # the per-campaign switch back to preview
    expect(sup.locator("#campaign-mode")).to_contain_text("Preview")
    sup.click("button[data-to=completed]")
    expect(sup.locator("#campaign-state")).to_have_text("Completed")


def _preview_campaign(center, number: str) -> int:
    from django.db import connection

    from telephony.models import Campaign
    from telephony.outbound.campaigns import contacts_add

    with center.in_tenant():
        c = Campaign.objects.create(name="Win-back", mode="preview", state="running", pilot_calls=0,
                                    goal_codes=["sale"], script="Hello, this is Hostline about your renewal.",
                                    calling_from="00:00", calling_until="23:59", call_on_holidays=True)
        c.agents.set([center.users["agent1"]])
        contacts_add(campaign=c, rows=[{"number": number, "name": "Ada Lovelace", "grade": "B"}], source="test")
    connection.set_schema_to_public()
    return c.pk


def _contact(center, campaign_pk: int) -> tuple:
    from django.db import connection

    from telephony.models import CampaignContact, DialAttempt

    with center.in_tenant():
        cc = CampaignContact.objects.get(campaign_id=campaign_pk)
        out = (cc.status, cc.last_outcome, DialAttempt.objects.filter(contact=cc).values_list("agent__email",
                                                                                                  flat=True).first())
    connection.set_schema_to_public()
    return out


def test_a_preview_agent_sees_the_record_dials_talks_and_records_the_result(telephony_site, people,
                                                                              django_db_blocker):
    from telephony.sandbox.carrier import Callee

    carrier, web_port, _carrier_port = telephony_site
    center = off_loop(django_db_blocker, build_center, django_db_blocker)
    ada = "+12125550991"
    carrier.callees[ada] = Callee(outcome="human", ring_s=1, talk_s=5)
    campaign = off_loop(django_db_blocker, _preview_campaign, center, ada)
    base = f"http://{center.host}:{web_port}"

    desk = people("agent1")
    sign_in(desk, base, center.users["agent1"].email, PASSWORD, "/desk")
    expect(desk.locator("#softphone-status")).to_have_text("ready")
    desk.click("#go-available")
    expect(desk.locator("#my-state")).to_have_text("Available")
    expect(desk.locator("#my-campaigns")).to_contain_text("Win-back")
    desk.locator("#my-campaigns button", has_text="Next contact").click()
    expect(desk.locator("#cc-name")).to_have_text("Ada Lovelace")  # the record before the dial
    expect(desk.locator("#cc-script")).to_contain_text("about your renewal")
    desk.click("#cc-dial")
    expect(desk.locator("#call-status")).to_have_text("connected")  # Ada picked up; auto-answered
    expect(desk.locator("#caller-ani")).to_have_text(ada)
    expect(desk.locator("#my-state")).to_have_text("Wrap-up", timeout=15_000)  # Ada hung up after 5 s
    desk.select_option("#cc-outcome", "sale")
    desk.fill("#cc-note", "renewed for a year")
    desk.click("#cc-save")
    expect(desk.locator("#cc-note-line")).to_have_text("Result saved.")
    expect(desk.locator("#my-campaigns")).to_contain_text("Win-back")  # back to the list for the next one
    assert off_loop(django_db_blocker, _contact, center, campaign) == ("done", "sale", center.users["agent1"].email)
