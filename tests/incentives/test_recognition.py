"""Recognition of outstanding contributors: the ranking of buyers (weighted counted purchases) and sellers (benefits
paid), its documented tie-breaks, nominations of bodies that exist and are not blacklisted, and the audited steps
nominated → under review → approved → published."""

from __future__ import annotations

import datetime as dt

import pytest

from fupin.core.errors import AccessDenied, Conflict, InvalidInput, TransitionNotAllowed
from fupin.core.models import AuditEntry
from fupin.incentives import recognition, selectors
from fupin.incentives.models import Nomination
from tests import factories
from tests.incentives import factories as f
from tests.linkage import factories as lf

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return f.world()


def by_name(rows):
    return {r["name"]: r for r in rows}


def test_buyers_are_ranked_by_weighted_counted_purchases_with_tie_breaks(w):
    twin = factories.organisation("另一中央单位", kind="central_unit", region_code="110101")
    mixed = factories.organisation("第三中央单位", kind="central_unit", region_code="110101")
    w.book(seller=w.processor, buyer=twin, amount="500000.00")
    w.book(seller=w.processor, buyer=mixed, amount="400000.00")
    w.book(seller=w.processor, buyer=mixed, amount="200000.00", kind="helped_sale")
    w.book(seller=w.processor, buyer=None, amount="999999.00")   # the public: not ranked
    rnd = recognition.round_create(year=2024, subject="buyers", title="2024年消费扶贫先进", actor="test")
    assert rnd.weights == {"direct_purchase": 1000, "helped_sale": 500} and rnd.parameters
    rows = recognition.ranking(round=rnd)
    units = [r for r in rows if r["group"] == "unit"]
    # central and twin: same score and direct purchases and entries → the smaller id; mixed: same score, less direct
    assert [(r["name"], r["rank"], r["score_fen"], r["tie_break"]) for r in units] == [
        ("中央某部", 1, 50_000_000, None), ("另一中央单位", 2, 50_000_000, 3), ("第三中央单位", 3, 50_000_000, 1)]
    named = by_name(rows)
    assert named["某民营公司"]["group"] == "enterprise" and named["某民营公司"]["score_fen"] == 15_000_000
    assert named["某民营公司"]["figures"]["helped_fen"] == 30_000_000
    assert named["某基金会"]["group"] == "social_organisation" and named["某基金会"]["rank"] == 1
    assert named["中央某部"]["figures"]["filters"] == {"buyer_only": w.central.pk, "year": [2024], "counted": True}


def test_sellers_are_ranked_by_benefits_paid(w):
    rnd = recognition.round_create(year=2024, subject="sellers", title="带贫先进", actor="test")
    (row,) = recognition.ranking(round=rnd)
    assert row["entity_id"] == w.processor.pk and row["score_fen"] == 6_000_000
    assert row["figures"]["households_paid"] == 6 and row["figures"]["households_linked"] == 12


def test_nominations_and_their_steps_are_audited(w):
    rnd = recognition.round_create(year=2024, subject="buyers", title="表彰", top_n=1, min_score_fen=1_000_000,
                                   actor="test")
    made = recognition.nominations_from_ranking(round=rnd, actor="test")
    assert {n.organisation_id for n in made} == {w.central.pk, w.firm_org.pk}   # the foundation scores too little
    assert recognition.nominations_from_ranking(round=rnd, actor="test") == []   # nothing twice
    n = next(x for x in made if x.organisation_id == w.central.pk)
    with pytest.raises(AccessDenied):
        recognition.nomination_step(nomination=n, action="approve", actor=w.users["reviewer"])
    with pytest.raises(TransitionNotAllowed):
        recognition.nomination_step(nomination=n, action="approve", actor=w.users["approver"])
    recognition.nomination_step(nomination=n, action="review", actor=w.users["reviewer"])
    recognition.nomination_step(nomination=n, action="approve", actor=w.users["approver"])
    assert list(recognition.published()) == []
    recognition.nomination_step(nomination=n, action="publish", actor=w.users["approver"])
    assert [x.pk for x in recognition.published(year=2024)] == [n.pk] and n.published_on is not None
    other = next(x for x in made if x.organisation_id == w.firm_org.pk)
    with pytest.raises(InvalidInput):
        recognition.nomination_step(nomination=other, action="reject", actor=w.users["reviewer"])
    recognition.nomination_step(nomination=other, action="reject", reason="材料不全", actor=w.users["reviewer"])
    other.refresh_from_db()
    assert other.status == "rejected" and other.last_reason == "材料不全"
    actions = list(AuditEntry.objects.filter(object_type="incentives.nomination", object_id=str(n.pk))
                   .values_list("action", flat=True))
    assert set(actions) == {"nomination:create", "nomination:review", "nomination:approve", "nomination:publish"}
    assert selectors.nomination_actions(viewer=w.users["approver"], nomination=n) == ["withdraw"]


def test_nominations_of_bodies_that_do_not_exist_or_are_blacklisted_are_refused(w):
    rnd = recognition.round_create(year=2024, subject="sellers", title="带贫先进", actor="test")
    with pytest.raises(InvalidInput) as exc:
        recognition.nominate(round=rnd, entity_id=987654, actor="test")
    assert exc.value.code == "unknown_body" and exc.value.details["field"] == "entity_id"
    with pytest.raises(InvalidInput) as exc:
        recognition.nominate(round=rnd, organisation_id=w.central.pk, actor="test")
    assert exc.value.code == "nominee_required"
    household = factories.household(village_code=f.VILLAGE)
    c = lf.contract(actor="test", entity=w.plain, households=[household], start=dt.date(2024, 1, 1))
    lf.payment(actor="test", contract=c, household=household, paid_on=dt.date(2024, 5, 1), amount_fen=200_000)
    with pytest.raises(InvalidInput) as exc:
        recognition.nominate(round=rnd, entity_id=w.plain.pk, actor="test")
    assert exc.value.code == "blacklisted"
    with pytest.raises(InvalidInput) as exc:
        recognition.nominate(round=rnd, entity_id=w.tourism.pk, actor="test")
    assert exc.value.code == "no_figures"
    assert [n.entity_id for n in recognition.nominations_from_ranking(round=rnd, actor="test")] == [w.processor.pk]
    with pytest.raises(Conflict):
        recognition.nominate(round=rnd, entity_id=w.processor.pk, actor="test")
    # a buyer organisation carrying a blacklisted seller's credit code is refused too
    twin = factories.organisation("望都加工厂", kind="private_enterprise", region_code="130631",
                                  credit_code=w.plain.credit_code)
    w.book(seller=w.processor, buyer=twin, amount="100.00")
    buyers = recognition.round_create(year=2024, subject="buyers", title="b", actor="test")
    with pytest.raises(InvalidInput) as exc:
        recognition.nominate(round=buyers, organisation_id=twin.pk, actor="test")
    assert exc.value.code == "blacklisted"
    assert not by_name(recognition.ranking(round=buyers))["望都加工厂"]["eligible"]


def test_round_input_and_who_may_open_one(w):
    with pytest.raises(InvalidInput) as exc:
        recognition.round_create(year=2012, subject="nobody", title="", top_n=0, actor="test")
    assert {e["field"] for e in exc.value.details["errors"]} == {"year", "subject", "title", "top_n"}
    with pytest.raises(AccessDenied):
        recognition.round_create(year=2024, subject="buyers", title="t", actor=w.users["firm"])
    with pytest.raises(AccessDenied):   # a county office opens rounds of its county only
        recognition.round_create(year=2024, subject="buyers", title="t", actor=w.users["county"], region_prefix="52")
    county_round = recognition.round_create(year=2024, subject="sellers", title="t", actor=w.users["county"],
                                            region_prefix=f.COUNTY)
    assert [r["entity_id"] for r in recognition.ranking(round=county_round)] == [w.processor.pk]
    assert Nomination.objects.count() == 0
