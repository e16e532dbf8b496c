"""Knowledge base and scripts (CRM-6): versioned writes by supervisors, Postgres full-text
search with stemming and ranking, usage counted per opening, scripts for the call's queue on
the desk snapshot, and the identity-check step recorded on the call (CRM-8)."""


def _article(center, who="supervisor", **body):
    return center.api(who).post("/api/v1/kb", body, content_type="application/json")


def test_articles_are_versioned_searchable_and_counted(center):
    from crm.models import ArticleUse

    assert _article(center, "agent1", title="x", body="y").status_code == 403
    assert _article(center, title="", body="y").status_code == 400
    refund = _article(center, title="Refunds for damaged parcels", tags=["billing"],
                      body="A parcel that arrives broken is refunded within 14 days.").json()
    _article(center, title="Opening hours", body="We are open from eight to eight; refunds desk closes at six.")
    _article(center, title="Moving house", body="Update the delivery address in the portal.")
    agent = center.api("agent1")
    hits = agent.get("/api/v1/kb", {"q": "refunded parcel"}).json()  # stemming: refunded ~ refunds
    assert [h["title"] for h in hits][0] == "Refunds for damaged parcels"
    ranked = [h["title"] for h in agent.get("/api/v1/kb", {"q": "refund"}).json()]
    assert ranked == ["Refunds for damaged parcels", "Opening hours"]  # title beats body
    assert agent.get("/api/v1/kb", {"q": "billing"}).json()[0]["id"] == refund["id"]  # tags are searched
    assert agent.get("/api/v1/kb", {"q": "unicorn"}).json() == []

    edited = center.api("supervisor").patch(f"/api/v1/kb/{refund['id']}", {
        "body": "Broken parcels are refunded within 7 days.", "note": "policy change"},
        content_type="application/json").json()
    assert edited["version"] == 2 and edited["title"] == "Refunds for damaged parcels"
    versions = agent.get(f"/api/v1/kb/{refund['id']}/versions").json()
    assert [(v["version"], v["body"][:6], v["note"]) for v in versions] == [
        (2, "Broken", "policy change"), (1, "A parc", "")]
    assert agent.get("/api/v1/kb", {"q": "14 days"}).json() == []  # the search follows the current version

    for _ in range(2):
        agent.get(f"/api/v1/kb/{refund['id']}", {"q": "refund"})
    center.api("agent2").get(f"/api/v1/kb/{refund['id']}")
    assert agent.get("/api/v1/kb").json()[0] == {**agent.get("/api/v1/kb").json()[0], "id": refund["id"],
                                                 "uses": 3}  # most used first
    with center.in_tenant():
        assert ArticleUse.objects.filter(query="refund").count() == 2


def test_scripts_for_the_calls_queue_are_on_the_desk_and_the_identity_check_is_recorded(center):
    from accounts.models import AuditEvent
    from telephony.models import Queue

    with center.in_tenant():
        general = Queue.objects.get(name="General")
        other = Queue.objects.create(name="Sales")
    bad = _article(center, kind="script", title="Broken", steps=[{"type": "dance", "text": "x"}])
    assert bad.status_code == 400 and "step 1" in bad.json()["error"]["message"]
    assert _article(center, kind="script", title="No queue", queue=999999,
                    steps=[{"type": "say", "text": "Hi"}]).status_code == 400
    script = _article(center, kind="script", title="Billing greeting", queue=general.pk, steps=[
        {"type": "say", "text": "Thank you for calling, my name is …"},
        {"type": "identity_check", "text": "Confirm date of birth and postcode"},
        {"type": "ask", "text": "How can I help with your bill?"}]).json()
    _article(center, kind="script", title="Sales pitch", queue=other.pk, steps=[{"type": "say", "text": "Hello"}])
    sid, pk = center.talking("agent1", 2)
    desk = center.api("agent1").get("/api/v1/desk").json()
    assert [s["title"] for s in desk["call"]["scripts"]] == ["Billing greeting"]
    assert [st["type"] for st in desk["call"]["scripts"][0]["steps"]] == ["say", "identity_check", "ask"]
    assert center.api("agent2").post("/api/v1/kb/identity-checks", {"call": pk, "method": "dob"},
                                     content_type="application/json").status_code == 403
    ok = center.api("agent1").post("/api/v1/kb/identity-checks", {"call": pk, "method": "date of birth + postcode"},
                                   content_type="application/json")
    assert ok.status_code == 204
    assert "identity_verified" in center.events(sid)
    with center.in_tenant():
        assert AuditEvent.objects.filter(action="call.identity_verified", target_id=str(pk)).count() == 1
    assert script["id"] in [s["id"] for s in center.api("agent1").get("/api/v1/kb/scripts", {"call": pk}).json()]
