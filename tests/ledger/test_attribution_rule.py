"""The attribution rule as dated data (issue #10 §4, `ledger.attribution`): which relation kinds credit which
scheme, and that relations between regions (east–west cooperation, counterpart support) credit the helping
region's own organisations, not central units — nor units under them — that merely sit in the helping province."""

from __future__ import annotations

import datetime as dt

import pytest

from fupin.core.models import PolicyParameter
from fupin.core.services import policy_parameter_create
from fupin.ledger import rules, services
from fupin.ledger.parameters import ATTRIBUTION, ATTRIBUTION_DEFAULTS
from fupin.registry.models import AssistanceRelation
from tests import factories
from tests.ledger import factories as lf

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    world = lf.world()
    # a central unit registered in Hangzhou, with a budget unit under it there too: both sit in the eastern
    # province that helps Guizhou by east–west cooperation (330000 → 520000)
    world.central_zj = factories.organisation("中央某企业", kind="central_unit", region_code="330106")
    world.central_zj_unit = factories.organisation("中央某企业浙江分公司", kind="budget_unit", region_code="330106",
                                                   parent=world.central_zj)
    return world


def book(**row):
    return services.purchase_record(data=lf.row(**row), actor="cli")


def test_the_seeded_rule_is_in_force_from_2013():
    p = PolicyParameter.objects.get(key=ATTRIBUTION)
    assert p.valid_from == dt.date(2013, 1, 1) and p.valid_to is None
    assert p.value == ATTRIBUTION_DEFAULTS[0].value and "国发〔2016〕64号" in p.source


def test_a_central_unit_sitting_in_the_eastern_province_is_not_credited_to_east_west(w):
    e = book(external_id="c", seller_code=w.seller.credit_code, buyer_code=w.central_zj.credit_code)
    below = book(external_id="u", seller_code=w.seller.credit_code, buyer_code=w.central_zj_unit.credit_code)
    own = book(external_id="z", seller_code=w.seller.credit_code, buyer_code=w.zj.credit_code)
    assert e.counted and e.rel_east_west_id is None
    assert below.counted and below.rel_east_west_id is None
    assert own.rel_east_west_id == w.rel_east_west.pk     # the province's own enterprise is credited


def test_a_central_unit_in_the_east_is_still_credited_by_its_own_designated_relation(w):
    rel = AssistanceRelation.objects.create(kind="designated_assistance", helper_org=w.central_zj,
                                            helped_region=factories.region(lf.POOR_COUNTY), year_from=2015)
    e = book(seller_code=w.seller.credit_code, buyer_code=w.central_zj_unit.credit_code)
    assert e.rel_designated_id == rel.pk and e.rel_east_west_id is None


def test_the_rule_is_dated_a_new_version_changes_attribution_from_its_year_only(w, admin_user):
    policy_parameter_create(key=ATTRIBUTION, value={**ATTRIBUTION_DEFAULTS[0].value,
                                                    "region_helpers_exclude_kinds": []},
                            valid_from=dt.date(2024, 1, 1), actor=admin_user, source="test")
    before = book(external_id="b", seller_code=w.seller.credit_code, buyer_code=w.central_zj.credit_code,
                  purchase_date="2023-12-31")
    after = book(external_id="a", seller_code=w.seller.credit_code, buyer_code=w.central_zj.credit_code,
                 purchase_date="2024-01-01")
    assert before.rel_east_west_id is None
    assert after.rel_east_west_id == w.rel_east_west.pk


def test_which_relation_kinds_attribute_is_data(w, admin_user):
    value = ATTRIBUTION_DEFAULTS[0].value
    schemes = {k: v for k, v in value["relation_schemes"].items() if k != "east_west"}
    policy_parameter_create(key=ATTRIBUTION, value={**value, "relation_schemes": schemes},
                            valid_from=dt.date(2024, 1, 1), actor=admin_user, source="test")
    kept = book(external_id="k", seller_code=w.seller.credit_code, buyer_code=w.zj.credit_code,
                purchase_date="2023-06-01")
    dropped = book(external_id="d", seller_code=w.seller.credit_code, buyer_code=w.zj.credit_code,
                   purchase_date="2024-06-01")
    assert kept.rel_east_west_id == w.rel_east_west.pk
    assert dropped.counted and dropped.rel_east_west_id is None


def test_enterprise_village_and_local_pairings_never_attribute_under_the_seeded_rule(w):
    for kind in ("enterprise_village", "local_pairing"):
        AssistanceRelation.objects.create(kind=kind, helper_org=w.zj, helped_region=factories.region(lf.POOR_COUNTY),
                                          year_from=2015)
    e = book(seller_code=w.seller.credit_code, buyer_code=w.zj.credit_code)
    assert e.rel_east_west_id == w.rel_east_west.pk and e.rel_designated_id is None and e.rel_counterpart_id is None


def _rel(pk: int, kind: str, *, org: int | None = None, region: str = "") -> rules.RelationFacts:
    return rules.RelationFacts(pk, kind, org, region or None, "522627", 2015, None)


def test_choose_reads_the_rule():
    index = rules.RelationIndex.build([_rel(1, "east_west", region="330000"), _rel(2, "enterprise_village", org=7)])
    cands = rules.candidates(index, origin_chain=("522627", "522600", "520000"), year=2023)
    seeded = rules.AttributionRules.from_value(ATTRIBUTION_DEFAULTS[0].value)
    assert rules.choose(cands, buyer_chain=(7,), buyer_region_chain=("330106", "330100", "330000"),
                        rule=seeded) == {"east_west": 1}
    assert rules.choose(cands, buyer_chain=(7,), buyer_region_chain=("330106", "330100", "330000"), rule=seeded,
                        buyer_chain_kinds={"central_unit", "budget_unit"}) == {}
    mapped = rules.AttributionRules.from_value({"relation_schemes": {"enterprise_village": "designated_assistance"}})
    assert rules.choose(cands, buyer_chain=(7,), buyer_region_chain=("330000",), rule=mapped) == {
        "designated_assistance": 2}
    # no rule in force: the three schemes' relations credit as before, regions credit every buyer
    assert rules.AttributionRules.from_value(None) == rules.DEFAULT_ATTRIBUTION
    assert rules.choose(cands, buyer_chain=(7,), buyer_region_chain=("330000",),
                        buyer_chain_kinds={"central_unit"}) == {"east_west": 1}
