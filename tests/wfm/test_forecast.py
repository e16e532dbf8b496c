"""Forecasting (SPEC WFM-1, WFM-2) on histories built by hand: every model's figures computed
in the test, the holiday model, exclusions, overrides and what-if, the backtest's WAPE."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from wfm import forecast as fc
from wfm.history import History

SLOTS = 96  # 15-minute intervals
NINE, TWO_PM = 36, 56  # slots of 09:00 and 14:00


def _history(first: date, daily: list[float], *, split=(0.6, 0.4), aht=180.0, holidays=(), excluded=()) -> History:
    """One row per day: the day's calls, 60 % at 09:00 and 40 % at 14:00, all handled at `aht`."""
    n = len(daily)
    calls = np.zeros((n, SLOTS))
    calls[:, NINE] = np.array(daily) * split[0]
    calls[:, TWO_PM] = np.array(daily) * split[1]
    days = [first + timedelta(days=i) for i in range(n)]
    return History(days=days, interval_min=15, calls=calls, handled=calls.copy(), handle_s=calls * aht,
                   excluded=np.array([d in excluded for d in days]), holidays=set(holidays))


def _weeks(n: int, week=(100, 100, 100, 100, 100, 50, 0)) -> list[float]:
    return list(week) * n


MONDAY = date(2026, 3, 2)


def test_share_model_reproduces_the_handbook_chain():
    hist = _history(MONDAY, _weeks(2))  # Mon–Fri 100 a day, Saturday 50, Sunday none
    # Weekday factor = weekday mean / mean day (550 / 7): Mon–Fri 14/11, Saturday 7/11, Sunday 0.
    assert np.allclose(fc.weekday_factors(hist), [14 / 11] * 5 + [7 / 11, 0])
    # April 2026 (30 days) holds 22 weekdays, 4 Saturdays and 4 Sundays: the factors average
    # (22·14/11 + 4·7/11) / 30 = 336/330 over the month. Daily = 3,000 × 1/30 × factor / 336/330:
    # a weekday 125, a Saturday 62.5, a Sunday 0 — and the month adds up to 3,000.
    april = [date(2026, 4, 1) + timedelta(days=i) for i in range(30)]
    calls = fc.share_model(hist, april, {"2026-04": 3000})
    daily = calls.sum(axis=1)
    assert daily[0] == pytest.approx(125)  # Wednesday 1 April
    assert daily[3] == pytest.approx(62.5)  # Saturday 4 April
    assert daily[4] == pytest.approx(0)  # Sunday
    assert daily.sum() == pytest.approx(3000)
    # Interval = daily × interval share: 60 % at 09:00, 40 % at 14:00.
    assert (calls[0, NINE], calls[0, TWO_PM]) == (pytest.approx(75), pytest.approx(50))
    # Without a planner's month, the month is the history's mean day (550/7) × its days.
    assert fc.share_model(hist, april).sum() == pytest.approx(550 / 7 * 30)


def test_relative_window_averages_the_same_weekday_of_the_weeks_before():
    daily = _weeks(4)
    for week, monday_calls in enumerate((500, 90, 100, 110)):  # the oldest Monday is outside 3 weeks
        daily[7 * week] = monday_calls
    hist = _history(MONDAY, daily)
    next_monday = MONDAY + timedelta(days=28)
    calls = fc.window_model(hist, [next_monday, next_monday + timedelta(days=5)], weeks=3)
    assert calls[0].sum() == pytest.approx(100)  # (90 + 100 + 110) / 3
    assert calls[1].sum() == pytest.approx(50)  # Saturdays
    assert calls[0, NINE] == pytest.approx(60)


def test_fixed_window_and_excluded_days():
    daily = _weeks(4)
    daily[7] = 1000  # the storm Monday of week 2
    hist = _history(MONDAY, daily, excluded={MONDAY + timedelta(days=7)})
    target = [MONDAY + timedelta(days=28)]
    window = (MONDAY, MONDAY + timedelta(days=13))  # weeks 1–2: only week 1's Monday is usable
    assert fc.window_model(hist, target, window=window).sum() == pytest.approx(100)
    with pytest.raises(fc.ForecastError, match="Monday"):
        fc.window_model(hist, target, window=(MONDAY + timedelta(days=7), MONDAY + timedelta(days=8)))


def test_holiday_model_uses_past_holidays_or_the_holiday_factor():
    easter_monday_2026, past_holiday = date(2026, 4, 6), MONDAY + timedelta(days=14)
    daily = _weeks(4)
    daily[14] = 30  # the past holiday (a Monday) was quiet
    hist = _history(MONDAY, daily, holidays={past_holiday, easter_monday_2026})
    got = fc.forecast(hist, "relative", [easter_monday_2026, easter_monday_2026 + timedelta(days=1)])
    assert list(got.holiday) == [True, False]
    assert got.calls[0].sum() == pytest.approx(30)  # the past holiday's profile
    assert got.calls[1].sum() == pytest.approx(100)  # an ordinary Tuesday
    # The past holiday does not drag the ordinary Mondays down.
    assert fc.forecast(hist, "relative", [MONDAY + timedelta(days=42)]).calls.sum() == pytest.approx(100)
    no_past = _history(MONDAY, _weeks(4), holidays={easter_monday_2026})
    assert fc.forecast(no_past, "relative", [easter_monday_2026], {"holiday_factor": 0.5}).calls.sum() == \
        pytest.approx(50)


def test_holt_winters_follows_a_trend_the_windows_cannot():
    rng = np.random.default_rng(3)
    week = np.array([120, 110, 100, 100, 90, 40, 20], dtype=float)
    days = 10 * 7
    daily = [week[i % 7] * (1 + 0.01 * i) + rng.normal(0, 1) for i in range(days)]  # +1 % a day
    hist = _history(MONDAY, daily)
    hw = fc.backtest(hist, "holt_winters")
    window = fc.backtest(hist, "relative", {"weeks": 3})
    assert hw["wape"] < 0.05 < window["wape"]
    nxt = hist.days[-1] + timedelta(days=1)
    expected = week[days % 7] * (1 + 0.01 * days)
    assert fc.forecast(hist, "holt_winters", [nxt]).calls.sum() == pytest.approx(expected, rel=0.03)


def test_backtest_wape_by_hand():
    # Weeks 1–2 at 100 a day (all seven days), weeks 3–4 at 110: the relative window of one week,
    # fitted before week 3, forecasts 100 where 110 came: WAPE = 14 × 10 / (14 × 110).
    hist = _history(MONDAY, [100] * 14 + [110] * 14)
    acc = fc.backtest(hist, "relative", {"weeks": 1})
    assert acc["wape"] == round(10 / 110, 4)
    assert acc["mape_daily"] == round(10 / 110, 4)
    assert acc["held_out_from"] == (MONDAY + timedelta(days=14)).isoformat()
    assert fc.backtest(_history(MONDAY, [100] * 20), "relative") is None  # too short to hold two weeks out


def test_overrides_and_what_if():
    hist = _history(MONDAY, _weeks(3), aht=200)
    base = fc.forecast(hist, "relative", [MONDAY + timedelta(days=21)])
    assert base.aht_s[0, NINE] == 200
    got = fc.apply_overrides(base, {
        "global_pct": 20,  # +20 % everywhere
        "periods": [{"from": "14:00", "to": "24:00", "pct": 10}],  # +10 % after 14:00 only
        "aht": [{"from": "09:00", "to": "09:15", "aht_s": 260}],  # new hires at 09:00
        "whatif_volume_pct": 10, "whatif_aht_delta_s": -10}, 15)
    assert got.calls[0, NINE] == pytest.approx(60 * 1.2 * 1.1)
    assert got.calls[0, TWO_PM] == pytest.approx(40 * 1.2 * 1.1 * 1.1)
    assert got.aht_s[0, NINE] == 250 and got.aht_s[0, TWO_PM] == 190
    assert base.calls[0, NINE] == 60  # the forecast itself is untouched


def test_aht_profile_weights_by_handled_calls():
    hist = _history(MONDAY, _weeks(2), aht=180)
    hist.handle_s[0, NINE] = 60 * 300  # the first Monday's 09:00 calls took 300 s
    aht = fc.aht_profile(hist)
    assert aht[0, NINE] == pytest.approx((60 * 300 + 60 * 180) / 120)
    assert aht[1, NINE] == 180
    assert aht[6, NINE] == pytest.approx(hist.overall_aht())  # Sundays had no calls: the history's AHT
    assert hist.overall_aht() == pytest.approx((550 * 2 * 180 + 60 * 120) / (550 * 2))
