"""The permission matrix (issue #15 item 5), generated from the API object: roles × token scopes × every operation.

- With a read-only token (`*:read`), every role — the administrator too — is refused every unsafe operation
  (POST, PUT, PATCH, DELETE) with 403 `token_scope`, before the body is read (so `{}` serves as the body).
- A token scoped to one app writes nowhere else.
- Anonymous callers get 401 on every operation that needs authentication.
- A viewer, even with a `*:write` token, gets no 2xx (and no 500) from any unsafe operation.

The routes are enumerated from `fupin.api.main.api` (every operation as mounted), so a new route is in the matrix
the day it is added."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from fupin.api.auth import operation_scope
from fupin.api.main import api
from fupin.api.responses import WRITE_METHODS, operations
from fupin.core import services
from fupin.core.models import ApiToken
from tests import factories

pytestmark = pytest.mark.django_db

ROLES = ("viewer", "clerk", "reviewer", "approver", "auditor", "administrator")


def concrete(path: str) -> str:
    """A URL for a path template: every parameter 1 (`{int:pk}`, `{pk}`, `{code}`…)."""
    return re.sub(r"\{[^}]+\}", "1", path)


def _operations() -> list[tuple[str, str, str | None]]:
    rows = []
    for path, op in operations(api):
        for method in op.methods:
            rows.append((method.upper(), path, operation_scope(path, op)))
    return rows


OPERATIONS = _operations()
UNSAFE = [(m, p, s) for m, p, s in OPERATIONS if m in WRITE_METHODS and s is not None]


def send(client: Client, method: str, path: str, key: str | None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"} if key else {}
    return getattr(client, method.lower())(f"/api/v1{concrete(path)}", "{}", content_type="application/json",
                                           **headers)


def test_the_matrix_covers_the_api():
    assert len(OPERATIONS) > 200 and len(UNSAFE) > 90
    apps = {s.split(":")[0] for _, _, s in UNSAFE}
    assert {"registry", "linkage", "certification", "ledger", "supervision", "incentives", "users",
            "tokens"} <= apps


def _user(role: str):
    if role == "administrator":
        return factories.user(f"m-{role}", roles=role)
    return factories.user(f"m-{role}", roles=role, scope_level="county", scope_code="522627")


@pytest.mark.parametrize("role", ROLES)
def test_a_read_only_token_writes_nowhere(role):
    key = services.token_create(user=_user(role), scopes="*:read", actor="test")
    client = Client(raise_request_exception=False)
    wrong = []
    for method, path, _scope in UNSAFE:
        r = send(client, method, path, key)
        if r.status_code != 403 or r.json().get("code") != "token_scope":
            wrong.append((method, path, r.status_code, r.content[:120]))
    assert wrong == [], "\n".join(map(str, wrong))


def test_a_token_for_one_app_writes_no_other():
    key = services.token_create(user=_user("administrator"), scopes="*:read,registry:write", actor="test")
    client = Client(raise_request_exception=False)
    wrong = []
    for method, path, scope in UNSAFE:
        r = send(client, method, path, key)
        refused = r.status_code == 403 and r.json().get("code") == "token_scope"
        if refused == (scope == "registry:write"):
            wrong.append((method, path, scope, r.status_code))
    assert wrong == [], "\n".join(map(str, wrong))


def test_anonymous_callers_are_refused_every_authenticated_operation():
    client = Client(raise_request_exception=False)
    wrong = []
    for method, path, scope in OPERATIONS:
        if scope is None or method not in WRITE_METHODS | {"GET"}:
            continue
        r = send(client, method, path, None) if method != "GET" else client.get(f"/api/v1{concrete(path)}")
        if r.status_code != 401:
            wrong.append((method, path, r.status_code))
    assert wrong == [], "\n".join(map(str, wrong))


# What every signed-in user does for itself, whatever its roles: its own API tokens, its own inbox's read marks.
SELF_SERVICE = {("POST", "/tokens"), ("POST", "/tokens/{pk}/revoke"), ("POST", "/leadership/inbox/read")}


def test_a_viewer_cannot_write_anywhere_whatever_its_token():
    viewer = _user("viewer")
    key = services.token_create(user=viewer, scopes="*:write", actor="test")
    own_token = ApiToken.objects.filter(user=viewer).get().pk  # not id 1 where sequences are not reset (PostgreSQL)
    client = Client(raise_request_exception=False)
    wrong, own = [], set()
    last = ("POST", "/tokens/{pk}/revoke")  # revokes the token itself: after every other operation
    for method, path, _scope in sorted(UNSAFE, key=lambda row: (row[0], row[1]) == last):
        r = (send(client, method, path.replace("{pk}", str(own_token)), key) if (method, path) == last
             else send(client, method, path, key))
        if (method, path) in SELF_SERVICE and r.status_code < 300:
            own.add((method, path))
        elif r.status_code < 400 or r.status_code >= 500:
            wrong.append((method, path, r.status_code, r.content[:160]))
    assert wrong == [], "\n".join(map(str, wrong))
    assert own == SELF_SERVICE
