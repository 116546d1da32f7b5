"""Portal pages of interest linkage: they render, stay in scope, and the household page shows every contract and
payment that concerns the household."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from fupin.linkage import sampling
from fupin.linkage.models import BenefitPayment, Contract
from tests import factories
from tests.linkage import factories as lf

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(county_clerk):
    here = factories.entity("本县合作社", region_code="522627")
    there = factories.entity("外县公司", region_code="130631")
    h = factories.household()
    h_far = factories.household(village_code="130631100201")
    nation = lf.writer()
    c1 = lf.contract(actor=county_clerk, entity=here, households=[h], code="OWN-1", mechanism="land_lease")
    c2 = lf.contract(actor=nation, entity=there, households=[h, h_far], code="FAR-1", mechanism="employment")
    lf.payment(actor=county_clerk, contract=c1, household=h, external_id="PH1", amount_fen=123456)
    lf.payment(actor=nation, contract=c2, household=h, external_id="PT1", amount_fen=654321)
    lf.payment(actor=nation, contract=c2, household=h_far, external_id="PT2", amount_fen=11111)
    return {"here": here, "there": there, "h": h, "h_far": h_far, "c1": c1, "c2": c2}


def client_for(user):
    c = Client()
    c.force_login(user)
    return c


def test_pages_render(world, county_clerk):
    c = client_for(county_clerk)
    for name, args in [("linkage_home", []), ("linkage_contracts", []), ("linkage_payments", []), ("linkage_flags", []),
                       ("linkage_rounds", []), ("linkage_import", []), ("linkage_contract_new", []),
                       ("linkage_payment_new", []), ("linkage_contract", [world["c1"].pk]),
                       ("linkage_entity", [world["here"].pk]), ("household_linkage", [world["h"].pk])]:
        r = c.get(reverse(f"portal:{name}", args=args), {"year": 2024})
        assert r.status_code == 200, name
    assert client_for(county_clerk).get("/linkage/", {"year": "nope", "group_by": "x"}).status_code == 200


def test_anonymous_is_sent_to_sign_in(world):
    r = Client().get(reverse("portal:linkage_contracts"))
    assert r.status_code == 302 and "/login/" in r["Location"]


def test_household_page_shows_every_contract_and_payment(world, county_clerk):
    body = client_for(county_clerk).get(reverse("portal:household_linkage", args=[world["h"].pk])).content.decode()
    assert "OWN-1" in body and "FAR-1" in body
    assert "1,234.56" in body and "6,543.21" in body and "7,777.77" in body
    assert "张三丰" in body  # the registry decides: a clerk of the household's own county sees the name
    masked = client_for(factories.user(roles="viewer")).get(
        reverse("portal:household_linkage", args=[world["h"].pk])).content.decode()
    assert "张**" in masked and "张三丰" not in masked


def test_county_user_cannot_see_another_countys_contracts_or_payments(world, county_clerk, other_county_clerk):
    mine = client_for(county_clerk)
    body = mine.get(reverse("portal:linkage_contracts")).content.decode()
    assert "OWN-1" in body and "FAR-1" not in body
    body = mine.get(reverse("portal:linkage_payments")).content.decode()
    assert "PH1" in body and "PT1" not in body
    assert mine.get(reverse("portal:linkage_contract", args=[world["c2"].pk])).status_code == 404
    assert mine.get(reverse("portal:linkage_entity", args=[world["there"].pk])).status_code == 404
    assert mine.get(reverse("portal:household_linkage", args=[world["h_far"].pk])).status_code == 404
    theirs = client_for(other_county_clerk)
    assert "OWN-1" not in theirs.get(reverse("portal:linkage_contracts")).content.decode()
    csv = mine.get(reverse("portal:linkage_payments"), {"export": "csv"}).content.decode("utf-8-sig")
    assert "PH1" in csv and "PT1" not in csv


def test_contract_form_transitions_and_payment_form(world, county_clerk):
    c = client_for(county_clerk)
    h = factories.household()
    r = c.post(reverse("portal:linkage_contract_new"), {
        "code": "FORM-1", "entity": world["here"].credit_code, "mechanism": "employment", "start_date": "2024-01-01",
        "schedule": "monthly", "households": h.registry_code, "wage_basis": "day", "wage_yuan": "120"})
    assert r.status_code == 200 and "days_per_month" in r.content.decode()  # missing term shown on the form
    r = c.post(reverse("portal:linkage_contract_new"), {
        "code": "FORM-1", "entity": world["here"].credit_code, "mechanism": "employment", "start_date": "2024-01-01",
        "schedule": "monthly", "households": f"{h.registry_code}:20", "wage_basis": "day", "wage_yuan": "120",
        "days_per_month": "18"})
    contract = Contract.objects.get(code="FORM-1")
    assert r.status_code == 302 and contract.status == "draft"
    c.post(reverse("portal:linkage_contract_transition", args=[contract.pk]), {"action": "activate"})
    assert Contract.objects.get(pk=contract.pk).status == "active"
    r = c.post(reverse("portal:linkage_contract_transition", args=[contract.pk]), {"action": "suspend", "reason": ""})
    assert Contract.objects.get(pk=contract.pk).status == "active"  # a reason is required
    form = {"external_id": "form-abc", "contract": "FORM-1", "household": h.registry_code, "paid_on": "2024-02-01",
            "amount_yuan": "2160"}
    assert c.post(reverse("portal:linkage_payment_new"), form).status_code == 302
    assert c.post(reverse("portal:linkage_payment_new"), form).status_code == 302  # resubmitted: idempotent
    assert BenefitPayment.objects.filter(contract=contract).count() == 1
    r = c.post(reverse("portal:linkage_payment_new"), {**form, "external_id": "form-x", "amount_yuan": "-3"})
    assert r.status_code == 200 and BenefitPayment.objects.filter(contract=contract).count() == 1
    r = c.post(reverse("portal:linkage_payment_new"), {**form, "external_id": "form-y", "paid_on": "2023-01-01"})
    assert r.status_code == 200 and "outside the contract" in r.content.decode()
    p = BenefitPayment.objects.get(external_id="form-abc")
    c.post(reverse("portal:linkage_payment_reverse", args=[p.pk]), {"reason": "typo"})
    assert BenefitPayment.objects.filter(reverses=p).exists()


def test_import_page_and_verification_pages(world, county_clerk):
    c = client_for(county_clerk)
    csv = (f"external_id,contract_no,household,paid_on,amount_yuan\nI9,OWN-1,{world['h'].registry_code},2024-09-01,50\n"
           "I10,OWN-1,NOPE,2024-09-01,5\n").encode()
    r = c.post(reverse("portal:linkage_import"), {"kind": "payments", "dry_run": "on",
                                                  "file": SimpleUploadedFile("p.csv", csv, "text/csv")})
    body = r.content.decode()
    assert r.status_code == 200 and "unknown_household" in body and not BenefitPayment.objects.filter(external_id="I9").exists()
    r = c.post(reverse("portal:linkage_rounds"), {"county": "522627", "period_start": "2024-01-01",
                                                  "period_end": "2024-12-31", "seed": "3"})
    assert r.status_code == 302
    rnd = sampling.round_list(viewer=county_clerk).get()
    page = c.get(reverse("portal:linkage_round", args=[rnd.pk]))
    assert page.status_code == 200 and "Wilson" in page.content.decode()
    c.post(reverse("portal:linkage_round_complete", args=[rnd.pk]))
    rnd.refresh_from_db()
    assert rnd.status == "open"  # refused while households are unverified
    for item in rnd.items.all():
        c.post(reverse("portal:linkage_item_outcome", args=[item.pk]), {"outcome": "not_received"})
        item.refresh_from_db()
        assert item.outcome == "not_received"
    xlsx = c.get(reverse("portal:linkage_round", args=[rnd.pk]), {"export": "xlsx"})
    rows = list(load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(values_only=True))
    assert len(rows) == 1 + rnd.items.count()
    c.post(reverse("portal:linkage_round_complete", args=[rnd.pk]))
    rnd.refresh_from_db()
    assert rnd.status == "completed"


def test_viewer_cannot_write(world):
    viewer = client_for(factories.user(roles="viewer"))
    assert viewer.get(reverse("portal:linkage_contract_new")).status_code == 403
    r = viewer.post(reverse("portal:linkage_payment_reverse", args=[BenefitPayment.objects.first().pk]), {"reason": "x"})
    assert r.status_code == 403
    assert not BenefitPayment.objects.filter(reverses__isnull=False).exists()


def test_pages_in_chinese(world, county_clerk):
    from asgiref.local import Local
    from django.core.management import call_command
    from django.utils.translation import trans_real

    call_command("compile_translations", stdout=io.StringIO())
    trans_real._translations = {}
    trans_real._default = None
    trans_real._active = Local()
    c = client_for(county_clerk)
    try:
        body = c.get(reverse("portal:household_linkage", args=[world["h"].pk]), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        home = c.get(reverse("portal:linkage_home"), {"year": 2024}, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    finally:
        translation.activate("en")
    assert "利益联结" in body and "累计收到" in body and "土地流转（租金）" in body
    assert "贫困群众是否分享了收益" in home
