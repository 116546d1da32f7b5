"""Reserved share of canteen procurement: the pure rules (no database)."""

from __future__ import annotations

import datetime as dt

import pytest

from fupin.core.params import ParamVersion, resolve
from fupin.ledger.reserved_share import rules
from fupin.ledger.reserved_share.enums import ExemptReason, ShareStatus
from fupin.ledger.reserved_share.rules import DeclarationFacts, Requirement


def versions_from_defaults() -> list[ParamVersion]:
    return [
        ParamVersion(i, d.key, d.region_prefix, d.valid_from, d.valid_to, d.value)
        for i, d in enumerate(rules.PARAM_DEFAULTS, start=1) if d.key == rules.REQUIRED_SHARE
    ]


def requirement(year: int, region: str, extra: list[ParamVersion] = ()) -> Requirement | None:
    found = resolve([*versions_from_defaults(), *extra], on=rules.assessment_date(year), region_code=region)
    return rules.requirement_from(found.value, version_id=found.id) if found else None


@pytest.mark.parametrize(("year", "region", "bp", "base"), [
    (2020, "110101", None, None),          # before 财库〔2021〕19号: nothing required
    (2021, "110101", 1000, "canteen_food"),  # Beijing: national 10%
    (2021, "420102", 1500, "canteen_food"),  # Hubei 15%
    (2021, "450102", 2000, "canteen_farm_produce"),  # Guangxi 20% of farm produce
    (2025, "522627", 1000, "canteen_food"),
])
def test_required_share_by_region_and_year(year, region, bp, base):
    req = requirement(year, region)
    if bp is None:
        assert req is None
    else:
        assert (req.share_bp, req.base) == (bp, base)
        assert req.version_id is not None


def test_a_later_version_changes_later_years_only():
    raised = ParamVersion(99, rules.REQUIRED_SHARE, "", dt.date(2025, 1, 1), None, {"percent": "12.5"})
    assert requirement(2024, "110101", [raised]).share_bp == 1000
    req = requirement(2025, "110101", [raised])
    assert (req.share_bp, req.version_id) == (1250, 99)
    assert requirement(2025, "420102", [raised]).share_bp == 1500  # the province's own rule is more specific


@pytest.mark.parametrize(("text", "bp"), [("10", 1000), (10, 1000), ("12.5", 1250), ("15%", 1500), ("0.01", 1)])
def test_percent_to_basis_points(text, bp):
    assert rules.percent_to_bp(text) == bp


@pytest.mark.parametrize("bad", ["ten", "101", "-1", "10.005", "nan"])
def test_bad_percentages_are_refused(bad):
    with pytest.raises(ValueError):
        rules.percent_to_bp(bad)


def test_required_amount_rounds_up_to_the_fen():
    assert rules.required_fen(100_000_00, 1000) == 10_000_00
    assert rules.required_fen(33, 1000) == 4  # 3.3 fen → 4
    assert rules.required_fen(0, 1000) == 0


NATIONAL = Requirement(1000, "canteen_food", 7)
GUANGXI = Requirement(2000, "canteen_farm_produce", 8)


def test_compliant_when_the_platform_amount_reaches_the_share():
    r = rules.evaluate(declaration=DeclarationFacts(1_000_000_00), requirement=NATIONAL, platform_fen=100_000_00)
    assert r.status == ShareStatus.COMPLIANT
    assert (r.required_fen, r.gap_fen, r.achieved_bp, r.param_version_id) == (100_000_00, 0, 1000, 7)


def test_short_gives_the_gap():
    r = rules.evaluate(declaration=DeclarationFacts(1_000_000_00), requirement=NATIONAL, platform_fen=99_999_99)
    assert r.status == ShareStatus.SHORT
    assert r.gap_fen == 1
    assert r.achieved_bp == 999


def test_guangxi_takes_the_share_of_farm_produce():
    facts = DeclarationFacts(1_000_000_00, farm_produce_fen=400_000_00)
    r = rules.evaluate(declaration=facts, requirement=GUANGXI, platform_fen=80_000_00)
    assert (r.status, r.base_fen, r.required_fen) == (ShareStatus.COMPLIANT, 400_000_00, 80_000_00)
    # without the farm-produce figure the whole canteen food is the base, and that is noted
    r = rules.evaluate(declaration=DeclarationFacts(1_000_000_00), requirement=GUANGXI, platform_fen=80_000_00)
    assert (r.status, r.required_fen, r.gap_fen) == (ShareStatus.SHORT, 200_000_00, 120_000_00)
    assert r.notes == ("farm_produce_not_declared",)


def test_exempt_not_required_and_undeclared():
    exempt = DeclarationFacts(None, exempt_reason=ExemptReason.OUTSOURCED_CANTEEN)
    r = rules.evaluate(declaration=exempt, requirement=NATIONAL, platform_fen=5)
    assert (r.status, r.exempt_reason, r.gap_fen) == (ShareStatus.EXEMPT, "outsourced_canteen", 0)
    r = rules.evaluate(declaration=DeclarationFacts(100), requirement=None, platform_fen=0)
    assert r.status == ShareStatus.NOT_REQUIRED
    assert rules.evaluate(declaration=None, requirement=NATIONAL, platform_fen=0).status == ShareStatus.UNDECLARED
    assert rules.evaluate(declaration=None, requirement=NATIONAL, platform_fen=0, obliged=False).status == \
        ShareStatus.NOT_REQUIRED


def test_declaration_errors():
    ok = {"year": 2024, "canteen_food_fen": 100, "farm_produce_fen": None, "exempt_reason": "", "this_year": 2026}
    assert rules.declaration_errors(**ok) == []
    assert rules.declaration_errors(**{**ok, "canteen_food_fen": None, "exempt_reason": "no_canteen"}) == []

    def codes(**kw):
        return [c for _, c, _ in rules.declaration_errors(**{**ok, **kw})]

    assert codes(year=2012) == ["bad_year"]
    assert codes(year=2027) == ["bad_year"]
    assert codes(canteen_food_fen=None) == ["missing_amount"]
    assert codes(canteen_food_fen=0) == ["bad_amount"]
    assert codes(farm_produce_fen=101) == ["farm_produce_exceeds_total"]
    assert codes(farm_produce_fen=-1) == ["negative_farm_produce"]
    assert codes(exempt_reason="closed") == ["bad_exempt_reason", "exempt_with_amount"]
    assert codes(exempt_reason="no_canteen") == ["exempt_with_amount"]


@pytest.mark.parametrize(("text", "code"), [
    ("", ""), ("no_canteen", "no_canteen"), ("无食堂", "no_canteen"), ("食堂外包", "outsourced_canteen"),
    ("Outsourced_Canteen", "outsourced_canteen"), ("closed", None),
])
def test_parse_exempt_reason(text, code):
    assert rules.parse_exempt_reason(text) == code


def test_member_purchases_count_toward_their_unit_once():
    totals = {1: 500, 11: 200, 12: 50, 2: 70, 99: 1000}
    parents = {11: 1, 12: 1, 99: 3}
    assert rules.member_totals(totals_by_buyer=totals, parent_of=parents, units=[1, 2, 4]) == {1: 750, 2: 70, 4: 0}


@pytest.mark.parametrize(("bp", "text"), [(1000, "10%"), (1250, "12.5%"), (1234, "12.34%"), (5, "0.05%"), (None, "")])
def test_format_bp(bp, text):
    assert rules.format_bp(bp) == text


def test_seeded_defaults_are_well_formed():
    for d in rules.PARAM_DEFAULTS:
        if d.key == rules.REQUIRED_SHARE:
            rules.requirement_from(d.value, version_id=None)
        elif d.key == rules.COUNTING:
            c = rules.counting_from(d.value, version_id=None)
            assert c.channels == ("platform_832",) and c.kinds == ("direct_purchase",)
