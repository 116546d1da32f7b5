"""The portal's "API tokens" page (from the user's menu) and the administrators' "Users" pages (issue #15 item 5)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from fupin.core import services
from fupin.core.models import ApiToken, AuditEntry, User
from tests import factories

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_the_menu_links_to_the_tokens_page(county_clerk):
    page = signed_in(county_clerk).get("/account/tokens/")
    assert page.status_code == 200 and 'href="/account/tokens/"' in page.content.decode()


def test_a_token_made_on_the_page_shows_its_secret_once(county_clerk):
    c = signed_in(county_clerk)
    r = c.post("/account/tokens/", {"name": "nightly", "scopes": ["ledger:read", "registry:read"], "days": "30"})
    assert r.status_code == 200
    secret = re.search(r"fpn_[A-Za-z0-9_-]{20,}", r.content.decode()).group(0)
    token = ApiToken.objects.get(key_hash=services.token_hash(secret))
    assert token.user == county_clerk and token.scope_list == ["ledger:read", "registry:read"]
    assert AuditEntry.objects.filter(action="token:create", object_id=str(token.pk)).exists()
    again = c.get("/account/tokens/").content.decode()
    assert secret not in again and token.prefix in again and "ledger:read" in again
    assert Client().get("/api/v1/regions", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 200
    assert Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 403  # system:read


def test_a_bad_form_creates_nothing(county_clerk):
    r = signed_in(county_clerk).post("/account/tokens/", {"scopes": ["ledger:admin"], "days": "30"})
    assert r.status_code == 422 and not ApiToken.objects.exists()


def test_the_owner_revokes_on_the_page(county_clerk, other_county_clerk):
    key = services.token_create(user=county_clerk, actor="test")
    token = ApiToken.objects.get(key_hash=services.token_hash(key))
    theirs = ApiToken.objects.get(key_hash=services.token_hash(services.token_create(user=other_county_clerk,
                                                                                     actor="test")))
    c = signed_in(county_clerk)
    assert c.post(f"/account/tokens/{theirs.pk}/revoke/").status_code == 404
    assert c.post(f"/account/tokens/{token.pk}/revoke/").status_code == 302
    token.refresh_from_db()
    theirs.refresh_from_db()
    assert token.revoked_at is not None and theirs.revoked_at is None
    assert c.get(f"/account/tokens/{token.pk}/revoke/").status_code == 405


def test_an_administrator_sees_and_revokes_its_users_tokens(county_clerk, other_county_clerk):
    gz = factories.user("gz-admin", roles="administrator", scope_level="province", scope_code="520000")
    mine = ApiToken.objects.get(key_hash=services.token_hash(services.token_create(user=county_clerk, actor="t")))
    hebei = ApiToken.objects.get(key_hash=services.token_hash(services.token_create(user=other_county_clerk,
                                                                                    actor="t")))
    c = signed_in(gz)
    page = c.get("/account/tokens/?everyone=1").content.decode()
    assert mine.prefix in page and hebei.prefix not in page
    assert c.post(f"/account/tokens/{mine.pk}/revoke/", {"everyone": "1"}).status_code == 302
    assert c.post(f"/account/tokens/{hebei.pk}/revoke/").status_code == 404
    mine.refresh_from_db()
    assert mine.revoked_at is not None
    assert AuditEntry.objects.get(action="token:revoke", object_id=str(mine.pk)).actor_name == "gz-admin"


@pytest.fixture
def gx(db):
    for code in ("450103", "522627"):
        factories.region(code)
    return factories.user("gx-admin", roles="administrator", scope_level="province", scope_code="450000")


def test_the_users_pages_are_for_administrators(county_clerk):
    c = signed_in(county_clerk)
    assert c.get("/oversight/users/").status_code == 403
    assert c.get(f"/oversight/users/{county_clerk.pk}/").status_code == 403


def test_a_province_administrator_creates_and_changes_a_county_user(gx):
    c = signed_in(gx)
    assert "/oversight/users/" in c.get("/").content.decode() or c.get("/oversight/users/").status_code == 200
    r = c.post("/oversight/users/", {"username": "nn-1", "roles": ["clerk"], "scope": "450103"})
    assert r.status_code == 302
    user = User.objects.get(username="nn-1")
    r = c.post(f"/oversight/users/{user.pk}/", {"action": "change", "roles": ["clerk", "reviewer"],
                                                  "scope": "450103", "is_active": "", "reason": "moved"})
    assert r.status_code == 302
    user.refresh_from_db()
    assert user.roles == "clerk,reviewer" and not user.is_active
    r = c.post(f"/oversight/users/{user.pk}/", {"action": "reset", "password": "", "reason": "forgot"})
    assert r.status_code == 302
    user.refresh_from_db()
    assert user.password_reset_required and not user.has_usable_password()
    assert [e.action for e in AuditEntry.objects.filter(object_id=str(user.pk), object_type="core.user")
            .order_by("id")] == ["user:create", "user:change", "user:password_reset"]


def test_the_users_page_refuses_another_province_and_a_higher_role(gx):
    c = signed_in(gx)
    assert c.post("/oversight/users/", {"username": "gz-1", "roles": ["clerk"], "scope": "522627"}).status_code == 403
    assert c.post("/oversight/users/", {"username": "aud", "roles": ["auditor"], "scope": "450103"}).status_code == 403
    assert not User.objects.filter(username__in=["gz-1", "aud"]).exists()
    other = factories.user("gz-clerk", roles="clerk", scope_level="county", scope_code="522627")
    assert c.get(f"/oversight/users/{other.pk}/").status_code == 404


def test_the_pages_speak_chinese(county_clerk):
    c = signed_in(county_clerk)
    page = c.get("/account/tokens/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "API 令牌" in page and "新建令牌" in page
    r = c.post("/account/tokens/", {"scopes": ["ledger:admin"], "days": "30"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert r.status_code == 422
    key = services.token_create(user=county_clerk, scopes="registry:read", actor="test")
    r = Client().get("/api/v1/purchases", HTTP_AUTHORIZATION=f"Bearer {key}", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert r.json()["code"] == "token_scope" and "不包含" in r.json()["message"]
