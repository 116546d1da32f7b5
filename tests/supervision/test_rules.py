"""Supervision's pure rules: the progress expectation across the year (leap years, the last day, a seasonal
profile), status thresholds, methodology validation, each indicator and every grade boundary, ranking, the
responsibility matrix parsed from the seed text, and the approval chain."""

from __future__ import annotations

import copy
import datetime as dt
from fractions import Fraction
from pathlib import Path

import pytest

from fupin.supervision import parameters, rules
from fupin.supervision.enums import Grade, ProgressStatus

SEED = Path(__file__).resolve().parents[3] / "shared" / "seed" / "guiding-opinions-safeguard-measures.txt"
MEASURES = {1, 2, 3, 4}


# -- the expectation ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("year", "day", "share"), [
    (2023, dt.date(2022, 12, 31), Fraction(0)),
    (2023, dt.date(2023, 1, 1), Fraction(1, 365)),
    (2024, dt.date(2024, 1, 1), Fraction(1, 366)),
    (2024, dt.date(2024, 2, 29), Fraction(60, 366)),       # the leap day counts
    (2023, dt.date(2023, 3, 1), Fraction(60, 365)),
    (2024, dt.date(2024, 3, 1), Fraction(61, 366)),
    (2024, dt.date(2024, 7, 1), Fraction(183, 366)),        # exactly half of a leap year
    (2023, dt.date(2023, 12, 30), Fraction(364, 365)),
    (2023, dt.date(2023, 12, 31), Fraction(1)),             # the last day: the whole target
    (2024, dt.date(2024, 12, 31), Fraction(1)),
    (2024, dt.date(2024, 12, 30), Fraction(365, 366)),
    (2023, dt.date(2024, 6, 1), Fraction(1)),               # after the year
])
def test_time_proportional_expectation(year, day, share):
    assert rules.expected_share(year=year, as_of=day) == share


def test_the_expected_figure_rounds_down_and_reaches_the_target_on_the_last_day():
    assert rules.expected_value(1_000_000, rules.expected_share(year=2024, as_of=dt.date(2024, 2, 29))) == 163_934
    assert rules.expected_value(1_000_000, rules.expected_share(year=2024, as_of=dt.date(2024, 12, 31))) == 1_000_000
    assert rules.expected_value(7, Fraction(1, 3)) == 2


def test_seasonal_profile_weights_the_months():
    profile = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1]  # an autumn harvest: nothing is expected before September
    assert rules.expected_share(year=2024, as_of=dt.date(2024, 8, 31), profile=profile) == 0
    assert rules.expected_share(year=2024, as_of=dt.date(2024, 9, 15), profile=profile) == Fraction(15, 30) / 4
    assert rules.expected_share(year=2024, as_of=dt.date(2024, 10, 31), profile=profile) == Fraction(1, 2)
    assert rules.expected_share(year=2024, as_of=dt.date(2024, 12, 31), profile=profile) == 1
    # February of a leap year has 29 days
    flat = [1] * 12
    assert rules.expected_share(year=2024, as_of=dt.date(2024, 2, 29), profile=flat) == Fraction(2, 12)
    assert rules.expected_share(year=2023, as_of=dt.date(2023, 2, 14), profile=flat) == (1 + Fraction(14, 28)) / 12


@pytest.mark.parametrize("profile", [[1] * 11, [0] * 12, [1] * 11 + [-1], "x", [1] * 11 + [True]])
def test_bad_profiles_are_refused(profile):
    assert [e.code for e in rules.validate_profile(profile)] == ["bad_profile"]


# -- status thresholds --------------------------------------------------------------------------------------------
T = rules.Thresholds(9000, 7000)


@pytest.mark.parametrize(("actual", "status"), [
    (100, ProgressStatus.ON_TRACK), (90, ProgressStatus.ON_TRACK), (89, ProgressStatus.BEHIND),
    (70, ProgressStatus.BEHIND), (69, ProgressStatus.FAR_BEHIND), (0, ProgressStatus.FAR_BEHIND),
    (250, ProgressStatus.ON_TRACK),
])
def test_status_boundaries(actual, status):
    assert rules.progress_status(actual=actual, expected=100, thresholds=T) == status


def test_nothing_expected_is_on_track():
    assert rules.progress_status(actual=0, expected=0, thresholds=T) == ProgressStatus.ON_TRACK


@pytest.mark.parametrize(("value", "field"), [
    ({"behind_below_bp": 7000, "far_behind_below_bp": 9000}, "far_behind_below_bp"),
    ({"behind_below_bp": 12000, "far_behind_below_bp": 9000}, "value"),
    ({"behind_below_bp": "90%", "far_behind_below_bp": 70}, "value"),
    ([], "value"),
])
def test_bad_thresholds(value, field):
    (err,) = rules.thresholds_errors(value)
    assert err.code == "bad_thresholds" and err.field == field


# -- targets ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("kw", "code", "field"), [
    ({"metric": "direct_purchase", "value": -1, "scheme": ""}, "negative_target", "value"),
    ({"metric": "no_such", "value": 1, "scheme": ""}, "unknown_metric", "metric"),
    ({"metric": "direct_purchase", "value": 1, "scheme": "no_such"}, "unknown_scheme", "scheme"),
    ({"metric": "reserved_share", "value": 10001, "scheme": ""}, "share_too_large", "value"),
    ({"metric": "direct_purchase", "value": 1.5, "scheme": ""}, "bad_value", "value"),
])
def test_bad_targets(kw, code, field):
    (err,) = rules.target_errors(**kw)
    assert (err.code, err.field) == (code, field)


def test_a_year_outside_the_platform_is_unknown():
    assert rules.year_error(2012, this_year=2026).code == "unknown_year"
    assert rules.year_error(2028, this_year=2026).code == "unknown_year"
    assert rules.year_error(2027, this_year=2026) is None


@pytest.mark.parametrize(("kind", "zone", "scheme", "sub", "basis"), [
    ("central_unit", "east", "designated_assistance", False, "relations"),
    ("central_unit", "east", "", False, "buyer"),
    ("central_unit", "east", "", True, "sub_unit"),
    ("provincial_government", "west", "", False, "origin"),
    ("provincial_government", "east", "", False, "buyer_region"),
    ("local_government", "west", "east_west", False, "relations"),
])
def test_where_an_actual_is_read(kind, zone, scheme, sub, basis):
    assert rules.actual_basis(body_kind=kind, body_zone=zone, scheme=scheme, sub_unit=sub) == basis


# -- periods and the approval chain -------------------------------------------------------------------------------
def test_periods():
    assert rules.period_months("quarter", 2) == [4, 5, 6]
    assert rules.period_bounds("month", 2024, 2) == (dt.date(2024, 2, 1), dt.date(2024, 2, 29))
    assert rules.period_bounds("year", 2023, 1) == (dt.date(2023, 1, 1), dt.date(2023, 12, 31))
    assert rules.period_label("quarter", 2024, 3) == "2024-Q3"
    assert rules.periods_overlap(("quarter", 1), ("month", 3)) and not rules.periods_overlap(("quarter", 1), ("month", 4))
    assert [e.code for e in rules.period_errors(kind="quarter", number=5)] == ["unknown_period"]
    assert [e.code for e in rules.period_errors(kind="week", number=1)] == ["unknown_period"]


def test_approval_chains_end_with_the_national_office():
    # a county government: its prefecture's and province's governments, then the nation
    assert rules.approval_chain(governing=True, region_governments=[20, 10], parents=[99]) == [20, 10, None]
    # a prefecture without a registered government is skipped
    assert rules.approval_chain(governing=True, region_governments=[None, 10], parents=[]) == [10, None]
    # a unit goes up its supervising units
    assert rules.approval_chain(governing=False, region_governments=[10], parents=[5, 3]) == [5, 3, None]
    assert rules.approval_chain(governing=False, region_governments=[], parents=[]) == [None]


# -- methodology validation ---------------------------------------------------------------------------------------
def method(**changes):
    m = copy.deepcopy(parameters.METHODOLOGIES["east_west"])
    m.update(changes)
    return m


def codes(value):
    return [(e.code, e.field) for e in rules.methodology_errors(value, measures=MEASURES)]


def test_the_seeded_methodologies_are_valid():
    for scheme, m in parameters.METHODOLOGIES.items():
        assert rules.methodology_errors(m, measures=MEASURES) == [], scheme


def test_weights_must_sum_as_the_methodology_requires():
    m = method()
    m["indicators"][0]["weight"] = 25
    (err,) = rules.methodology_errors(m, measures=MEASURES)
    assert err.code == "weights_do_not_sum" and "95" in err.message and "100" in err.message


def test_grade_bands_that_overlap_are_refused():
    bands = [{"grade": "good", "min": 85, "max": 100}, {"grade": "fairly_good", "min": 80, "max": 90},
             {"grade": "average", "min": 60, "max": 80}, {"grade": "poor", "min": 0, "max": 60}]
    assert codes(method(bands=bands)) == [("bands_overlap", "bands[0]")]


def test_grade_bands_that_leave_a_gap_are_refused():
    bands = [{"grade": "good", "min": 90, "max": 100}, {"grade": "fairly_good", "min": 80, "max": 88},
             {"grade": "average", "min": 60, "max": 80}, {"grade": "poor", "min": 0, "max": 60}]
    assert codes(method(bands=bands)) == [("bands_gap", "bands[0].min")]
    low = [{"grade": "good", "min": 50, "max": 100}, {"grade": "poor", "min": 10, "max": 50}]
    assert codes(method(bands=low)) == [("bands_gap", "bands[1].min")]
    short = [{"grade": "good", "min": 50, "max": 95}, {"grade": "poor", "min": 0, "max": 50}]
    assert codes(method(bands=short)) == [("bands_gap", "bands")]


def test_bands_need_known_grades_each_once():
    bands = [{"grade": "excellent", "min": 50, "max": 100}, {"grade": "poor", "min": 0, "max": 50}]
    assert codes(method(bands=bands)) == [("unknown_grade", "bands[0].grade")]
    bands = [{"grade": "poor", "min": 50, "max": 100}, {"grade": "poor", "min": 0, "max": 50}]
    assert codes(method(bands=bands)) == [("duplicate_grade", "bands[1].grade")]
    assert codes(method(bands=[{"grade": "poor", "min": 100, "max": 0}])) == [("bad_band", "bands[0]")]


def test_an_indicator_that_references_an_unknown_measure_is_refused():
    m = method()
    m["indicators"][2]["measure"] = 7
    (err,) = rules.methodology_errors(m, measures=MEASURES)
    assert (err.code, err.field) == ("unknown_measure", "indicators[2].measure") and "7" in err.message


def test_other_indicator_problems_name_their_part():
    m = method()
    m["indicators"][0]["kind"] = "vibes"
    m["indicators"][1]["metric"] = "tea"
    m["indicators"][3]["cap_bp"] = 0
    m["indicators"].append(dict(m["indicators"][-1]))  # the qualitative indicator twice (and 10 points too many)
    found = codes(m)
    assert ("unknown_indicator_kind", "indicators[0].kind") in found
    assert ("unknown_metric", "indicators[1].metric") in found
    assert ("bad_cap", "indicators[3].cap_bp") in found
    assert ("duplicate_indicator", f"indicators[{len(m['indicators']) - 1}].code") in found
    assert ("weights_do_not_sum", "indicators") in found
    assert codes({"weight_total": 0, "indicators": [], "bands": []})[:2] == [
        ("bad_weight_total", "weight_total"), ("no_indicators", "indicators")]


# -- indicators, points, grades -----------------------------------------------------------------------------------
def inputs(**kw):
    base = {"targets": {"direct_purchase": 1000, "helped_sale": 1000, "benefits_paid": 100, "reserved_share": 10000},
            "actuals": {"direct_purchase": 1000, "helped_sale": 1000, "benefits_paid": 100},
            "last_year_purchases": 1000, "purchases": 1100, "poverty_purchases": 880, "reserved_obliged": 4,
            "reserved_compliant": 4, "qualitative": 10}
    base.update(kw)
    return rules.IndicatorInputs(**base)


def ind(kind, **kw):
    return rules.Indicator(code=kind, kind=kind, weight=kw.pop("weight", 20), measure=4, **kw)


@pytest.mark.parametrize(("indicator", "data", "attainment", "points"), [
    # ratio to target: 750 of 1000 = 75%; weight 20 → 15.00 points
    (ind("ratio_to_target", metric="direct_purchase"), {"actuals": {"direct_purchase": 750}}, 7500, 1500),
    # above target, capped at 100%
    (ind("ratio_to_target", metric="direct_purchase"), {"actuals": {"direct_purchase": 1300}}, 13000, 2000),
    # a cap of 120% lets over-achievement count
    (ind("ratio_to_target", metric="direct_purchase", cap_bp=12000), {"actuals": {"direct_purchase": 1300}},
     13000, 2400),
    # growth 10% on 1000 = full marks at full_at 10%; 5% = half
    (ind("growth", full_at_bp=1000), {"purchases": 1100}, 10000, 2000),
    (ind("growth", full_at_bp=1000), {"purchases": 1050}, 5000, 1000),
    (ind("growth", full_at_bp=1000), {"purchases": 900}, 0, 0),  # a fall scores nothing
    (ind("growth", full_at_bp=1000), {"last_year_purchases": None}, 10000, 2000),  # no last year: not held against
    # poverty share 80% = full at 80%; 40% = half
    (ind("poverty_share", full_at_bp=8000), {}, 10000, 2000),
    (ind("poverty_share", full_at_bp=8000), {"poverty_purchases": 440}, 5000, 1000),
    (ind("poverty_share", full_at_bp=8000), {"purchases": 0, "poverty_purchases": 0}, 0, 0),
    (ind("linkage_benefits", metric="benefits_paid"), {"actuals": {"benefits_paid": 33}}, 3300, 660),
    (ind("reserved_share", metric="reserved_share"), {"reserved_compliant": 3}, 7500, 1500),
    (ind("reserved_share", metric="reserved_share"), {"reserved_obliged": 0, "reserved_compliant": 0}, 10000, 2000),
    (ind("qualitative", max_score=10), {"qualitative": 7}, 7000, 1400),
    (ind("qualitative", max_score=10), {"qualitative": None}, 0, 0),
])
def test_each_indicator(indicator, data, attainment, points):
    line = rules.indicator_line(indicator, inputs(**data))
    assert (line.attainment_bp, line.points_centi) == (attainment, points)


def test_no_target_is_not_held_against_the_body():
    line = rules.indicator_line(ind("ratio_to_target", metric="helped_sale"), inputs(targets={}))
    assert line.attainment_bp == 10000 and line.note == "no_target"


BANDS = rules.methodology_from("east_west", parameters.METHODOLOGIES["east_west"]).bands


@pytest.mark.parametrize(("centi", "grade"), [
    (10000, Grade.GOOD), (9000, Grade.GOOD), (8999, Grade.FAIRLY_GOOD), (8000, Grade.FAIRLY_GOOD),
    (7999, Grade.AVERAGE), (6000, Grade.AVERAGE), (5999, Grade.POOR), (0, Grade.POOR),
])
def test_every_grade_boundary(centi, grade):
    assert rules.grade_for(centi, BANDS) == grade


def test_score_total_is_capped_and_adjusted():
    m = rules.methodology_from("east_west", parameters.METHODOLOGIES["east_west"])
    full = rules.score(m, inputs())
    assert full.total_centi == 10000 and full.grade == Grade.GOOD
    assert rules.score(m, inputs(), adjustments_centi=500).total_centi == 10000   # never above the weight total
    assert rules.score(m, inputs(), adjustments_centi=-1001).grade == Grade.FAIRLY_GOOD
    assert rules.score(m, inputs(qualitative=0), adjustments_centi=-20000).total_centi == 0


def test_ranking_shares_places():
    assert rules.ranking([("a", 90), ("b", 95), ("c", 90), ("d", 10)]) == {"b": 1, "a": 2, "c": 2, "d": 4}


def test_misses_list_every_figure_below_its_target():
    figs = [{"key": "a", "target": 10, "actual": 10}, {"key": "b", "target": 10, "actual": 9},
            {"key": "c", "target": 0, "actual": 0}]
    assert [m["key"] for m in rules.misses(figs)] == ["b"]


# -- the responsibility matrix ------------------------------------------------------------------------------------
def test_the_matrix_is_parsed_from_the_seed_text_and_matches_the_seeded_parameter():
    parsed = rules.parse_responsibility_matrix(SEED.read_text(encoding="utf-8"))
    assert [m["number"] for m in parsed] == [1, 2, 3, 4]
    assert parsed == [{k: m[k] for k in ("number", "title", "bodies")} for m in parameters.MEASURES]
    assert "provincial_governments" in parsed[1]["bodies"] and "pboc" in parsed[2]["bodies"]
    assert rules.matrix_errors({"measures": parameters.MEASURES, "bodies": parameters.BODIES}) == []


def test_a_seed_naming_an_unknown_body_is_not_half_read():
    with pytest.raises(ValueError, match="Ministry of Magic"):
        rules.parse_responsibility_matrix("1. Do things. Text. (Ministry of Magic and other provincial people's "
                                          "governments are responsible)")


# -- problems -----------------------------------------------------------------------------------------------------
def test_overdue():
    today = dt.date(2024, 5, 10)
    assert rules.is_overdue(due=dt.date(2024, 5, 9), status="open", today=today)
    assert not rules.is_overdue(due=dt.date(2024, 5, 10), status="in_progress", today=today)
    assert not rules.is_overdue(due=dt.date(2024, 5, 9), status="resolved", today=today)
    assert not rules.is_overdue(due=dt.date(2024, 5, 8), status="open", today=today, grace_days=2)
    assert not rules.is_overdue(due=None, status="open", today=today)


def test_month_day_in_a_common_year():
    assert rules.month_day(2023, "02-29") == dt.date(2023, 2, 28)
    assert rules.month_day(2024, "02-29") == dt.date(2024, 2, 29)
