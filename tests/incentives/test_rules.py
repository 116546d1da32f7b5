"""The pure rules of incentives: the fact catalogue, validation of condition trees (each refusal names the JSON path
of the bad part), the three-valued evaluator with its explanation, the change list, the ranking's tie-breaks."""

from __future__ import annotations

import datetime as dt

import pytest

from fupin.incentives import rules
from fupin.incentives.rules import Candidate, Fact


def codes(errors):
    return [(e.field, e.code) for e in errors]


# -- validation ---------------------------------------------------------------------------------------------------
def test_a_valid_tree_of_every_condition_type_has_no_errors():
    tree = {"all": [
        {"fact": "region_sets", "op": "any_of", "value": ["poverty_county", "key_county"]},
        {"fact": "region", "op": "within", "value": ["52", "450000"]},
        {"fact": "zone", "op": "none_of", "value": ["east"]},
        {"fact": "sector", "op": "all_of", "value": ["processing"]},
        {"fact": "entity_kind", "op": "any_of", "value": ["enterprise", "cooperative"]},
        {"fact": "years_in_operation", "op": ">=", "value": 2, "unit": "years"},
        {"fact": "certified_products", "op": ">", "value": 0, "unit": "count"},
        {"fact": "blacklisted", "op": "is", "value": False},
        {"fact": "counted_sales", "op": ">=", "value": 100, "unit": "fen", "window_years": 2},
        {"fact": "poor_households_linked", "op": ">=", "value": 10, "unit": "count"},
        {"fact": "benefits_paid", "op": ">=", "value": 5, "unit": "fen"},
        {"fact": "households_paid", "op": "!=", "value": 0, "unit": "count"},
        {"fact": "poverty_reduction_effect", "op": "is", "value": True},
        {"not": {"fact": "verification_discrepancy", "op": "is", "value": True}},
        {"any": [{"fact": "certified_products", "op": "==", "value": 3, "unit": "count", "note": "三个"}]},
    ]}
    assert rules.validate(tree) == []
    assert set(rules.FACTS) == {leaf["fact"] for leaf in rules.leaves(rules.evaluate(tree, facts={}).tree)}


@pytest.mark.parametrize("tree, expected", [
    ({"all": [{"fact": "turnover", "op": ">=", "value": 1}]}, [("$.all[0].fact", "unknown_fact")]),
    ({"all": []}, [("$.all", "empty_group")]),
    ({"any": [{"all": []}]}, [("$.any[0].all", "empty_group")]),
    ({"all": [{"fact": "counted_sales", "op": ">=", "value": "1000", "unit": "fen"}]},
     [("$.all[0].value", "wrong_type")]),
    ({"all": [{"fact": "counted_sales", "op": ">=", "value": 10.5, "unit": "fen"}]},
     [("$.all[0].value", "wrong_type")]),
    ({"all": [{"fact": "counted_sales", "op": ">=", "value": 1000, "unit": "yuan"}]},
     [("$.all[0].unit", "wrong_unit")]),
    ({"all": [{"fact": "counted_sales", "op": ">=", "value": 1000}]}, [("$.all[0].unit", "unit_required")]),
    ({"all": [{"fact": "blacklisted", "op": "is", "value": "no"}]}, [("$.all[0].value", "wrong_type")]),
    ({"all": [{"fact": "blacklisted", "op": ">=", "value": True}]}, [("$.all[0].op", "unknown_operator")]),
    ({"all": [{"fact": "sector", "op": "any_of", "value": ["mining"]}]}, [("$.all[0].value[0]", "unknown_choice")]),
    ({"all": [{"fact": "sector", "op": "any_of", "value": []}]}, [("$.all[0].value", "wrong_type")]),
    ({"all": [{"fact": "region", "op": "within", "value": ["5"]}]}, [("$.all[0].value[0]", "wrong_type")]),
    ({"all": [{"fact": "blacklisted", "op": "is", "value": True, "window_years": 2}]},
     [("$.all[0].window_years", "unknown_param")]),
    ({"all": [{"fact": "counted_sales", "op": ">=", "value": 1, "unit": "fen", "window_years": 0}]},
     [("$.all[0].window_years", "wrong_type")]),
    ({"all": [{"fact": "counted_sales", "op": ">=", "value": -1, "unit": "fen"}]}, [("$.all[0].value", "out_of_range")]),
    ({"all": [{"fact": "blacklisted", "op": "is", "value": True, "expr": "__import__('os')"}]},
     [("$.all[0].expr", "unknown_key")]),
    ({"all": [{"all": [{"fact": "blacklisted", "op": "is", "value": True}], "any": []}]}, [("$.all[0]", "bad_node")]),
    ("certified_products > 2", [("$", "bad_node")]),
    ({"not": {}}, [("$.not", "bad_node")]),
])
def test_bad_trees_are_refused_with_the_path_of_the_bad_part(tree, expected):
    errors = rules.validate(tree)
    assert codes(errors) == expected
    assert all(e.message for e in errors)


def test_trees_too_deep_or_too_large_are_refused():
    deep: dict = {"fact": "blacklisted", "op": "is", "value": True}
    for _ in range(rules.MAX_DEPTH + 1):
        deep = {"not": deep}
    assert "too_deep" in [e.code for e in rules.validate(deep)]
    wide = {"any": [{"fact": "blacklisted", "op": "is", "value": True}] * (rules.MAX_NODES + 5)}
    assert [e.code for e in rules.validate(wide)] == ["too_large"]


def test_references_to_unknown_policies_and_cycles_are_refused():
    a = {"all": [{"policy": "B"}]}
    b = {"any": [{"policy": "C"}, {"fact": "blacklisted", "op": "is", "value": False}]}
    c = {"all": [{"policy": "A"}]}
    assert codes(rules.validate({"all": [{"policy": "NOPE"}]}, own_code="A", policies={"B": b})) == [
        ("$.all[0].policy", "unknown_policy")]
    errors = rules.validate(a, own_code="A", policies={"B": b, "C": c})
    assert codes(errors) == [("$.all[0].policy", "cycle")]
    assert "A → B → C → A" in errors[0].message
    assert codes(rules.validate({"all": [{"policy": "A"}]}, own_code="A")) == [("$.all[0].policy", "cycle")]
    assert rules.validate(a, own_code="A", policies={"B": b, "C": {"all": [{"fact": "blacklisted", "op": "is",
                                                                             "value": True}]}}) == []


def test_validity_periods():
    assert rules.validity_errors(dt.date(2020, 1, 1), None) == []
    assert codes(rules.validity_errors(dt.date(2020, 1, 1), dt.date(2019, 12, 31))) == [
        ("valid_to", "contradictory_validity")]
    assert codes(rules.validity_errors(dt.date(2012, 1, 1), None)) == [("valid_from", "out_of_range")]
    assert codes(rules.validity_errors(None, None)) == [("valid_from", "required")]


# -- evaluation -----------------------------------------------------------------------------------------------------
SALES = {"fact": "counted_sales", "op": ">=", "value": 1000, "unit": "fen"}
BLACK = {"fact": "blacklisted", "op": "is", "value": True}
YEARS = {"fact": "years_in_operation", "op": ">=", "value": 3, "unit": "years"}


def facts(**values):
    return {k: (v if isinstance(v, Fact) else Fact(v, source={"kind": "test"})) for k, v in values.items()}


@pytest.mark.parametrize("leaf, value, met", [
    ({"fact": "counted_sales", "op": ">=", "value": 10, "unit": "fen"}, 10, True),
    ({"fact": "counted_sales", "op": ">", "value": 10, "unit": "fen"}, 10, False),
    ({"fact": "counted_sales", "op": "<=", "value": 10, "unit": "fen"}, 10, True),
    ({"fact": "counted_sales", "op": "<", "value": 10, "unit": "fen"}, 9, True),
    ({"fact": "counted_sales", "op": "==", "value": 10, "unit": "fen"}, 11, False),
    ({"fact": "counted_sales", "op": "!=", "value": 10, "unit": "fen"}, 11, True),
    ({"fact": "sector", "op": "any_of", "value": ["processing", "rural_tourism"]}, ["rural_tourism"], True),
    ({"fact": "sector", "op": "all_of", "value": ["processing", "rural_tourism"]}, ["rural_tourism"], False),
    ({"fact": "sector", "op": "none_of", "value": ["processing"]}, ["rural_tourism"], True),
    ({"fact": "blacklisted", "op": "is", "value": False}, False, True),
    ({"fact": "region", "op": "within", "value": ["520000"]}, "522627100201", True),
    ({"fact": "region", "op": "within", "value": ["522600"]}, "522627", True),
    ({"fact": "region", "op": "within", "value": ["522633"]}, "522627", False),
    ({"fact": "region", "op": "not_within", "value": ["13"]}, "522627", True),
])
def test_each_operator(leaf, value, met):
    key = rules.fact_key(leaf)
    result = rules.evaluate({"all": [leaf]}, facts=facts(**{key: value}))
    assert result.met is met
    (cond,) = rules.leaves(result.tree)
    assert cond["actual"] == value and cond["met"] is met and cond["source"] == {"kind": "test"}


def test_all_any_not_are_three_valued_and_missing_facts_are_named():
    have = facts(**{"counted_sales:1": 5000, "blacklisted": False})
    assert rules.evaluate({"all": [SALES, {"not": BLACK}]}, facts=have).outcome == "eligible"
    assert rules.evaluate({"all": [SALES, BLACK]}, facts=have).outcome == "ineligible"
    assert rules.evaluate({"any": [BLACK, SALES]}, facts=have).met is True
    # a missing fact: unknown, never guessed; unless another part decides anyway
    missing = {**have, "years_in_operation": Fact(missing=True, detail="no licence")}
    result = rules.evaluate({"all": [SALES, YEARS]}, facts=missing)
    assert result.outcome == "undetermined" and result.missing == ["years_in_operation"]
    leaf = rules.leaves(result.tree)[1]
    assert leaf["missing"] is True and leaf["met"] is None and leaf["actual"] is None and leaf["detail"] == "no licence"
    assert rules.evaluate({"all": [BLACK, YEARS]}, facts=missing).outcome == "ineligible"
    assert rules.evaluate({"any": [SALES, YEARS]}, facts=missing).outcome == "eligible"
    assert rules.evaluate({"not": YEARS}, facts=missing).met is None
    # a fact not gathered at all is missing too
    assert rules.evaluate(YEARS, facts={}).missing == ["years_in_operation"]


def test_windows_are_part_of_the_fact_key():
    tree = {"all": [SALES, {**SALES, "window_years": 3, "value": 9000}]}
    assert rules.needed_facts(tree) == {"counted_sales:1", "counted_sales:3"}
    result = rules.evaluate(tree, facts=facts(**{"counted_sales:1": 5000, "counted_sales:3": 8000}))
    assert [c["met"] for c in rules.leaves(result.tree)] == [True, False]
    assert rules.window_years(dt.date(2025, 6, 30), 3) == [2022, 2023, 2024]
    assert rules.window_dates(dt.date(2025, 1, 1), 1) == (dt.date(2024, 1, 1), dt.date(2024, 12, 31))


def test_a_reference_is_expanded_with_its_version():
    tree = {"all": [{"policy": "BASE"}, SALES]}
    base = {"not": BLACK}
    result = rules.evaluate(tree, facts=facts(**{"counted_sales:1": 5000, "blacklisted": True}),
                            policies={"BASE": (7, base)})
    ref = result.tree["children"][0]
    assert ref["op"] == "policy" and ref["version"] == 7 and ref["met"] is False
    assert ref["children"][0]["path"] == "$.all[0]/BASE:$"
    assert rules.needed_facts(tree, policies={"BASE": (7, base)}) == {"counted_sales:1", "blacklisted"}
    # a reference that cannot be resolved is unknown
    assert rules.evaluate(tree, facts=facts(**{"counted_sales:1": 5000})).met is None


def test_full_years():
    assert rules.full_years(dt.date(2015, 3, 1), dt.date(2025, 2, 28)) == 9
    assert rules.full_years(dt.date(2015, 3, 1), dt.date(2025, 3, 1)) == 10
    assert rules.full_years(dt.date(2016, 2, 29), dt.date(2017, 2, 28)) == 1
    assert rules.full_years(dt.date(2026, 1, 1), dt.date(2025, 1, 1)) == 0


# -- changes between runs -------------------------------------------------------------------------------------------
def test_change_kinds_and_the_conditions_that_changed():
    assert rules.change_kind("ineligible", "eligible") == "newly_eligible"
    assert rules.change_kind("eligible", "undetermined") == "no_longer_eligible"
    assert rules.change_kind("ineligible", "undetermined") == "changed"
    assert rules.change_kind(None, "ineligible") == "new_in_scope"
    assert rules.change_kind(None, "eligible") == "newly_eligible"
    assert rules.change_kind("eligible", None) == "no_longer_eligible"
    assert rules.change_kind("eligible", "eligible") is None
    before = rules.evaluate({"all": [SALES, {"not": BLACK}]}, facts=facts(**{"counted_sales:1": 500,
                                                                             "blacklisted": False})).tree
    after = rules.evaluate({"all": [SALES, {"not": BLACK}]}, facts=facts(**{"counted_sales:1": 5000,
                                                                            "blacklisted": False})).tree
    (change,) = rules.condition_changes(before, after)
    assert change["path"] == "$.all[0]" and change["before"]["actual"] == 500 and change["after"]["met"] is True
    newer = rules.evaluate({"all": [SALES]}, facts=facts(**{"counted_sales:1": 5000})).tree
    (gone,) = rules.condition_changes(after, newer)
    assert gone["fact"] == "blacklisted" and gone["after"] is None


# -- ranking --------------------------------------------------------------------------------------------------------
def test_ranking_breaks_ties_by_the_documented_order():
    cands = [Candidate(5, "unit", 100, (50, 3)), Candidate(3, "unit", 100, (50, 3)), Candidate(9, "unit", 100, (60, 1)),
             Candidate(2, "unit", 90, (90, 9)), Candidate(4, "unit", 100, (50, 4)),
             Candidate(7, "enterprise", 10, (0, 0))]
    ranked = rules.rank(cands)
    assert [(r, c.group, c.id, d) for r, c, d in ranked] == [
        (1, "enterprise", 7, None),
        (1, "unit", 9, None), (2, "unit", 4, 1), (3, "unit", 3, 2), (4, "unit", 5, 3), (5, "unit", 2, None)]


def test_weighted_score_is_integer_fen():
    assert rules.weighted_score(direct_fen=1001, helped_fen=1001, weights={"direct_purchase": 1000,
                                                                           "helped_sale": 500}) == 1501
    assert rules.weights_errors({"direct_purchase": 1000}) and not rules.weights_errors(
        {"direct_purchase": 1000, "helped_sale": 0})
    assert rules.buyer_group("private_enterprise") == "enterprise" and rules.buyer_group("budget_unit") == "unit"


# -- projects and coverage ------------------------------------------------------------------------------------------
def test_project_transitions_and_dates():
    assert rules.actions_from(rules.PROJECT_TRANSITIONS, "planned") == ["start", "close"]
    assert rules.actions_from(rules.PROJECT_TRANSITIONS, "operating") == ["close"]
    assert rules.actions_from(rules.PROJECT_TRANSITIONS, "closed") == []
    today = dt.date(2025, 1, 1)
    kw = {"planned_start": None, "started_on": dt.date(2024, 5, 1), "operating_since": None, "today": today}
    assert rules.project_date_error("open", dt.date(2024, 4, 1), **kw).code == "date_before_previous_step"
    assert rules.project_date_error("open", dt.date(2025, 2, 1), **kw).code == "future_date"
    assert rules.project_date_error("open", dt.date(2024, 6, 1), **kw) is None


def test_coverage_gaps():
    gaps = rules.coverage_gaps(counties={"522627": ["key_county"], "522633": ["lifted_county"]},
                               operating=[("522627", "cold_storage"), ("522627", "warehouse"),
                                          ("522633", "processing_plant")])
    assert gaps == {"522627": [], "522633": ["cold_chain", "logistics"]}
