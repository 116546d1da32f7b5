"""Delegated user administration (issue #15 item 5): a province's administrator manages the users of its
province's counties — creates them, sets roles within its own scope, deactivates them, resets their password —
never users outside its province, roles it does not hold, administrators at or above its own level, or itself;
every change audited."""

from __future__ import annotations

import pytest

from fupin.core import services
from fupin.core.models import ApiToken, AuditEntry, SecurityEvent, User
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def gx(db):
    for code in ("450103", "450104", "522627"):
        factories.region(code)
    return factories.user("gx-admin", roles="administrator", scope_level="province", scope_code="450000")


@pytest.fixture
def gx_clerk(gx):
    return factories.user("gx-clerk", roles="clerk", scope_level="county", scope_code="450103")


def test_a_province_administrator_creates_a_county_user(api_as, gx):
    r = api_as(gx).post("/users", {"username": "nn-clerk", "roles": ["clerk", "reviewer"], "scope": "450103"})
    assert r.status_code == 201, r.json()
    entry = AuditEntry.objects.get(action="user:create", object_id=str(r.json()["id"]))
    assert entry.actor_name == "gx-admin" and entry.after["roles"] == "clerk,reviewer"


def test_and_a_county_administrator_below_it(api_as, gx):
    r = api_as(gx).post("/users", {"username": "nn-admin", "roles": "administrator", "scope": "450103"})
    assert r.status_code == 201, r.json()


@pytest.mark.parametrize("payload, code", [
    ({"username": "gz-clerk", "roles": "clerk", "scope": "522627"}, "permission_denied"),   # another province
    ({"username": "nat", "roles": "viewer"}, "permission_denied"),                         # the nation
    ({"username": "aud", "roles": "auditor", "scope": "450103"}, "role_above_own"),         # a role it lacks
    ({"username": "peer", "roles": "administrator", "scope": "450000"}, "role_above_own"),  # its own level
])
def test_a_province_administrator_is_refused_outside_its_scope_and_above_its_roles(api_as, gx, payload, code):
    before = SecurityEvent.objects.filter(kind="permission_denied").count()
    r = api_as(gx).post("/users", payload)
    assert (r.status_code, r.json()["code"]) == (403, code)
    assert not User.objects.filter(username=payload["username"]).exists()
    assert SecurityEvent.objects.filter(kind="permission_denied").count() == before + 1
    assert not AuditEntry.objects.filter(action="user:create", object_repr=payload["username"]).exists()


def test_it_sets_roles_and_deactivates_a_county_user(api_as, gx, gx_clerk):
    key = factories.token(gx_clerk)
    client = api_as(gx)
    r = client.raw("patch", f"/users/{gx_clerk.pk}", {"roles": "clerk,approver", "reason": "new post"})
    assert r.status_code == 200 and r.json()["roles"] == ["approver", "clerk"]
    assert client.raw("patch", f"/users/{gx_clerk.pk}", {"roles": "auditor"}).json()["code"] == "role_above_own"
    r = client.raw("patch", f"/users/{gx_clerk.pk}", {"is_active": False, "reason": "left"})
    assert r.status_code == 200 and r.json()["is_active"] is False
    changes = AuditEntry.objects.filter(action="user:change", object_id=str(gx_clerk.pk)).order_by("id")
    assert [c.after for c in changes] == [{"roles": "approver,clerk"}, {"is_active": False}]
    assert [c.reason for c in changes] == ["new post", "left"]
    from django.test import Client

    r = Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert r.status_code == 401                                            # a deactivated user's token stops


def test_it_cannot_change_a_peer_itself_or_a_user_elsewhere(api_as, gx, county_clerk):
    peer = factories.user("gx-admin-2", roles="administrator", scope_level="province", scope_code="450000")
    client = api_as(gx)
    r = client.raw("patch", f"/users/{peer.pk}", {"is_active": False})
    assert (r.status_code, r.json()["code"]) == (403, "peer_administrator")
    r = client.raw("patch", f"/users/{gx.pk}", {"scope": "", "scope_level": "nation"})
    assert r.status_code == 403
    r = client.raw("patch", f"/users/{gx.pk}", {"roles": "administrator,auditor"})
    assert (r.status_code, r.json()["code"]) == (403, "own_account")
    assert client.raw("patch", f"/users/{county_clerk.pk}", {"is_active": False}).status_code == 404  # Guizhou
    assert client.post(f"/users/{county_clerk.pk}/password-reset", {}).status_code == 404
    peer.refresh_from_db()
    county_clerk.refresh_from_db()
    assert peer.is_active and county_clerk.is_active


def test_a_national_administrator_may_make_a_province_administrator(api_as, admin_user, gx):
    r = api_as(admin_user).post("/users", {"username": "gx-3", "roles": "administrator", "scope": "450000"})
    assert r.status_code == 201
    r = api_as(admin_user).raw("patch", f"/users/{gx.pk}", {"is_active": False})
    assert r.status_code == 200


def test_it_resets_a_county_users_password(api_as, gx, gx_clerk):
    key = factories.token(gx_clerk)
    r = api_as(gx).post(f"/users/{gx_clerk.pk}/password-reset", {"password": "a-temporary-pass-31",
                                                                 "reason": "forgotten"})
    assert r.status_code == 200 and r.json()["password_reset_required"] is True
    gx_clerk.refresh_from_db()
    assert gx_clerk.check_password("a-temporary-pass-31") and not gx_clerk.check_password("correct-horse-42")
    assert not ApiToken.objects.filter(user=gx_clerk, revoked_at__isnull=True).exists()
    entry = AuditEntry.objects.get(action="user:password_reset", object_id=str(gx_clerk.pk))
    assert entry.actor_name == "gx-admin" and entry.after["tokens_revoked"] == 1 and entry.reason == "forgotten"
    assert AuditEntry.objects.filter(action="token:revoke", actor_name="gx-admin").count() == 1
    from django.test import Client

    assert Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 401


def test_a_reset_without_a_password_leaves_none(gx, gx_clerk):
    services.user_password_reset(user=gx_clerk, actor=gx)
    gx_clerk.refresh_from_db()
    assert not gx_clerk.has_usable_password() and gx_clerk.password_reset_required


def test_a_clerk_administers_nobody(api_as, gx_clerk):
    r = api_as(gx_clerk).post("/users", {"username": "z", "roles": "viewer", "scope": "450103"})
    assert r.status_code == 403
    assert api_as(gx_clerk).post(f"/users/{gx_clerk.pk}/password-reset", {}).status_code == 403
