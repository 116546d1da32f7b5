"""The pre-checks, rule by rule: each verdict with its reason (pure functions, no database)."""

import datetime as dt
from dataclasses import replace

import pytest

from fupin.certification import rules
from fupin.certification.parameters import PROVINCES_22, CertificationParams
from tests.assertions import nonempty

ON = dt.date(2020, 6, 1)
P = CertificationParams(on=ON, min_poor_households=5, min_supply_value_fen=10_000_000, price_tolerance_pct=30,
                        eligible_provinces=frozenset(PROVINCES_22), poverty_areas_only=True, extra_prefixes=())
POOR_COUNTY = rules.AreaFacts(code="522627", poverty_county=True)
POOR_VILLAGE = rules.AreaFacts(code="130631100201", poor_village=True)
RICH_COUNTY_22 = rules.AreaFacts(code="130631")            # Hebei, not a poverty county
EAST = rules.AreaFacts(code="320102", poverty_county=True)  # Jiangsu is not among the 22 provinces


def applicant(**kw):
    base = rules.ApplicantFacts(kind="enterprise", credit_code="91522627MA6DQ1234X", area=POOR_COUNTY)
    return replace(base, **kw)


def item(**kw):
    base = rules.ItemFacts(product_id=1, product_code="P00000001", category="handicraft", origin=POOR_COUNTY,
                           supply_volume=2000, annual_capacity=10000, price_fen=10_500, reference_price_fen=10_000)
    return replace(base, **kw)


def licences(*extra, business_until=dt.date(2030, 1, 1)):
    return [rules.LicenceFacts("business", "BL1", business_until), *extra]


@pytest.fixture(autouse=True)
def _valid_uscc(monkeypatch):
    monkeypatch.setattr(rules, "is_valid_uscc", lambda code: code.startswith("91"))


# -- legal person -------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["enterprise", "cooperative", "family_farm", "village_collective"])
def test_legal_person_kinds_pass(kind):
    assert rules.check_legal_person(applicant(kind=kind)).ok


@pytest.mark.parametrize("kind", ["poor_household", "rich_leader"])
def test_single_households_and_individuals_are_refused(kind):
    v = rules.check_legal_person(applicant(kind=kind))
    assert not v.ok and "legal-person" in v.reason


def test_missing_credit_code_is_refused():
    v = rules.check_legal_person(applicant(credit_code=""))
    assert not v.ok and "credit code" in v.reason


# -- blacklist ----------------------------------------------------------------------------------------------------------
def test_blacklisted_supplier_is_refused_with_end_date():
    v = rules.check_not_blacklisted(applicant(blacklisted=True, blacklisted_until=dt.date(2021, 5, 31)))
    assert not v.ok and "2021-05-31" in v.reason
    assert rules.check_not_blacklisted(applicant()).ok


# -- eligible areas -----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("area,ok", [(POOR_COUNTY, True), (POOR_VILLAGE, True), (RICH_COUNTY_22, False), (EAST, False)])
def test_registered_area(area, ok):
    v = rules.check_registered_area(applicant(area=area), P)
    assert v.ok is ok
    if not ok:
        assert area.code in v.reason and "2020-06-01" in v.reason


def test_extra_prefixes_and_whole_province_sets():
    assert rules.check_registered_area(applicant(area=RICH_COUNTY_22), replace(P, extra_prefixes=("1306",))).ok
    assert rules.check_registered_area(applicant(area=RICH_COUNTY_22), replace(P, poverty_areas_only=False)).ok
    assert not rules.check_registered_area(applicant(area=EAST), replace(P, poverty_areas_only=False)).ok


def test_origin_area_names_each_bad_product():
    v = rules.check_origin_area([item(), item(product_code="P00000002", origin=EAST)], P)
    assert not v.ok and v.details["products"] == ["P00000002"] and "P00000002" in v.reason
    assert rules.check_origin_area([item(origin=POOR_VILLAGE)], P).ok


# -- poor households ----------------------------------------------------------------------------------------------------
def evidence(linked=(), refs=(), found=None):
    return rules.HouseholdEvidence(linked_ids=frozenset(linked), declared_refs=tuple(refs),
                                   declared_found=found if found is not None else {r: i for i, r in enumerate(refs, 100)})


def test_poor_households_count_linked_and_declared_without_double_counting():
    v = rules.check_poor_households(evidence(linked={100, 101, 1, 2}, refs=["H1", "H2", "H3"]), P)
    assert v.ok and v.details["total"] == 5  # H1→100 and H2→101 are also linked


def test_too_few_poor_households():
    v = rules.check_poor_households(evidence(linked={1, 2}, refs=["H1"]), P)
    assert not v.ok and "3 poor households" in v.reason and "at least 5" in v.reason


def test_unknown_households_are_named():
    v = rules.check_poor_households(evidence(refs=["H1", "HX"], found={"H1": 1}), P)
    assert not v.ok and v.details["unknown"] == ["HX"] and "HX" in v.reason


def test_no_household_evidence_at_all():
    v = rules.check_poor_households(evidence(), P)
    assert not v.ok and v.details["total"] == 0


# -- volume -------------------------------------------------------------------------------------------------------------
def test_volume_at_threshold_passes_and_below_fails():
    assert rules.check_volume([item(supply_volume=1000)], P).ok          # 1000 × 100 yuan = 100,000 yuan
    v = rules.check_volume([item(supply_volume=999)], P)
    assert not v.ok and "P00000001" in v.reason and "100,000.00" in v.reason


def test_volume_over_capacity_fails():
    v = rules.check_volume([item(supply_volume=20_000, annual_capacity=10_000)], P)
    assert not v.ok and v.details["over_capacity"] == ["P00000001"]


# -- licences -----------------------------------------------------------------------------------------------------------
def test_business_licence_required_and_valid():
    assert rules.check_licences([item()], licences(), ON).ok
    v = rules.check_licences([item()], [], ON)
    assert not v.ok and "no business licence" in v.reason
    v = rules.check_licences([item()], licences(business_until=dt.date(2020, 5, 31)), ON)
    assert not v.ok and "not valid on 2020-06-01" in v.reason


def test_food_needs_a_valid_food_production_licence():
    food = item(category="tea")
    v = rules.check_licences([food], licences(), ON)
    assert not v.ok and "food production licence for P00000001" in v.reason
    assert rules.check_licences([food], licences(rules.LicenceFacts("food_production", "SC1", None, product_id=1)), ON).ok
    expired = rules.LicenceFacts("food_production", "SC1", dt.date(2019, 12, 31), product_id=1)
    assert not rules.check_licences([food], licences(expired), ON).ok
    other_product = rules.LicenceFacts("food_production", "SC2", None, product_id=2)
    assert not rules.check_licences([food], licences(other_product), ON).ok


def test_expired_quality_certificate_fails():
    q = rules.LicenceFacts("quality", "QC9", dt.date(2020, 1, 1), product_id=1)
    v = rules.check_licences([item()], licences(q), ON)
    assert not v.ok and "QC9" in v.reason


# -- price --------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("price,ok", [(13_000, True), (7_000, True), (13_001, False), (6_999, False), (10_000, True)])
def test_price_within_tolerance(price, ok):
    v = rules.check_price([item(price_fen=price)], P)
    assert v.ok is ok
    if not ok:
        assert "±30%" in v.reason


def test_missing_reference_price_fails():
    v = rules.check_price([item(reference_price_fen=0)], P)
    assert not v.ok and v.details["missing"] == ["P00000001"]


# -- products and the whole set -----------------------------------------------------------------------------------------
def test_products_state_and_open_applications():
    assert not rules.check_products([], renewal=False).ok
    assert not rules.check_products([item(product_status="revoked")], renewal=False).ok
    assert not rules.check_products([item(product_status="certified")], renewal=False).ok
    assert rules.check_products([item(product_status="certified")], renewal=True).ok
    v = rules.check_products([item(open_application="A20200000001")], renewal=False)
    assert not v.ok and "A20200000001" in v.reason


def test_precheck_returns_every_rule_in_order_with_reasons():
    verdicts = rules.precheck(applicant=applicant(), items=[item()], evidence=evidence(refs=[f"H{i}" for i in range(5)]),
                              licences=licences(), params=P)
    assert [v.rule for v in verdicts] == ["legal_person", "not_blacklisted", "registered_area", "products",
                                          "origin_area", "poor_households", "volume", "licences", "price"]
    assert all(v.ok and v.reason for v in nonempty(verdicts))
    assert rules.failed(verdicts) == []
