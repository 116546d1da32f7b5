"""Open data: CSV and JSON equal to the account, the Frictionless descriptor validates, caching validators (ETag,
Last-Modified, 304), the per-address rate limit (429) and refusals of bad filters (400), through the download
views and the public API; the OpenAPI document lists every status the API gives."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.db.models import Sum
from django.test import Client
from frictionless import Package

from fupin.api.main import api
from fupin.ledger.models import PurchaseEntry
from fupin.public import selectors

from .conftest import GUIZHOU, HEBEI

pytestmark = pytest.mark.django_db


def counted_by(field, **filters):
    rows = (PurchaseEntry.objects.filter(counted=True, **filters).values(field)
            .annotate(a=Sum("amount_fen"), n=Sum("sign")).values_list(field, "a", "n"))
    return {k: (int(a), int(n)) for k, a, n in rows}


def csv_rows(body: bytes):
    return list(csv.DictReader(io.StringIO(body.decode())))


def test_csv_and_json_equal_the_accounts_totals(booked):
    c = Client()
    by_year = counted_by("purchase_date__year")
    r = c.get("/open-data/by_year.csv")
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    rows = csv_rows(r.content)
    assert {int(x["year"]): (int(x["amount_fen"]), int(x["entries"])) for x in rows} == by_year
    assert all(x["suppressed"] == "false" for x in rows)

    doc = c.get("/open-data/by_province.json", {"year": 2024}).json()
    expected = {code: v for code, v in counted_by("county_code", purchase_date__year=2024).items()}
    by_province: dict[str, list[int]] = {}
    for county, (a, n) in expected.items():
        slot = by_province.setdefault(county[:2] + "0000", [0, 0])
        slot[0] += a
        slot[1] += n
    assert {x["province"]: [x["amount_fen"], x["entries"]] for x in doc["rows"]} == by_province
    assert doc["filters"] == {"year": 2024} and doc["dataset"] == "by_province"

    api_doc = c.get("/api/v1/public/datasets/by_channel", {"year": "2024"}).json()
    assert {x["channel"]: (x["amount_fen"], x["entries"]) for x in api_doc["rows"]} == counted_by(
        "channel", purchase_date__year=2024)
    assert sum(x["amount_fen"] for x in api_doc["rows"]) == by_year[2024][0]

    province = c.get("/open-data/by_channel.csv", {"province": GUIZHOU, "year": 2024}).content
    channels = counted_by("channel", county_code__startswith=GUIZHOU, purchase_date__year=2024)
    got = {x["channel"]: (int(x["amount_fen"]), int(x["entries"])) for x in csv_rows(province)}
    assert got == channels and len(got) == 2


def test_suppressed_groups_have_no_figures_in_the_files(booked):
    from fupin.core.models import PolicyParameter
    from fupin.public.parameters import MIN_GROUP_ENTRIES

    PolicyParameter.objects.filter(key=MIN_GROUP_ENTRIES).update(value=7)
    rows = csv_rows(Client().get("/open-data/by_province.csv", {"year": 2024}).content)
    assert {x["province"]: (x["amount_fen"], x["entries"], x["suppressed"]) for x in rows} == {
        HEBEI + "0000": ("", "", "true"), GUIZHOU + "0000": ("", "", "true")}
    doc = Client().get("/api/v1/public/datasets/by_kind", {"year": 2024}).json()
    assert all(x["amount_fen"] is None and x["suppressed"] for x in doc["rows"])  # helped (6) and, with it, direct
    assert doc["minimum_group_entries"] == 7


def test_the_data_package_validates_with_frictionless(booked, tmp_path):
    c = Client()
    r = c.get("/open-data/datapackage.json")
    assert r.status_code == 200
    descriptor = r.json()
    (tmp_path / "datapackage.json").write_bytes(r.content)
    for resource in descriptor["resources"]:
        f = c.get("/open-data/" + resource["path"])
        assert f.status_code == 200, resource["path"]
        (tmp_path / resource["path"]).write_bytes(f.content)
    assert {res["path"] for res in descriptor["resources"]} == {f"{n}.csv" for n in selectors.DATASETS}
    report = Package(str(tmp_path / "datapackage.json")).validate()
    assert report.valid, report.flatten(["resourcePath", "rowNumber", "fieldName", "type", "note"])
    # and it can fail: a wrong type in a file is caught
    path = tmp_path / "by_year.csv"
    path.write_text(path.read_text().replace("2024", "20x4", 1))
    assert not Package(str(tmp_path / "datapackage.json")).validate().valid


def test_etag_last_modified_and_304(booked):
    c = Client()
    for url in ("/open-data/by_year.csv", "/open-data/datapackage.json", "/api/v1/public/datasets/by_year",
                "/api/v1/public/datasets"):
        r = c.get(url)
        etag = r["ETag"]
        assert r.status_code == 200 and etag.startswith('"') and r.has_header("Last-Modified"), url
        again = c.get(url, HTTP_IF_NONE_MATCH=etag)
        assert again.status_code == 304 and again.content == b"" and again["ETag"] == etag, url
        assert c.get(url, HTTP_IF_NONE_MATCH='"other"').status_code == 200
        assert c.get(url, HTTP_IF_MODIFIED_SINCE=r["Last-Modified"]).status_code == 304
    # a filter changes the body, so the validator
    assert c.get("/open-data/by_year.csv")["ETag"] != c.get("/open-data/by_year.csv?year=2023")["ETag"]


def test_a_new_entry_changes_the_etag(booked):
    from .conftest import book

    c = Client()
    before = c.get("/open-data/by_year.csv")["ETag"]
    book(booked.world, [{**booked.rows[0], "external_id": "NEW", "seller_code": booked.world.seller.credit_code}])
    r = c.get("/open-data/by_year.csv", HTTP_IF_NONE_MATCH=before)
    assert r.status_code == 200 and r["ETag"] != before


def test_rate_limit_gives_429_with_the_error_body(booked, settings):
    settings.FUPIN_PUBLIC_RATE_LIMIT = 3
    c = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(3):
        assert c.get("/api/v1/public/datasets/by_year").status_code == 200
    r = c.get("/open-data/by_year.csv")
    assert r.status_code == 429
    body = r.json()
    assert body["code"] == "rate_limited" and body["message"] and body["details"]["limit"] == 3
    assert int(r["Retry-After"]) == body["details"]["retry_after"] > 0
    api_r = c.get("/api/v1/public/datasets/by_year")
    assert api_r.status_code == 429 and api_r.json()["code"] == "rate_limited" and api_r.has_header("Retry-After")
    # another address has its own count
    assert Client(REMOTE_ADDR="203.0.113.10").get("/api/v1/public/datasets/by_year").status_code == 200


@pytest.mark.parametrize("url", [
    "/open-data/by_year.csv?county=522627",
    "/open-data/by_year.json?year=20x4",
    "/open-data/by_year.csv?year=1999",
    "/open-data/by_province.csv?province=99",
    "/open-data/by_province.csv?province=５２",
    "/open-data/datapackage.json?year=2024",
    "/api/v1/public/datasets/by_year?buyer=1",
    "/api/v1/public/datasets/by_year?province=Guizhou",
    "/api/v1/public/datasets?year=2024",
])
def test_bad_filters_are_400_with_a_clear_message(booked, url):
    r = Client().get(url)
    assert r.status_code == 400, r.content
    body = r.json()
    assert body["code"] == "bad_filter" and body["message"]
    if "county" in url or "buyer" in url:
        assert "Unknown filter" in body["message"] and "year, province" in body["message"]


def test_unknown_dataset_is_404(booked):
    assert Client().get("/open-data/no_such.csv").status_code == 404
    r = Client().get("/api/v1/public/datasets/no_such")
    assert r.status_code == 404 and r.json()["code"] == "not_found"


def test_bad_filter_message_in_chinese(booked):
    r = Client(HTTP_ACCEPT_LANGUAGE="zh-hans").get("/api/v1/public/datasets/by_year?county=1")
    assert r.status_code == 400 and "未知" in r.json()["message"]


def test_the_openapi_document_lists_every_status_of_the_public_api():
    doc = json.loads(json.dumps(api.get_openapi_schema(), default=str))
    listed = doc["paths"]["/api/v1/public/datasets"]["get"]
    assert {"200", "304", "400", "422", "429"} <= set(listed["responses"])
    one = doc["paths"]["/api/v1/public/datasets/{dataset}"]["get"]
    assert {"200", "304", "400", "404", "422", "429"} <= set(one["responses"])
    assert not listed.get("security") and not one.get("security")
    assert {p["name"] for p in one["parameters"]} == {"dataset", "year", "province"}


def test_the_api_lists_every_dataset_with_its_files(booked):
    listed = Client().get("/api/v1/public/datasets").json()
    assert [d["name"] for d in listed] == list(selectors.DATASETS)
    first = listed[0]
    assert first["csv"] == "/open-data/by_year.csv" and first["api"] == "/api/v1/public/datasets/by_year"
    assert first["fields"] == ["year", "amount_fen", "entries", "suppressed"] and first["keys"] == ["year"]
