from __future__ import annotations

import pytest
from django.test import Client

from tests import factories
from tests.parameters import seed_all_parameters


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    """Every test starts with an empty cache: figures kept under a rollup version that an earlier test's rolled-back
    transaction also used must not be found."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _parameters_after_flush(request) -> None:
    """A transactional test (and a live server's) starts from a database that an earlier transactional test may
    have flushed, which removes what the data migrations seeded: seed the dated parameters again (idempotent)."""
    marker = request.node.get_closest_marker("django_db")
    if (marker is not None and marker.kwargs.get("transaction")) or "transactional_db" in request.fixturenames \
            or "live_server" in request.fixturenames:
        request.getfixturevalue("transactional_db")
        seed_all_parameters()


@pytest.fixture
def admin_user(db):
    return factories.user("admin1", roles="administrator")


@pytest.fixture
def auditor(db):
    return factories.user("auditor1", roles="auditor")


@pytest.fixture
def national_viewer(db):
    return factories.user("viewer1", roles="viewer")


@pytest.fixture
def county_clerk(db):
    """A clerk scoped to 522627 (天柱县, Guizhou)."""
    return factories.user("clerk522627", roles="clerk", scope_level="county", scope_code="522627")


@pytest.fixture
def other_county_clerk(db):
    """A clerk scoped to 130631 (望都县, Hebei)."""
    return factories.user("clerk130631", roles="clerk", scope_level="county", scope_code="130631")


class ApiClient:
    """Real HTTP-shaped calls to /api/v1 with a bearer token."""

    def __init__(self, user=None):
        self.client = Client()
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {factories.token(user)}"} if user is not None else {}

    def get(self, path, **params):
        return self.client.get(f"/api/v1{path}", params, **self.headers)

    def post(self, path, data=None, **kw):
        if "files" in kw:
            return self.client.post(f"/api/v1{path}", {**(data or {}), **kw.pop("files")}, **self.headers, **kw)
        return self.client.post(f"/api/v1{path}", data or {}, content_type="application/json", **self.headers, **kw)

    def raw(self, method, path, body, content_type="application/json"):
        return getattr(self.client, method)(f"/api/v1{path}", body, content_type=content_type, **self.headers)


@pytest.fixture
def api_as():
    return ApiClient
