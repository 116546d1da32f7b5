"""The supervision API end to end: plans and targets (form and file), progress with entries links, approvals up the
chain with snapshots, bulk approval, problems, scorecards with export, the methodology; errors in the one error
body, each naming the bad part; enums and bounds in the OpenAPI document."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from fupin.supervision.models import Approval
from tests.conftest import ApiClient
from tests.supervision import factories as sf

pytestmark = pytest.mark.django_db
D = "designated_assistance"


@pytest.fixture
def w():
    w = sf.world()
    w.book(buyer=w.unit, amount="300.00", date="2024-02-10")
    w.book(buyer=w.unit, amount="120.00", date="2023-02-10")
    return w


def client(w, name):
    return ApiClient(w.users[name])


def test_plan_targets_progress_and_approval_through_the_api(w):
    central, office = client(w, "central"), client(w, "office")
    r = central.post("/supervision/plans", {"body_id": w.central.pk, "year": 2024, "letter_ref": "责任书〔2024〕1号"})
    assert r.status_code == 201, r.content
    plan = r.json()["id"]
    r = central.post(f"/supervision/plans/{plan}/targets", {"metric": "direct_purchase", "value": 100_000,
                                                             "scheme": D})
    assert r.status_code == 200 and r.json()["key"] == f"direct_purchase|{D}||"
    assert central.post(f"/supervision/plans/{plan}/submit").status_code == 200
    r = central.post(f"/supervision/plans/{plan}/approve")
    assert r.status_code == 403 and r.json()["code"] == "outside_hierarchy"
    assert office.post(f"/supervision/plans/{plan}/approve").json()["status"] == "approved"
    (fig,) = central.get(f"/supervision/plans/{plan}/progress", as_of="2024-07-01").json()
    assert (fig["actual"], fig["expected"], fig["status"]) == (30_000, 50_000, "far_behind")
    entries = ApiClient(w.users["office"]).client.get(fig["entries_url"], **office.headers).json()
    assert entries["count"] == 1 and entries["items"][0]["amount_fen"] == 30_000
    warnings = office.get("/supervision/warnings", year=2024, as_of="2024-07-01").json()
    assert warnings["count"] == 1 and warnings["items"][0]["body_id"] == w.central.pk
    r = central.post("/supervision/approvals", {"body_id": w.central.pk, "year": 2024, "period_kind": "quarter",
                                                "number": 1})
    assert r.status_code == 201 and r.json()["chain"] == [None]
    approval = r.json()["id"]
    assert office.get("/supervision/approvals", awaiting="true").json()["count"] == 1
    assert office.post(f"/supervision/approvals/{approval}/approve").json()["status"] == "approved"
    detail = office.get(f"/supervision/approvals/{approval}").json()
    assert detail["snapshot_version"] == 1 and detail["figures"][0]["actual"] == 30_000
    assert detail["locked_regions"] == [sf.PREFECTURE, sf.COUNTY]
    r = office.post(f"/supervision/approvals/{approval}/unlock", {"reason": ""})
    assert r.status_code == 422 and r.json()["code"] == "reason_required" and r.json()["details"]["field"] == "reason"
    r = office.post(f"/supervision/approvals/{approval}/unlock", {"reason": "recount"})
    assert r.json()["status"] == "unlocked"


def test_bad_input_through_the_api_names_the_bad_part(w):
    central = client(w, "central")
    r = central.post("/supervision/plans", {"body_id": 987654, "year": 2024})
    assert r.status_code == 422 and r.json()["code"] == "unknown_body" and "987654" in r.json()["message"]
    r = central.post("/supervision/plans", {"body_id": w.central.pk, "year": 2099})
    assert r.status_code == 422 and r.json()["details"][0]["loc"][-1] == "year"
    plan = central.post("/supervision/plans", {"body_id": w.central.pk, "year": 2024}).json()["id"]
    r = central.post(f"/supervision/plans/{plan}/targets", {"metric": "direct_purchase", "value": -1})
    assert r.status_code == 422 and r.json()["code"] == "negative_target" and r.json()["details"]["field"] == "value"
    r = central.post(f"/supervision/plans/{plan}/targets", {"metric": "tea", "value": 1})
    assert r.status_code == 422 and r.json()["details"][0]["loc"][-1] == "metric"
    r = central.post("/supervision/problems", {"region_code": sf.COUNTY, "category": "sales", "measure": 4,
                                               "title": "t", "description": "d", "assigned_ids": [987654]})
    assert r.status_code == 422 and r.json()["code"] == "unknown_body" and r.json()["details"]["ids"] == [987654]
    r = client(w, "office").post("/supervision/scorecards", {"body_id": w.central.pk, "scheme": D, "year": 2024})
    assert r.status_code == 422 and r.json()["code"] == "period_not_approved"
    admin = ApiClient(sf.factories.user("sv_admin", roles="administrator"))
    bad = {"weight_total": 100, "indicators": [{"code": "a", "kind": "qualitative", "weight": 90, "measure": 4,
                                                "max_score": 10}],
           "bands": [{"grade": "good", "min": 50, "max": 100}, {"grade": "poor", "min": 0, "max": 60}]}
    r = admin.post("/supervision/methodologies", {"scheme": D, "valid_from": "2025-01-01", "definition": bad})
    assert r.status_code == 422 and r.json()["code"] == "bad_methodology"
    assert {(e["code"], e["field"]) for e in r.json()["details"]["errors"]} == {
        ("weights_do_not_sum", "indicators"), ("bands_overlap", "bands[0]")}


def test_target_file_import_through_the_api(w):
    text = ("body_code,year,metric,value,scheme\n"
            f"{w.central.credit_code},2024,direct_purchase,1000,{D}\n"
            f"{w.central.credit_code},2024,direct_purchase,-1,\n")
    central = client(w, "central")
    upload = SimpleUploadedFile("t.csv", text.encode(), content_type="text/csv")
    r = central.post("/supervision/targets/imports", {"dry_run": "true"}, files={"file": upload})
    assert r.status_code == 200 and r.json()["dry_run"] is True and r.json()["accepted"] == 1
    assert r.json()["errors"][0]["code"] == "negative_target" and r.json()["errors"][0]["line"] == 3


def test_problems_and_the_matrix_through_the_api(w):
    tianzhu = client(w, "tianzhu")
    bodies = tianzhu.get("/supervision/responsibility", measure=4, region=sf.COUNTY).json()
    assert [b["key"] for b in bodies][-1] == "provincial_governments"
    r = tianzhu.post("/supervision/problems", {"region_code": sf.COUNTY, "category": "logistics", "measure": 4,
                                               "title": "冷链", "description": "no cold store",
                                               "due_date": "2024-06-30"})
    assert r.status_code == 201
    problem = r.json()
    assert {o["id"] for o in problem["assigned"]} == {w.office.pk, w.mofcom.pk, w.guizhou.pk}
    guizhou = client(w, "guizhou")
    r = guizhou.post(f"/supervision/problems/{problem['id']}/actions", {"text": "funded"})
    assert r.status_code == 201 and r.json()["status"] == "in_progress"
    r = guizhou.post(f"/supervision/problems/{problem['id']}/transitions", {"name": "resolve", "reason": ""})
    assert r.status_code == 422 and r.json()["code"] == "reason_required"
    r = guizhou.post(f"/supervision/problems/{problem['id']}/transitions", {"name": "resolve", "reason": "built"})
    assert r.json()["status"] == "resolved"
    r = tianzhu.post(f"/supervision/problems/{problem['id']}/transitions", {"name": "close"})
    assert r.json()["status"] == "closed"
    listed = client(w, "mofcom").get("/supervision/problems", assigned_to=w.mofcom.pk).json()
    assert listed["count"] == 1 and client(w, "zhejiang").get("/supervision/problems").json()["count"] == 0


def test_scorecards_through_the_api(w):
    sf.approved_plan(w, w.central, [{"metric": "direct_purchase", "value": 60_000, "scheme": D},
                                    {"metric": "direct_purchase", "value": 60_000, "scheme": D,
                                     "region_code": sf.COUNTY}])
    office = client(w, "office")
    a = client(w, "central").post("/supervision/approvals", {"body_id": w.central.pk, "year": 2024,
                                                             "period_kind": "year"}).json()
    office.post(f"/supervision/approvals/{a['id']}/approve")
    assert Approval.objects.get(pk=a["id"]).status == "approved"
    r = office.post("/supervision/scorecards/compute", {"year": 2024, "scheme": D})
    assert r.status_code == 200 and r.json()[0]["ok"] is True
    card = r.json()[0]["scorecard_id"]
    detail = office.get(f"/supervision/scorecards/{card}").json()
    assert detail["rank"] == 1 and len(detail["misses"]) == 2 and detail["misses"][0]["entries_url"]
    r = office.post(f"/supervision/scorecards/{card}/adjustments", {"points": "-2.50", "reason": ""})
    assert r.status_code == 422 and r.json()["code"] == "reason_required"
    r = office.post(f"/supervision/scorecards/{card}/adjustments", {"points": "-2.50", "reason": "complaint"})
    assert r.json()["adjustment_centi"] == -250
    r = office.post(f"/supervision/scorecards/{card}/qualitative", {"score": 7})
    assert r.json()["qualitative"] == 7
    r = office.get("/supervision/scorecards/export", year=2024, format="xlsx")
    assert r.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(r.content)).active
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    # the .xlsx is for people (issue #14): translated headers, no internal ids unless asked, scores as numbers
    assert header[:7] == ["Rank", "Assessed body", "Unified social credit code", "Scheme", "Year", "Score", "Grade"]
    assert isinstance(sheet["F2"].value, (int, float)) and sheet.freeze_panes == "A2"
    with_ids = openpyxl.load_workbook(io.BytesIO(office.get("/supervision/scorecards/export", year=2024,
                                                            format="xlsx", ids="true").content)).active
    assert [c.value for c in with_ids[1]][:2] == ["Rank", "Body id"]
    csv_head = office.get("/supervision/scorecards/export", year=2024, format="csv").content.decode("utf-8-sig")
    assert csv_head.startswith("rank,body_id,body,credit_code,scheme,year,score,grade")
    assert office.get("/supervision/methodologies", scheme=D, year=2024).json()["definition"]["weight_total"] == 100


def test_the_openapi_document_lists_the_enums_and_bounds(w):
    schema = ApiClient().client.get("/api/v1/openapi.json").json()
    comp = schema["components"]["schemas"]
    assert set(comp["SupervisionTargetIn"]["properties"]["metric"]["enum"]) >= {"direct_purchase", "reserved_share"}
    number = comp["SupervisionApprovalIn"]["properties"]["number"]
    assert (number["minimum"], number["maximum"]) == (1, 12)
    assert "period_kind" in comp["SupervisionApprovalIn"]["required"]
