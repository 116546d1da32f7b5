"""The year-end cycle and the statistics forms as pages: a body sees its own lines and submits its self-evaluation,
the partner comments, the assessors cross-check and report — each offered only the step it may take now — and the
forms are downloaded as .xlsx and filed once; refusals and bad input say why and change nothing; both languages."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.test import Client

from fupin.supervision import cycle
from fupin.supervision.enums import EvaluationStatus
from fupin.supervision.models import Evaluation, StatisticsFiling
from tests.supervision import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return f.world()


def login(w, name, lang="en"):
    c = Client()
    c.force_login(w.users[name])
    c.cookies["django_language"] = lang
    return c


def _forms(html: str) -> set[str]:
    """The step forms a page offers (their action URLs' last part)."""
    import re

    return set(re.findall(r'action="/supervision/evaluations/\d+/([a-z_]+)/"', html))


def test_a_body_submits_its_self_evaluation_and_each_party_is_offered_only_its_step(w):
    zj = login(w, "zhejiang")
    page = zj.get("/supervision/cycle/?year=2024").content.decode()
    assert w.zhejiang.name in page and "Submit the self-evaluation" in page
    new = f"/supervision/evaluations/new/?body={w.zhejiang.pk}&scheme=east_west&year=2024"
    assert zj.get(new).status_code == 200
    r = zj.post(new, {"text": "结对帮扶贵州，采购 3 亿元", "self_score": "92"})
    ev = Evaluation.objects.get(body=w.zhejiang, scheme="east_west", year=2024)
    assert r.status_code == 302 and r["Location"] == f"/supervision/evaluations/{ev.pk}/"
    assert (ev.status, ev.self_score) == (EvaluationStatus.SELF_EVALUATED, 92)

    url = f"/supervision/evaluations/{ev.pk}/"
    assert _forms(zj.get(url).content.decode()) == {"revise"}
    guizhou, office = login(w, "guizhou"), login(w, "office")
    assert _forms(guizhou.get(url).content.decode()) == {"partner_comment"}
    assert _forms(office.get(url).content.decode()) == set()   # east–west: the partner comments first

    assert guizhou.post(url + "partner_comment/", {"text": "情况属实"}).status_code == 302
    assert _forms(office.get(url).content.decode()) == {"cross_check"}
    assert _forms(zj.get(url).content.decode()) == set()       # no longer the body's to change
    office.post(url + "cross_check/", {"text": "数据与台账一致"})
    office.post(url + "report/", {"text": "好"})
    ev.refresh_from_db()
    assert (ev.status, ev.partner_comments, ev.cross_check, ev.report) == (
        EvaluationStatus.REPORTED, "情况属实", "数据与台账一致", "好")
    assert "好" in office.get(url).content.decode()


def test_refusals_and_bad_input_change_nothing(w):
    ev = cycle.evaluation_submit(body=w.zhejiang, scheme="east_west", year=2024, text="自评", actor=w.users["zhejiang"])
    url = f"/supervision/evaluations/{ev.pk}/"
    zj = login(w, "zhejiang")
    assert zj.post(url + "cross_check/", {"text": "自己核查"}).status_code == 403
    assert zj.post(url + "unknown/", {"text": "x"}).status_code == 404
    r = zj.post(url + "revise/", {"text": "  "}, follow=True)
    assert r.status_code == 200 and "required" in r.content.decode()
    r = login(w, "office").post(url + "cross_check/", {"text": "x"}, follow=True)
    assert "can" in r.content.decode().lower()          # not before the partner's comments: a message, a 200
    ev.refresh_from_db()
    assert (ev.status, ev.self_evaluation, ev.cross_check) == (EvaluationStatus.SELF_EVALUATED, "自评", "")
    assert login(w, "stranger").get(url).status_code == 404
    for bad in ("?body=x&scheme=east_west&year=2024", "?body=1&scheme=charity&year=2024", "?scheme=east_west"):
        assert zj.get("/supervision/evaluations/new/" + bad).status_code == 404
    r = zj.post(f"/supervision/evaluations/new/?body={w.zhejiang.pk}&scheme=east_west&year=2024",
                {"text": "x", "self_score": "101"})
    assert r.status_code == 422


def test_the_statistics_forms_download_and_file_once(w):
    w.book(buyer=w.central, amount="1200.50", date="2024-03-10")
    central = login(w, "central")
    page = central.get("/supervision/statistics/?year=2024").content.decode()
    assert w.central.name in page and "File the forms" in page
    xlsx = central.get(f"/supervision/statistics/{w.central.pk}/2024/forms.xlsx")
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    row = next(r for r in wb.worksheets[1].iter_rows(min_row=2, values_only=True) if r[0] == "Designated assistance")
    assert row[3] == pytest.approx(1200.5)
    assert central.post(f"/supervision/statistics/{w.central.pk}/2024/file/").status_code == 302
    assert StatisticsFiling.objects.filter(body=w.central, year=2024).count() == 1
    r = central.post(f"/supervision/statistics/{w.central.pk}/2024/file/", follow=True)
    assert "already filed" in r.content.decode()
    assert StatisticsFiling.objects.filter(body=w.central, year=2024).count() == 1
    zj = login(w, "zhejiang")
    assert zj.get(f"/supervision/statistics/{w.central.pk}/2024/forms.xlsx").status_code == 403
    assert zj.post(f"/supervision/statistics/{w.central.pk}/2024/file/").status_code == 403
    office = login(w, "office").get("/supervision/statistics/?year=2024").content.decode()
    assert w.central.name in office and w.zhejiang.name in office and "File the forms" not in office


def test_the_cycle_pages_speak_chinese(w):
    zh = login(w, "office", "zh-hans")
    page = zh.get("/supervision/cycle/?year=2024").content.decode()
    assert "年终考核流程" in page and "自评" in page
    assert "统计报表" in zh.get("/supervision/statistics/?year=2024").content.decode()
