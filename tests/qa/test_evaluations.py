"""Evaluations end to end through the API: scoring on a version, timed comments, what the
agent sees, the dispute workflow, revisions, auto-fail, recording playback permissions."""

from __future__ import annotations

from tests.qa.helpers import analyst, recorded_call, simple_scorecard


def _answers(items, verified=1, scale=4, courtesy=7, more=0):
    return {str(items["Verified identity"]): verified, str(items["Correct information"]): scale,
            str(items["Courtesy"]): courtesy, str(items["Offered more help"]): more}


def _scored(center, items, **kw):
    call = recorded_call(center)
    api = center.api("analyst")
    ev = api.post("/api/v1/qa/evaluations", {"call": call.pk}, content_type="application/json").json()
    resp = api.put(f"/api/v1/qa/evaluations/{ev['id']}", {
        "answers": _answers(items, **kw), "comments": [{"at_s": 42, "text": "did not offer more help"}],
        "summary": "fine, but close better", "submit": True}, content_type="application/json")
    assert resp.status_code == 200, resp.content
    return call, resp.json()


def test_an_analyst_scores_a_call_and_the_agent_sees_it(center):
    analyst(center)
    _card, items = simple_scorecard(center)
    call = recorded_call(center)
    api = center.api("analyst")
    ev = api.post("/api/v1/qa/evaluations", {"call": call.pk}, content_type="application/json").json()
    assert ev["status"] == "draft" and ev["recording"]["duration_s"] == 120
    # A draft is the evaluator's: the agent does not see it.
    assert center.api("agent1").get(f"/api/v1/qa/evaluations/{ev['id']}").status_code == 404
    assert center.api("agent1").get("/api/v1/qa/evaluations").json() == []
    body = api.put(f"/api/v1/qa/evaluations/{ev['id']}", {
        "answers": _answers(items), "comments": [{"at_s": 42, "text": "no offer of more help"}], "submit": True},
        content_type="application/json").json()
    # By hand (see tests/qa/test_scoring.py): accuracy 83.33 %, attitude 17.5 % → 57.00.
    assert (body["status"], body["score"]) == ("submitted", "57.00")
    assert body["comments"] == [{"at_s": 42, "text": "no offer of more help", "author": center.users["analyst"].email}]
    mine = center.api("agent1").get("/api/v1/qa/evaluations").json()
    assert [(e["id"], e["score"]) for e in mine] == [(ev["id"], "57.00")]
    assert center.api("agent2").get(f"/api/v1/qa/evaluations/{ev['id']}").status_code == 404  # not theirs
    again = api.put(f"/api/v1/qa/evaluations/{ev['id']}", {"answers": _answers(items, more=1)},
                    content_type="application/json")
    assert again.status_code == 409  # a submitted score changes only through a dispute


def test_bad_answers_are_refused_and_nothing_is_stored(center):
    from qa.models import Answer

    analyst(center)
    _card, items = simple_scorecard(center)
    call = recorded_call(center)
    api = center.api("analyst")
    ev = api.post("/api/v1/qa/evaluations", {"call": call.pk}, content_type="application/json").json()
    bad = api.put(f"/api/v1/qa/evaluations/{ev['id']}", {"answers": _answers(items, scale=9), "submit": True},
                  content_type="application/json")
    assert bad.status_code == 400 and "1 to 7" in bad.json()["error"]["message"]
    missing = api.put(f"/api/v1/qa/evaluations/{ev['id']}", {"answers": {str(items["Courtesy"]): 5}, "submit": True},
                      content_type="application/json")
    assert missing.status_code == 400 and "not answered" in missing.json()["error"]["message"]
    with center.in_tenant():
        assert not Answer.objects.filter(evaluation_id=ev["id"]).exclude(item_id=items["Courtesy"]).exists()
    assert center.api("agent1").post("/api/v1/qa/evaluations", {"call": call.pk},
                                     content_type="application/json").status_code == 403


def test_dispute_open_review_changed_and_upheld(center):
    analyst(center)
    _card, items = simple_scorecard(center)
    _call, ev = _scored(center, items)
    agent, qa = center.api("agent1"), center.api("analyst")
    assert qa.post(f"/api/v1/qa/evaluations/{ev['id']}/dispute", {"reason": "x"},
                   content_type="application/json").status_code == 403  # only the agent disputes
    opened = agent.post(f"/api/v1/qa/evaluations/{ev['id']}/dispute", {"reason": "I did offer more help at 2:10"},
                        content_type="application/json")
    assert opened.status_code == 201
    dispute = opened.json()["id"]
    assert agent.post(f"/api/v1/qa/evaluations/{ev['id']}/dispute", {"reason": "again"},
                      content_type="application/json").status_code == 409
    assert agent.post(f"/api/v1/qa/disputes/{dispute}/resolve", {"outcome": "upheld", "resolution": "no"},
                      content_type="application/json").status_code == 403
    assert qa.post(f"/api/v1/qa/disputes/{dispute}/review").json()["status"] == "reviewed"
    no_answers = qa.post(f"/api/v1/qa/disputes/{dispute}/resolve", {"outcome": "changed", "resolution": "right"},
                         content_type="application/json")
    assert no_answers.status_code == 400
    done = qa.post(f"/api/v1/qa/disputes/{dispute}/resolve", {
        "outcome": "changed", "resolution": "Offer heard at 2:10",
        "answers": {str(items["Offered more help"]): 1}}, content_type="application/json").json()
    # Attitude becomes (0.7 + 3) / 4 = 92.5 %: total (60 × 83.333 + 40 × 92.5) / 100 = 87.00.
    assert (done["status"], done["score_before"], done["score_after"]) == ("changed", "57.00", "87.00")
    seen = agent.get(f"/api/v1/qa/evaluations/{ev['id']}").json()
    assert seen["status"] == "final" and seen["score"] == "87.00"
    assert seen["disputes"][0]["resolution"] == "Offer heard at 2:10"
    # A second evaluation, disputed and upheld: the score stands.
    _call, ev2 = _scored(center, items)
    d2 = agent.post(f"/api/v1/qa/evaluations/{ev2['id']}/dispute", {"reason": "too harsh"},
                    content_type="application/json").json()["id"]
    up = qa.post(f"/api/v1/qa/disputes/{d2}/resolve", {"outcome": "upheld", "resolution": "the recording is clear"},
                 content_type="application/json").json()
    assert (up["status"], up["score_after"]) == ("upheld", "57.00")


def test_a_revision_leaves_old_evaluations_on_their_version(center):
    from tests.qa.helpers import SIMPLE

    analyst(center)
    card, items = simple_scorecard(center)
    _call, ev = _scored(center, items)
    revised = [{**SIMPLE[0], "weight": 100}, SIMPLE[1]]
    resp = center.api("analyst").put(f"/api/v1/qa/scorecards/{card.pk}", {"sections": revised, "note": "accuracy up"},
                                     content_type="application/json")
    assert resp.json()["version"]["number"] == 2
    old = center.api("analyst").get(f"/api/v1/qa/evaluations/{ev['id']}").json()
    assert (old["version"], old["score"]) == (1, "57.00")
    call = recorded_call(center)
    new = center.api("analyst").post("/api/v1/qa/evaluations", {"call": call.pk}, content_type="application/json")
    assert new.json()["version"] == 2
    # A refused revision changes nothing, not even the switch sent with it.
    bad = center.api("analyst").put(f"/api/v1/qa/scorecards/{card.pk}", {"sections": [], "active": False},
                                    content_type="application/json")
    assert bad.status_code == 400
    with center.in_tenant():
        card.refresh_from_db()
        assert card.active and card.current().number == 2


def test_a_failed_critical_item_fails_the_call_and_is_named(center):
    analyst(center)
    _card, items = simple_scorecard(center)
    _call, ev = _scored(center, items, verified=0, scale=7, courtesy=10, more=1)
    assert ev["score"] == "0.00" and ev["auto_failed_item"] == "Verified identity"


def test_seeded_outbound_scorecard_has_the_compliance_items_as_critical(center):
    from qa.models import Item, Scorecard

    with center.in_tenant():
        card = Scorecard.objects.get(name="Outbound compliance")
        critical = set(Item.objects.filter(section__version=card.current(), critical=True).values_list("text",
                                                                                                       flat=True))
        inbound = Scorecard.objects.get(name="Inbound service").current()
        assert [s.title for s in inbound.sections.all()] == ["Attitude", "Accuracy", "Speed", "Quality"]
    assert "Confirms the account holder before anything else" in critical
    assert "Subscribes only with the customer's explicit consent" in critical


def test_recording_playback_is_checked_and_audited(center):
    from accounts.models import AuditEvent

    analyst(center)
    call = recorded_call(center, talk=9)
    with center.in_tenant():
        rec = call.recordings.get()
    resp = center.api("analyst").get(f"/api/v1/qa/recordings/{rec.pk}/media")
    assert resp.status_code == 200 and resp["Content-Type"] == "audio/wav" and resp.content[:4] == b"RIFF"
    assert len(resp.content) > 9 * 4000  # nine seconds of 4 kHz audio
    assert center.api("agent1").get(f"/api/v1/qa/recordings/{rec.pk}/media").status_code == 200  # their own call
    assert center.api("agent2").get(f"/api/v1/qa/recordings/{rec.pk}/media").status_code == 403
    with center.in_tenant():
        actions = list(AuditEvent.objects.filter(target_type="recording", target_id=str(rec.pk))
                       .values_list("action", "actor_email"))
    assert ("recording.access", center.users["analyst"].email) in actions
    assert ("recording.access_denied", center.users["agent2"].email) in actions
