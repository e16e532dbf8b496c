"""The fixed cast: tenant A ("alpha": admin, supervisor, agent) and tenant B ("bravo":
admin, agent), created once per session through the real signup service and committed.
Each test then runs inside a transaction that is rolled back."""

from __future__ import annotations

import json
import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django_tenants.utils import tenant_context
from hypothesis import settings as hypothesis_settings

# The fuzz and property tests draw fresh examples on every run; when one fails in CI, the
# printed @reproduce_failure blob replays exactly that example on any machine.
hypothesis_settings.register_profile("hostline", print_blob=True)
hypothesis_settings.load_profile("hostline")

PASSWORD = "Passw0rd-test"


@dataclass
class TenantCast:
    slug: str
    host: str
    tenant: object
    users: dict[str, object] = field(default_factory=dict)  # role name -> User
    session_keys: dict[str, str] = field(default_factory=dict)

    def client(self, as_user: str | None = None) -> Client:
        c = Client(HTTP_HOST=self.host)
        if as_user:
            with tenant_context(self.tenant):
                c.force_login(self.users[as_user], backend="accounts.backends.EmailBackend")
            connection.set_schema_to_public()
        return c

    def api(self, token: str | None = None) -> Client:
        headers = {"HTTP_HOST": self.host}
        if token:
            headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        return Client(**headers)

    def token(self, as_user: str) -> str:
        from accounts.services import api_token_create

        with tenant_context(self.tenant):
            raw = api_token_create(user=self.users[as_user])
        connection.set_schema_to_public()
        return raw


@dataclass
class Cast:
    a: TenantCast
    b: TenantCast


def _build_tenant(slug: str, extra: dict[str, list[str]]) -> TenantCast:
    from accounts.services import user_create_active
    from tenants.services import tenant_signup

    tenant = tenant_signup(company=f"{slug.title()} Corp", slug=slug, admin_email=f"admin@{slug}.test",
                           password=PASSWORD, edition="standard")
    cast = TenantCast(slug=slug, host=f"{slug}.localhost", tenant=tenant)
    with tenant_context(tenant):
        from accounts.models import User

        cast.users["admin"] = User.objects.get(email=f"admin@{slug}.test")
        for name, roles in extra.items():
            cast.users[name] = user_create_active(email=f"{name}@{slug}.test", password=PASSWORD,
                                                  full_name=f"{name.title()} of {slug}", roles=roles)
        for name, user in cast.users.items():
            s = SessionStore()
            s["_auth_user_id"] = str(user.pk)
            s["_auth_user_backend"] = "accounts.backends.EmailBackend"
            s["_auth_user_hash"] = user.get_session_auth_hash()
            s.create()
            cast.session_keys[name] = s.session_key
    connection.set_schema_to_public()
    return cast


@pytest.fixture(scope="session")
def django_db_setup(django_test_environment, django_db_blocker):
    # Always create the test database, even when the selected tests are only the ones that
    # commit for real (worker, websocket, browser) and carry no django_db mark.
    from django.test.utils import setup_databases, teardown_databases

    from tenants.services import tenant_ensure_template

    with django_db_blocker.unblock():
        cfg = setup_databases(verbosity=0, interactive=False, aliases={"default"}, serialized_aliases=set())
        assert connection.settings_dict["NAME"].startswith("test_"), "refusing to seed a non-test database"
        tenant_ensure_template()
        a = _build_tenant("alpha", {"supervisor": ["supervisor"], "agent": ["agent"]})
        b = _build_tenant("bravo", {"agent": ["agent"]})
    pytest.hostline_cast = Cast(a=a, b=b)
    yield
    with django_db_blocker.unblock():
        connection.close()
        teardown_databases(cfg, verbosity=0)


@pytest.fixture
def cast(django_db_setup, db) -> Cast:
    return pytest.hostline_cast


@pytest.fixture(autouse=True)
def _clean_state():
    cache.clear()
    yield
    connection.set_schema_to_public()


ROOT = Path(__file__).resolve().parent.parent


def _child_env(**extra: str) -> dict[str, str]:
    """Environment for a real child process (worker, web) that must use the test database."""
    import os
    from urllib.parse import quote

    from django.conf import settings

    db = connection.settings_dict
    host = quote(db["HOST"], safe="") if db["HOST"].startswith("/") else db["HOST"]
    port = f":{db['PORT']}" if db.get("PORT") else ""
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return dict(os.environ, DJANGO_SETTINGS_MODULE="config.settings.test",
                DATABASE_URL=f"postgres://{auth}@{host}{port}/{db['NAME']}", REDIS_URL=settings.REDIS_URL, **extra)


def _spawn(args: list[str], env: dict[str, str], log_path: Path):
    """Start a real child process (worker, web server) with its output in `log_path`."""
    import subprocess
    import sys

    log = open(log_path, "w")  # noqa: SIM115 - closed by _stop
    proc = subprocess.Popen([sys.executable, "-m", *args], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    proc.log = log
    return proc


def _stop(proc) -> None:
    proc.terminate()
    proc.wait(timeout=30)
    proc.log.close()


@dataclass
class Worker:
    mail_dir: object

    def wait_for_mail(self, needle: str, timeout: float = 60.0) -> str:
        """Block until a mail containing `needle` appears (an event wait, not a speed check)."""
        import time

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for f in sorted(self.mail_dir.glob("*.log")):
                text = f.read_text()
                if needle in text:
                    return text
            time.sleep(0.2)
        raise AssertionError(f"no mail containing {needle!r} within {timeout}s")

    def all_mail(self) -> str:
        return "".join(f.read_text() for f in sorted(self.mail_dir.glob("*.log")))


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, tmp_path_factory):
    """A real Celery worker process on the test database and the test queue."""
    mail_dir = tmp_path_factory.mktemp("mail")
    env = _child_env(TEST_EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
                     EMAIL_FILE_PATH=str(mail_dir))
    proc = _spawn(["celery", "-A", "config", "worker", "--pool=solo", "-Q", "hostline-test", "--without-gossip",
                   "--without-mingle", "--without-heartbeat", "-l", "info"], env, mail_dir.parent / "worker.log")
    try:
        yield Worker(mail_dir=mail_dir)
    finally:
        _stop(proc)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_json(method: str, url: str, body=None, host: str | None = None, token: str | None = None):
    headers = {"Content-Type": "application/json"}
    if host:
        headers["Host"] = host
    if token:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(url, data=json.dumps(body).encode() if body is not None else None, method=method,
                                 headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310 - loopback
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()
    except OSError:  # not listening yet
        return 0, None


def wait_for(what: str, fn, timeout: float = 30.0):
    """Wait for an event (not a speed check): poll until `fn` returns something truthy."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = fn()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture(scope="module")
def telephony_site(django_db_setup, django_db_blocker, tmp_path_factory):
    """daphne + the sandbox carrier as an HTTP process on real time (what `make run` starts):
    yields (carrier, web_port, carrier_port)."""
    import threading

    from telephony.management.commands.sandbox_carrier import sandbox_number
    from telephony.sandbox.carrier import SandboxCarrier
    from telephony.sandbox.scheduler import RealtimeScheduler
    from telephony.sandbox.server import serve
    from telephony.sandbox.transport import HttpTransport

    web_port, carrier_port = free_port(), free_port()
    scheduler = RealtimeScheduler()
    carrier = SandboxCarrier(transport=HttpTransport(connect_to=f"http://127.0.0.1:{web_port}"), scheduler=scheduler)
    carrier.number_resolver = sandbox_number
    server = serve(carrier, "127.0.0.1", carrier_port)
    proc = _spawn(["daphne", "-b", "127.0.0.1", "-p", str(web_port), "config.asgi:application"],
                  _child_env(SITE_PORT=str(web_port), SANDBOX_CARRIER_URL=f"http://127.0.0.1:{carrier_port}",
                             SERVE_STATIC="1"),
                  tmp_path_factory.mktemp("web") / "daphne.log")
    with django_db_blocker.unblock():
        threading.Thread(target=server.serve_forever, daemon=True).start()
        def run_carrier():
            from django.db import connections

            try:
                scheduler.run_forever(lambda exc: carrier.errors.append(repr(exc)))
            finally:
                connections.close_all()  # the number lookups' connection would block dropping the test DB

        carrier_thread = threading.Thread(target=run_carrier, daemon=True)
        carrier_thread.start()
        wait_for("daphne", lambda: http_json("GET", f"http://127.0.0.1:{web_port}/healthz",
                                             host="localhost")[0] == 200, 60)
        try:
            yield carrier, web_port, carrier_port
        finally:
            scheduler.stop()
            carrier_thread.join(10)
            server.shutdown()
            _stop(proc)


@dataclass
class LiveSite:
    port: int

    def url(self, host: str = "localhost", path: str = "/") -> str:
        return f"http://{host}:{self.port}{path}"


@pytest.fixture(scope="session")
def live_site(django_db_setup, tmp_path_factory):
    """A real daphne process serving the test database (browser and HTTP tests)."""
    import time
    import urllib.request

    port = free_port()
    proc = _spawn(["daphne", "-b", "127.0.0.1", "-p", str(port), "config.asgi:application"],
                  _child_env(SITE_PORT=str(port), SERVE_STATIC="1"), tmp_path_factory.mktemp("web") / "daphne.log")
    deadline = time.monotonic() + 60
    while True:
        try:
            req = urllib.request.Request(f"http://127.0.0.1:{port}/healthz", headers={"Host": "localhost"})
            if urllib.request.urlopen(req, timeout=2).status == 200:  # noqa: S310 - loopback only
                break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"daphne did not start; see {proc.log.name}") from None
            time.sleep(0.2)
    try:
        yield LiveSite(port=port)
    finally:
        _stop(proc)


CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def run_async(fn) -> None:
    """Run an async test body in a thread of its own: safe even when another library
    (Playwright's sync API) keeps an event loop running in the test thread."""
    from concurrent.futures import ThreadPoolExecutor

    from asgiref.sync import async_to_sync
    from django.db import connections

    def body():
        from channels.layers import channel_layers

        try:
            async_to_sync(fn)()
        finally:
            connections.close_all()  # this thread's connection would block dropping the test DB
            # The channel layer's asyncio locks belong to this thread's event loop: the next
            # test's loop must get a layer of its own ("Lock … bound to a different event loop").
            channel_layers.backends.clear()

    with ThreadPoolExecutor(1) as pool:
        pool.submit(body).result()
