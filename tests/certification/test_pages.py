"""Certification pages: the public face (no sign-in), suppliers, reviewers at each level; bad input never a 500."""

import datetime as dt
import io
import re

import openpyxl
import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from fupin.certification import services
from fupin.certification.enums import ApplicationStatus as S
from fupin.certification.models import Application, Objection, Product
from tests.assertions import nonempty

from . import factories as cf

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-42"


def signed_in(user) -> Client:
    c = Client()
    assert c.login(username=user.username, password=PASSWORD)
    return c


@pytest.fixture
def listed():
    revs = cf.reviewers()
    sup = cf.supplier()
    tea = cf.product(sup, category="tea")
    craft = cf.product(sup)
    hidden = cf.product(sup)
    app = cf.submit(sup, [tea, craft])
    cf.advance(app, revs, until=S.CERTIFIED)
    for p in (tea, craft):
        p.refresh_from_db()
    return {"revs": revs, "sup": sup, "tea": tea, "craft": craft, "hidden": hidden, "app": app}


def test_public_catalogue_product_and_export(listed, client):
    tea, craft, hidden = listed["tea"], listed["craft"], listed["hidden"]
    html = client.get("/certification/catalogue/", {"category": "tea"}).content.decode()
    assert tea.code in html and craft.code not in html
    assert client.get(f"/certification/catalogue/{tea.code}/").status_code == 200
    r = client.get("/certification/catalogue/", {"export": "xlsx"})
    assert r.status_code == 200
    ws = openpyxl.load_workbook(io.BytesIO(r.content)).active
    assert ws.max_row == 3
    assert client.get(f"/certification/catalogue/{hidden.code}/").status_code == 404
    for bad in [{"category": "<script>"}, {"province": "abc"}, {"page": "999"}, {"county": "1" * 40}]:
        assert client.get("/certification/catalogue/", bad).status_code == 200
    assert client.get("/certification/batches/").status_code == 200


def test_public_certificate_and_verify_pages(listed, client):
    cert = listed["tea"].certificates.get()
    with time_machine.travel(dt.datetime(2020, 7, 1, 10, tzinfo=dt.UTC)):
        html = client.get(f"/certification/certificates/{cert.number}/").content.decode()
        assert listed["tea"].code in html and cert.code in html
        r = client.post("/certification/verify/", {"code": cert.code})
        assert "Genuine and valid" in r.content.decode()
    forged = cert.code.replace(".", ".X", 1)
    r = client.post("/certification/verify/", {"code": forged})
    assert r.status_code == 200 and "Rejected" in r.content.decode()
    r = client.get("/certification/verify/", {"code": cert.code[:-3] + "AAA"})
    assert "Rejected" in r.content.decode()
    assert client.get("/certification/certificates/NOPE/").status_code == 404


def test_public_notice_objection_and_complaint(listed, client):
    app = cf.application_in(S.COUNTY_NOTICE, revs=listed["revs"])
    with time_machine.travel(dt.datetime.combine(app.notice_start, dt.time(10)).astimezone(dt.UTC)):
        html = client.get("/certification/notices/").content.decode()
        assert app.number in html
        r = client.post(f"/certification/notices/{app.number}/object/", {"name": "Zhao", "text": "Not local produce"})
        assert r.status_code == 302
        r = client.post(f"/certification/notices/{app.number}/object/", {"name": "", "text": ""})
        assert r.status_code == 302
    assert Objection.objects.filter(application=app).count() == 1
    r = client.post(f"/certification/catalogue/{listed['tea'].code}/complain/", {"name": "Qian", "text": "Mould"})
    assert r.status_code == 302 and listed["tea"].complaints.count() == 1
    assert client.post("/certification/notices/NOPE/object/", {"name": "a", "text": "b"}).status_code == 404


@pytest.mark.parametrize("url", ["/certification/supplier/", "/certification/applications/", "/certification/queue/",
                                 "/certification/objections/", "/certification/batches/new/",
                                 "/certification/products/", "/certification/spot-checks/",
                                 "/certification/linkage-shortfalls/", "/certification/supplier/apply/"])
def test_private_pages_need_sign_in(client, url):
    r = client.get(url)
    assert r.status_code == 302 and "/login/" in r["Location"]


def test_supplier_registers_checks_and_applies(client):
    sup = cf.supplier()
    c = signed_in(sup.user)
    html = c.get("/certification/supplier/").content.decode()
    assert sup.entity.name in html
    r = c.post(f"/certification/supplier/products/new/?supplier={sup.entity.pk}", {
        "supplier": sup.entity.pk, "name": "Dong brocade", "category": "handicraft", "unit": "piece",
        "origin": cf.VILLAGE, "annual_capacity": "5000", "reference_price": "120", "price": "118.5"})
    assert r.status_code == 302
    product = Product.objects.get(name="Dong brocade")
    assert product.price_fen == 11850
    r = c.post(f"/certification/supplier/products/new/?supplier={sup.entity.pk}", {
        "supplier": sup.entity.pk, "name": "X", "category": "handicraft", "unit": "piece", "origin": "999999",
        "annual_capacity": "1", "reference_price": "1", "price": "1"})
    assert r.status_code == 200 and "Unknown origin region" in r.content.decode()
    r = c.post(f"/certification/supplier/products/new/?supplier={sup.entity.pk}", {
        "supplier": sup.entity.pk, "name": "X", "category": "handicraft", "unit": "piece", "origin": cf.VILLAGE,
        "annual_capacity": "1", "reference_price": "10,00", "price": "1"})   # not 1,000 yuan: refused by the parser
    assert r.status_code == 200 and "is not an amount in yuan" in r.content.decode()
    assert not Product.objects.filter(name="X").exists()
    form = {"supplier": sup.entity.pk, "kind": "new", f"volume_{product.pk}": "2000",
            "households": "\n".join(sup.refs[:2])}
    html = c.post("/certification/supplier/apply/", {**form, "go": "precheck"}).content.decode()
    assert "Some pre-checks fail" in html and "at least 5 are required" in html
    form["households"] = "\n".join(sup.refs)
    html = c.post("/certification/supplier/apply/", {**form, "go": "precheck"}).content.decode()
    assert "Every pre-check passes" in html
    r = c.post("/certification/supplier/apply/", {**form, "go": "submit"})
    app = Application.objects.get()
    assert r.status_code == 302 and r["Location"].endswith(f"/certification/applications/{app.pk}/")
    html = c.get(r["Location"]).content.decode()
    assert app.number in html and "Awaiting county certification" in html
    r = c.post("/certification/supplier/apply/", {**form, f"volume_{product.pk}": "-4", "go": "submit"})
    assert r.status_code == 200
    other = cf.supplier(region_code=cf.OTHER_COUNTY)  # a clerk acts only for suppliers of their own county
    assert c.get(f"/certification/supplier/?supplier={other.entity.pk}").status_code == 404


def test_reviewer_queue_bulk_approval_and_scope():
    revs = cf.reviewers()
    apps = [cf.application_in(S.SUBMITTED, revs=revs) for _ in range(3)]
    Application.objects.filter(pk=apps[0].pk).update(status_since=timezone.now() - dt.timedelta(days=40))
    Application.objects.filter(pk__in=[apps[1].pk, apps[2].pk]).update(status_since=timezone.now())
    county = signed_in(revs.county)
    html = county.get("/certification/queue/").content.decode()
    assert all(a.number in html for a in nonempty(apps))
    assert html.index(apps[0].number) < html.index(apps[1].number)  # longest waiting first
    html = county.get("/certification/queue/", {"min_days": "30"}).content.decode()
    assert apps[0].number in html and apps[1].number not in html
    assert county.get("/certification/queue/", {"min_days": "x"}).status_code == 200
    r = county.post("/certification/queue/bulk/", {"ids": [apps[0].pk, apps[1].pk], "action": "approve",
                                                   "reason": "Evidence checked on site"})
    assert r.status_code == 302
    assert set(Application.objects.filter(pk__in=[a.pk for a in apps]).values_list("status", flat=True)) == {
        S.COUNTY_NOTICE, S.SUBMITTED}
    # another county's reviewer sees nothing of it and cannot act
    other = signed_in(revs.other_county)
    assert apps[2].number not in other.get("/certification/queue/").content.decode()
    assert other.get(f"/certification/applications/{apps[2].pk}/").status_code == 404
    assert other.post(f"/certification/applications/{apps[2].pk}/decide/",
                      {"action": "approve", "reason": "x"}).status_code == 404
    other.post("/certification/queue/bulk/", {"ids": [apps[2].pk], "action": "approve", "reason": "x"})
    apps[2].refresh_from_db()
    assert apps[2].status == S.SUBMITTED
    # the prefecture sees it but the form is not offered and a forged post is refused
    pref = signed_in(revs.prefecture)
    html = pref.get(f"/certification/applications/{apps[2].pk}/").content.decode()
    assert 'id="decide"' not in html
    pref.post(f"/certification/applications/{apps[2].pk}/decide/", {"action": "approve", "reason": "x"})
    apps[2].refresh_from_db()
    assert apps[2].status == S.SUBMITTED
    # the county decides on the detail page, with a reason
    html = county.get(f"/certification/applications/{apps[2].pk}/").content.decode()
    assert 'id="decide"' in html
    county.post(f"/certification/applications/{apps[2].pk}/decide/", {"action": "return", "reason": "Add licences"})
    apps[2].refresh_from_db()
    assert apps[2].status == S.RETURNED and apps[2].last_reason == "Add licences"


def test_objection_batch_product_and_spot_check_pages(listed):
    with time_machine.travel(dt.datetime(2020, 8, 1, 10, tzinfo=dt.UTC)):
        revs = listed["revs"]
        nation = signed_in(revs.nation)
        app = cf.application_in(S.NATIONAL_NOTICE, revs=revs)
        html = nation.get("/certification/batches/new/").content.decode()
        assert app.number in html  # its national notice is over
        r = nation.post("/certification/batches/new/", {"number": "2020-09", "title": "Ninth batch",
                                                        "published_on": cf.LIST_DAY.isoformat(), "ids": [app.pk]})
        assert r.status_code == 302
        app.refresh_from_db()
        assert app.status == S.CERTIFIED and app.batch.number == "2020-09"
        tea = listed["tea"]
        county = signed_in(revs.county)
        services.objection_lodge(product=tea, name="Sun", text="Fake origin")
        obj = tea.complaints.get()
        html = county.get("/certification/objections/").content.decode()
        assert "Fake origin" in html
        county.post(f"/certification/objections/{obj.pk}/decide/", {"uphold": "1", "reason": "Confirmed by inspection"})
        tea.refresh_from_db()
        assert tea.status == "suspended"
        html = county.get(f"/certification/products/{tea.pk}/").content.decode()
        assert "Reinstate" in html
        county.post(f"/certification/products/{tea.pk}/action/", {"action": "reinstate", "reason": "Re-inspected"})
        tea.refresh_from_db()
        assert tea.status == "certified"
        county.post(f"/certification/products/{tea.pk}/action/", {"action": "revoke", "reason_kind": "fraud", "reason": "x"})
        tea.refresh_from_db()
        assert tea.status == "certified"  # revocation needs province or national level
        r = nation.post("/certification/spot-checks/draw/", {"period": "2020-Q3", "region_prefix": ""})
        assert r.status_code == 302
        round_url = r["Location"]
        html = nation.get(round_url).content.decode()
        assert "2020-Q3" in html
        check_id = int(re.search(r"/spot-checks/checks/(\d+)/result/", html).group(1))
        nation.post(f"/certification/spot-checks/checks/{check_id}/result/", {"passed": "0", "findings": "Label wrong"})
        assert Product.objects.filter(status="suspended").count() == 1
        assert county.get("/certification/linkage-shortfalls/").status_code == 200
        assert nation.post("/certification/spot-checks/draw/", {"period": ""}).status_code == 302


def test_pages_and_reasons_in_chinese(listed):
    from asgiref.local import Local
    from django.core.management import call_command
    from django.utils import translation
    from django.utils.translation import trans_real

    call_command("compile_translations", stdout=io.StringIO())
    trans_real._translations = {}
    trans_real._default = None
    trans_real._active = Local()
    c = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    try:
        html = c.get("/certification/catalogue/").content.decode()
        assert "全国扶贫产品目录" in html and "茶叶" in html
        html = c.post("/certification/verify/", {"code": "FPC1.abc.def"}).content.decode()
        assert "签名不符" in html or "格式正确" in html
        sup = cf.supplier(households=1)
        with translation.override("zh-hans"), pytest.raises(services.InvalidInput) as err:
            cf.submit(sup)
        assert "要求至少 5 户" in str(err.value.message)
    finally:
        translation.deactivate()  # the locale middleware leaves the request's language active in this thread
