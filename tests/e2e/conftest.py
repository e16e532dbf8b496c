"""Browser-test helpers: a context per person (own cookies), screenshots of every open page
when a test fails (in .artifacts/e2e/, kept by CI), ORM work off Playwright's event loop."""

from __future__ import annotations

import contextlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parents[2] / ".artifacts" / "e2e"


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, f"rep_{rep.when}", rep)


def off_loop(django_db_blocker, fn, *args, **kwargs):
    """Run ORM code in another thread: Playwright's sync API keeps an event loop in this one."""
    from django.db import connection

    def body():
        with django_db_blocker.unblock():
            try:
                return fn(*args, **kwargs)
            finally:
                connection.close()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(body).result()


@pytest.fixture
def people(browser, request):
    """people(name) -> a fresh page in its own browser context (its own session)."""
    pages: dict[str, object] = {}
    contexts = []

    def open_page(name: str):
        ctx = browser.new_context(viewport={"width": 1280, "height": 900})
        contexts.append(ctx)
        page = ctx.new_page()
        page.set_default_timeout(15_000)
        pages[name] = page
        return page

    yield open_page
    rep = getattr(request.node, "rep_call", None)
    if rep is not None and rep.failed:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for name, page in pages.items():
            with contextlib.suppress(Exception):  # a closed page has nothing to show
                page.screenshot(path=str(ARTIFACTS / f"{request.node.name}-{name}.png"), full_page=True)
    for ctx in contexts:
        ctx.close()


def sign_in(page, base: str, email: str, password: str, then: str) -> None:
    page.goto(f"{base}/login?next={then}")
    page.fill("#id_email", email)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}{then}")
