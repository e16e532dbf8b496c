"""A planner forecasts from history, builds a schedule with the solver (a real worker),
publishes it, and an agent sees their shift (issue 7), all in the browser."""

from datetime import UTC, datetime, timedelta

from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.e2e.conftest import off_loop, sign_in
from tests.telephony.conftest import build_center


def _history(center):
    """Two weeks of 10 calls at 10:00–10:30 (AHT 180 s): tomorrow needs 3 agents at 10:00."""
    from django.db import connection
    from django_tenants.utils import tenant_context

    from accounts.models import Role
    from accounts.services import user_create_active
    from telephony.models import Call, Queue

    with tenant_context(center.tenant):
        q = Queue.objects.get(name="General")
        today = datetime.now(UTC).date()
        rows = []
        for d in range(1, 15):
            day = today - timedelta(days=d)
            for i in range(10):
                t = datetime(day.year, day.month, day.day, 10, 3 * i, tzinfo=UTC)
                rows.append(Call(sid=f"CAe2ewfm{d:02d}{i:02d}", ani="+15550004000", queue=q, queued_at=t, arrived_at=t,
                                 answered_at=t, ended_at=t + timedelta(seconds=180), status="ended", outcome="answered",
                                 wait_s=0, talk_s=180, hold_s=0, acw_s=0))
        Call.objects.bulk_create(rows)
        planner = user_create_active(email=f"planner@{center.host}", password=PASSWORD, roles=[Role.WFM_PLANNER])
    connection.set_schema_to_public()
    return planner.email


def test_forecast_schedule_publish_and_the_agent_sees_the_shift(live_site, celery_worker, people, django_db_blocker):
    center = off_loop(django_db_blocker, build_center, django_db_blocker)
    planner_email = off_loop(django_db_blocker, _history, center)
    base = f"http://{center.host}:{live_site.port}"
    tomorrow = (datetime.now(UTC).date() + timedelta(days=1)).isoformat()

    page = people("planner")
    sign_in(page, base, planner_email, PASSWORD, "/wfm")
    # A shift template: four hours starting 08:00, 09:00 or 10:00.
    page.fill("#t-name", "Morning")
    page.fill("#t-starts", "08:00, 09:00, 10:00")
    page.fill("#t-len", "240")
    page.click("#template-go")
    expect(page.locator("#template-list")).to_contain_text("08:00, 09:00, 10:00")
    # A forecast for tomorrow from the same weekday-window of history, staffed per interval.
    page.select_option("#f-method", "relative")
    page.fill("#f-name", "Tomorrow")
    page.fill("#f-first", tomorrow)
    page.fill("#f-days", "1")
    page.select_option("#f-interval", "30")
    page.fill("#f-weeks", "2")
    page.fill("#f-shr", "0")
    page.click("#forecast-go")
    expect(page.locator("h1")).to_have_text("Tomorrow")
    ten = page.locator("#forecast-table tbody tr", has_text="10:00")
    expect(ten.locator("td").nth(1)).to_have_text("10.0")
    expect(ten.locator("td").nth(3)).to_have_text("3")  # Erlang C: 3 agents for 80 % in 20 s
    page.wait_for_function("window.wfmCharts && window.wfmCharts[0].data.datasets[0].data.some(v => v > 0)")
    # Build the schedule with the solver (a worker runs it), then publish.
    page.goto(f"{base}/wfm")
    page.locator("#schedule-form input[name=forecasts]").first.check()
    page.fill("#s-name", "Tomorrow's plan")
    page.fill("#s-time", "10")
    page.click("#schedule-go")
    expect(page.locator("#schedule-status")).to_have_text("Draft", timeout=90_000)
    figures = page.locator("#schedule-figures strong")
    expect(figures.nth(0)).to_have_text("3")  # three shifts
    expect(figures.nth(2)).to_have_text("0.0%")  # nothing under-staffed
    page.wait_for_function("window.wfmCharts && window.wfmCharts[0].data.datasets[1].data.some(v => v === 3)")
    page.click("#publish")
    expect(page.locator("#schedule-status")).to_have_text("Published")

    agent = people("agent")
    sign_in(agent, base, center.users["agent1"].email, PASSWORD, "/my-schedule")
    row = agent.locator("#my-shifts tbody tr").first
    expect(row).to_contain_text(tomorrow)
    expect(row).to_contain_text("Morning")
