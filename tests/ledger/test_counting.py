"""Counting and attribution through the services: what each entry records (basis, bases, rule version, reason,
one relation per scheme)."""

from __future__ import annotations

import datetime as dt

import pytest

from fupin.core.models import PolicyParameter
from fupin.core.services import policy_parameter_create
from fupin.ledger import services
from fupin.ledger.parameters import COUNTING_RULES, DEFAULTS, EVALUATION_REQUIREMENT
from tests import factories
from tests.ledger import factories as lf

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return lf.world()


def book(**row):
    return services.purchase_record(data=lf.row(**row), actor="cli")


def test_a_certified_product_counts_only_while_certified(w):
    in_period = book(external_id="a", seller_code=w.plain_seller.credit_code, product_code="P-CERT",
                     purchase_date="2020-06-01")
    gap = book(external_id="b", seller_code=w.plain_seller.credit_code, product_code="P-CERT",
               purchase_date="2021-06-01")
    again = book(external_id="c", seller_code=w.plain_seller.credit_code, product_code="P-CERT",
                 purchase_date="2023-06-01")
    assert in_period.counted and in_period.basis == "certified_product" and in_period.product_category == "grain_oil"
    assert not gap.counted and gap.not_counted_reason == "no_basis" and gap.basis == ""
    assert again.counted and again.county_code == lf.PLAIN_COUNTY  # origin defaults to the product's


def test_a_product_never_certified_does_not_count_by_itself(w):
    e = book(seller_code=w.plain_seller.credit_code, product_code="P-NONE")
    assert not e.counted and e.not_counted_reason == "no_basis"


def test_household_seller_poor_village_and_poverty_county_bases(w):
    hh = book(external_id="h", seller_code=w.household.registry_code)
    village = book(external_id="v", seller_code=w.plain_seller.credit_code, origin_code=lf.POOR_VILLAGE)
    county = book(external_id="c", seller_code=w.seller.credit_code)
    assert hh.basis == "poor_household" and hh.bases & 2 and hh.bases & 4 and hh.bases & 8
    assert village.basis == "poor_village" and village.county_code == lf.POOR_COUNTY
    assert county.basis == "poverty_county"


def test_other_village_of_a_plain_seller_has_no_basis(w):
    e = book(seller_code=w.plain_seller.credit_code, origin_code=lf.OTHER_VILLAGE)
    assert not e.counted and e.not_counted_reason == "no_basis"


def test_non_counting_entries_are_stored_with_the_reason_and_never_attributed(w):
    pending = book(external_id="p", seller_code=w.seller.credit_code, buyer_code=w.unit.credit_code, status="pending")
    cancelled = book(external_id="c", seller_code=w.seller.credit_code, buyer_code=w.unit.credit_code,
                     status="cancelled")
    for e in (pending, cancelled):
        assert not e.counted and e.not_counted_reason == "status_not_counted"
        assert (e.rel_designated_id, e.rel_east_west_id, e.rel_counterpart_id) == (None, None, None)


def test_each_entry_records_the_rule_version_in_force(w):
    old = book(external_id="old", seller_code=w.seller.credit_code, purchase_date="2019-03-01")
    new = book(external_id="new", seller_code=w.seller.credit_code, purchase_date="2022-03-01")
    assert old.rule_version_id != new.rule_version_id
    assert PolicyParameter.objects.get(pk=old.rule_version_id).valid_to.year == 2020
    assert PolicyParameter.objects.get(pk=new.rule_version_id).valid_from.year == 2021


def test_guangxi_requires_its_own_buyers_evaluation_on_the_832_platform_from_2021(w):
    """Issue #10 §4: the requirement is keyed by the buyer's province and the channels it names, not by where the
    goods come from."""
    lf._flag("450123", is_poverty_county=True, name="隆安县")  # one of the 832 counties (exit 2020)
    gx_seller = factories.entity("广西合作社", kind="cooperative", region_code="450123")

    def entry(ext, *, buyer, evaluated, channel="platform_832", day="2023-05-10", seller=w.seller, origin=""):
        return services.purchase_record(data={**lf.row(external_id=ext, seller_code=seller.credit_code,
                                                       buyer_code=buyer.credit_code, channel=channel,
                                                       origin_code=origin, purchase_date=day),
                                              "evaluated": evaluated}, actor="cli")

    not_evaluated = entry("x1", buyer=w.gx, evaluated="否")
    evaluated = entry("x2", buyer=w.gx, evaluated="是")
    at_a_counter = entry("x3", buyer=w.gx, evaluated="否", channel="special_counter")
    before_2021 = entry("x4", buyer=w.gx, evaluated="否", day="2020-12-31")
    from_elsewhere = entry("x5", buyer=w.zj, evaluated="否", seller=gx_seller, origin="450123")
    assert not not_evaluated.counted and not_evaluated.not_counted_reason == "not_evaluated"
    assert not_evaluated.basis == "poverty_county"       # the basis held: only the evaluation is missing
    assert evaluated.counted and evaluated.evaluated
    assert at_a_counter.counted                           # Guangxi names the 832 platform only
    assert before_2021.counted                            # the requirement starts in 2021
    assert from_elsewhere.not_counted_reason == "" and from_elsewhere.counted  # Guangxi's goods, a Zhejiang buyer
    national = PolicyParameter.objects.get(key=COUNTING_RULES, region_prefix="", valid_from=dt.date(2021, 1, 1))
    assert evaluated.rule_version_id == from_elsewhere.rule_version_id == national.pk


def test_the_evaluation_requirement_is_dated_data(w, admin_user):
    policy_parameter_create(key=EVALUATION_REQUIREMENT, value={"channels": ["platform_832", "ecommerce"]},
                            valid_from=dt.date(2024, 1, 1), region_prefix="33", actor=admin_user, source="test")

    def entry(ext, day, channel="ecommerce"):
        return services.purchase_record(data={**lf.row(external_id=ext, seller_code=w.seller.credit_code,
                                                       buyer_code=w.zj.credit_code, channel=channel,
                                                       purchase_date=day), "evaluated": "否"}, actor="cli")

    assert entry("before", "2023-12-31").counted
    assert entry("after", "2024-01-01").not_counted_reason == "not_evaluated"
    assert entry("other-channel", "2024-01-01", channel="trade_fair").counted


def test_a_new_rule_version_added_by_an_administrator_applies_from_its_date(w, admin_user):
    PolicyParameter.objects.filter(key=COUNTING_RULES, region_prefix="", valid_from=dt.date(2021, 1, 1)).update(
        valid_to=dt.date(2023, 12, 31))
    version = policy_parameter_create(key=COUNTING_RULES, value={**DEFAULTS[1].value, "bases": ["certified_product"]},
                                      valid_from=dt.date(2024, 1, 1), actor=admin_user)
    before = book(external_id="b", seller_code=w.seller.credit_code, purchase_date="2023-12-31")
    after = book(external_id="a", seller_code=w.seller.credit_code, purchase_date="2024-01-01")
    assert before.counted and not after.counted and after.rule_version_id == version.pk


def test_attribution_designated_through_the_parent_and_counterpart_in_its_years(w):
    e2020 = book(external_id="d20", seller_code=w.seller.credit_code, buyer_code=w.unit.credit_code,
                 purchase_date="2020-05-05")
    e2023 = book(external_id="d23", seller_code=w.seller.credit_code, buyer_code=w.unit.credit_code)
    assert e2020.rel_designated_id == w.rel_designated.pk and e2020.rel_counterpart_id == w.rel_counterpart.pk
    assert e2023.rel_designated_id == w.rel_designated.pk and e2023.rel_counterpart_id is None
    assert e2020.rel_east_west_id is None


def test_attribution_east_west_through_the_home_province(w):
    e = book(seller_code=w.seller.credit_code, buyer_code=w.zj.credit_code)
    assert e.rel_east_west_id == w.rel_east_west.pk and e.rel_designated_id is None


def test_members_of_the_public_are_not_attributed(w):
    e = book(seller_code=w.seller.credit_code)
    assert e.counted and (e.rel_designated_id, e.rel_east_west_id, e.rel_counterpart_id) == (None, None, None)


def test_origin_outside_the_helped_region_is_not_attributed(w):
    e = book(seller_code=w.plain_seller.credit_code, buyer_code=w.unit.credit_code, product_code="P-CERT",
             purchase_date="2023-06-01")
    assert e.counted and e.rel_designated_id is None
