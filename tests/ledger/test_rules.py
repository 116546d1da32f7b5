"""The ledger's pure rules: cells, counting, attribution priority, locks, prefixes."""

from __future__ import annotations

import datetime as dt

import pytest

from fupin.ledger import rules
from fupin.ledger.parameters import DEFAULTS

TODAY = dt.date(2026, 11, 29)


# -- amounts ---------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text, fen", [("100", 10000), ("100.5", 10050), ("0.01", 1), ("12.34", 1234),
                                       ("1,234.50", 123450), (" 7.00 ", 700), ("¥3.2", 320)])
def test_amounts_become_fen(text, fen):
    assert rules.parse_amount_fen(text) == fen


@pytest.mark.parametrize("text, code", [
    ("-5", "amount_not_positive"), ("0", "amount_not_positive"), ("0.00", "amount_not_positive"),
    ("1.234", "too_many_decimals"), ("abc", "invalid_amount"), ("12,3a", "invalid_amount"), ("NaN", "invalid_amount"),
    ("", "required"), ("100000000.01", "amount_too_large"),
    # core's one parser (issue #9): no exponent, and separators only as exact thousands groups
    ("1e2", "invalid_amount"), ("10,00", "invalid_amount"), ("0,5", "invalid_amount"), ("1.234,56", "invalid_amount"),
])
def test_bad_amounts_are_refused_with_a_code(text, code):
    with pytest.raises(rules.CellError) as exc:
        rules.parse_amount_fen(text)
    assert exc.value.code == code and exc.value.message


def test_quantities_are_thousandths():
    assert rules.parse_quantity_milli("12.5") == 12500
    assert rules.parse_quantity_milli("3") == 3000
    assert rules.parse_quantity_milli("") is None
    assert rules.quantity_text(12500) == "12.5" and rules.quantity_text(None) == ""
    for bad in ("-1", "1.2345", "lots"):
        with pytest.raises(rules.CellError):
            rules.parse_quantity_milli(bad)


# -- dates -----------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["2024-03-05", "20240305", "2024/3/5", "2024年3月5日", "2024-03-05 00:00:00",
                                  "2024-03-05T10:00:00"])
def test_dates_in_common_spellings(text):
    assert rules.parse_date(text, today=TODAY) == dt.date(2024, 3, 5)


@pytest.mark.parametrize("text, code", [("2012-12-31", "date_too_early"), ("2026-11-30", "future_date"),
                                        ("2024-02-30", "invalid_date"), ("soon", "invalid_date"), ("", "required")])
def test_bad_dates(text, code):
    with pytest.raises(rules.CellError) as exc:
        rules.parse_date(text, today=TODAY)
    assert exc.value.code == code


def test_today_is_accepted():
    assert rules.parse_date("2026-11-29", today=TODAY) == TODAY


# -- choices ----------------------------------------------------------------------------------------------------------
def test_kind_channel_status_accept_values_and_chinese():
    assert rules.parse_choice("帮助销售", rules.KIND_ALIASES, code="x", what="kind") == "helped_sale"
    assert rules.parse_choice("Direct purchase", rules.KIND_ALIASES, code="x", what="kind") == "direct_purchase"
    assert rules.parse_choice("专柜", rules.CHANNEL_ALIASES, code="x", what="channel") == "special_counter"
    assert rules.parse_choice("832平台", rules.CHANNEL_ALIASES, code="x", what="channel") == "platform_832"
    assert rules.parse_choice("已取消", rules.STATUS_ALIASES, code="x", what="status") == "cancelled"
    with pytest.raises(rules.CellError) as exc:
        rules.parse_choice("barter", rules.KIND_ALIASES, code="unknown_kind", what="kind")
    assert exc.value.code == "unknown_kind" and "direct_purchase" in exc.value.message


# -- counting ---------------------------------------------------------------------------------------------------------
def _rules(**overrides):
    value = {**DEFAULTS[1].value, **overrides}
    return rules.CountingRules.from_value(value, version_id=7)


@pytest.mark.parametrize("facts, basis", [
    (rules.BasisFacts(certified_product=True), "certified_product"),
    (rules.BasisFacts(household_status="registered_poor"), "poor_household"),
    (rules.BasisFacts(household_status="lifted_out"), "poor_household"),
    (rules.BasisFacts(poor_village=True), "poor_village"),
    (rules.BasisFacts(seller_county="522627", seller_county_is_poverty_county=True), "poverty_county"),
])
def test_each_basis_alone_makes_an_entry_count(facts, basis):
    v = rules.count_entry(_rules(), status="completed", evaluated=False, facts=facts)
    assert v.counted and v.basis == basis and v.reason == "" and v.version_id == 7
    assert rules.bases_of(v.bases) == [basis]


def test_the_first_basis_in_priority_order_is_recorded_and_all_are_kept():
    facts = rules.BasisFacts(certified_product=True, poor_village=True, seller_county="522627",
                             seller_county_is_poverty_county=True)
    v = rules.count_entry(_rules(), status="completed", evaluated=False, facts=facts)
    assert v.basis == "certified_product"
    assert rules.bases_of(v.bases) == ["certified_product", "poor_village", "poverty_county"]


def test_no_basis_no_count():
    v = rules.count_entry(_rules(), status="completed", evaluated=False,
                          facts=rules.BasisFacts(seller_county="130631", household_status="registered_poor_x"))
    assert not v.counted and v.reason == "no_basis" and v.basis == ""


@pytest.mark.parametrize("status", ["pending", "cancelled"])
def test_status_that_does_not_count(status):
    v = rules.count_entry(_rules(), status=status, evaluated=True, facts=rules.BasisFacts(certified_product=True))
    assert not v.counted and v.reason == "status_not_counted" and v.basis == "certified_product"


def test_a_province_may_require_the_buyers_evaluation():
    facts = rules.BasisFacts(certified_product=True)
    required = {"status": "completed", "facts": facts, "evaluation_required": True}
    assert rules.count_entry(_rules(), evaluated=False, **required).reason == "not_evaluated"
    assert rules.count_entry(_rules(), evaluated=True, **required).counted
    assert rules.count_entry(_rules(), status="completed", evaluated=False, facts=facts).counted
    assert rules.evaluation_channels({"channels": ["platform_832"]}) == {"platform_832"}
    assert rules.evaluation_channels(None) == frozenset()


def test_no_rules_in_force_means_no_count():
    v = rules.count_entry(None, status="completed", evaluated=True, facts=rules.BasisFacts(certified_product=True))
    assert not v.counted and v.reason == "no_rules" and v.version_id is None


def test_bases_can_be_switched_off_by_the_rule_set():
    only_certified = _rules(bases=["certified_product"])
    v = rules.count_entry(only_certified, status="completed", evaluated=False,
                          facts=rules.BasisFacts(poor_village=True, seller_county="522627",
                                                 seller_county_is_poverty_county=True))
    assert not v.counted and v.reason == "no_basis"


def test_household_statuses_are_dated_policy():
    era1 = rules.CountingRules.from_value(DEFAULTS[0].value, 1)
    era2 = rules.CountingRules.from_value(DEFAULTS[1].value, 2)
    facts = rules.BasisFacts(household_status="monitored")
    assert not rules.count_entry(era1, status="completed", evaluated=False, facts=facts).counted
    assert rules.count_entry(era2, status="completed", evaluated=False, facts=facts).counted


def test_region_set_includes_and_excludes_prefixes():
    r = _rules(region_set={"poverty_counties": True, "include_prefixes": ["4501"], "exclude_prefixes": ["5226"]})
    assert r.county_in_set("450102", False)
    assert not r.county_in_set("522627", True)
    assert r.county_in_set("520111", True)
    assert not r.county_in_set("330106", False)


# -- attribution ------------------------------------------------------------------------------------------------------
def _rel(id, kind, helped, *, org=None, region=None, year_from=2015, year_to=None):
    return rules.RelationFacts(id, kind, org, region, helped, year_from, year_to)


ORIGIN = ["522627100201", "522627100", "522627", "522600", "520000"]


def test_designated_assistance_through_the_parent_unit():
    idx = rules.RelationIndex.build([_rel(1, "designated_assistance", "522627", org=10)])
    got = rules.attribute(idx, buyer_chain=[11, 10], buyer_region_chain=["110102", "110100", "110000"],
                          origin_chain=ORIGIN, year=2023)
    assert got == {"designated_assistance": 1}


def test_east_west_through_the_home_province():
    idx = rules.RelationIndex.build([_rel(2, "east_west", "520000", region="330000", year_from=2016)])
    got = rules.attribute(idx, buyer_chain=[30], buyer_region_chain=["330106", "330100", "330000"],
                          origin_chain=ORIGIN, year=2023)
    assert got == {"east_west": 2}


def test_relations_out_of_their_years_do_not_match():
    idx = rules.RelationIndex.build([_rel(3, "counterpart_support", "522600", org=10, year_from=2018, year_to=2020)])
    kw = dict(buyer_chain=[10], buyer_region_chain=["110101"], origin_chain=ORIGIN)
    assert rules.attribute(idx, year=2020, **kw) == {"counterpart_support": 3}
    assert rules.attribute(idx, year=2021, **kw) == {}


def test_priority_nearest_helper_then_most_specific_region_then_oldest():
    idx = rules.RelationIndex.build([
        _rel(5, "designated_assistance", "522627", org=10),          # the parent, county
        _rel(6, "designated_assistance", "520000", org=11),          # the buyer itself, province
        _rel(7, "designated_assistance", "522627100201", org=10),    # the parent, village
        _rel(4, "designated_assistance", "522627100201", org=10),    # same as 7 but older
    ])
    kw = dict(buyer_region_chain=["110102"], origin_chain=ORIGIN, year=2023)
    assert rules.attribute(idx, buyer_chain=[11, 10], **kw) == {"designated_assistance": 6}
    assert rules.attribute(idx, buyer_chain=[12, 10], **kw) == {"designated_assistance": 4}


def test_one_relation_per_scheme_at_most():
    idx = rules.RelationIndex.build([
        _rel(1, "designated_assistance", "522627", org=10), _rel(2, "designated_assistance", "522600", org=10),
        _rel(3, "east_west", "520000", region="110000"), _rel(8, "local_pairing", "522627", org=10),
    ])
    got = rules.attribute(idx, buyer_chain=[10], buyer_region_chain=["110101", "110100", "110000"],
                          origin_chain=ORIGIN, year=2023)
    assert got == {"designated_assistance": 1, "east_west": 3}


# -- locks and prefixes ----------------------------------------------------------------------------------------------
def test_locks_cover_their_region_and_below():
    locks = {(2024, 1): ["5226"], (2024, 2): [""]}
    assert rules.locked_prefix(locks, year=2024, month=1, county_code="522627") == "5226"
    assert rules.locked_prefix(locks, year=2024, month=1, county_code="520111") is None
    assert rules.locked_prefix(locks, year=2024, month=2, county_code="130631") == ""
    assert rules.locked_prefix(locks, year=2024, month=3, county_code="522627") is None


def test_prefix_ranges():
    assert rules.prefix_range("52") == ("52", "53")
    assert rules.prefix_range("59") == ("59", "5:")
    assert "5299" < "5:" and "5300" >= "53"
    assert rules.month_key(2024, 3) == "2024-03" and rules.quarter_key(2024, 11) == "2024-Q4"


def test_messages_and_labels_are_translated_to_chinese():
    from django.utils import translation

    from fupin.ledger.enums import Channel, Kind

    with translation.override("zh-hans"):
        with pytest.raises(rules.CellError) as exc:
            rules.parse_amount_fen("1.234")
        assert exc.value.message == "金额的小数超过两位（分）"
        assert str(Kind.HELPED_SALE.label) == "帮助销售" and str(Channel.SPECIAL_COUNTER.label) == "消费帮扶专柜"
        with pytest.raises(rules.CellError) as exc:
            rules.parse_choice("gift", rules.KIND_ALIASES, code="unknown_kind", what=translation.gettext("kind"))
        assert exc.value.message.startswith("未知的类型“gift”")
