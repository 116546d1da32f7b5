"""The pure rules: terms per mechanism, the expected-benefit rule of each mechanism, instalments, flags, the
sampler and the Wilson interval."""

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest

from fupin.linkage import rules
from fupin.linkage.enums import Mechanism
from tests.assertions import nonempty

ONE = rules.Share(quantity=None, total_quantity=Decimal(0), parties=1)


def share(q, total, n):
    return rules.Share(quantity=Decimal(q) if q is not None else None, total_quantity=Decimal(total), parties=n)


# -- expected benefit: one rule per mechanism --------------------------------------------------------------------
def test_employment_monthly_wage_is_twelve_months():
    assert rules.expected_employment({"wage_basis": "month", "wage_fen": 250000}, ONE) == 3000000


def test_employment_daily_wage_uses_household_days_or_contract_days():
    terms = {"wage_basis": "day", "wage_fen": 12000, "days_per_month": 10}
    assert rules.expected_employment(terms, ONE) == 12000 * 10 * 12
    assert rules.expected_employment(terms, share(15, 15, 1)) == 12000 * 15 * 12


def test_order_purchase_is_protected_price_times_quantity():
    terms = {"unit": "kg", "protected_price_fen": 450, "min_quantity": 800}
    assert rules.expected_order_purchase(terms, ONE) == 450 * 800
    assert rules.expected_order_purchase(terms, share("1200.5", "1200.5", 1)) == Fraction(450) * Fraction("1200.5")


def test_dividend_per_share_and_percent_of_profit():
    assert rules.expected_dividend({"basis": "per_share", "per_share_fen": 8000}, share(3, 10, 2)) == 24000
    terms = {"basis": "profit_percent", "percent": "8", "annual_profit_fen": 10_000_000}
    # pool 800,000 fen split by shares 3 of 10
    assert rules.expected_dividend(terms, share(3, 10, 2)) == 240000
    # no quantities: split equally among the 4 parties
    assert rules.expected_dividend(terms, share(None, 0, 4)) == 200000


def test_land_lease_is_rent_per_mu_times_mu():
    assert rules.expected_land_lease({"rent_per_mu_fen": 60000}, share("2.5", "10", 4)) == 150000


def test_tourism_is_share_of_revenue_split_among_households():
    terms = {"revenue_share_percent": "15", "annual_revenue_fen": 2_000_000}
    assert rules.expected_tourism(terms, share(None, 0, 3)) == Fraction(300000, 3)
    assert rules.round_fen(rules.expected_tourism(terms, share(None, 0, 3))) == 100000


def test_collective_income_fixed_or_percent():
    assert rules.expected_collective_income({"annual_amount_fen": 5_000_000}, ONE) == 5_000_000
    assert rules.expected_collective_income({"percent": 5, "annual_profit_fen": 4_000_000}, ONE) == 200000


def test_every_mechanism_has_a_rule():
    assert set(rules.EXPECTED_RULES) == set(Mechanism.values)


# -- terms validation ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("mechanism,terms,missing", [
    (Mechanism.EMPLOYMENT, {"wage_basis": "day", "wage_fen": 100}, "days_per_month"),
    (Mechanism.EMPLOYMENT, {"wage_basis": "month"}, "wage_fen"),
    (Mechanism.ORDER_PURCHASE, {"unit": "kg", "min_quantity": 5}, "protected_price_fen"),
    (Mechanism.DIVIDEND, {"basis": "profit_percent", "percent": 5}, "annual_profit_fen"),
    (Mechanism.DIVIDEND, {}, "basis"),
    (Mechanism.LAND_LEASE, {}, "rent_per_mu_fen"),
    (Mechanism.TOURISM, {"annual_revenue_fen": 100}, "revenue_share_percent"),
    (Mechanism.COLLECTIVE_INCOME, {"percent": 5}, "annual_profit_fen"),
])
def test_missing_terms_are_named(mechanism, terms, missing):
    party = "collective" if mechanism == Mechanism.COLLECTIVE_INCOME else "households"
    errors = rules.terms_errors(mechanism, terms, party_kind=party)
    assert any(e.field == missing and e.code == "missing_term" for e in errors)


def test_bad_terms_values_and_unknown_keys():
    errs = rules.terms_errors(Mechanism.LAND_LEASE, {"rent_per_mu_fen": -5, "colour": "red"})
    assert {e.code for e in errs} == {"bad_term", "unknown_term"}
    assert rules.terms_errors(Mechanism.TOURISM, {"revenue_share_percent": 150, "annual_revenue_fen": 1})[0].code == "bad_term"
    assert rules.terms_errors(Mechanism.LAND_LEASE, {"rent_per_mu_fen": 1.5})[0].code == "bad_term"
    assert rules.terms_errors(Mechanism.LAND_LEASE, {"rent_per_mu_fen": 60000}) == []


def test_party_kinds_per_mechanism():
    assert rules.terms_errors(Mechanism.EMPLOYMENT, {"wage_basis": "month", "wage_fen": 1},
                              party_kind="collective")[0].code == "bad_party"
    assert rules.terms_errors(Mechanism.COLLECTIVE_INCOME, {"annual_amount_fen": 1})[0].code == "bad_party"


def test_land_needs_mu_per_household():
    assert rules.party_quantity_errors(Mechanism.LAND_LEASE, {}, None)[0].code == "missing_quantity"
    assert rules.party_quantity_errors(Mechanism.LAND_LEASE, {}, "-1")[0].code == "bad_quantity"
    assert rules.party_quantity_errors(Mechanism.EMPLOYMENT, {}, None) == []


# -- instalments -----------------------------------------------------------------------------------------------
def test_monthly_instalments_of_a_full_year_sum_to_the_annual_amount():
    items = rules.instalments(annual=Fraction(1000), schedule="monthly", start=dt.date(2024, 1, 1), end=None,
                              until=dt.date(2024, 12, 31))
    assert len(items) == 12
    assert sum(i.amount_fen for i in items) == 1000
    assert items[0].end == dt.date(2024, 1, 31)


def test_yearly_instalment_falls_due_at_year_end_or_contract_end_pro_rata():
    items = rules.instalments(annual=Fraction(120000), schedule="yearly", start=dt.date(2024, 7, 1),
                              end=dt.date(2025, 6, 30), until=dt.date(2026, 1, 1))
    assert [(i.end, i.amount_fen) for i in items] == [(dt.date(2024, 12, 31), 60000), (dt.date(2025, 6, 30), 60000)]


def test_instalments_not_yet_ended_are_not_listed():
    items = rules.instalments(annual=Fraction(1200), schedule="quarterly", start=dt.date(2024, 1, 1), end=None,
                              until=dt.date(2024, 8, 15))
    assert [i.end for i in items] == [dt.date(2024, 3, 31), dt.date(2024, 6, 30)]
    assert rules.due_between(items, dt.date(2024, 4, 1), dt.date(2024, 8, 15)) == 300
    assert rules.due_between(items, dt.date(2024, 5, 1), dt.date(2024, 7, 15), grace_days=20) == 0
    assert rules.due_between(items, dt.date(2024, 5, 1), dt.date(2024, 7, 31), grace_days=31) == 600


def test_months_before():
    assert rules.months_before(dt.date(2025, 6, 30), 6) == dt.date(2024, 12, 31)
    assert rules.months_before(dt.date(2025, 3, 31), 1) == dt.date(2025, 3, 1)


# -- flags -----------------------------------------------------------------------------------------------------
def test_flag_rules():
    assert rules.flag_no_payment(due_fen=100, paid_fen=0)
    assert not rules.flag_no_payment(due_fen=0, paid_fen=0)
    assert not rules.flag_no_payment(due_fen=100, paid_fen=1)
    assert rules.flag_below_terms(due_fen=1000, paid_fen=899, ratio=0.9)
    assert not rules.flag_below_terms(due_fen=1000, paid_fen=900, ratio=0.9)
    assert rules.flag_many_entities(entities=4, maximum=3)
    assert not rules.flag_many_entities(entities=3, maximum=3)
    assert rules.flag_price_below_protected(amount_fen=4000, quantity=Decimal(10), protected_price_fen=500)
    assert not rules.flag_price_below_protected(amount_fen=5000, quantity=Decimal(10), protected_price_fen=500)


def test_payment_errors():
    kw = dict(contract_status="active", start=dt.date(2024, 1, 1), end=dt.date(2024, 12, 31), today=dt.date(2025, 1, 1))
    assert rules.payment_errors(amount_fen=100, paid_on=dt.date(2024, 5, 1), **kw) == []
    assert [e.code for e in rules.payment_errors(amount_fen=-1, paid_on=dt.date(2024, 5, 1), **kw)] == ["bad_amount"]
    assert [e.code for e in rules.payment_errors(amount_fen=1, paid_on=dt.date(2023, 5, 1), **kw)] == ["outside_contract"]
    kw["contract_status"] = "draft"
    assert [e.code for e in rules.payment_errors(amount_fen=1, paid_on=dt.date(2024, 5, 1), **kw)] == ["contract_not_active"]


def test_transitions():
    assert rules.transitions_from("draft") == ["activate", "end"]
    assert rules.transitions_from("active") == ["suspend", "end"]
    assert rules.transitions_from("suspended") == ["resume", "end"]
    assert rules.transitions_from("ended") == []


# -- sampler ---------------------------------------------------------------------------------------------------
POP = [(f"e{e}", h) for e, n in ((1, 50), (2, 30), (3, 5), (4, 1)) for h in range(e * 1000, e * 1000 + n)]


def test_sampler_is_reproducible_and_order_independent():
    a = rules.stratified_sample(POP, seed=42, fraction=0.1, min_per_stratum=2, max_total=100)
    b = rules.stratified_sample(list(reversed(POP)), seed=42, fraction=0.1, min_per_stratum=2, max_total=100)
    c = rules.stratified_sample(POP, seed=43, fraction=0.1, min_per_stratum=2, max_total=100)
    assert a == b
    assert a != c


def test_sampler_is_stratified():
    sample = rules.stratified_sample(POP, seed=7, fraction=0.1, min_per_stratum=2, max_total=100)
    per = {}
    for stratum, unit in sample:
        per.setdefault(stratum, []).append(unit)
    assert {k: len(v) for k, v in per.items()} == {"e1": 5, "e2": 3, "e3": 2, "e4": 1}
    pop = set(POP)
    assert all((s, u) in pop for s, u in nonempty(sample))
    assert len({u for _s, u in sample}) == len(sample)


def test_allocation_respects_the_total_cap():
    sizes = {"a": 500, "b": 300, "c": 10, "d": 1}
    got = rules.allocate(sizes, fraction=0.5, min_per_stratum=2, max_total=40)
    assert sum(got.values()) == 40
    assert all(got[k] >= 1 for k in nonempty(sizes))
    assert got["a"] > got["b"] > got["c"]


def test_wilson_interval():
    low, high = rules.wilson_interval(2, 10)
    assert round(low, 4) == 0.0567 and round(high, 4) == 0.5098
    assert rules.wilson_interval(0, 0) == (0.0, 1.0)
    low, high = rules.wilson_interval(0, 20)
    assert low == 0.0 and 0.15 < high < 0.17


def test_discrepancy_flag():
    d = rules.discrepancy({"confirmed": 8, "not_received": 1, "not_found": 1, "pending": 3}, z=1.96, threshold=0.1)
    assert (d.verified, d.discrepant, d.rate, d.flagged) == (10, 2, 0.2, True)
    assert not rules.discrepancy({"confirmed": 9, "amount_differs": 1}, z=1.96, threshold=0.1).flagged
