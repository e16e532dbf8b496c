import pytest
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_exists, tenant_context

from tenants.models import Domain, Tenant

PUBLIC = "localhost"


def _signup(**overrides):
    body = {"company": "Zeta Support", "slug": "zeta", "admin_email": "Boss@Zeta.test",
            "password": "Secret123x", "edition": "standard"}
    body.update(overrides)
    return Client(HTTP_HOST=PUBLIC).post("/api/v1/signup", body, content_type="application/json")


def _nothing_created(slug="zeta"):
    assert not Tenant.objects.filter(slug=slug).exists()
    assert not Domain.objects.filter(domain=f"{slug}.localhost").exists()
    assert not schema_exists(f"t_{slug}")


@pytest.mark.django_db
def test_signup_creates_a_working_tenant_whose_admin_gets_a_token_and_lists_users(cast):
    resp = _signup()
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert body["url"] == "http://zeta.localhost:8000/"
    assert body["state"] == "trial"
    assert schema_exists("t_zeta")

    api = Client(HTTP_HOST="zeta.localhost")
    tok = api.post("/api/v1/auth/token", {"email": "boss@zeta.test", "password": "Secret123x"},
                   content_type="application/json")
    assert tok.status_code == 201, tok.content
    users = Client(HTTP_HOST="zeta.localhost", HTTP_AUTHORIZATION=f"Bearer {tok.json()['token']}").get("/api/v1/users")
    assert users.status_code == 200
    assert [u["email"] for u in users.json()["results"]] == ["boss@zeta.test"]
    assert users.json()["results"][0]["roles"] == ["supervisor", "tenant_admin"]

    tenant = Tenant.objects.get(slug="zeta")
    with tenant_context(tenant):
        from accounts.models import AuditEvent
        from telephony.models import BusinessHours, Queue

        assert Queue.objects.get(is_default=True).name == "General"
        assert BusinessHours.objects.count() == 5
        assert AuditEvent.objects.filter(action="tenant.signup").count() == 1
    connection.set_schema_to_public()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"slug": "Bad Slug!"}, "slug", "lowercase letters"),
        ({"slug": "ab-"}, "slug", "lowercase letters"),
        ({"slug": "admin"}, "slug", "reserved"),
        ({"slug": "alpha"}, "slug", "already taken"),
        ({"password": "short1"}, "password", "too short"),
        ({"password": "onlyletters"}, "password", "letter and one digit"),
        ({"password": "password1"}, "password", "too common"),
        ({"admin_email": "not-an-email"}, "admin_email", "valid email"),
        ({"edition": "platinum"}, "edition", "standard, professional"),
        ({"company": "   "}, "company", ""),
    ],
)
def test_signup_rejects_bad_input_with_a_message_and_creates_nothing(cast, overrides, field, fragment):
    slug = overrides.get("slug", "zeta")
    before = Tenant.objects.count()
    resp = _signup(**overrides)
    assert resp.status_code == 400, resp.content
    err = resp.json()["error"]
    assert field in err["fields"], err
    assert fragment.lower() in " ".join(err["fields"][field]).lower()
    assert err["message"]
    assert Tenant.objects.count() == before
    if slug != "alpha":
        _nothing_created(slug if slug.isidentifier() else "zeta")


@pytest.mark.django_db
def test_signup_is_refused_on_a_tenant_domain(cast):
    resp = Client(HTTP_HOST=cast.a.host).post("/api/v1/signup", {"company": "X", "slug": "xray",
                                              "admin_email": "a@x.test", "password": "Secret123x"},
                                              content_type="application/json")
    assert resp.status_code == 404
    _nothing_created("xray")


@pytest.mark.django_db
def test_signup_page_creates_tenant_and_shows_its_address(cast):
    c = Client(HTTP_HOST=PUBLIC)
    page = c.get("/signup")
    assert page.status_code == 200
    assert b"Create your call center" in page.content
    bad = c.post("/signup", {"company": "Yak", "slug": "yak", "admin_email": "y@yak.test",
                             "password": "weak", "edition": "standard"})
    assert bad.status_code == 400
    assert b"too short" in bad.content
    _nothing_created("yak")
    ok = c.post("/signup", {"company": "Yak", "slug": "yak", "admin_email": "y@yak.test",
                            "password": "Secret123x", "edition": "professional"})
    assert ok.status_code == 200
    assert b"http://yak.localhost:8000/" in ok.content
    assert Tenant.objects.get(slug="yak").edition.code == "professional"


@pytest.mark.django_db
def test_signup_clones_the_template_instead_of_migrating(cast):
    """The clone carries the template's migration history, so nothing is left to apply."""
    assert _signup().status_code == 201
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM t_zeta.django_migrations")
        cloned = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM tenant_template.django_migrations")
        template = cur.fetchone()[0]
    assert cloned == template > 0


@pytest.mark.django_db
def test_unknown_host_is_404_and_public_site_serves_landing(cast):
    assert Client(HTTP_HOST="nosuch.localhost").get("/").status_code == 404
    landing = Client(HTTP_HOST=PUBLIC).get("/")
    assert landing.status_code == 200 and b"Start your call center" in landing.content


@pytest.mark.django_db
def test_signup_takes_a_spare_schema_from_the_pool_and_renames_it(cast):
    from tenants.services import tenant_pool_refill

    assert tenant_pool_refill(size=2) == 2
    spares = list(Tenant.objects.filter(state="spare").order_by("pk").values_list("schema_name", flat=True))
    assert len(spares) == 2 and all(schema_exists(s) for s in spares)

    assert _signup().status_code == 201
    tenant = Tenant.objects.get(slug="zeta")
    assert tenant.schema_name == "t_zeta" and tenant.state == "trial" and tenant.name == "Zeta Support"
    assert not schema_exists(spares[0]) and schema_exists(spares[1])
    assert list(Tenant.objects.filter(state="spare").values_list("schema_name", flat=True)) == [spares[1]]

    tok = Client(HTTP_HOST="zeta.localhost").post("/api/v1/auth/token", {"email": "boss@zeta.test",
                                                  "password": "Secret123x"}, content_type="application/json")
    users = Client(HTTP_HOST="zeta.localhost", HTTP_AUTHORIZATION=f"Bearer {tok.json()['token']}").get("/api/v1/users")
    assert [u["email"] for u in users.json()["results"]] == ["boss@zeta.test"]


@pytest.mark.django_db
def test_rejected_signup_leaves_the_spare_pool_untouched(cast):
    from tenants.services import tenant_pool_refill

    tenant_pool_refill(size=1)
    spare = Tenant.objects.get(state="spare")
    assert _signup(password="weak").status_code == 400
    assert Tenant.objects.get(pk=spare.pk).schema_name == spare.schema_name
    assert schema_exists(spare.schema_name)


@pytest.mark.django_db
def test_spare_and_template_tenants_are_never_served(cast):
    from tenants.services import tenant_pool_refill

    tenant_pool_refill(size=1)
    spare = Tenant.objects.get(state="spare")
    assert Client(HTTP_HOST=f"{spare.slug}.localhost").get("/login").status_code == 404
    assert _signup(slug=spare.slug).status_code == 400


@pytest.mark.django_db
def test_pool_refill_while_another_refill_holds_the_lock_clones_nothing(cast):
    import psycopg
    from django.db import connection as conn

    from tenants.services import POOL_LOCK_KEY, tenant_pool_refill

    s = conn.settings_dict
    other = psycopg.connect(host=s["HOST"], dbname=s["NAME"], user=s["USER"], port=s["PORT"] or None,
                            autocommit=True)
    try:
        other.execute("SELECT pg_advisory_lock(%s)", [POOL_LOCK_KEY])
        assert tenant_pool_refill(size=2) == 0
        assert not Tenant.objects.filter(state="spare").exists()
        other.execute("SELECT pg_advisory_unlock(%s)", [POOL_LOCK_KEY])
        assert tenant_pool_refill(size=2) == 2
        assert tenant_pool_refill(size=2) == 0
    finally:
        other.close()
