"""TEL-4: IVR graphs are validated before publishing (every problem named by node), walked
as pure functions, versioned and restorable; TwiML per node type is pinned by golden files."""

import os
from pathlib import Path

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from telephony import ivr

GOLDEN = Path(__file__).parent / "golden"


def _graph(**nodes):
    return {"start": "a", "nodes": nodes}


GOOD = {"start": "welcome", "nodes": {
    "welcome": {"type": "play", "say": "Hi", "next": "hours"},
    "hours": {"type": "hours", "open": "tier", "closed": "vm", "holiday": "vm"},
    "tier": {"type": "tier", "vip": "q", "default": "menu"},
    "menu": {"type": "menu", "say": "1 or 2", "options": {"1": "acct", "2": {"next": "q", "language": "es-ES"},
                                                        "9": "cb"}, "default": "bye", "retries": 1},
    "acct": {"type": "collect", "min_digits": 4, "max_digits": 8, "variable": "account", "next": "q"},
    "q": {"type": "queue", "queue": 1},
    "vm": {"type": "voicemail"},
    "cb": {"type": "callback", "queue": 1},
    "bye": {"type": "hangup", "say": "Bye"},
}}


def test_a_sound_graph_has_no_problems():
    assert ivr.graph_problems(GOOD, queue_ids={1}) == []


@pytest.mark.parametrize(("graph", "node", "needle"), [
    (_graph(a={"type": "play", "say": "x", "next": "a2"}, a2={"type": "hangup"}, z={"type": "hangup"}),
     "z", "unreachable"),
    (_graph(a={"type": "menu", "options": {"1": "nowhere"}}), "a", "'options.1' points at 'nowhere'"),
    (_graph(a={"type": "play", "say": "x"}), "a", "needs 'next'"),
    (_graph(a={"type": "play", "next": "b"}, b={"type": "tier", "vip": "a", "default": "a"}), "a",
     "loop with no caller input"),
    (_graph(a={"type": "queue", "queue": 99}), "a", "queue 99 does not exist"),
    (_graph(a={"type": "transfer", "number": "555-1234"}), "a", "E.164"),
    (_graph(a={"type": "dance"}), "a", "unknown type"),
    (_graph(a={"type": "menu", "options": {"x": "a"}}), "a", "not a phone key"),
    (_graph(a={"type": "collect", "next": "b", "min_digits": 9, "max_digits": 4}, b={"type": "hangup"}), "a",
     "larger than"),
])
def test_each_defect_is_named_with_its_node(graph, node, needle):
    problems = ivr.graph_problems(graph, queue_ids={1})
    assert any(p.node == node and needle in p.message for p in problems), problems


def test_a_loop_through_a_menu_is_fine():
    graph = _graph(a={"type": "menu", "options": {"1": "b"}, "default": "b"}, b={"type": "play", "say": "x",
                                                                               "next": "a"})
    assert ivr.graph_problems(graph, queue_ids=set()) == []


def test_walk_follows_hours_and_tier_branches():
    closed = ivr.Context(is_open=lambda q: False)
    assert ivr.walk(GOOD, "welcome", closed).node_id == "vm"
    holiday = ivr.Context(is_holiday=lambda q: True)
    assert ivr.walk(GOOD, "welcome", holiday).node_id == "vm"
    vip = ivr.walk(GOOD, "welcome", ivr.Context(is_vip=True))
    assert (vip.node_id, vip.path) == ("q", ["welcome", "hours", "tier", "q"])
    normal = ivr.walk(GOOD, "welcome", ivr.Context())
    assert normal.node_id == "menu" and normal.prompts == [{"say": "Hi", "language": ""}]


def test_advance_handles_choices_retries_language_and_collected_digits():
    ctx = ivr.Context()
    assert ivr.advance(GOOD, "menu", "2", ctx).language == "es-ES"
    retry = ivr.advance(GOOD, "menu", "7", ctx, retries_used=0)
    assert retry.retry and retry.node_id == "menu"
    assert ivr.advance(GOOD, "menu", "7", ctx, retries_used=1).node_id == "bye"  # retries spent → default
    assert ivr.advance(GOOD, "menu", None, ctx, retries_used=1).node_id == "bye"
    got = ivr.advance(GOOD, "acct", "123456#", ctx)
    assert (got.node_id, got.collected) == ("q", {"account": "123456"})
    assert ivr.advance(GOOD, "acct", "12", ctx).retry  # too short


@pytest.mark.django_db
def test_publishing_a_bad_graph_is_400_with_node_ids_and_publishes_nothing(cast):
    api = cast.a.api(cast.a.token("admin"))
    flows = api.get("/api/v1/ivr-flows").json()
    main = next(f for f in flows if f["name"] == "Main")
    bad = {"start": "w", "nodes": {"w": {"type": "play", "say": "x", "next": "gone"},
                                   "orphan": {"type": "hangup"}}}
    resp = api.post(f"/api/v1/ivr-flows/{main['id']}/publish", {"graph": bad}, content_type="application/json")
    assert resp.status_code == 400
    body = resp.json()["error"]
    assert body["code"] == "invalid_ivr"
    assert "nodes.w" in body["fields"] and "nodes.orphan" in body["fields"]
    assert "node 'w'" in body["message"]
    after = api.get(f"/api/v1/ivr-flows/{main['id']}").json()
    assert after["published_version"] == 1 and len(after["versions"]) == 1


@pytest.mark.django_db
def test_versions_are_kept_and_an_earlier_one_can_be_restored(cast):
    api = cast.a.api(cast.a.token("admin"))
    main = next(f for f in api.get("/api/v1/ivr-flows").json() if f["name"] == "Main")
    queue = main["graph"]["nodes"]["queue"]["queue"]
    v2 = {"start": "x", "nodes": {"x": {"type": "play", "say": "New greeting", "next": "q"},
                                  "q": {"type": "queue", "queue": queue}}}
    assert api.post(f"/api/v1/ivr-flows/{main['id']}/publish", {"graph": v2, "note": "new greeting"},
                    content_type="application/json").status_code == 201
    assert api.get(f"/api/v1/ivr-flows/{main['id']}").json()["graph"] == v2
    restored = api.post(f"/api/v1/ivr-flows/{main['id']}/restore", {"version": 1}, content_type="application/json")
    assert restored.status_code == 201 and restored.json()["version"] == 3
    detail = api.get(f"/api/v1/ivr-flows/{main['id']}").json()
    assert detail["graph"] == main["graph"] and [v["version"] for v in detail["versions"]] == [3, 2, 1]
    agent = cast.a.api(cast.a.token("agent"))
    assert agent.post(f"/api/v1/ivr-flows/{main['id']}/restore", {"version": 2},
                      content_type="application/json").status_code == 403


def _render_all() -> dict[str, str]:
    from telephony import twiml

    menu = GOOD["nodes"]["menu"]
    return {
        "menu.xml": twiml.gather(node_id="menu", node=menu, prompts=[{"say": "Hi", "language": ""}], language="",
                                 step=3),
        "collect.xml": twiml.gather(node_id="acct", node=GOOD["nodes"]["acct"], prompts=[], language="es-ES",
                                    step=4),
        "survey.xml": twiml.gather(node_id="s", node={"type": "survey", "say": "1 satisfied, 2 not", "next": "x"},
                                   prompts=[], language="", step=5),
        "queue.xml": twiml.queue_wait(conference="call-CA1", prompts=[{"say": "Recorded for quality."}],
                                      record=True, call_pk=42),
        "wait.xml": twiml.wait_music(position=3, ewt_s=150),
        "voicemail.xml": twiml.voicemail(prompts=[{"say": "Leave a message."}], call_pk=42),
        "hangup.xml": twiml.say_and_hangup(prompts=[{"say": "Bye", "language": "en-US"}]),
        "transfer.xml": twiml.transfer(prompts=[], number="+14155550111", caller_id="+18005550100"),
        "reject.xml": twiml.reject(),
        "callback_join.xml": twiml.join_call(conference="call-HL1"),
    }


@pytest.mark.django_db
def test_twiml_for_every_node_type_matches_its_golden_file(cast):
    with tenant_context(cast.a.tenant):
        rendered = _render_all()
    connection.set_schema_to_public()
    for name, xml in rendered.items():
        path = GOLDEN / name
        if os.environ.get("UPDATE_GOLDEN"):
            path.write_text(xml + "\n")
        assert xml + "\n" == path.read_text(), name
