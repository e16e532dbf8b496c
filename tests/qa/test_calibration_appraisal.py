"""QA-4 calibration maths (deviation per item and overall against the reference, tolerance,
blind until closed, reminders) and QA-5 appraisals (self and supervisor totals, grades, the
QA average and adherence feeding them, a changed dispute moving the figure)."""

from __future__ import annotations

from datetime import date, timedelta

from tests.qa.helpers import analyst, recorded_call, simple_scorecard


def _submit(center, who, session, call, answers):
    api = center.api(who)
    ev = api.post(f"/api/v1/qa/calibrations/{session}/evaluate", {"call": call.pk},
                  content_type="application/json")
    assert ev.status_code == 201, ev.content
    ev = ev.json()
    resp = api.put(f"/api/v1/qa/evaluations/{ev['id']}", {"answers": answers, "submit": True},
                   content_type="application/json")
    assert resp.status_code == 200, resp.content
    return resp.json()


def test_calibration_deviation_by_hand_and_blind_until_closed(center):
    analyst(center, "ref"), analyst(center, "close"), analyst(center, "far")
    card, items = simple_scorecard(center)
    calls = [recorded_call(center), recorded_call(center)]
    v, s, c, m = (str(items[k]) for k in ("Verified identity", "Correct information", "Courtesy",
                                          "Offered more help"))
    sup = center.api("supervisor")
    assert sup.get("/api/v1/qa/calibrations").json()["due"][0].startswith("No calibration")
    session = sup.post("/api/v1/qa/calibrations", {
        "name": "Q1", "scorecard": card.pk, "reference": center.users["ref"].pk,
        "evaluators": [center.users["close"].pk, center.users["far"].pk], "calls": [c_.pk for c_ in calls],
        "tolerance": "5"}, content_type="application/json").json()["id"]
    ref_answers = {v: 1, s: 7, c: 10, m: 1}  # 100.00 on both calls
    for call in calls:
        _submit(center, "ref", session, call, ref_answers)
        # "close" gives 9 points for courtesy: attitude (0.9 + 3)/4 = 97.5 % → 99.00 (1 point off).
        _submit(center, "close", session, call, {v: 1, s: 7, c: 9, m: 1})
    # "far" gives a 4 on the scale on call 1 (accuracy (2 + 0.5)/3 = 83.33 % → 90.00) and agrees on call 2.
    far1 = _submit(center, "far", session, calls[0], {v: 1, s: 4, c: 10, m: 1})
    _submit(center, "far", session, calls[1], ref_answers)
    assert far1["score"] == "90.00"
    # Blind: "close" cannot open "far"'s evaluation while the session is open.
    assert center.api("close").get(f"/api/v1/qa/evaluations/{far1['id']}").status_code == 404
    assert "results" not in center.api("close").get(f"/api/v1/qa/calibrations/{session}").json()
    closed = sup.post(f"/api/v1/qa/calibrations/{session}/close").json()
    rows = {r["email"]: r for r in closed["results"]}
    close, far = rows[center.users["close"].email], rows[center.users["far"].email]
    # Overall: close |99 − 100| on both calls → 1.00; far (10 + 0) / 2 = 5.00.
    assert (close["overall_deviation"], far["overall_deviation"]) == ("1.00", "5.00")
    # Per item: close's courtesy is 10 points (of 100) off on each call; far's scale item is 50 off once → 25.
    assert close["item_deviation"][c] == "10.00" and far["item_deviation"][s] == "25.00"
    assert close["item_deviation"][v] == "0.00"
    # Tolerance 5: both are flagged on an item (10 and 25 > 5); overall, far sits exactly at it.
    assert close["flagged"] and close["items_out_of_tolerance"] == ["Courtesy"]
    assert far["items_out_of_tolerance"] == ["Correct information"]
    assert center.api("close").get(f"/api/v1/qa/evaluations/{far1['id']}").status_code == 200  # closed: open book
    assert sup.get("/api/v1/qa/calibrations").json()["due"] == []
    from tests.qa.helpers import SIMPLE

    sup.put(f"/api/v1/qa/scorecards/{card.pk}", {"sections": SIMPLE, "note": "reworded"},
            content_type="application/json")
    due = sup.get("/api/v1/qa/calibrations").json()["due"]
    assert any("changed (version 2)" in d for d in due)
    # Calibration scores stay out of the agent's own list and of QA averages.
    assert center.api("agent1").get("/api/v1/qa/evaluations").json() == []


def test_appraisal_totals_grades_and_inputs(center):
    from qa import scoring

    analyst(center)
    _card, items = simple_scorecard(center)
    call = recorded_call(center)
    qa = center.api("analyst")
    ev = qa.post("/api/v1/qa/evaluations", {"call": call.pk}, content_type="application/json").json()
    answers = {str(items["Verified identity"]): 1, str(items["Correct information"]): 4,
               str(items["Courtesy"]): 7, str(items["Offered more help"]): 0}
    qa.put(f"/api/v1/qa/evaluations/{ev['id']}", {"answers": answers, "submit": True},
           content_type="application/json")
    today = call.answered_at.date()
    sup = center.api("supervisor")
    a = sup.post("/api/v1/qa/appraisals", {"agent": center.users["agent1"].pk,
                                           "period_start": (today - timedelta(days=30)).isoformat(),
                                           "period_end": (today + timedelta(days=1)).isoformat()},
                 content_type="application/json").json()
    assert a["inputs"]["qa_average"] == "57.00" and a["inputs"]["suggested"]["quality"] == "5.7"
    ages = sup.post("/api/v1/qa/appraisals", {"agent": center.users["agent1"].pk, "period_start": "1900-01-01",
                                              "period_end": today.isoformat()}, content_type="application/json")
    assert ages.status_code == 400 and "at most 400 days" in ages.json()["error"]["message"]
    assert len(sup.get("/api/v1/qa/appraisals").json()) == 1
    full = dict(scoring.APPRAISAL_MAX)
    self_scores = {**full, "persuasion": 6, "initiative": 4}  # 100 − 4 − 1 = 95 → B (A needs more than 95)
    r = center.api("agent1").put(f"/api/v1/qa/appraisals/{a['id']}", {"scores": self_scores},
                                 content_type="application/json").json()
    assert r["totals"]["self"] == {"total": "95.00", "grade": "B"}
    sup_scores = {**full, "quality": 5.7, "attendance": 9.3}  # 100 − 4.3 − 0.7 = 95.0 → B
    r = sup.put(f"/api/v1/qa/appraisals/{a['id']}", {"scores": sup_scores, "note": "solid"},
                content_type="application/json").json()
    assert r["totals"]["supervisor"] == {"total": "95.00", "grade": "B"}
    bad = sup.put(f"/api/v1/qa/appraisals/{a['id']}", {"scores": {**full, "responsibility": 6}},
                  content_type="application/json")
    assert bad.status_code == 400 and "responsibility" in bad.json()["error"]["message"]
    assert center.api("agent2").get(f"/api/v1/qa/appraisals/{a['id']}").status_code == 404
    # The agent disputes; the score is changed to 87: the appraisal's QA input follows.
    d = center.api("agent1").post(f"/api/v1/qa/evaluations/{ev['id']}/dispute", {"reason": "I offered help"},
                                  content_type="application/json").json()["id"]
    qa.post(f"/api/v1/qa/disputes/{d}/resolve", {"outcome": "changed", "resolution": "heard it",
                                                 "answers": {str(items["Offered more help"]): 1}},
            content_type="application/json")
    again = sup.get(f"/api/v1/qa/appraisals/{a['id']}").json()
    assert again["inputs"]["qa_average"] == "87.00" and again["inputs"]["suggested"]["quality"] == "8.7"


def test_improvement_plan_and_coaching_to_completion(center):
    analyst(center)
    qa = center.api("analyst")
    plan = qa.post("/api/v1/qa/plans", {"agent": center.users["agent1"].pk, "goals": "Offer further help on every call",
                                        "days": 14}, content_type="application/json").json()
    plan = qa.post(f"/api/v1/qa/plans/{plan['id']}/sessions", {"planned_for": "2026-12-01T10:00:00Z"},
                   content_type="application/json").json()
    assert qa.post(f"/api/v1/qa/plans/{plan['id']}/close").status_code == 409  # a session is still to be held
    session = plan["sessions"][0]["id"]
    plan = qa.post(f"/api/v1/qa/coaching/{session}/done", {"notes": "role-played closes", "follow_up_days": 7},
                   content_type="application/json").json()
    assert plan["sessions"][0]["done_at"] and plan["sessions"][0]["follow_up_on"]
    assert qa.post(f"/api/v1/qa/plans/{plan['id']}/close").json()["status"] == "done"
    mine = center.api("agent1").get("/api/v1/qa/plans").json()
    assert [p["goals"] for p in mine] == ["Offer further help on every call"]
    assert center.api("agent2").get("/api/v1/qa/plans").json() == []
    assert center.api("agent1").post("/api/v1/qa/plans", {"agent": center.users["agent1"].pk, "goals": "x"},
                                     content_type="application/json").status_code == 403


def test_reports_leaderboard_and_library(center):
    analyst(center)
    _card, items = simple_scorecard(center)
    qa = center.api("analyst")
    for who, more in (("agent1", 1), ("agent2", 0)):
        call = recorded_call(center, who)
        ev = qa.post("/api/v1/qa/evaluations", {"call": call.pk}, content_type="application/json").json()
        qa.put(f"/api/v1/qa/evaluations/{ev['id']}", {"answers": {
            str(items["Verified identity"]): 1, str(items["Correct information"]): 4, str(items["Courtesy"]): 7,
            str(items["Offered more help"]): more}, "submit": True}, content_type="application/json")
    today = date.today()
    rep = qa.get("/api/v1/qa/reports", {"from": (today - timedelta(days=1)).isoformat(),
                                        "to": today.isoformat()}).json()
    assert [(r["name"], r["average"]) for r in rep["leaderboard"]] == [
        (center.users["agent1"].email, 87.0), (center.users["agent2"].email, 57.0)]
    worst = rep["items"][0]
    assert (worst["text"], worst["failed"], worst["answered"]) == ("Offered more help", 1, 2)
    assert rep["evaluators"][0]["evaluations"] == 2 and rep["evaluators"][0]["spread"] == 15.0
    lib = qa.post("/api/v1/qa/best-calls", {"call": call.pk, "kind": "bad", "title": "No offer of help"},
                  content_type="application/json")
    assert lib.status_code == 201
    assert center.api("agent1").get("/api/v1/qa/best-calls").json()[0]["title"] == "No offer of help"
