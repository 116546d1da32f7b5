"""Rules that are data (issue #10 §4): the basis priority is the counting-rule version's order of `bases`, the
plausibility limits of a row (earliest date, largest amount) are the dated parameter `ledger.plausibility`, and the
channel names of today (消费帮扶, 脱贫地区) are accepted beside those of the time (消费扶贫, 贫困地区)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from fupin.core.errors import InvalidInput
from fupin.core.models import PolicyParameter
from fupin.core.services import policy_parameter_create
from fupin.ledger import rules, services
from fupin.ledger.parameters import COUNTING_RULES, PLAUSIBILITY, PLAUSIBILITY_DEFAULTS
from tests.ledger import factories as lf

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return lf.world()


def book(w, **row):
    """Book one row (by default the cooperative in 天柱县 sells to the public)."""
    return services.purchase_record(data=lf.row(**{"seller_code": w.seller.credit_code, **row}), actor="cli")


def refusal(w, **row) -> dict[str, str]:
    """The row's errors, column → code."""
    with pytest.raises(InvalidInput) as err:
        book(w, **row)
    return {e["column"]: e["code"] for e in err.value.details["errors"]}


# -- the basis priority ---------------------------------------------------------------------------------------------
def test_the_first_basis_that_holds_follows_the_versions_order_from_its_start_date(w, admin_user):
    national = PolicyParameter.objects.get(key=COUNTING_RULES, region_prefix="", valid_from=dt.date(2021, 1, 1))
    reordered = ["poverty_county", "poor_village", "poor_household", "certified_product", "poverty_reduction_effect"]
    policy_parameter_create(key=COUNTING_RULES, value={**national.value, "bases": reordered},
                            valid_from=dt.date(2024, 1, 1), actor=admin_user, source="test")
    seller = w.household.registry_code
    before = book(w, external_id="b", seller_code=seller, purchase_date="2023-12-31")
    after = book(w, external_id="a", seller_code=seller, purchase_date="2024-01-01")
    assert before.counted and after.counted
    assert before.basis == "poor_household"      # the seeded order: the registered household first
    assert after.basis == "poverty_county"       # the new version's order: the county first
    assert before.bases == after.bases           # the same bases held on both days: only the priority moved


def test_the_priority_of_a_rule_version_is_its_own_list():
    facts = rules.BasisFacts(certified_product=True, seller_county="522627", seller_county_is_poverty_county=True)
    seeded = rules.CountingRules.from_value({"bases": ["certified_product", "poverty_county"]}, 1)
    county_first = rules.CountingRules.from_value({"bases": ["poverty_county", "certified_product",
                                                             "poverty_county", "no_such_basis"]}, 2)
    assert county_first.bases == ("poverty_county", "certified_product")   # each basis once, unknown ones dropped
    assert rules.count_entry(seeded, status="completed", evaluated=False, facts=facts).basis == "certified_product"
    verdict = rules.count_entry(county_first, status="completed", evaluated=False, facts=facts)
    assert verdict.basis == "poverty_county" and verdict.bases == 1 | 8


# -- the plausibility limits ----------------------------------------------------------------------------------------
def test_the_seeded_limits_are_the_documented_ones(w):
    p = PolicyParameter.objects.get(key=PLAUSIBILITY)
    assert p.value == PLAUSIBILITY_DEFAULTS[0].value == {"earliest_date": "2013-01-01",
                                                          "max_amount_fen": rules.MAX_AMOUNT_FEN}
    assert refusal(w, purchase_date="2012-12-31") == {"purchase_date": "date_too_early"}
    assert book(w, external_id="first-day", purchase_date="2013-01-01").amount_fen == 10000
    assert refusal(w, amount_yuan="100000000.01") == {"amount_yuan": "amount_too_large"}


def test_a_new_version_of_the_limits_moves_both_bounds(w, admin_user):
    today = timezone.localdate()
    policy_parameter_create(key=PLAUSIBILITY, value={"earliest_date": "2016-01-01", "max_amount_fen": 100_000},
                            valid_from=today - dt.timedelta(days=1), actor=admin_user, source="test")
    with pytest.raises(InvalidInput) as err:
        book(w, external_id="early", purchase_date="2015-12-31")
    (error,) = err.value.details["errors"]
    assert error["code"] == "date_too_early" and "2016-01-01" in error["message"]
    assert book(w, external_id="on-time", purchase_date="2016-01-01").counted
    assert refusal(w, external_id="big", amount_yuan="1000.01") == {"amount_yuan": "amount_too_large"}
    assert book(w, external_id="max", amount_yuan="1,000.00").amount_fen == 100_000


@pytest.mark.parametrize("bad", [
    {"earliest_date": "2016-13-01", "max_amount_fen": 100},
    {"earliest_date": "1999-12-31", "max_amount_fen": 100},
    {"earliest_date": "2016-01-01", "max_amount_fen": "100"},
    {"earliest_date": "2016-01-01", "max_amount_fen": 0},
    {"earliest_date": "2016-01-01", "max_amount_fen": 1.5},
    {"earliest_date": "2016-01-01"},
    ["2016-01-01", 100],
])
def test_limits_of_the_wrong_type_refuse_the_import_naming_the_version(bad, w, admin_user):
    assert rules.plausibility_errors(bad)
    p = policy_parameter_create(key=PLAUSIBILITY, value=bad, valid_from=timezone.localdate(), actor=admin_user,
                                source="test")
    with pytest.raises(InvalidInput) as err:
        book(w)
    assert err.value.code == "invalid_parameter" and f"#{p.pk}" in err.value.message
    assert err.value.details == {"parameter": p.pk}


def test_usable_limits_have_no_errors():
    assert rules.plausibility_errors(PLAUSIBILITY_DEFAULTS[0].value) == []


# -- names by period ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("name", "channel"), [
    ("贫困地区农副产品网络销售平台", "platform_832"),       # the name of the time (2020)
    ("脱贫地区农副产品网络销售平台", "platform_832"),       # today's name (from 2021)
    ("832平台", "platform_832"), ("832 platform", "platform_832"),
    ("消费扶贫专柜", "special_counter"), ("消费帮扶专柜", "special_counter"),
    ("消费扶贫专馆", "special_shop"), ("消费帮扶专馆", "special_shop"),
    ("消费扶贫专区", "special_zone"), ("消费帮扶专区", "special_zone"),
    ("Consumption assistance zone", "special_zone"),
])
def test_channel_names_of_the_time_and_of_today_are_one_channel(name, channel):
    assert rules.parse_choice(name, rules.CHANNEL_ALIASES, code="unknown_channel", what="channel") == channel


def test_an_import_row_naming_the_832_platform_by_its_current_name_is_stored_as_the_platform(w):
    e = book(w, channel="脱贫地区农副产品网络销售平台")
    assert e.channel == "platform_832"
