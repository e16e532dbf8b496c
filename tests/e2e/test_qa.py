"""An analyst scores a recorded sandbox call in the browser, the agent sees it and disputes,
the analyst changes the score, and the appraisal page shows the new QA figure (issue 8)."""

import re
from datetime import UTC, datetime, timedelta

from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.e2e.conftest import off_loop, sign_in
from tests.telephony.conftest import build_center


def _recorded_sandbox_call(center) -> int:
    """agent1 answers a call through the sandbox carrier on a recorded queue; 40 s later the
    caller hangs up and the carrier delivers the recording."""
    from django.db import connection

    from telephony import clock
    from telephony.models import Queue, Recording
    from telephony.sandbox import carrier_installed
    from tests.qa.helpers import analyst, simple_scorecard

    analyst(center)
    simple_scorecard(center)
    with carrier_installed(center.carrier), clock.virtual(center.scheduler.now):
        with center.in_tenant():
            Queue.objects.filter(name="General").update(recording_policy="all")
        sid, pk = center.talking("agent1", 3)
        center.advance(40)
        center.carrier.hangup(sid)
        center.run()
        with center.in_tenant():
            rec = Recording.objects.get(call_id=pk)
            assert rec.status == "completed" and rec.duration_s >= 40
    connection.set_schema_to_public()
    return pk


def _choose(page, label: str, value: str):
    row = page.locator(".item-row", has_text=label)
    if row.locator("select").count():
        row.locator("select").select_option(value)
    elif row.locator("input[type=radio]").count():
        row.locator(f"input[type=radio][value='{value}']").check()
    else:
        row.locator("input").fill(value)


def test_score_dispute_resolve_and_the_appraisal_follows(live_site, people, django_db_blocker):
    center = off_loop(django_db_blocker, build_center, django_db_blocker)
    call_pk = off_loop(django_db_blocker, _recorded_sandbox_call, center)
    base = f"http://{center.host}:{live_site.port}"

    qa = people("analyst")
    sign_in(qa, base, center.users["analyst"].email, PASSWORD, "/qa")
    qa.fill("#call-id", str(call_pk))
    qa.click("#evaluate-any button")
    expect(qa.locator("h1")).to_contain_text(f"Call {call_pk}")
    expect(qa.locator("#player")).to_have_attribute("src", re.compile(r"^/api/v1/qa/recordings/\d+/media$"))
    qa.wait_for_function("document.getElementById('waveform').dataset.drawn === '1'")
    qa.fill("#c-at", "0:05")
    qa.fill("#c-text", "no offer of further help")
    qa.click("#comment-form button[value=save]")
    expect(qa.locator("#timed-comments")).to_contain_text("0:05 no offer of further help")
    _choose(qa, "Verified identity", "1")
    _choose(qa, "Correct information", "4")
    _choose(qa, "Courtesy", "7")
    _choose(qa, "Offered more help", "0")
    qa.click("#submit-eval")
    expect(qa.locator("#ev-score")).to_have_text("57.00")
    eval_url = qa.url

    today = datetime.now(UTC).date()
    qa.goto(f"{base}/qa")
    qa.select_option("#ap-agent", label=center.users["agent1"].email)
    qa.fill("#ap-from", (today - timedelta(days=7)).isoformat())
    qa.fill("#ap-to", (today + timedelta(days=1)).isoformat())
    qa.click("#appraisal-form button")
    expect(qa.locator("#qa-average")).to_have_text("57.00")
    appraisal_url = qa.url

    agent = people("agent")
    sign_in(agent, base, center.users["agent1"].email, PASSWORD, "/my-quality")
    row = agent.locator("#my-evaluations tbody tr").first
    expect(row).to_contain_text("57.00")
    row.locator("a").click()
    expect(agent.locator("#timed-comments")).to_contain_text("no offer of further help")
    agent.fill("#reason", "I offered further help at 0:30")
    agent.click("#dispute-form button")
    expect(agent.locator("#ev-status")).to_have_text("Disputed")

    qa.goto(eval_url)
    row = qa.locator("#resolve-form .item-row", has_text="Offered more help")
    row.locator("input").fill("1")
    qa.fill("#resolution", "The offer is there at 0:30")
    qa.click("#change-score")
    expect(qa.locator("#ev-score")).to_have_text("87.00")
    expect(qa.locator("#ev-status")).to_have_text("Final")

    agent.reload()
    expect(agent.locator("#ev-score")).to_have_text("87.00")
    qa.goto(appraisal_url)
    expect(qa.locator("#qa-average")).to_have_text("87.00")
