"""Browser tests: Playwright's sync API driving Debian's headless chromium against pytest-django's live server.

Fixtures for every area's e2e tests:
- `browser` (session): one chromium for the whole run (Playwright gives each launch a fresh, temporary
  user-data dir, so no profile is shared with anything else).
- `context` / `page` (per test): a fresh browser context (no cookies, English by default) and a page in it.
- `base_url`: the live server's URL (requesting it gives the test a transactional database, so data made
  in the test is visible to the server thread).
- `log_in(page, username, password=PASSWORD)`: signs in through the login form and waits for the home page.
- `make_user(username, roles=..., scope_level=..., scope_code=...)`: a user with PASSWORD.

Every test in this folder is marked `e2e` automatically. Keep them few and fast: one browser per session,
no sleeps (use Playwright's auto-waiting `expect`).
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterator

import pytest

from tests.parameters import seed_all_parameters

# Playwright's sync API runs an event loop in this thread; Django's ORM then believes it is in async code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]
PASSWORD = "correct-horse-42"
TIMEOUT_MS = 15_000


def pytest_collection_modifyitems(config, items):
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.fspath).startswith(here):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session", autouse=True)
def _compiled_translations():
    from asgiref.local import Local
    from django.core.management import call_command
    from django.utils.translation import trans_real

    call_command("compile_translations", stdout=io.StringIO())
    trans_real._translations = {}
    trans_real._default = None
    trans_real._active = Local()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Test users sign in with a fast hasher (the real one costs ~0.3 s per hash, twice per user)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(playwright_instance) -> Iterator:
    browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    yield browser
    browser.close()


@pytest.fixture
def context(browser) -> Iterator:
    ctx = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900}, accept_downloads=True)
    ctx.set_default_timeout(TIMEOUT_MS)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context) -> Iterator:
    p = context.new_page()
    yield p
    p.close()


@pytest.fixture(autouse=True)
def _parameters(transactional_db) -> None:
    seed_all_parameters()


@pytest.fixture
def base_url(live_server, transactional_db) -> str:
    return live_server.url


@pytest.fixture
def make_user(transactional_db) -> Callable:
    from tests import factories

    def make(username: str, *, roles: str = "viewer", scope_level: str = "nation", scope_code: str = "",
             organisation="office"):
        return factories.user(username, roles=roles, scope_level=scope_level, scope_code=scope_code,
                              organisation=organisation, password=PASSWORD)

    return make


@pytest.fixture
def log_in(base_url) -> Callable:
    def do(page, username: str, password: str = PASSWORD) -> None:
        page.goto(f"{base_url}/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("form.form button[type=submit]")
        page.wait_for_url(f"{base_url}/")

    return do
