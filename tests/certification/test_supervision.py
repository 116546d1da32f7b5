"""Objections during notices, complaints, spot checks (reproducible, risk-weighted), annual review and expiry."""

import datetime as dt
import io

import pytest
from django.core.management import call_command

from fupin.certification import rules, selectors, services, spot_checks
from fupin.certification.enums import ApplicationStatus as S
from fupin.core.errors import AccessDenied, Conflict, InvalidInput

from . import factories as cf

pytestmark = pytest.mark.django_db


def test_public_objection_upheld_returns_to_county_review(api_as):
    revs = cf.reviewers()
    app = cf.application_in(S.COUNTY_NOTICE, revs=revs)
    import time_machine

    with time_machine.travel(dt.datetime.combine(app.notice_start, dt.time(10)).astimezone(dt.UTC)):
        notices = api_as().get("/notices").json()
        assert [n["number"] for n in notices["items"]] == [app.number]
        r = api_as().post("/objections", {"application_number": app.number, "name": "Li Si",
                                          "text": "These households never sold anything to the supplier."})
    assert r.status_code == 201
    obj = app.objections.get()
    with pytest.raises(AccessDenied):
        services.objection_decide(objection=obj, uphold=True, actor=revs.other_county, reason="x")
    services.objection_decide(objection=obj, uphold=True, actor=revs.county, reason="Verified with the village",
                              today=app.notice_start)
    app.refresh_from_db()
    assert app.status == S.SUBMITTED and app.notice_end is None
    with pytest.raises(Conflict):  # deciding twice: the objection is no longer open
        obj2 = type(obj).objects.get(pk=obj.pk)
        obj2.status = "open"
        services.objection_decide(objection=obj2, uphold=False, actor=revs.county, reason="again")


def test_objection_outside_notice_is_refused():
    app = cf.application_in(S.SUBMITTED)
    with pytest.raises(InvalidInput) as err:
        services.objection_lodge(name="A", text="B", application=app)
    assert err.value.code == "not_in_notice"
    with pytest.raises(InvalidInput):
        services.objection_lodge(name="", text="B", application=app)


def test_upheld_complaint_suspends_the_product(api_as):
    revs = cf.reviewers()
    product = cf.certified_product(revs=revs)
    r = api_as().post("/objections", {"product_code": product.code, "name": "Buyer", "text": "Mould in the box"})
    assert r.status_code == 201
    obj = product.complaints.get()
    services.objection_decide(objection=obj, uphold=True, actor=revs.county, reason="Lab confirmed",
                              today=cf.LIST_DAY + dt.timedelta(days=5))
    product.refresh_from_db()
    assert product.status == "suspended"


def test_spot_check_draw_is_reproducible_and_a_failure_suspends():
    revs = cf.reviewers()
    products = [cf.certified_product(revs=revs) for _ in range(4)]
    rnd = spot_checks.spot_check_draw(period="2020-H2", actor=revs.nation, today=dt.date(2020, 7, 30))
    assert rnd.seed == spot_checks.default_seed("2020-H2", "") and rnd.population == 4
    assert rnd.sample_size == 3  # the minimum of the dated parameter
    drawn = list(rnd.checks.values_list("product_id", flat=True))
    facts = spot_checks.risk_facts(products=products, on=dt.date(2020, 7, 30))
    weights = {pk: rules.risk_weight(f) for pk, f in facts.items()}
    assert drawn == rules.weighted_sample(weights, 3, seed=rnd.seed)  # anyone can redo the draw
    with pytest.raises(Conflict):
        spot_checks.spot_check_draw(period="2020-H2", actor=revs.nation)
    check = rnd.checks.first()
    with pytest.raises(AccessDenied):
        spot_checks.spot_check_record(check=check, passed=False, findings="x", actor=revs.other_county)
    spot_checks.spot_check_record(check=check, passed=False, findings="Pesticide residue above limit",
                                  actor=revs.county, today=dt.date(2020, 8, 3))
    check.product.refresh_from_db()
    assert check.product.status == "suspended"
    assert selectors.certified_periods(product_ids=[check.product_id])[check.product_id][-1][1] == dt.date(2020, 8, 3)


def test_weighted_sample_properties():
    weights = {i: 1.0 for i in range(1, 101)} | {200: 50.0}
    a = rules.weighted_sample(weights, 10, seed=7)
    assert a == rules.weighted_sample(weights, 10, seed=7) and len(set(a)) == 10
    assert a != rules.weighted_sample(weights, 10, seed=8)
    hits = sum(200 in rules.weighted_sample(weights, 5, seed=s) for s in range(200))
    assert hits > 150  # the heavy item is almost always drawn
    assert rules.sample_size(100, share_pct=5, minimum=3) == 5
    assert rules.sample_size(2, share_pct=5, minimum=3) == 2


def test_expire_and_annual_review_commands():
    revs = cf.reviewers()
    sup = cf.supplier(licence_until=dt.date(2021, 1, 31))
    product = cf.certified_product(revs=revs, sup=sup)
    out = io.StringIO()
    call_command("certification_annual_review", "--date", "2021-02-01", stdout=out)
    product.refresh_from_db()
    assert product.status == "suspended" and "suspended 1" in out.getvalue()
    call_command("certification_expire", "--date", (product.certified_until + dt.timedelta(days=1)).isoformat(),
                 stdout=out)
    product.refresh_from_db()
    assert product.status == "expired"
    call_command("certification_expire", "--date", "2030-01-01", "--dry-run", stdout=out)


def test_county_reviewer_sees_national_round_but_only_its_checks():
    revs = cf.reviewers()
    mine = cf.certified_product(revs=revs)
    second = cf.certified_product(revs=cf.reviewers(), sup=cf.supplier())
    rnd = spot_checks.spot_check_draw(period="2020-X", actor=revs.nation, today=dt.date(2020, 7, 30))
    assert rnd.sample_size == 2
    assert list(selectors.spot_check_rounds(viewer=revs.county)) == [rnd]
    assert {c.product_id for c in selectors.spot_checks_of(viewer=revs.county, round_id=rnd.pk)} == {mine.pk, second.pk}
    assert list(selectors.spot_check_rounds(viewer=revs.other_county)) == [rnd]
    assert list(selectors.spot_checks_of(viewer=revs.other_county, round_id=rnd.pk)) == []
