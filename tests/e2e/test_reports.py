"""A supervisor opens the interval report after a sandbox simulation and sees the chart and
the figures the KPI engine computed (issue 6)."""

from datetime import UTC, datetime, timedelta

from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.e2e.conftest import off_loop, sign_in
from tests.telephony.conftest import build_center


def test_interval_report_after_a_simulation_shows_chart_and_figures(telephony_site, people, django_db_blocker):
    _, web_port, _ = telephony_site
    center = off_loop(django_db_blocker, build_center, django_db_blocker)

    def simulate():
        from django.db import connection

        from telephony.sandbox.simulation import Simulation

        result = Simulation(tenant=center.tenant, calls=30, agents=4, seed=11).run()
        connection.set_schema_to_public()
        return result

    result = off_loop(django_db_blocker, simulate)
    assert result["offered"] == 30
    today = datetime.now(UTC).date()
    base = f"http://{center.host}:{web_port}"
    page = people("supervisor")
    sign_in(page, base, center.users["supervisor"].email, PASSWORD, "/reports/intervals")
    page.goto(f"{base}/reports/intervals?from={today - timedelta(days=1)}&to={today}&group=hour")
    expect(page.locator("#report-totals")).to_contain_text("30")
    rows = page.locator("#interval-table tbody tr")
    expect(rows.first).not_to_contain_text("No calls")
    def column(n):
        return sum(int(rows.nth(i).locator("td").nth(n).inner_text()) for i in range(rows.count()))

    assert column(1) == 30 and column(2) == result["answered"] > 0
    # The chart drew the same intervals as the table, with calls in them.
    page.wait_for_function("window.hostlineChart && window.hostlineChart.data.labels.length > 0")
    drawn = page.evaluate("""() => { const c = window.hostlineChart;
        return {labels: c.data.labels.length,
                calls: c.data.datasets[0].data.reduce((a, b) => a + b, 0)
                       + c.data.datasets[1].data.reduce((a, b) => a + b, 0)}; }""")
    assert drawn == {"labels": rows.count(), "calls": column(2) + column(3)}
    csv_href = page.locator("#csv-link").get_attribute("href")
    assert "export=csv" in csv_href and "group_by=hour" in csv_href
