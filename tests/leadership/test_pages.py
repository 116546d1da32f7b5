"""Leadership pages: plans (create, objectives and tasks with refusals on the form, live progress, steps), the
department view, the case library (submission with a photo, a refused file, text with HTML shown escaped, review
and publication, live figures), both languages, and templates free of inline script and style (the CSP)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from fupin.leadership import services
from fupin.leadership.enums import CaseStatus, PlanStatus
from fupin.leadership.models import Case

from . import factories as lf

pytestmark = pytest.mark.django_db
TEMPLATES = Path(__file__).resolve().parents[2] / "src/fupin/portal/templates/portal/leadership"


@pytest.fixture
def w():
    return lf.world()


def login(user, language="en"):
    c = Client(HTTP_ACCEPT_LANGUAGE=language)
    c.force_login(user)
    return c


def test_a_plan_through_the_pages(w):
    w.book(buyer=w.unit, amount="250.00", date="2024-02-10")
    gz = login(w.users["guizhou"])
    assert gz.get("/leadership/plans/").status_code == 200
    r = gz.post("/leadership/plans/", {"body": w.guizhou.pk, "year": 2024, "title": "贵州省实施方案"})
    assert r.status_code == 302, r.content.decode()[:2000]
    url = r["Location"]
    r = gz.post(url, {"form": "objective", "kind": "supply_capacity", "figure": "direct_purchase", "target": 50000})
    assert r.status_code == 302
    r = gz.post(url, {"form": "task", "title": "trade fairs", "owner": w.qdn.pk, "deadline": "2025-02-01"})
    assert r.status_code == 422
    assert "lies outside the plan&#x27;s year 2024" in r.content.decode()
    r = gz.post(url, {"form": "task", "title": "trade fairs", "owner": w.qdn.pk, "deadline": "2024-05-01",
                      "measure": "1"})
    assert r.status_code == 302
    page = gz.get(url).content.decode()
    assert "250.00" in page and "500.00" in page and "50.0%" in page
    assert "/supervision/entries/?year=2024&amp;kind=direct_purchase" in page
    pk = int(url.rstrip("/").rsplit("/", 1)[1])
    gz.post(f"/leadership/plans/{pk}/submit/")
    r = login(w.users["office"]).post(f"/leadership/plans/{pk}/approve/")
    assert r.status_code == 302
    from fupin.leadership.models import ImplementationPlan

    assert ImplementationPlan.objects.get(pk=pk).status == PlanStatus.APPROVED
    r = login(w.users["qdn"]).get(f"/leadership/responsibilities/{w.qdn.pk}/")
    assert r.status_code == 200 and "trade fairs" in r.content.decode()
    assert login(w.users["qdn"]).get("/leadership/responsibilities/").status_code == 302


def test_case_text_with_script_is_shown_escaped_and_photos_checked(w):
    tz = login(w.users["tianzhu"])
    r = tz.post("/leadership/cases/new/", {
        "region_code": lf.COUNTY, "kind": "practice", "title": "<b>订单</b>农业",
        "text": "<script>alert('x')</script><img src=x onerror=alert(1)>", "tags": "订单, <i>x</i>",
        "entity": w.seller.pk, "photo": SimpleUploadedFile("p.png", lf.png(2, 2), content_type="image/png")})
    assert r.status_code == 302, r.content.decode()[:3000]
    case = Case.objects.get()
    assert case.photos.count() == 1
    page = tz.get(r["Location"]).content.decode()
    assert "<script>alert" not in page and "<img src=x" not in page and "<b>订单</b>" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page and "&lt;b&gt;订单&lt;/b&gt;" in page
    r = tz.post(r["Location"], {"photo": SimpleUploadedFile("evil.png", b"<svg onload=alert(1)>",
                                                            content_type="image/png")})
    assert r.status_code == 422 and "is not a PNG, JPEG, GIF or WebP image" in r.content.decode()
    big = lf.png(padding=3 * 1024 * 1024)
    r = tz.post(f"/leadership/cases/{case.pk}/", {"photo": SimpleUploadedFile("big.png", big)})
    assert r.status_code == 422 and "at most 2097152 are accepted" in r.content.decode()
    assert case.photos.count() == 1
    photo = tz.get(f"/leadership/photos/{case.photos.get().pk}/")
    assert photo.status_code == 200 and photo["Content-Type"] == "image/png"
    r = tz.post("/leadership/cases/new/", {"region_code": lf.COUNTY, "kind": "practice", "title": "t", "text": "x",
                                           "entity": w.other_seller.pk})
    assert r.status_code == 422 and "lies within your scope" in r.content.decode()


def test_review_publication_and_live_figures_on_the_page(w):
    w.book(buyer=w.unit, amount="123.45", date="2024-02-10")
    case = lf.case(w, entity_id=w.seller.pk, relation_id=w.rel_designated.pk)
    own = login(w.users["tianzhu"]).get(f"/leadership/cases/{case.pk}/").content.decode()
    assert "Live figures are shown once the case is published." in own and "/publish/" not in own
    gz = login(w.users["guizhou"])
    assert "/publish/" in gz.get(f"/leadership/cases/{case.pk}/").content.decode()
    assert gz.post(f"/leadership/cases/{case.pk}/publish/").status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.PUBLISHED
    page = login(w.users["zhejiang"]).get(f"/leadership/cases/{case.pk}/").content.decode()
    assert "123.45" in page and "seller=" in page
    assert login(w.users["tianzhu"]).post(f"/leadership/cases/{case.pk}/feature/").status_code == 403
    listing = login(w.users["zhejiang"]).get("/leadership/cases/", {"q": "订单"}).content.decode()
    assert case.title in listing


def test_pages_in_chinese(w):
    case = lf.case(w)
    services.case_step(case=case, step="publish", actor=w.users["guizhou"])
    zh = login(w.users["guizhou"], "zh-hans")
    assert "案例库" in zh.get("/leadership/cases/").content.decode()
    assert "实施方案" in zh.get("/leadership/plans/").content.decode()
    assert "提交案例" in zh.get("/leadership/cases/new/").content.decode()


def test_templates_hold_no_inline_script_or_style():
    for path in TEMPLATES.glob("*.html"):
        text = path.read_text()
        assert not re.search(r"<script|<style|\sstyle=|\son\w+=", text, re.I), path.name


def test_navigation_links_the_leadership_pages(w):
    page = login(w.users["guizhou"]).get("/leadership/cases/").content.decode()
    for href in ("/leadership/plans/", "/leadership/responsibilities/", "/leadership/cases/"):
        assert f'href="{href}"' in page
