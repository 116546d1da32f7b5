"""Administrators and users (issue #9 defects 2 and 3): the superuser is an administrator for the nation everywhere;
users are created and changed by commands, services, the API and the admin with one validation, each change
audited, a scoped administrator only inside its scope."""

from __future__ import annotations

import io
import sys

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from fupin.certification import services as certification
from fupin.core import rules, services
from fupin.core.errors import AccessDenied, InvalidInput
from fupin.core.models import AuditEntry, SecurityEvent, User
from fupin.ledger import services as ledger
from tests import factories
from tests.certification import factories as cf
from tests.ledger import factories as lf

pytestmark = pytest.mark.django_db


@pytest.fixture
def places():
    """Guangxi (45) with Nanning (4501) and a county (450103); Guizhou's 522627; an organisation in Nanning."""
    for code in ("450000", "450100", "450103", "522627"):
        factories.region(code)
    org = factories.organisation("南宁某局", kind="local_government", region_code="450103")
    return org


def run(*args, stdin: str = "") -> tuple[int, str, str]:
    """Run a fupin command like the CLI does: (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    old = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        call_command(*args, stdout=out, stderr=err)
        return 0, out.getvalue(), err.getvalue()
    except CommandError as exc:
        return exc.returncode, out.getvalue(), str(exc)
    finally:
        sys.stdin = old


# -- the superuser (defect 2) ----------------------------------------------------------------------------------------
def test_createsuperuser_makes_an_administrator_for_the_nation(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "an-admin-password-9")
    call_command("createsuperuser", interactive=False, username="root", email="root@example.org",
                 stdout=io.StringIO())
    root = User.objects.get(username="root")
    assert (root.roles, root.scope_level, root.scope_code, root.is_superuser) == ("administrator", "nation", "", True)
    assert root.has_role("administrator") and root.scope_prefix == ""
    entry = AuditEntry.objects.get(action="user:create", object_id=str(root.pk))
    assert entry.actor_name == "createsuperuser" and entry.after["roles"] == "administrator"


def test_a_superuser_stored_as_viewer_still_acts_as_administrator_everywhere(monkeypatch):
    """Before the fix, `createsuperuser` stored roles='viewer': registry writes passed (they test is_superuser) while
    bookings and products were refused. The properties treat every superuser as an administrator for the nation."""
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "an-admin-password-9")
    call_command("createsuperuser", interactive=False, username="root", email="r@example.org", stdout=io.StringIO())
    User.objects.filter(username="root").update(roles="viewer", scope_level="county", scope_code="130631")
    root = User.objects.get(username="root")
    assert "administrator" in root.role_list and root.scope_prefix == "" and root.has_role("clerk")

    w = lf.world()
    entry = ledger.purchase_record(
        data=lf.row(external_id="SU1", seller_code=w.seller.credit_code, buyer_code=w.unit.credit_code), actor=root)
    assert entry.amount_fen == 10000 and entry.buyer_id == w.unit.pk

    sup = cf.supplier()
    product = certification.product_create(
        supplier=sup.entity, name="Tea", category="tea", unit="kg", origin_region=factories.region(cf.VILLAGE),
        annual_capacity=10, reference_price_fen=100, price_fen=100, actor=root)
    assert product.pk and product.supplier_id == sup.entity.pk


# -- the validation every way shares -----------------------------------------------------------------------------------
@pytest.mark.parametrize("code, level, expected", [
    ("", None, ("nation", "")), ("", "nation", ("nation", "")), ("45", None, ("province", "450000")),
    ("450000", None, ("province", "450000")), ("4501", None, ("prefecture", "450100")),
    ("450100", None, ("prefecture", "450100")), ("450103", None, ("county", "450103")),
    ("450100", "prefecture", ("prefecture", "450100")), (" 450103 ", "county", ("county", "450103")),
])
def test_the_scope_level_follows_the_significant_digits(code, level, expected):
    assert rules.scope_of_code(code, level) == expected


@pytest.mark.parametrize("code, level, error", [
    ("4", None, "bad_scope_code"), ("45010", None, "bad_scope_code"), ("450103001", None, "bad_scope_code"),
    ("45A1", None, "bad_scope_code"), ("４５", None, "bad_scope_code"), ("", "county", "scope_code_required"),
    ("450103", "nation", "nation_has_no_code"), ("450103", "township", "bad_scope_level"),
])
def test_bad_scopes_have_a_code(code, level, error):
    with pytest.raises(rules.ScopeError) as exc:
        rules.scope_of_code(code, level)
    assert exc.value.code == error


@pytest.mark.parametrize("kwargs, code", [
    ({"roles": "clerk,boss"}, "unknown_role"), ({"roles": ""}, "unknown_role"),
    ({"scope_code": "459999"}, "unknown_region"), ({"scope_code": "4x"}, "bad_scope_code"),
    ({"scope_code": "450000", "scope_level": "county"}, "scope_level_mismatch"),
    ({"organisation": "91110000MA00000000"}, "unknown_organisation"), ({"organisation": 987654}, "unknown_organisation"),
])
def test_user_access_clean_refuses_with_a_code(places, kwargs, code):
    base = {"roles": "clerk", "scope_code": "450103", "scope_level": None, "organisation": places.credit_code}
    with pytest.raises(InvalidInput) as exc:
        services.user_access_clean(**{**base, **kwargs})
    assert exc.value.code == code and str(exc.value.message)


def test_user_access_clean_finds_the_organisation_by_credit_code_or_id(places):
    by_code = services.user_access_clean(roles=["reviewer", "clerk"], scope_code="4501", organisation=places.credit_code)
    by_id = services.user_access_clean(roles="clerk", scope_code="", organisation=str(places.pk))
    assert (by_code.roles, by_code.scope_level, by_code.scope_code) == (["clerk", "reviewer"], "prefecture", "450100")
    assert by_code.organisation == places == by_id.organisation and by_id.scope_level == "nation"


# -- commands ------------------------------------------------------------------------------------------------------
def test_user_create_command_creates_an_audited_user(places):
    status, out, _ = run("user_create", "nn-clerk", "--organisation", places.credit_code, "--roles", "clerk,reviewer",
                         "--scope", "450103", "--email", "c@example.org", "--password-from-stdin",
                         stdin="a-long-secret-77\n")
    assert status == 0 and "nn-clerk" in out
    user = User.objects.get(username="nn-clerk")
    assert (user.roles, user.scope_level, user.scope_code, user.organisation) == ("clerk,reviewer", "county", "450103",
                                                                                 places)
    assert user.check_password("a-long-secret-77") and user.email == "c@example.org"
    entry = AuditEntry.objects.get(action="user:create", object_id=str(user.pk))
    assert entry.actor_name == "user_create" and entry.after["scope_code"] == "450103"


def test_user_create_without_a_password_leaves_it_unusable(places):
    status, out, _ = run("user_create", "nopass", "--roles", "viewer", "--scope", "45")
    user = User.objects.get(username="nopass")
    assert status == 0 and "password not set" in out and not user.has_usable_password()
    assert (user.scope_level, user.scope_code) == ("province", "450000")


@pytest.mark.parametrize("args, message", [
    (["--roles", "clerk,boss", "--scope", "450103"], "Unknown roles: boss"),
    (["--roles", "clerk", "--scope", "459999"], "No region with the code 459999"),
    (["--roles", "clerk", "--scope", "45010"], "is not"),
    (["--roles", "clerk", "--scope", "450000", "--scope-level", "county"], "not a county"),
    (["--roles", "clerk", "--organisation", "91110000MA00000000"], "No organisation"),
])
def test_user_create_command_refuses_bad_input_with_a_message_and_exit_status_2(places, args, message):
    status, _, err = run("user_create", "bad", *args)
    assert status == 2 and message in err
    assert not User.objects.filter(username="bad").exists()


def test_user_create_command_refuses_a_taken_name_and_a_weak_password(places):
    factories.user("taken")
    assert run("user_create", "TAKEN", "--roles", "viewer")[0] == 2
    status, _, err = run("user_create", "weak", "--roles", "viewer", "--password-from-stdin", stdin="123\n")
    assert status == 2 and not User.objects.filter(username="weak").exists()


def test_user_roles_command_changes_and_audits_before_after(places):
    user = services.user_create(username="u1", password=None, roles="viewer", scope_code="450103", actor="test")
    status, out, _ = run("user_roles", "u1", "--roles", "clerk,approver", "--scope", "4501",
                         "--organisation", str(places.pk), "--reason", "moved to the prefecture")
    assert status == 0 and "roles approver,clerk; scope prefecture 450100" in out
    user.refresh_from_db()
    assert (user.roles, user.scope_level, user.scope_code, user.organisation_id) == ("approver,clerk", "prefecture",
                                                                                    "450100", places.pk)
    entry = AuditEntry.objects.filter(action="user:change", object_id=str(user.pk)).get()
    assert entry.actor_name == "user_roles" and entry.reason == "moved to the prefecture"
    assert entry.before == {"roles": "viewer", "scope_level": "county", "scope_code": "450103",
                            "organisation_id": None}
    assert entry.after == {"roles": "approver,clerk", "scope_level": "prefecture", "scope_code": "450100",
                           "organisation_id": places.pk}


def test_user_roles_command_deactivates_activates_and_shows(places):
    services.user_create(username="u2", password=None, roles="clerk", scope_code="450103", actor="test")
    assert run("user_roles", "u2", "--deactivate")[0] == 0
    assert not User.objects.get(username="u2").is_active
    assert not User.objects.get(username="u2").has_role("clerk")
    status, out, _ = run("user_roles", "u2", "--activate")
    assert status == 0 and "active" in out and User.objects.get(username="u2").is_active
    before = AuditEntry.objects.count()
    status, out, _ = run("user_roles", "u2")  # only shows
    assert status == 0 and "roles clerk" in out and AuditEntry.objects.count() == before
    assert [e.after for e in AuditEntry.objects.filter(action="user:change").order_by("id")] == [
        {"is_active": False}, {"is_active": True}]


@pytest.mark.parametrize("args, status, message", [
    (["nobody", "--roles", "clerk"], 2, "No user named"),
    (["u3", "--roles", "chief"], 2, "Unknown roles: chief"),
    (["u3", "--scope", "99"], 2, "No region with the code 990000"),
    (["u3", "--scope-level", "prefecture"], 0, "prefecture 450100"),
    (["u3", "--organisation", "nope"], 2, "No organisation"),
])
def test_user_roles_command_exit_status_and_messages(places, args, status, message):
    services.user_create(username="u3", password=None, roles="clerk", scope_code="450103", actor="test")
    got, out, err = run("user_roles", *args)
    assert got == status and message in (out + err)


# -- the API -------------------------------------------------------------------------------------------------------
@pytest.fixture
def gx_admin(places):
    return factories.user("gx-admin", roles="administrator", scope_level="province", scope_code="450000")


def test_users_api_is_for_administrators_only(api_as, places, county_clerk, auditor):
    for user in (county_clerk, auditor):
        client = api_as(user)
        denied = SecurityEvent.objects.count()
        assert client.get("/users").status_code == 403
        assert client.post("/users", {"username": "x", "roles": "viewer"}).status_code == 403
        assert client.raw("patch", f"/users/{user.pk}", {"roles": "administrator"}).status_code == 403
        assert SecurityEvent.objects.count() == denied + 3
    assert not User.objects.filter(username="x").exists()
    assert User.objects.get(pk=county_clerk.pk).roles == "clerk"
    assert api_as(None).get("/users").status_code == 401


def test_a_national_administrator_creates_lists_and_changes_users(api_as, admin_user, places):
    client = api_as(admin_user)
    r = client.post("/users", {"username": "api-u", "organisation": places.credit_code, "roles": ["clerk"],
                               "scope": "450103", "email": "a@example.org", "password": "a-long-secret-77"})
    assert r.status_code == 201, r.json()
    body = r.json()
    assert (body["roles"], body["scope_level"], body["scope_code"], body["organisation_id"]) == (["clerk"], "county",
                                                                                               "450103", places.pk)
    assert AuditEntry.objects.get(action="user:create", object_id=str(body["id"])).actor_name == admin_user.username
    listed = client.get("/users", q="api-").json()
    assert listed["count"] == 1 and listed["items"][0]["username"] == "api-u"
    r = client.raw("patch", f"/users/{body['id']}", {"roles": "clerk,reviewer", "is_active": False})
    assert r.status_code == 200 and r.json()["roles"] == ["clerk", "reviewer"] and r.json()["is_active"] is False
    r = client.raw("patch", f"/users/{body['id']}", {"organisation": None})
    assert r.status_code == 200 and r.json()["organisation_id"] is None
    changes = AuditEntry.objects.filter(action="user:change", object_id=str(body["id"])).order_by("id")
    assert [c.after for c in changes] == [{"roles": "clerk,reviewer", "is_active": False}, {"organisation_id": None}]


@pytest.mark.parametrize("payload, code", [
    ({"username": "b1", "roles": "clerk,boss"}, "unknown_role"),
    ({"username": "b2", "roles": "clerk", "scope": "459999"}, "unknown_region"),
    ({"username": "b3", "roles": "clerk", "scope": "450000", "scope_level": "county"}, "scope_level_mismatch"),
    ({"username": "b4", "roles": "clerk", "organisation": "91110000MA00000000"}, "unknown_organisation"),
    ({"username": "b5 with spaces", "roles": "clerk"}, "bad_username"),
    ({"username": "b6", "roles": "clerk", "password": "123"}, "weak_password"),
    ({"username": "b7", "roles": "clerk", "scope_level": "township"}, "invalid_input"),
])
def test_the_api_refuses_bad_roles_scope_and_organisation(api_as, admin_user, places, payload, code):
    r = api_as(admin_user).post("/users", payload)
    assert (r.status_code, r.json()["code"]) == (422, code)
    assert not User.objects.filter(username=payload["username"]).exists()


def test_a_province_administrator_manages_users_inside_its_province_only(api_as, gx_admin, places, county_clerk):
    client = api_as(gx_admin)
    inside = client.post("/users", {"username": "gx-u", "roles": "clerk", "scope": "4501",
                                    "organisation": places.credit_code})
    assert inside.status_code == 201, inside.json()
    assert client.post("/users", {"username": "gz-u", "roles": "clerk", "scope": "522627"}).status_code == 403
    assert client.post("/users", {"username": "nat-u", "roles": "viewer"}).status_code == 403
    hebei_org = factories.organisation("河北某单位", region_code="130631")
    assert client.post("/users", {"username": "o-u", "roles": "clerk", "scope": "450103",
                                  "organisation": hebei_org.credit_code}).status_code == 403
    assert not User.objects.filter(username__in=["gz-u", "nat-u", "o-u"]).exists()

    names = {u["username"] for u in client.get("/users").json()["items"]}
    assert "gx-u" in names and "gx-admin" in names
    assert county_clerk.username not in names and "admin1" not in names
    assert client.get(f"/users/{county_clerk.pk}").status_code == 404       # outside: not found, as any object
    assert client.raw("patch", f"/users/{county_clerk.pk}", {"roles": "viewer"}).status_code == 404
    uid = inside.json()["id"]
    assert client.raw("patch", f"/users/{uid}", {"scope": "522627"}).status_code == 403   # cannot move it out
    assert client.raw("patch", f"/users/{uid}", {"scope": ""}).status_code == 403         # nor make it national
    r = client.raw("patch", f"/users/{uid}", {"scope": "450103"})
    assert r.status_code == 200 and r.json()["scope_code"] == "450103"


def test_a_province_administrator_cannot_touch_a_superuser(gx_admin, places):
    root = User.objects.create_superuser("root2", "r@example.org", "an-admin-password-9")
    with pytest.raises(AccessDenied):
        services.user_roles_set(user=root, actor=gx_admin, roles="viewer")
    root.refresh_from_db()
    assert root.roles == "administrator"


# -- the admin site --------------------------------------------------------------------------------------------------
def _admin_client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _change_form(user, **changes):
    data = {"username": user.username, "first_name": "", "last_name": "", "email": user.email,
            "is_active": "on" if user.is_active else "", "is_staff": "on" if user.is_staff else "",
            "date_joined_0": "2024-01-01", "date_joined_1": "00:00:00", "roles": user.roles,
            "scope_level": user.scope_level, "scope_code": user.scope_code,
            "organisation": user.organisation_id or ""}
    data.update(changes)
    return data


@pytest.mark.parametrize("changes, message", [
    ({"roles": "clerk,boss"}, "Unknown roles: boss"),
    ({"scope_level": "county", "scope_code": "459999"}, "No region with the code 459999"),
    ({"scope_level": "county", "scope_code": "450000"}, "not a county"),
    ({"scope_level": "nation", "scope_code": "450103"}, "A nation scope has no region code"),
])
def test_the_admin_user_form_validates_roles_and_scope(places, changes, message):
    root = User.objects.create_superuser("root3", "r@example.org", "an-admin-password-9")
    target = services.user_create(username="t1", password=None, roles="clerk", scope_code="450103", actor="test")
    r = _admin_client(root).post(f"/admin/core/user/{target.pk}/change/", _change_form(target, **changes))
    assert r.status_code == 200 and message in r.content.decode()
    target.refresh_from_db()
    assert (target.roles, target.scope_code) == ("clerk", "450103")


def test_the_admin_user_form_stores_normalised_values_and_audits(places):
    root = User.objects.create_superuser("root4", "r@example.org", "an-admin-password-9")
    target = services.user_create(username="t2", password=None, roles="clerk", scope_code="450103", actor="test")
    r = _admin_client(root).post(f"/admin/core/user/{target.pk}/change/",
                                 _change_form(target, roles="reviewer, clerk", scope_level="province", scope_code="45"))
    assert r.status_code == 302
    target.refresh_from_db()
    assert (target.roles, target.scope_level, target.scope_code) == ("clerk,reviewer", "province", "450000")
    entry = AuditEntry.objects.filter(action="user:change", object_id=str(target.pk)).get()
    assert entry.actor_name == "root4" and entry.after["scope_code"] == "450000"
