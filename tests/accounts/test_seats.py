"""TEN-3 seats: invite within the cap, roles/skills/teams, disable revokes access at once."""

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from accounts.models import User
from tenants.models import Tenant
from tests.conftest import PASSWORD


def _set_cap(tenant, cap):
    Tenant.objects.filter(pk=tenant.pk).update(seat_cap=cap)


def _count_users(tenant):
    with tenant_context(tenant):
        n = User.objects.count()
    connection.set_schema_to_public()
    return n


@pytest.mark.django_db
def test_invite_past_the_seat_cap_is_refused_with_a_clear_message_and_changes_nothing(cast):
    api = cast.a.api(cast.a.token("admin"))
    _set_cap(cast.a.tenant, 4)  # alpha has 3 users
    ok = api.post("/api/v1/users/invite", {"email": "new1@alpha.test", "roles": ["agent"]},
                  content_type="application/json")
    assert ok.status_code == 201, ok.content
    assert ok.json()["user"]["status"] == "invited"
    assert "/invite/" in ok.json()["invite_url"]
    before = _count_users(cast.a.tenant)
    refused = api.post("/api/v1/users/invite", {"email": "new2@alpha.test", "roles": ["agent"]},
                       content_type="application/json")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "seat_cap"
    assert "All 4 seats are in use" in refused.json()["error"]["message"]
    assert _count_users(cast.a.tenant) == before
    with tenant_context(cast.a.tenant):
        assert not User.objects.filter(email="new2@alpha.test").exists()


@pytest.mark.django_db
def test_invitation_link_lets_the_person_join_and_sign_in(cast):
    api = cast.a.api(cast.a.token("admin"))
    resp = api.post("/api/v1/users/invite", {"email": "joiner@alpha.test", "roles": ["agent", "qa_analyst"],
                                             "full_name": "Jo Iner"}, content_type="application/json")
    path = "/" + resp.json()["invite_url"].split("/", 3)[3]
    page = cast.a.client()
    assert page.get(path).status_code == 200
    weak = page.post(path, {"password": "abc"})
    assert weak.status_code == 200 and b"too short" in weak.content
    done = page.post(path, {"password": "Joiner123x", "full_name": "Jo Iner"})
    assert done.status_code == 302
    me = page.get("/api/v1/me").json()
    assert me["email"] == "joiner@alpha.test" and me["roles"] == ["agent", "qa_analyst"]
    # The link is single-use.
    assert cast.a.client().get(path).status_code == 404


@pytest.mark.django_db
def test_invitation_link_of_a_is_useless_on_b(cast):
    api = cast.a.api(cast.a.token("admin"))
    url = api.post("/api/v1/users/invite", {"email": "x@alpha.test"}, content_type="application/json").json()[
        "invite_url"]
    path = "/" + url.split("/", 3)[3]
    assert cast.b.client().get(path).status_code == 404


@pytest.mark.django_db
def test_disabling_a_user_revokes_sessions_and_tokens_at_once(cast):
    agent_session = cast.a.client("agent")
    agent_token = cast.a.token("agent")
    assert agent_session.get("/api/v1/me").status_code == 200
    assert cast.a.api(agent_token).get("/api/v1/me").status_code == 200

    admin = cast.a.api(cast.a.token("admin"))
    resp = admin.post(f"/api/v1/users/{cast.a.users['agent'].pk}/disable")
    assert resp.status_code == 200 and resp.json()["status"] == "disabled"

    assert agent_session.get("/api/v1/me").status_code == 401
    assert agent_session.get("/").status_code == 302
    assert cast.a.api(agent_token).get("/api/v1/me").status_code == 401
    login = cast.a.api().post("/api/v1/auth/token", {"email": "agent@alpha.test", "password": PASSWORD},
                              content_type="application/json")
    assert login.status_code == 401
    with tenant_context(cast.a.tenant):
        from accounts.models import AuditEvent

        assert AuditEvent.objects.filter(action="user.disable").exists()


@pytest.mark.django_db
def test_disabled_user_frees_a_seat_and_enable_needs_one(cast):
    admin = cast.a.api(cast.a.token("admin"))
    _set_cap(cast.a.tenant, 3)
    agent_id = cast.a.users["agent"].pk
    admin.post(f"/api/v1/users/{agent_id}/disable")
    assert admin.post("/api/v1/users/invite", {"email": "n@alpha.test"},
                      content_type="application/json").status_code == 201
    again = admin.post(f"/api/v1/users/{agent_id}/enable")
    assert again.status_code == 409 and again.json()["error"]["code"] == "seat_cap"


@pytest.mark.django_db
def test_agents_and_supervisors_cannot_manage_seats(cast):
    agent = cast.a.api(cast.a.token("agent"))
    assert agent.get("/api/v1/users").status_code == 403
    assert agent.post("/api/v1/users/invite", {"email": "z@alpha.test"},
                      content_type="application/json").status_code == 403
    sup = cast.a.api(cast.a.token("supervisor"))
    assert sup.get("/api/v1/users").status_code == 200
    assert sup.post("/api/v1/users/invite", {"email": "z@alpha.test"},
                    content_type="application/json").status_code == 403
    assert sup.patch(f"/api/v1/users/{cast.a.users['agent'].pk}", {"roles": ["tenant_admin"]},
                     content_type="application/json").status_code == 403
    assert cast.a.client("agent").get("/console/users").status_code == 403


@pytest.mark.django_db
def test_roles_skills_and_teams_are_assigned_and_audited(cast):
    admin = cast.a.api(cast.a.token("admin"))
    skill = admin.post("/api/v1/skills", {"name": "billing"}, content_type="application/json").json()
    team = admin.post("/api/v1/teams", {"name": "Night shift"}, content_type="application/json").json()
    agent_id = cast.a.users["agent"].pk
    resp = admin.patch(f"/api/v1/users/{agent_id}",
                       {"roles": ["agent", "supervisor"], "teams": [team["id"]],
                        "skills": [{"skill": skill["id"], "proficiency": 4}]}, content_type="application/json")
    assert resp.status_code == 200, resp.content
    body = resp.json()
    assert body["roles"] == ["agent", "supervisor"]
    assert body["teams"] == [{"id": team["id"], "name": "Night shift"}]
    assert body["skills"] == [{"skill": skill["id"], "name": "billing", "proficiency": 4}]
    audit = admin.get("/api/v1/audit?action=user.roles").json()["results"]
    assert audit[0]["detail"]["roles"] == {"from": ["agent"], "to": ["agent", "supervisor"]}


@pytest.mark.django_db
@pytest.mark.parametrize("level", [0, 6])
def test_skill_proficiency_outside_1_to_5_is_refused_and_nothing_changes(cast, level):
    admin = cast.a.api(cast.a.token("admin"))
    skill = admin.post("/api/v1/skills", {"name": "spanish"}, content_type="application/json").json()
    agent_id = cast.a.users["agent"].pk
    resp = admin.patch(f"/api/v1/users/{agent_id}", {"roles": ["supervisor"],
                                                     "skills": [{"skill": skill["id"], "proficiency": level}]},
                       content_type="application/json")
    assert resp.status_code == 400
    assert any(k.startswith("skills") for k in resp.json()["error"]["fields"])
    after = admin.get(f"/api/v1/users/{agent_id}").json()
    assert after["roles"] == ["agent"] and after["skills"] == []


@pytest.mark.django_db
def test_last_admin_cannot_be_removed_or_disabled(cast):
    admin_b = cast.b.api(cast.b.token("admin"))
    me = cast.b.users["admin"].pk
    resp = admin_b.patch(f"/api/v1/users/{me}", {"roles": ["agent"]}, content_type="application/json")
    assert resp.status_code == 409 and "last active tenant admin" in resp.json()["error"]["message"]


@pytest.mark.django_db
def test_seat_count_changes_within_the_plan(cast):
    admin = cast.a.api(cast.a.token("admin"))
    assert admin.patch("/api/v1/tenant", {"seat_cap": 25}, content_type="application/json").json()["seat_cap"] == 25
    too_low = admin.patch("/api/v1/tenant", {"seat_cap": 2}, content_type="application/json")
    assert too_low.status_code == 400 and "3 seats are in use" in too_low.json()["error"]["message"]
    too_high = admin.patch("/api/v1/tenant", {"seat_cap": 100000}, content_type="application/json")
    assert too_high.status_code == 400 and "at most 500 seats" in too_high.json()["error"]["message"]
    assert Tenant.objects.get(pk=cast.a.tenant.pk).seat_cap == 25


@pytest.mark.django_db
def test_users_page_invites_and_shows_seat_meter(cast):
    _set_cap(cast.a.tenant, 3)
    page = cast.a.client("admin")
    html = page.get("/console/users").content.decode()
    assert 'id="seats-used">3<' in html and 'id="seat-cap">3<' in html
    refused = page.post("/console/users/invite", {"email": "late@alpha.test", "roles": ["agent"]})
    assert refused.status_code == 400
    assert "All 3 seats are in use" in refused.content.decode()


@pytest.mark.django_db
def test_saving_a_user_with_no_role_is_refused_in_the_console_and_the_api(cast):
    agent_id = cast.a.users["agent"].pk
    page = cast.a.client("admin")
    resp = page.post(f"/console/users/{agent_id}", {"full_name": "Renamed", "roles": []})
    assert resp.status_code == 400
    assert "Give the user at least one role." in resp.content.decode()
    api = cast.a.api(cast.a.token("admin"))
    refused = api.patch(f"/api/v1/users/{agent_id}", {"full_name": "Renamed", "roles": []},
                        content_type="application/json")
    assert refused.status_code == 400 and refused.json()["error"]["fields"]["roles"]
    after = api.get(f"/api/v1/users/{agent_id}").json()
    assert after["roles"] == ["agent"] and after["full_name"] != "Renamed"  # nothing of the refused save
