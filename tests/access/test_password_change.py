"""After an administrator resets a password, the user must choose a new one (issue #15): signing in with the
temporary password leads to the change page and every other page redirects there; the API refuses the session;
a wrong current password, a weak or unchanged new one, or two different new ones are refused on the form and
change nothing; the change clears the flag, keeps this session signed in and is audited."""

from __future__ import annotations

import pytest
from django.test import Client

from fupin.core import services
from fupin.core.models import AuditEntry, User
from tests import factories

pytestmark = pytest.mark.django_db
TEMPORARY = "Temporary-pass-2026"
NEW = "a-New-and-long-passphrase-77"


@pytest.fixture
def reset_user(admin_user):
    user = factories.user("clerk_reset", roles="clerk", scope_level="county", scope_code="522627")
    services.user_password_reset(user=user, actor=admin_user, password=TEMPORARY, reason="forgotten")
    return User.objects.get(pk=user.pk)


def _signed_in(user, password=TEMPORARY) -> Client:
    client = Client()
    response = client.post("/login/", {"username": user.username, "password": password})
    assert response.status_code == 302, response.content
    return client


def _change(client, current=TEMPORARY, new=NEW, confirm=None, next_="", **headers):
    return client.post("/account/password/", {"current_password": current, "new_password": new,
                                              "confirm_password": new if confirm is None else confirm,
                                              "next": next_}, **headers)


def test_every_page_leads_to_the_change_page_until_the_password_is_changed(reset_user):
    client = _signed_in(reset_user)
    for path in ("/", "/account/tokens/", "/ledger/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/account/password/?next="), path
    page = client.get("/account/password/")
    assert page.status_code == 200
    assert "An administrator reset your password" in page.content.decode()


def test_the_api_refuses_the_session_until_the_password_is_changed(reset_user):
    client = _signed_in(reset_user)
    assert client.get("/api/v1/me").status_code == 401
    assert _change(client).status_code == 302
    assert client.get("/api/v1/me").status_code == 200


@pytest.mark.parametrize("kw, field", [
    ({"current": "not-the-password"}, "current_password"),
    ({"new": TEMPORARY}, "new_password"),            # unchanged
    ({"new": "short"}, "new_password"),              # too weak for the password rules
    ({"confirm": "something-else-entirely-9"}, "confirm_password"),
])
def test_a_refused_change_changes_nothing(reset_user, kw, field):
    client = _signed_in(reset_user)
    response = _change(client, **kw)
    assert response.status_code == 422
    assert response.context["form"].errors.get(field), response.context["form"].errors
    user = User.objects.get(pk=reset_user.pk)
    assert user.password_reset_required is True and user.check_password(TEMPORARY)
    assert not AuditEntry.objects.filter(action="user:password_change").exists()


def test_the_change_clears_the_flag_keeps_the_session_and_is_audited(reset_user):
    client = _signed_in(reset_user)
    response = _change(client, next_="/account/tokens/")
    assert response.status_code == 302 and response["Location"] == "/account/tokens/"
    assert client.get("/account/tokens/").status_code == 200  # still signed in, no redirect
    user = User.objects.get(pk=reset_user.pk)
    assert user.password_reset_required is False and user.check_password(NEW) and not user.check_password(TEMPORARY)
    entry = AuditEntry.objects.get(action="user:password_change")
    assert entry.before == {"password_reset_required": True} and entry.after == {"password_reset_required": False}
    assert TEMPORARY not in str(entry.before) + str(entry.after) and NEW not in str(entry.after)
    assert Client().post("/login/", {"username": user.username, "password": TEMPORARY}).status_code == 200
    _signed_in(user, NEW)


def test_an_outside_next_is_not_followed(reset_user):
    response = _change(_signed_in(reset_user), next_="https://evil.example/")
    assert response.status_code == 302 and response["Location"] == "/"


def test_a_user_without_a_reset_may_change_its_password_too(county_clerk):
    client = _signed_in(county_clerk, "correct-horse-42")
    assert client.get("/").status_code == 200
    assert _change(client, current="correct-horse-42").status_code == 302
    assert User.objects.get(pk=county_clerk.pk).check_password(NEW)


def test_the_page_and_its_messages_are_in_chinese(reset_user):
    client = _signed_in(reset_user)
    page = client.get("/account/password/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    refused = _change(client, current="wrong-one-entirely", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "修改密码" in page and "管理员已重置您的密码" in page
    assert "当前密码不正确" in refused
