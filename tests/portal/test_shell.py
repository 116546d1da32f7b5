"""The shell: sign in and out, navigation by role, both languages, error pages."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from fupin.core.models import SecurityEvent

pytestmark = pytest.mark.django_db


def nav_labels(body: str) -> str:
    start = body.find('<nav class="sidenav"')
    return body[start: body.find("</nav>", start)] if start >= 0 else ""


def test_login_page_is_public_and_signs_in(client, national_viewer):
    r = client.get("/login/")
    assert r.status_code == 200 and 'name="username"' in r.content.decode()
    r = client.post("/login/", {"username": "viewer1", "password": "correct-horse-42"})
    assert r.status_code == 302 and r["Location"] == "/"
    assert SecurityEvent.objects.filter(kind="login", username="viewer1").exists()


def test_login_redirects_back_to_the_page_asked_for(client, national_viewer):
    r = client.post("/login/?next=/households/", {"username": "viewer1", "password": "correct-horse-42",
                                                  "next": "/households/"})
    assert r["Location"] == "/households/"


def test_login_refuses_external_next(client, national_viewer):
    r = client.post("/login/", {"username": "viewer1", "password": "correct-horse-42", "next": "https://evil.example/"})
    assert r["Location"] == "/"


def test_wrong_password_shows_error_and_is_logged(client, national_viewer):
    r = client.post("/login/", {"username": "viewer1", "password": "nope"})
    assert r.status_code == 200 and 'role="alert"' in r.content.decode()
    assert SecurityEvent.objects.filter(kind="login_failed", username="viewer1").exists()


def test_logout_is_post_and_ends_the_session(client_for, national_viewer):
    c = client_for(national_viewer)
    assert c.get("/").status_code == 200
    r = c.post("/logout/")
    assert r.status_code == 302 and r["Location"] == "/login/"
    # signed out: the front page is the public one, and every signed-in page sends to the sign-in form
    assert c.get("/").status_code == 200 and "_auth_user_id" not in c.session
    assert c.get(reverse("portal:region_list")).status_code == 302


@pytest.mark.parametrize(("roles", "sees", "does_not_see"), [
    ("viewer", ["Regions", "Households"], ["Imports", "Audit log", "Security log"]),
    ("clerk", ["Regions", "Imports"], ["Audit log"]),
    ("auditor", ["Audit log", "Security log", "Imports"], ["Administration"]),
    ("administrator", ["Imports", "Audit log", "Security log"], []),
])
def test_navigation_depends_on_role(client_for, roles, sees, does_not_see):
    from tests import factories

    user = factories.user(f"u_{roles}", roles=roles)
    nav = nav_labels(client_for(user).get("/").content.decode())
    for label in sees:
        assert f">{label}</a>" in nav
    for label in does_not_see:
        assert f">{label}</a>" not in nav


def test_home_in_chinese(client_for, county_clerk, world):
    body = client_for(county_clerk, "zh-hans").get("/").content.decode()
    assert '<html lang="zh-Hans">' in body
    nav = nav_labels(body)
    for label in ("首页", "行政区划", "单位", "经营主体", "农户", "帮扶关系", "导入"):
        assert f">{label}</a>" in nav
    assert "欢迎使用扶贫平台" in body and "退出" in body


def test_language_switch_sets_cookie_and_returns(client_for, national_viewer):
    c = client_for(national_viewer)
    r = c.post("/i18n/setlang/", {"language": "zh-hans", "next": "/regions/"})
    assert r.status_code == 302 and r["Location"] == "/regions/"
    body = c.get("/regions/").content.decode()
    assert "<h1>行政区划</h1>" in body and "筛选" in body
    c.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "<h1>Regions</h1>" in c.get("/regions/").content.decode()


def test_django_own_strings_are_chinese_too():
    """Django's own messages (here: the sign-in form's error) come from Django's zh_Hans catalogue."""
    c = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    body = c.post("/login/", {"username": "nobody", "password": "wrong-password"}).content.decode()
    assert "请输入一个正确的" in body


def test_error_pages(client_for, national_viewer):
    c = client_for(national_viewer)
    r = c.get("/no/such/page/")
    assert r.status_code == 404 and "<h1>Not found</h1>" in r.content.decode()
    r = c.get("/oversight/audit/")
    assert r.status_code == 403 and "<h1>Access denied</h1>" in r.content.decode()
    assert SecurityEvent.objects.filter(kind="permission_denied", username="viewer1").exists()
    r = client_for(national_viewer, "zh-hans").get("/oversight/audit/")
    assert r.status_code == 403 and "无权访问" in r.content.decode()


def test_anonymous_404_is_a_page_not_a_crash(client):
    r = client.get("/no/such/page/")
    assert r.status_code == 404


def test_registry_pages_in_chinese_show_chinese_enum_labels(client_for, county_clerk, world):
    c = client_for(county_clerk, "zh-hans")
    body = c.get("/regions/", {"level": "county"}).content.decode()
    assert "<td>县</td>" in body and "国家级贫困县" in body
    body = c.get(f"/households/{world.here['household'].pk}/").content.decode()
    assert "建档立卡贫困户" in body and "户主" in body
    body = c.get("/entities/").content.decode()
    assert "农民专业合作社" in body
    body = c.get("/").content.decode()
    assert "经办员" in body  # the user's role, from core's catalogue


def test_section_roots_lead_to_their_first_page(client, client_for, national_viewer):
    r = client.get("/ledger/")
    assert r.status_code == 302 and r["Location"].startswith("/login/")
    r = client_for(national_viewer).get("/ledger/")
    assert r.status_code == 302 and r["Location"] == "/ledger/statistics/"
    r = client.get("/certification/")  # the catalogue is public
    assert r.status_code == 302 and r["Location"] == "/certification/catalogue/"


def test_every_page_names_the_favicon_and_it_is_served(client):
    from django.contrib.staticfiles import finders

    body = client.get("/login/").content.decode()
    assert '<link rel="icon" href="/static/portal/favicon.svg" type="image/svg+xml">' in body
    path = finders.find("portal/favicon.svg")
    assert path
    with open(path, encoding="utf-8") as f:
        assert f.read().startswith("<svg")
