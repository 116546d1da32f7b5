import pytest

from tests import factories

pytestmark = pytest.mark.django_db


def test_health_is_public(api_as):
    r = api_as().get("/health")
    assert r.status_code == 200 and r.json() == {"status": "ok"}


def test_anonymous_gets_json_401(api_as):
    r = api_as().get("/regions")
    assert r.status_code == 401
    assert r.json()["code"] == "not_authenticated"


def test_bad_token_is_refused(client):
    r = client.get("/api/v1/regions", HTTP_AUTHORIZATION="Bearer fpn_not-a-token")
    assert r.status_code == 401


def test_bearer_token_lists_regions_paginated(api_as, national_viewer):
    factories.region("522627", "天柱县", is_poverty_county=True, poverty_exit_year=2019)
    factories.region("130631", "望都县", is_poverty_county=True, poverty_exit_year=2016)
    factories.region("110101", "东城区")
    r = api_as(national_viewer).get("/regions", level="county", poverty_county="true")
    assert r.status_code == 200
    body = r.json()
    assert body["count"] == 2
    assert {i["code"] for i in body["items"]} == {"522627", "130631"}


def test_malformed_query_gives_422_json_not_500(api_as, national_viewer):
    r = api_as(national_viewer).get("/regions", limit="lots")
    assert r.status_code == 422
    assert r.json()["code"] == "invalid_input"


def test_openapi_is_served(client):
    r = client.get("/api/v1/openapi.json")
    assert r.status_code == 200
    assert r.json()["info"]["title"] == "Fupin API"


def test_audit_log_is_for_auditors_only(api_as, national_viewer, auditor):
    assert api_as(national_viewer).get("/audit").status_code == 403
    r = api_as(auditor).get("/audit")
    assert r.status_code == 200
    assert any(i["action"] == "user:create" for i in r.json()["items"])
