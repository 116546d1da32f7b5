"""Supervision pages: every page renders for a signed-in user; the forms write through the services (plans and
targets, the import, approval steps and bulk approval, problems, scorecard adjustments); figures link to the
entries behind them; the scorecard export and the printable page with its SVG chart; both languages."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from fupin.supervision import approvals, scorecards
from fupin.supervision.models import Approval, Problem, Target, WorkPlan
from tests.supervision import factories as sf

pytestmark = pytest.mark.django_db
D = "designated_assistance"


@pytest.fixture
def w():
    w = sf.world()
    w.book(buyer=w.unit, amount="300.00", date="2024-02-10")
    w.book(buyer=w.unit, amount="100.00", date="2023-02-10")
    return w


def login(w, name, lang="en"):
    c = Client()
    c.force_login(w.users[name])
    c.cookies["django_language"] = lang
    return c


@pytest.fixture
def card(w):
    sf.approved_plan(w, w.central, [{"metric": "direct_purchase", "value": 20_000, "scheme": D},
                                    {"metric": "direct_purchase", "value": 40_000, "scheme": D,
                                     "region_code": sf.COUNTY}])
    a = approvals.approval_submit(body_id=w.central.pk, year=2024, period_kind="year", actor="test")
    approvals.approval_approve(approval=a, actor="test")
    return scorecards.scorecard_compute(body_id=w.central.pk, scheme=D, year=2024, actor="test")


def test_every_supervision_page_renders(w, card):
    c = login(w, "office")
    problem = Problem.objects.create(raised_by=w.tianzhu, region=w.seller.region, category="sales", measure=4,
                                     title="滞销", description="d")
    pages = ["/supervision/?year=2024&as_of=2024-07-01", "/supervision/plans/", f"/supervision/plans/{card.snapshot.approval.plan_id}/",
             "/supervision/plans/import/", "/supervision/approvals/", f"/supervision/approvals/{card.snapshot.approval_id}/",
             "/supervision/problems/", "/supervision/problems/new/", f"/supervision/problems/{problem.pk}/",
             "/supervision/responsibility/", "/supervision/scorecards/", f"/supervision/scorecards/{card.pk}/",
             f"/supervision/scorecards/{card.pk}/print/", "/supervision/entries/?year=2024&kind=direct_purchase"]
    for lang in ("en", "zh-hans"):
        c.cookies["django_language"] = lang
        for page in pages:
            r = c.get(page)
            assert r.status_code == 200, (page, r.status_code)


def test_plans_and_targets_through_the_forms(w):
    c = login(w, "central")
    r = c.post("/supervision/plans/", {"body": w.central.pk, "year": 2024, "letter_ref": "L-1"})
    plan = WorkPlan.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/supervision/plans/{plan.pk}/"
    r = c.post(f"/supervision/plans/{plan.pk}/", {"metric": "direct_purchase", "value": "1,000.00", "scheme": D})
    assert r.status_code == 302 and Target.objects.get().value == 100_000
    r = c.post(f"/supervision/plans/{plan.pk}/", {"metric": "direct_purchase", "value": "-5"})
    assert r.status_code == 422 and "must not be negative" in r.content.decode()
    r = c.post(f"/supervision/plans/{plan.pk}/", {"metric": "helped_sale", "value": "5", "sub_unit": 987654})
    assert r.status_code == 422 and "987654" in r.content.decode()
    c.post(f"/supervision/plans/{plan.pk}/submit/")
    r = c.post(f"/supervision/plans/{plan.pk}/approve/", follow=True)
    assert "national office" in r.content.decode()
    login(w, "office").post(f"/supervision/plans/{plan.pk}/approve/")
    plan.refresh_from_db()
    assert plan.status == "approved"
    body = c.get(f"/supervision/plans/{plan.pk}/").content.decode()
    assert "/supervision/entries/?" in body and "300.00" in body


def test_the_entries_behind_a_figure(w):
    c = login(w, "office")
    r = c.get(f"/supervision/entries/?year=2024&kind=direct_purchase&counted=true&scheme={D}"
              f"&relation={w.rel_designated.pk},{w.rel_counterpart.pk}")
    body = r.content.decode()
    assert r.status_code == 200 and "300.00" in body and "/ledger/entries/" in body
    assert c.get("/supervision/entries/?year=abc").status_code == 422


def test_the_target_import_page(w):
    c = login(w, "central")
    text = f"body_code,year,metric,value\n{w.central.credit_code},2024,direct_purchase,500\n"
    r = c.post("/supervision/plans/import/", {"file": SimpleUploadedFile("t.csv", text.encode()), "dry_run": "on"})
    assert r.status_code == 200 and "Dry run report" in r.content.decode() and not Target.objects.exists()
    c.post("/supervision/plans/import/", {"file": SimpleUploadedFile("t.csv", text.encode())})
    assert Target.objects.get().value == 50_000


def test_approval_steps_and_bulk_approval_through_the_pages(w):
    sf.approved_plan(w, w.central, [{"metric": "direct_purchase", "value": 1, "scheme": D}])
    sf.approved_plan(w, w.zhejiang, [{"metric": "direct_purchase", "value": 1, "scheme": "east_west"}])
    central = login(w, "central")
    r = central.post("/supervision/approvals/", {"form": "submit", "body": w.central.pk, "year": 2024,
                                                 "period_kind": "quarter", "number": 1})
    a = Approval.objects.get(body=w.central)
    assert r.status_code == 302
    login(w, "zhejiang").post("/supervision/approvals/", {"form": "submit", "body": w.zhejiang.pk, "year": 2024,
                                                          "period_kind": "year", "number": 1})
    office = login(w, "office")
    page = office.get("/supervision/approvals/?awaiting=on").content.decode()
    assert page.count('name="ids"') == 2
    office.post("/supervision/approvals/", {"form": "bulk", "ids": [str(x.pk) for x in Approval.objects.all()]})
    assert set(Approval.objects.values_list("status", flat=True)) == {"approved"}
    r = office.post(f"/supervision/approvals/{a.pk}/unlock/", {"reason": ""}, follow=True)
    assert "needs a reason" in r.content.decode()
    office.post(f"/supervision/approvals/{a.pk}/unlock/", {"reason": "recount"})
    a.refresh_from_db()
    assert a.status == "unlocked"
    assert "Approved figures" in office.get(f"/supervision/approvals/{a.pk}/").content.decode()


def test_problems_through_the_pages(w):
    c = login(w, "tianzhu")
    r = c.post("/supervision/problems/new/", {"region_code": sf.COUNTY, "category": "logistics", "measure": 4,
                                              "title": "冷链", "description": "no cold store"})
    p = Problem.objects.get()
    assert r.status_code == 302 and set(p.assigned.all()) == {w.office, w.mofcom, w.guizhou}
    r = c.post("/supervision/problems/new/", {"region_code": sf.COUNTY, "category": "logistics", "measure": 4,
                                              "title": "t", "description": "d", "assigned": "987654"})
    assert r.status_code == 422 and "987654" in r.content.decode()
    g = login(w, "guizhou")
    g.post(f"/supervision/problems/{p.pk}/", {"step": "act", "text": "funded"})
    g.post(f"/supervision/problems/{p.pk}/", {"step": "resolve", "text": "built"})
    c.post(f"/supervision/problems/{p.pk}/", {"step": "close", "text": ""})
    p.refresh_from_db()
    assert p.status == "closed"
    assert "funded" in c.get(f"/supervision/problems/{p.pk}/").content.decode()


def test_scorecards_pages_export_print_and_adjust(w, card):
    office = login(w, "office")
    body = office.get(f"/supervision/scorecards/{card.pk}/").content.decode()
    assert "Missed targets and sub-targets" in body and sf.COUNTY in body
    r = office.post(f"/supervision/scorecards/{card.pk}/", {"form": "adjust", "points": "-3.25", "reason": "complaint"})
    assert r.status_code == 302
    card.refresh_from_db()
    assert card.adjustment_centi == -325
    r = office.post(f"/supervision/scorecards/{card.pk}/", {"form": "qualitative", "score": "99"})
    assert r.status_code == 422 and "from 0 to 10" in r.content.decode()   # the service's refusal, shown
    card.refresh_from_db()
    assert card.qualitative is None
    printed = office.get(f"/supervision/scorecards/{card.pk}/print/").content.decode()
    assert "<svg" in printed and "portal/print.css" in printed  # the print style sheet (no inline style: CSP)
    assert "@media print" in (Path(settings.PACKAGE_DIR) / "portal/static/portal/print.css").read_text()
    r = office.get("/supervision/scorecards/?year=2024&export=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(r.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("Rank", "Assessed body", "Unified social credit code") and rows[1][1] == w.central.name
    r = office.post("/supervision/scorecards/", {"year": 2024, "scheme": D})
    assert r.status_code == 302


def test_pages_in_chinese(w, card):
    c = login(w, "office", lang="zh-hans")
    home = c.get("/supervision/?year=2024").content.decode()
    assert "2024 年进度预警" in home and "实际 ÷ 应完成" in home and "进度滞后" in home
    page = c.get(f"/supervision/scorecards/{card.pk}/").content.decode()
    assert "未完成的目标和分解目标" in page and "定点扶贫" in page and "打印版报告" in page
