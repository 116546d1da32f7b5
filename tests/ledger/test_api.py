"""The ledger API: authentication, single and batch purchases, file imports, corrections, totals and exports,
locks. Errors are JSON, never a 500."""

from __future__ import annotations

import csv
import io
import json

import pytest
from openpyxl import load_workbook

from fupin.ledger.models import PurchaseEntry
from tests.ledger import factories as lf

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return lf.world()


@pytest.mark.parametrize("method, path", [
    ("get", "/purchases"), ("post", "/purchases"), ("post", "/purchases/batch"), ("get", "/purchases/imports"),
    ("post", "/purchases/imports"), ("get", "/purchases/imports/1"), ("get", "/purchases/1"),
    ("post", "/purchases/1/reverse"), ("get", "/account/totals"), ("get", "/account/buyers/1"),
    ("get", "/account/sellers/1"), ("get", "/account/regions/522627"), ("get", "/ledger/locks"),
    ("post", "/ledger/locks"), ("post", "/ledger/locks/1/unlock"),
])
def test_every_route_needs_authentication(api_as, method, path):
    r = getattr(api_as(), method)(path)
    assert r.status_code == 401 and r.json()["code"] == "not_authenticated"


def test_book_one_purchase_then_the_same_again(api_as, w, county_clerk):
    api = api_as(county_clerk)
    r = api.post("/purchases", lf.row(external_id="A1", seller_code=w.seller.credit_code, buyer_code=w.unit.credit_code,
                                      amount_yuan=12.5, quantity="2"))
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["amount_fen"] == 1250 and body["amount_yuan"] == "12.50" and body["counted"] is True
    assert body["schemes"]["designated_assistance"] == w.rel_designated.pk and body["bases"] == ["poverty_county"]
    assert body["quantity"] == "2"
    again = api.post("/purchases", lf.row(external_id="A1", seller_code=w.seller.credit_code))
    assert again.status_code == 409 and again.json()["code"] == "duplicate"


def test_an_invalid_purchase_gives_422_with_every_error(api_as, w, county_clerk):
    r = api_as(county_clerk).post("/purchases", lf.row(seller_code="H-nobody", amount_yuan="1.234", kind="gift"))
    assert r.status_code == 422
    codes = {e["code"] for e in r.json()["details"]["errors"]}
    assert codes == {"unknown_seller", "too_many_decimals", "unknown_kind"}


@pytest.mark.parametrize("body, status, code", [
    ({}, 422, "invalid_input"), ({"external_id": "x"}, 422, "invalid_input"), ([], 422, "invalid_input"),
    ("nonsense", 400, "bad_request"), ({"rows": "x"}, 422, "invalid_input"),
])
def test_malformed_bodies_are_clear_json_errors(api_as, w, county_clerk, body, status, code):
    r = api_as(county_clerk).raw("post", "/purchases", body if isinstance(body, str) else json.dumps(body))
    assert (r.status_code, r.json()["code"]) == (status, code)


def test_viewers_may_not_book(api_as, w, national_viewer):
    r = api_as(national_viewer).post("/purchases", lf.row(seller_code=w.seller.credit_code))
    assert r.status_code == 403 and r.json()["code"] == "permission_denied"


def test_batch_reports_each_row(api_as, w, county_clerk):
    rows = [lf.row(external_id=f"B{i}", seller_code=w.seller.credit_code) for i in range(3)]
    rows.append(lf.row(external_id="B0", seller_code=w.seller.credit_code))
    rows.append(lf.row(external_id="B9", seller_code=w.seller.credit_code, amount_yuan="0"))
    r = api_as(county_clerk).post("/purchases/batch", {"rows": rows})
    assert r.status_code == 200
    body = r.json()
    assert (body["accepted"], body["duplicates"], body["rejected"]) == (3, 1, 1)
    assert body["errors"] == [{"line": 5, "column": "amount_yuan", "code": "amount_not_positive",
                               "message": body["errors"][0]["message"]}]
    dry = api_as(county_clerk).post("/purchases/batch", {"rows": [lf.row(external_id="N", seller_code=w.seller.credit_code)],
                                                         "dry_run": True})
    assert dry.json()["accepted"] == 1 and not PurchaseEntry.objects.filter(external_id="N").exists()


def test_upload_a_small_file_returns_the_report_and_rejected_rows(api_as, w, county_clerk):
    text = lf.csv_text([lf.row(external_id="F1", seller_code=w.seller.credit_code),
                        lf.row(external_id="F2", seller_code=w.seller.credit_code, purchase_date="2030-01-01",
                               unit="=cmd()")])
    api = api_as(county_clerk)
    r = api.post("/purchases/imports", {"source": "up"}, files={"file": _upload("up.csv", text)})
    assert r.status_code == 200, r.content
    job = r.json()
    assert job["status"] == "done" and job["accepted"] == 1 and job["rejected"] == 1 and job["progress"] == 1.0
    assert job["report"]["errors"][0]["code"] == "future_date"
    got = api.get(f"/purchases/imports/{job['id']}")
    assert got.status_code == 200 and got.json()["id"] == job["id"]
    rejected = api.client.get(job["rejected_url"], **api.headers)
    assert rejected.status_code == 200 and "attachment" in rejected["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(b"".join(rejected.streaming_content).decode("utf-8-sig"))))
    assert rows[0]["external_id"] == "F2" and rows[0]["unit"] == "'=cmd()" and "future" in rows[0]["reason"]
    assert api.get("/purchases/imports").json()["count"] == 1


def test_upload_a_broken_file_is_a_clear_422(api_as, w, county_clerk):
    r = api_as(county_clerk).post("/purchases/imports", files={"file": _upload("x.xlsx", "not a zip")})
    assert r.status_code == 422 and r.json()["code"] == "unreadable_file"
    r = api_as(county_clerk).post("/purchases/imports", files={"file": _upload("x.exe", "MZ")})
    assert r.status_code == 422 and r.json()["code"] == "unsupported_file_type"


def test_imports_are_private_to_their_submitter(api_as, w, county_clerk, other_county_clerk, auditor):
    text = lf.csv_text([lf.row(external_id="P1", seller_code=w.seller.credit_code)])
    job = api_as(county_clerk).post("/purchases/imports", files={"file": _upload("p.csv", text)}).json()
    assert api_as(other_county_clerk).get(f"/purchases/imports/{job['id']}").status_code == 404
    assert api_as(auditor).get(f"/purchases/imports/{job['id']}").status_code == 200


def test_entries_list_detail_history_reverse_and_amend(api_as, w, county_clerk, other_county_clerk):
    api = api_as(county_clerk)
    entry = api.post("/purchases", lf.row(external_id="E", seller_code=w.seller.credit_code)).json()
    listing = api.get("/purchases", year="2023", county=lf.POOR_COUNTY)
    assert listing.json()["count"] == 1 and listing.json()["items"][0]["id"] == entry["id"]
    assert api_as(other_county_clerk).get(f"/purchases/{entry['id']}").status_code == 404
    assert api.post(f"/purchases/{entry['id']}/reverse", {"reason": ""}).status_code == 422
    rev = api.post(f"/purchases/{entry['id']}/reverse", {"reason": "wrong buyer"})
    assert rev.status_code == 201 and rev.json()["amount_fen"] == -10000 and rev.json()["reverses_id"] == entry["id"]
    assert api.post(f"/purchases/{entry['id']}/reverse", {"reason": "again"}).status_code == 409
    other = api.post("/purchases", lf.row(external_id="M", seller_code=w.seller.credit_code)).json()
    amended = api.post(f"/purchases/{other['id']}/amend", {"reason": "typo", "changes": {"amount_yuan": "88.80"}})
    assert amended.status_code == 201 and amended.json()["revision"] == 1 and amended.json()["amount_fen"] == 8880
    history = api.get(f"/purchases/{other['id']}/history").json()
    assert [h["amount_fen"] for h in history] == [10000, -10000, 8880]


def test_account_totals_json_csv_and_xlsx(api_as, w, county_clerk, national_viewer):
    api_as(county_clerk).post("/purchases/batch", {"rows": [
        lf.row(external_id="T1", seller_code=w.seller.credit_code, buyer_code=w.unit.credit_code),
        lf.row(external_id="T2", seller_code=w.seller.credit_code, buyer_code=w.zj.credit_code, channel="tourism"),
        lf.row(external_id="T3", seller_code=w.seller.credit_code, status="pending")]})
    api = api_as(national_viewer)
    r = api.get("/account/totals", group_by="province,channel", year="2023")
    assert r.status_code == 200
    body = r.json()
    assert body["source"] == "category_month" and body["count"] == 2
    assert {(x["channel"], x["amount_yuan"]) for x in body["rows"]} == {("platform_832", "100.00"), ("tourism", "100.00")}
    assert api.get("/account/totals", group_by="year", counted_only="false").json()["rows"][0]["entries"] == 3
    scheme = api.get("/account/totals", group_by="scheme").json()["rows"]
    assert {(x["scheme"], x["amount_fen"]) for x in scheme} == {("designated_assistance", 10000), ("east_west", 10000)}
    csv_resp = api.get("/account/totals", group_by="channel", format="csv")
    assert csv_resp.status_code == 200 and csv_resp["Content-Type"].startswith("text/csv")
    assert csv_resp.content.decode("utf-8-sig").splitlines()[0] == "channel,amount_fen,amount_yuan,quantity,entries"
    xlsx = api.get("/account/totals", group_by="channel", format="xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    # the .xlsx is for people (issue #14): yuan as numbers, translated headers, fen only with ids=true
    assert [c.value for c in sheet[1]] == ["channel", "Amount (yuan)", "Quantity", "Entries"]
    assert sheet["B2"].value == 100 and sheet["B2"].number_format == '"¥"#,##0.00' and sheet.freeze_panes == "A2"
    with_ids = load_workbook(io.BytesIO(api.get("/account/totals", group_by="channel", format="xlsx",
                                                ids="true").content)).active
    assert [c.value for c in with_ids[1]][:2] == ["channel", "Amount (fen)"] and with_ids["B2"].value == 10000
    for bad in ({"group_by": "colour"}, {"year": "soon"}, {"format": "pdf"}, {"limit": "0"}, {"side": "up"}):
        resp = api.get("/account/totals", **bad)
        assert resp.status_code == 422 and "code" in resp.json(), bad


def test_account_summaries(api_as, w, county_clerk, national_viewer):
    api_as(county_clerk).post("/purchases", lf.row(external_id="S", seller_code=w.seller.credit_code,
                                                   buyer_code=w.unit.credit_code))
    api = api_as(national_viewer)
    buyer = api.get(f"/account/buyers/{w.central.pk}", year=2023).json()
    assert buyer["total"]["amount_fen"] == 10000 and buyer["by_relation"][0]["relation"] == w.rel_designated.pk
    assert api.get(f"/account/sellers/{w.seller.pk}").json()["by_basis"][0]["basis"] == "poverty_county"
    assert api.get(f"/account/regions/{lf.POOR_COUNTY}").json()["total"]["entries"] == 1
    assert api.get("/account/regions/5x").status_code == 422


def test_locks_through_the_api(api_as, w, admin_user, county_clerk):
    api = api_as(admin_user)
    r = api.post("/ledger/locks", {"year": 2023, "month": 5, "region_code": lf.POOR_COUNTY, "reason": "closed"})
    assert r.status_code == 201 and r.json()["status"] == "locked"
    booked = api_as(county_clerk).post("/purchases", lf.row(seller_code=w.seller.credit_code))
    assert booked.status_code == 422 and booked.json()["details"]["errors"][0]["code"] == "period_locked"
    assert api_as(county_clerk).post("/ledger/locks", {"year": 2023, "month": 6}).status_code == 403
    assert api.post("/ledger/locks", {"year": 2023, "month": 13}).status_code == 422
    unlock = api.post(f"/ledger/locks/{r.json()['id']}/unlock", {"reason": "late invoices"})
    assert unlock.status_code == 200 and unlock.json()["status"] == "unlocked"
    assert api.get("/ledger/locks").json()["count"] == 1


def _upload(name, text):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, text.encode("utf-8") if isinstance(text, str) else text)
