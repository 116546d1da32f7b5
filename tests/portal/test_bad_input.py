"""Malformed input never gives a 500 on any page (discovered like the access sweep, so other areas' pages are
covered too): garbage query parameters, NUL characters, huge numbers, and domain errors from the services."""

from __future__ import annotations

import re

import pytest
from django.test import Client, RequestFactory

from fupin.core.errors import AccessDenied, Conflict, InvalidInput, NotFound, TransitionNotAllowed
from fupin.portal.middleware import DomainErrorMiddleware

from .test_access_sweep import Objects, concrete_paths, url_routes

pytestmark = pytest.mark.django_db

GARBAGE = {
    "page": "-1", "per_page": "abc", "level": "\x00", "q": "\x00' OR 1=1 --", "year": "99999999999999999999",
    "region": "<script>", "parent": "１２３", "kind": "nonsense", "status": "x" * 300, "helper": "-5",
    "organisation": "1e9", "export": "exe", "poverty_county": "maybe", "object_id": "\x00", "format": "pdf",
}


_PARAM = re.compile(r"<(?:\w+:)?\w+>")


def _client(user) -> Client:
    c = Client(raise_request_exception=False)
    c.force_login(user)
    return c


def _page_routes():
    paths, _ = concrete_paths(Objects(household=1, entity=1))
    return [(route, path) for route, path in paths if not route.startswith(("admin/", "api/", "i18n/"))
            and "logout" not in route]


def test_garbage_query_parameters_never_500(admin_user, world):
    c = _client(admin_user)
    failures = []
    routes = _page_routes()
    assert len(routes) >= 12
    for _route, path in routes:
        r = c.get(path, GARBAGE)
        if r.status_code >= 500:
            failures.append(f"{path} -> {r.status_code}")
    assert not failures, "\n".join(failures)


def test_garbage_path_values_never_500(admin_user, world):
    c = _client(admin_user)
    failures = []
    for route, _ in url_routes():
        if route.startswith(("admin/", "api/", "i18n/")) or "<" not in route:
            continue
        for value in ("99999999999999999999", "%00", "0", "-1", "%E4%B8%AD"):
            path = "/" + _PARAM.sub(value, route)  # every parameter of the route replaced by the garbage
            r = c.get(path)
            if r.status_code >= 500:
                failures.append(f"{path} -> {r.status_code}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(("error", "status"), [
    (AccessDenied("no"), 403), (NotFound(), 404), (InvalidInput("bad"), 422), (Conflict(), 409),
    (TransitionNotAllowed(), 409),
])
def test_domain_errors_become_pages_with_their_status(admin_user, error, status):
    request = RequestFactory().get("/somewhere/")
    request.user = admin_user
    response = DomainErrorMiddleware(lambda r: None).process_exception(request, error)
    assert response.status_code == status
    assert b"<h1>" in response.content


def test_other_exceptions_are_left_alone(admin_user):
    request = RequestFactory().get("/")
    request.user = admin_user
    assert DomainErrorMiddleware(lambda r: None).process_exception(request, ValueError("x")) is None
