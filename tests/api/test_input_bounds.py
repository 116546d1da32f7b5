"""Unbounded inputs (issue #16 item 5): every number and date a client sends is checked against its range before
a view runs; out of range is a 422 naming the parameter, never a 500 nor a request that runs for half a minute.
A domain error is never a 500; oversized or malformed request bodies are 413 or 400, in the API's error shape."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine

from fupin.api.main import api
from fupin.core.api_types import BIGINT_MAX, INT_MAX
from tests import factories

pytestmark = pytest.mark.django_db

HUGE = "9" * 25  # above 2^63: SQLite cannot bind it, PostgreSQL's bigint cannot hold it


@pytest.fixture
def admin(api_as):
    return api_as(factories.user(roles="administrator"))


def _refused(r, *loc: str, kind: str | None = None) -> None:
    assert r.status_code == 422, r.content
    body = r.json()
    assert body["code"] == "invalid_input" and body["message"]
    assert list(loc) in [d["loc"] for d in body["details"]], body
    if kind:
        assert kind in {d["type"] for d in body["details"]}, body


def test_a_far_future_date_is_refused_at_once(admin):
    """`/linkage/flags?on=6000-01-01` walked every month up to the year 6000 (26 s of a worker)."""
    _refused(admin.get("/linkage/flags", on="6000-01-01"), "query", "on", kind="out_of_range")
    assert admin.get("/linkage/flags", on=dt.date.today().isoformat()).status_code == 200


@pytest.mark.parametrize(("path", "params", "loc"), [
    ("/linkage/flags", {"on": "2012-12-31"}, "on"),
    ("/certification/linkage-shortfalls", {"on": "9999-12-31"}, "on"),
    ("/purchases", {"date_from": "0001-01-01"}, "date_from"),
    ("/linkage/expected", {"year": "9999"}, "year"),
    ("/linkage/contracts", {"year": "2012"}, "year"),
    ("/reserved-share", {"year": "3000"}, "year"),
    ("/ledger/locks", {"year": "-1"}, "year"),
])
def test_query_dates_and_years_outside_2013_to_next_year_are_refused(admin, path, params, loc):
    _refused(admin.get(path, **params), "query", loc)


def test_the_upper_bound_moves_with_today(admin):
    with time_machine.travel(dt.datetime(2030, 6, 1, 12, tzinfo=dt.UTC), tick=False):
        assert admin.get("/linkage/flags", on="2031-06-01").status_code == 200
        _refused(admin.get("/linkage/flags", on="2031-06-02"), "query", "on")
        assert admin.get("/linkage/indicators", year="2031").status_code == 200
        _refused(admin.get("/linkage/indicators", year="2032"), "query", "year")


def _paginated_lists() -> list[str]:
    doc = api.get_openapi_schema()
    found = []
    for path, ops in doc["paths"].items():
        op = ops.get("get")
        if op and any(p["name"] == "offset" for p in op["parameters"]):
            found.append(re.sub(r"{[^}]+}", "1", path.removeprefix("/api/v1")))
    return found


def test_every_list_refuses_an_offset_or_limit_out_of_range(admin, api_as):
    lists = _paginated_lists()
    assert len(lists) >= 22
    public = {"/catalogue", "/catalogue-batches", "/notices"}
    assert public <= set(lists)
    for path in lists:
        client = api_as() if path in public else admin
        _refused(client.get(path, offset=str(2**63)), "query", "offset")
        _refused(client.get(path, offset=str(INT_MAX + 1)), "query", "offset")
        _refused(client.get(path, limit="501"), "query", "limit")
        r = client.get(path, offset=str(INT_MAX))  # the largest offset is allowed
        details = r.json().get("details")
        assert r.status_code < 500, path
        assert ["query", "offset"] not in ([d["loc"] for d in details] if isinstance(details, list) else []), path


@pytest.mark.parametrize(("path", "params", "loc"), [
    ("/linkage/contracts", {"entity": HUGE}, ("query", "entity")),
    ("/linkage/payments", {"household": str(BIGINT_MAX + 1)}, ("query", "household")),
    ("/relations", {"helper_org": HUGE}, ("query", "helper_org")),
    ("/organisations", {"parent": "0"}, ("query", "parent")),
    ("/certification/products", {"supplier_id": HUGE}, ("query", "supplier_id")),
    ("/purchases", {"seller": HUGE}, ("query", "seller")),
    ("/account/totals", {"buyer": f"1,{HUGE}"}, ("query", "buyer")),
    (f"/organisations/{HUGE}", {}, ("path", "pk")),
    (f"/purchases/{HUGE}", {}, ("path", "entry_id")),
    (f"/linkage/contracts/{HUGE}", {}, ("path", "pk")),
    (f"/reserved-share/{HUGE}/2024", {}, ("path", "organisation_id")),
])
def test_huge_ids_and_integer_filters_are_refused(admin, path, params, loc):
    _refused(admin.get(path, **params), *loc)


def test_huge_numbers_in_bodies_are_refused(admin):
    r = admin.post("/linkage/verification/rounds", {"county_code": "522627", "period_start": "2024-01-01",
                                                     "period_end": "2024-12-31", "seed": 2**70})
    _refused(r, "body", "body", "seed")
    r = admin.post("/households", {"resident_id": factories.resident_id(), "village_code": "522627100201",
                                   "status": "registered_poor", "size": 40000})
    _refused(r, "body", "payload", "size")


def test_a_choice_outside_its_enum_is_refused(admin):
    _refused(admin.get("/regions", level="galaxy"), "query", "level")
    _refused(admin.get("/purchases", channel="platform_832,teleport"), "query", "channel")
    assert admin.get("/purchases", channel="platform_832, ecommerce").status_code == 200


def test_an_unmatched_api_url_is_a_json_404(admin):
    for path in ("/organisations/-5", "/purchases/1.5", "/no-such-thing"):
        r = admin.get(path)
        assert r.status_code == 404 and r.json()["code"] == "not_found", path
    r = admin.raw("patch", "/organisations/-5", "{}")
    assert r.status_code == 404 and r.json()["code"] == "not_found"


def test_a_date_without_policy_parameters_is_a_422_not_a_500(admin):
    """The linkage parameters start in 2018: a verification round of 2015 finds no sample rule in force."""
    factories.region("522627", is_poverty_county=True)
    r = admin.post("/linkage/verification/rounds", {"county_code": "522627", "period_start": "2015-01-01",
                                                     "period_end": "2015-12-31"})
    assert r.status_code == 422, r.content
    assert r.json()["code"] == "parameter_missing"
    assert r.json()["details"]["on"] == "2015-12-31"


def _multipart(boundary: str, parts: list[tuple[str, str]]) -> bytes:
    lines = []
    for headers, content in parts:
        lines += [f"--{boundary}", headers, "", content]
    return ("\r\n".join([*lines, f"--{boundary}--", ""])).encode()


def test_a_multipart_body_with_oversized_headers_is_a_400(admin):
    boundary = "fupinboundary"
    name = "x" * 2000 + ".csv"
    body = _multipart(boundary, [(f'Content-Disposition: form-data; name="file"; filename="{name}"', "a,b")])
    r = admin.client.post("/api/v1/linkage/imports/contracts", body,
                          content_type=f"multipart/form-data; boundary={boundary}", **admin.headers)
    assert r.status_code == 400 and r.json()["code"] == "bad_request"


def test_a_multipart_body_without_a_boundary_is_a_400(admin):
    r = admin.client.post("/api/v1/linkage/imports/contracts", b"--x\r\n", content_type="multipart/form-data",
                          **admin.headers)
    assert r.status_code == 400 and r.json()["code"] == "bad_request"


def test_a_body_over_the_size_limit_is_a_json_413(admin, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    r = admin.raw("post", "/organisations", '{"name": "' + "a" * 2000 + '"}')
    assert r.status_code == 413 and r.json()["code"] == "too_large"
    boundary = "fupinboundary"
    body = _multipart(boundary, [('Content-Disposition: form-data; name="dry_run"', "x" * 2000),
                                 ('Content-Disposition: form-data; name="file"; filename="a.csv"', "a,b")])
    r = admin.client.post("/api/v1/linkage/imports/contracts", body,
                          content_type=f"multipart/form-data; boundary={boundary}", **admin.headers)
    assert r.status_code == 413 and r.json()["code"] == "too_large"


def test_too_many_fields_is_a_json_400(admin, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    r = admin.client.get("/api/v1/regions?" + "&".join(f"q{i}=1" for i in range(20)), **admin.headers)
    assert r.status_code == 400 and r.json()["code"] == "bad_request"
    boundary = "fupinboundary"
    body = _multipart(boundary, [(f'Content-Disposition: form-data; name="f{i}"', "1") for i in range(20)])
    r = admin.client.post("/api/v1/linkage/imports/contracts", body,
                          content_type=f"multipart/form-data; boundary={boundary}", **admin.headers)
    assert r.status_code == 400 and r.json()["code"] == "bad_request"


def test_pages_keep_djangos_400_for_too_many_fields(client, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    r = client.get("/?" + "&".join(f"q{i}=1" for i in range(20)))
    assert r.status_code == 400
    assert not r["Content-Type"].startswith("application/json")


def test_text_longer_than_its_column_is_refused(admin):
    """A contract number of 61 characters was stored by SQLite and a 500 on PostgreSQL (varchar(60))."""
    entity = factories.entity(region_code="522627")
    r = admin.post("/linkage/contracts", {"code": "C" * 61, "entity_id": entity.pk, "mechanism": "land_lease",
                                          "start_date": "2024-01-01", "terms": {"rent_per_mu_fen": 60000}})
    _refused(r, "body", "body", "code")
    r = admin.post("/linkage/payments", {"source": "s" * 61, "external_id": "x", "contract_code": "LK-1",
                                         "paid_on": "2024-05-01", "amount_yuan": "10"})
    _refused(r, "body", "body", "source")


def test_a_value_the_database_refuses_is_a_422_not_a_500(admin, monkeypatch):
    """The safety net behind the schema bounds: the database's refusal of a value is the client's error."""
    from django.db import DataError

    from fupin.registry import selectors

    def refuse(**kwargs):
        raise DataError("value too long for type character varying(60)")

    monkeypatch.setattr(selectors, "region_list", refuse)
    r = admin.get("/regions")
    assert r.status_code == 422 and r.json()["code"] == "value_out_of_range"


def test_range_errors_are_in_the_request_language(admin):
    r = admin.client.get("/api/v1/linkage/flags", {"on": "6000-01-01"}, HTTP_ACCEPT_LANGUAGE="zh-hans",
                         **admin.headers)
    assert r.status_code == 422
    assert r.json()["message"] == "请求无效。"
    assert "超出允许范围" in r.json()["details"][0]["msg"]
