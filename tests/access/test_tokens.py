"""API tokens (issue #15 item 5): scopes per app enforced for every operation, expiry, revocation; listing and
revoking by the owner and by administrators; each creation and revocation audited and in the security log."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from fupin.core import services, tokens
from fupin.core.models import ApiToken, AuditEntry, SecurityEvent
from tests import factories

pytestmark = pytest.mark.django_db


def call(key: str, method: str, path: str, body=None):
    c = Client()
    kw = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    if method == "get":
        return c.get(f"/api/v1{path}", **kw)
    return getattr(c, method)(f"/api/v1{path}", body or {}, content_type="application/json", **kw)


# -- the pure scope rules -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text, parsed", [
    ("registry:read", ["registry:read"]),
    ("ledger:read, ledger:write", ["ledger:write"]),
    ("*:write registry:read", ["*:write"]),
    ("*:read,ledger:write", ["*:read", "ledger:write"]),
    (None, ["*:write"]),
])
def test_scopes_parse(text, parsed):
    assert tokens.parse(text) == parsed


@pytest.mark.parametrize("text", ["registry", "registry:admin", "nowhere:read", "", ":read"])
def test_bad_scopes_are_refused(text):
    with pytest.raises(tokens.ScopeError):
        tokens.parse(text)


@pytest.mark.parametrize("scopes, app, write, allowed", [
    (["registry:read"], "registry", False, True),
    (["registry:read"], "registry", True, False),
    (["registry:read"], "ledger", False, False),
    (["registry:write"], "registry", False, True),
    (["*:read"], "ledger", False, True),
    (["*:read"], "ledger", True, False),
    (["*:read", "ledger:write"], "ledger", True, True),
    (["*:write"], "users", True, True),
])
def test_allows(scopes, app, write, allowed):
    assert tokens.allows(scopes, app, write=write) is allowed


def test_within():
    assert tokens.within(["ledger:read"], ["*:read"])
    assert not tokens.within(["*:read"], ["ledger:write"])
    assert not tokens.within(["ledger:write"], ["*:read"])
    assert tokens.within(["*:read"], ["*:write"])


# -- enforced by the API, for every operation ---------------------------------------------------------------------
def test_a_read_scope_reads_its_app_and_nothing_else(admin_user):
    key = services.token_create(user=admin_user, scopes="registry:read", actor="test")
    assert call(key, "get", "/regions").status_code == 200
    r = call(key, "get", "/purchases")
    assert r.status_code == 403 and r.json()["code"] == "token_scope" and "ledger:read" in r.json()["message"]
    before = SecurityEvent.objects.filter(kind="permission_denied").count()
    r = call(key, "post", "/organisations", {})
    assert r.status_code == 403 and r.json()["code"] == "token_scope"
    assert SecurityEvent.objects.filter(kind="permission_denied").count() == before + 1   # logged once


def test_a_write_scope_writes_its_app(admin_user):
    key = services.token_create(user=admin_user, scopes="tokens:write", actor="test")
    r = call(key, "post", "/tokens", {"name": "child", "scopes": ["tokens:read"]})
    assert r.status_code == 201, r.json()
    assert call(key, "get", "/regions").status_code == 403


def test_the_scope_narrows_and_never_widens_the_users_rights(national_viewer):
    key = services.token_create(user=national_viewer, scopes="*:write", actor="test")
    r = call(key, "post", "/users", {"username": "x", "roles": "viewer"})
    assert r.status_code == 403 and r.json()["code"] == "permission_denied"     # the role still decides


def test_the_document_names_the_scope_of_every_operation():
    from fupin.api.main import api

    doc = api.get_openapi_schema()
    ops = [(p, m, o) for p, item in doc["paths"].items() for m, o in item.items()]
    secured = [(p, m, o) for p, m, o in ops if o.get("security")]
    assert secured and all("x-token-scope" in o for _, _, o in secured)
    assert doc["paths"]["/api/v1/regions"]["get"]["x-token-scope"] == "registry:read"
    assert all({401, 403} <= {int(s) for s in o["responses"]} for _, _, o in secured)


def test_an_expired_token_is_refused_with_401(admin_user):
    key = services.token_create(user=admin_user, actor="test",
                                expires_at=timezone.now() + dt.timedelta(seconds=30))
    assert call(key, "get", "/me").status_code == 200
    ApiToken.objects.filter(key_hash=services.token_hash(key)).update(expires_at=timezone.now() - dt.timedelta(1))
    r = call(key, "get", "/me")
    assert r.status_code == 401 and r.json()["code"] == "token_expired" and r.json()["message"]
    assert SecurityEvent.objects.filter(kind="token_refused", username=admin_user.username).exists()


def test_a_revoked_token_is_refused_with_401(admin_user):
    key = services.token_create(user=admin_user, actor="test")
    token = ApiToken.objects.get(key_hash=services.token_hash(key))
    services.token_revoke(token=token, actor=admin_user)
    r = call(key, "get", "/me")
    assert (r.status_code, r.json()["code"]) == (401, "token_revoked")
    assert call("fpn_unknown", "get", "/me").json()["code"] == "not_authenticated"


def test_a_token_expires_after_the_default_lifetime(admin_user, settings):
    settings.FUPIN_TOKEN_DAYS = 7
    key = services.token_create(user=admin_user, actor="test")
    token = ApiToken.objects.get(key_hash=services.token_hash(key))
    assert dt.timedelta(days=6, hours=23) < token.expires_at - timezone.now() <= dt.timedelta(days=7)


def test_only_commands_make_tokens_that_never_expire(admin_user):
    with pytest.raises(services.InvalidInput):
        services.token_create(user=admin_user, actor=admin_user, expires_at=services.NEVER)
    key = services.token_create(user=admin_user, actor="cli", expires_at=services.NEVER)
    assert ApiToken.objects.get(key_hash=services.token_hash(key)).expires_at is None


def test_create_token_command_takes_scope_and_expires(admin_user, capsys):
    call_command("create_token", admin_user.username, "--scope", "registry:read", "--scope", "ledger:write",
                 "--expires", "10d")
    key = capsys.readouterr().out.strip().splitlines()[-1]
    token = ApiToken.objects.get(key_hash=services.token_hash(key))
    assert token.scope_list == ["ledger:write", "registry:read"]
    assert dt.timedelta(days=9) < token.expires_at - timezone.now() <= dt.timedelta(days=10)
    call_command("create_token", admin_user.username, "--expires", "never")
    key = capsys.readouterr().out.strip().splitlines()[-1]
    assert ApiToken.objects.get(key_hash=services.token_hash(key)).expires_at is None
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("create_token", admin_user.username, "--scope", "ledger:admin")


# -- the owner's and the administrators' management -----------------------------------------------------------------
def test_the_owner_creates_lists_and_revokes_its_tokens(county_clerk):
    key = services.token_create(user=county_clerk, scopes="*:write", actor="test")
    r = call(key, "post", "/tokens", {"name": "nightly", "scopes": ["ledger:read"], "expires_in_days": 30})
    assert r.status_code == 201
    made = r.json()
    assert made["token"].startswith("fpn_") and made["scopes"] == ["ledger:read"] and made["active"]
    listed = call(key, "get", "/tokens").json()
    assert listed["count"] == 2 and all("token" not in t for t in listed["items"])
    assert {t["prefix"] for t in listed["items"]} >= {made["prefix"]}
    r = call(key, "post", f"/tokens/{made['id']}/revoke", {"reason": "leaked"})
    assert r.status_code == 200 and r.json()["revoked_at"] and not r.json()["active"]
    assert call(made["token"], "get", "/tokens").status_code == 401
    created = AuditEntry.objects.get(action="token:create", object_id=str(made["id"]))
    assert created.actor_name == county_clerk.username and created.after["scopes"] == ["ledger:read"]
    revoked = AuditEntry.objects.get(action="token:revoke", object_id=str(made["id"]))
    assert revoked.reason == "leaked" and revoked.actor_name == county_clerk.username
    assert SecurityEvent.objects.filter(kind="token_revoked", user=county_clerk).count() == 1
    assert SecurityEvent.objects.filter(kind="token_created", user=county_clerk).count() == 2


def test_a_token_cannot_make_a_wider_or_longer_token(county_clerk):
    key = services.token_create(user=county_clerk, scopes="tokens:write,ledger:read", actor="test",
                                expires_at=timezone.now() + dt.timedelta(days=2))
    r = call(key, "post", "/tokens", {"scopes": ["ledger:write"]})
    assert (r.status_code, r.json()["code"]) == (403, "token_scope")
    r = call(key, "post", "/tokens", {"scopes": ["ledger:read"], "expires_in_days": 300})
    assert r.status_code == 201
    assert dt.datetime.fromisoformat(r.json()["expires_at"]) <= timezone.now() + dt.timedelta(days=2)


def test_a_user_sees_and_revokes_only_its_own_tokens(county_clerk, other_county_clerk):
    theirs = services.token_create(user=other_county_clerk, actor="test")
    their_id = ApiToken.objects.get(key_hash=services.token_hash(theirs)).pk
    mine = services.token_create(user=county_clerk, actor="test")
    assert call(mine, "get", f"/tokens/{their_id}").status_code == 404
    assert call(mine, "post", f"/tokens/{their_id}/revoke", {}).status_code == 404
    assert call(mine, "get", "/tokens?everyone=true").status_code == 403
    assert call(theirs, "get", "/me").status_code == 200


@pytest.fixture
def gz_admin(db):
    return factories.user("gz-admin", roles="administrator", scope_level="province", scope_code="520000")


def test_an_administrator_lists_and_revokes_tokens_inside_its_scope(gz_admin, county_clerk, other_county_clerk):
    inside = services.token_create(user=county_clerk, actor="test")        # 522627 lies in Guizhou (52)
    outside = services.token_create(user=other_county_clerk, actor="test")  # 130631 in Hebei
    inside_id = ApiToken.objects.get(key_hash=services.token_hash(inside)).pk
    outside_id = ApiToken.objects.get(key_hash=services.token_hash(outside)).pk
    admin_key = services.token_create(user=gz_admin, actor="test")
    own_id = ApiToken.objects.get(key_hash=services.token_hash(admin_key)).pk
    listed = call(admin_key, "get", "/tokens?everyone=true").json()
    assert {t["id"] for t in listed["items"]} == {inside_id, own_id}   # its own and its province's, not Hebei's
    assert call(admin_key, "post", f"/tokens/{outside_id}/revoke", {}).status_code == 404
    r = call(admin_key, "post", f"/tokens/{inside_id}/revoke", {"reason": "clerk left"})
    assert r.status_code == 200
    assert call(inside, "get", "/me").status_code == 401 and call(outside, "get", "/me").status_code == 200
    entry = AuditEntry.objects.get(action="token:revoke", object_id=str(inside_id))
    assert entry.actor_name == "gz-admin" and entry.reason == "clerk left"


def test_a_national_administrator_revokes_anyones_token(admin_user, other_county_clerk):
    theirs = services.token_create(user=other_county_clerk, actor="test")
    their_id = ApiToken.objects.get(key_hash=services.token_hash(theirs)).pk
    admin_key = services.token_create(user=admin_user, actor="test")
    assert call(admin_key, "get", f"/tokens?user={other_county_clerk.pk}").json()["count"] == 1
    assert call(admin_key, "post", f"/tokens/{their_id}/revoke", {}).status_code == 200
    assert call(theirs, "get", "/me").status_code == 401
