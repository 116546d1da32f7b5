"""Hardening (issue #15 item 8): Argon2 passwords, login lockout in the security log, a Content-Security-Policy
without inline code (and templates that need none), HSTS and the HTTPS redirect, `check --deploy` clean."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from django.contrib.auth.hashers import make_password
from django.test import Client, override_settings

from fupin.core.models import SecurityEvent, User
from fupin.portal import charts
from tests import factories

SRC = Path(__file__).resolve().parents[2] / "src" / "fupin"
TEMPLATES = sorted(SRC.glob("**/templates/**/*.html"))
PASSWORD = "correct-horse-42"


def _fail(client: Client, username: str) -> int:
    return client.post("/login/", {"username": username, "password": "wrong"}).status_code


def _csp(response) -> dict[str, str]:
    header = response.headers.get("Content-Security-Policy", "")
    return {part.split()[0]: part.strip() for part in header.split(";") if part.strip()}


# -- passwords -------------------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_new_passwords_are_argon2_and_old_pbkdf2_hashes_upgrade_at_login():
    u = factories.user("hasher", password=PASSWORD)
    assert User.objects.get(pk=u.pk).password.startswith("argon2$")

    User.objects.filter(pk=u.pk).update(password=make_password(PASSWORD, hasher="pbkdf2_sha256"))
    assert User.objects.get(pk=u.pk).password.startswith("pbkdf2_sha256$")
    assert Client().post("/login/", {"username": "hasher", "password": PASSWORD}).status_code == 302
    assert User.objects.get(pk=u.pk).password.startswith("argon2$")


# -- lockout ---------------------------------------------------------------------------------------------------------
@pytest.mark.django_db
@override_settings(AXES_FAILURE_LIMIT=5)
def test_five_failed_logins_lock_the_name_out_in_both_languages_and_the_lockout_is_logged():
    factories.user("victim", password=PASSWORD)
    c = Client()
    assert [_fail(c, "victim") for _ in range(4)] == [200] * 4
    assert _fail(c, "victim") == 429
    assert SecurityEvent.objects.filter(kind="locked_out", username="victim").count() == 1

    # locked: even the right password is refused, with the lockout page in the visitor's language
    r = c.post("/login/", {"username": "victim", "password": PASSWORD}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert r.status_code == 429
    assert "登录失败次数过多" in r.content.decode()
    r = c.post("/login/", {"username": "victim", "password": PASSWORD}, HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 429 and "Too many failed sign-ins" in r.content.decode()
    assert "_auth_user_id" not in c.session

    # another user name from the same address is not locked
    factories.user("bystander", password=PASSWORD)
    assert Client().post("/login/", {"username": "bystander", "password": PASSWORD}).status_code == 302


@pytest.mark.django_db
@override_settings(AXES_FAILURE_LIMIT=3, AXES_COOLOFF_TIME=0.25)
def test_the_lockout_ends_after_the_cool_off_and_a_success_resets_the_count():
    factories.user("patient", password=PASSWORD)
    start = dt.datetime(2026, 12, 6, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        c = Client()
        assert [_fail(c, "patient") for _ in range(3)] == [200, 200, 429]
        assert c.post("/login/", {"username": "patient", "password": PASSWORD}).status_code == 429
    with time_machine.travel(start + dt.timedelta(minutes=16), tick=False):
        c = Client()
        assert c.post("/login/", {"username": "patient", "password": PASSWORD}).status_code == 302
        # the success reset the count: two failures later the name is not locked
        c = Client()
        assert [_fail(c, "patient") for _ in range(2)] == [200, 200]
        assert c.post("/login/", {"username": "patient", "password": PASSWORD}).status_code == 302


@pytest.mark.django_db
def test_command_line_authentication_is_not_throttled():
    from django.contrib.auth import authenticate

    factories.user("cli", password=PASSWORD)
    for _ in range(8):
        assert authenticate(None, username="cli", password="wrong") is None
    assert authenticate(None, username="cli", password=PASSWORD) is not None


# -- Content-Security-Policy -----------------------------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/login/", "/api/v1/openapi.json", "/certification/verify/"])
def test_every_response_carries_a_policy_without_unsafe_inline(path):
    r = Client().get(path)
    policy = _csp(r)
    assert policy["default-src"] == "default-src 'self'"
    assert policy["script-src"] == "script-src 'self'"
    assert policy["style-src"] == "style-src 'self'"
    assert policy["object-src"] == "object-src 'none'"
    assert policy["frame-ancestors"] == "frame-ancestors 'none'"
    assert "unsafe-inline" not in r.headers["Content-Security-Policy"]
    assert "unsafe-eval" not in r.headers["Content-Security-Policy"]


INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"<style\b", re.I), "inline <style>"),
    (re.compile(r"\sstyle\s*=", re.I), "style= attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "on…= handler"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]


def test_templates_hold_no_inline_script_style_or_handlers():
    assert len(TEMPLATES) > 50
    found = [f"{t.relative_to(SRC)}: {what}" for t in TEMPLATES for rx, what in INLINE if rx.search(t.read_text())]
    assert found == []


def test_the_inline_check_catches_what_it_looks_for():
    samples = ["<script>alert(1)</script>", "<style>p{}</style>", '<p style="color:red">', '<a onclick="x()">',
               '<a href="javascript:x()">']
    assert [any(rx.search(s) for rx, _ in INLINE) for s in samples] == [True] * 5
    assert not any(rx.search('<script src="/static/portal/app.js" defer></script>') for rx, _ in INLINE)


def test_server_drawn_charts_carry_no_style_attributes():
    bars = charts.bar_chart([charts.Bar("A", 120), charts.Bar("B", -80)], title="t")
    lines = charts.line_chart(["1", "2"], [charts.Series("s", [1, 2])], title="t")
    stacked = charts.stacked_bar_chart(["1", "2"], [charts.Series("s", [1, 2])], title="t")
    for svg in (bars, lines, stacked):
        assert "<svg" in svg and not re.search(r"\sstyle\s*=", svg)


# -- HTTPS -----------------------------------------------------------------------------------------------------------
@pytest.mark.django_db
@override_settings(SECURE_SSL_REDIRECT=True, SECURE_HSTS_SECONDS=31_536_000, SECURE_HSTS_INCLUDE_SUBDOMAINS=True,
                   SECURE_HSTS_PRELOAD=True)
def test_under_https_settings_http_redirects_and_https_answers_with_hsts():
    c = Client()
    r = c.get("/login/")
    assert r.status_code == 301 and r.headers["Location"].startswith("https://")
    r = c.get("/login/", secure=True)
    assert r.status_code == 200
    assert r.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


def test_the_settings_turn_https_on_with_secure_cookies():
    code = ("from django.conf import settings as s; "
            "print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE)")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "fupin.settings", "FUPIN_SECURE_COOKIES": "1"}
    out = subprocess.run([sys.executable, "-c", "import django; django.setup(); " + code], env=env,  # noqa: S603
                         capture_output=True, text=True, check=True).stdout.split()
    assert out == ["True", "31536000", "True", "True"]


def test_check_deploy_is_clean_under_production_settings(tmp_path):
    # the process environment as a server gets it: without development switches (and without the async-safety switch
    # the browser tests set in this process)
    dev = ("FUPIN_ALLOW_DEV_KEY", "DJANGO_DEBUG", "FUPIN_DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE")
    env = {k: v for k, v in os.environ.items() if k not in dev}
    env.update(DJANGO_SETTINGS_MODULE="fupin.settings", FUPIN_SECRET_KEY="k" * 20 + "-production-secret-" + "x9Q" * 12,
               FUPIN_SECURE_COOKIES="1", FUPIN_ALLOWED_HOSTS="fupin.example.gov.cn", FUPIN_DATA_DIR=str(tmp_path))
    r = subprocess.run([sys.executable, "-m", "fupin", "check", "--deploy", "--fail-level", "WARNING"],  # noqa: S603
                       env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "no issues" in r.stdout
