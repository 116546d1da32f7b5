"""Policies as data and eligibility with reasons, over a world built through the lower apps: each fact gathered
from its app with its source, versioning (an old decision still explains itself after the rules change), missing
facts, bad input, who may do it, the change list between runs and the shortlist export."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fupin.core.errors import AccessDenied, Conflict, InvalidInput
from fupin.core.models import AuditEntry
from fupin.incentives import eligibility, rules, selectors, services
from fupin.incentives.models import Decision, PolicyVersion
from tests.incentives import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return f.world()


def leaf(decision, fact):
    return next(c for c in rules.leaves(decision.explanation) if c.get("fact") == fact)


def decision_of(run, entity):
    return Decision.objects.get(run=run, entity=entity)


EVERY_FACT = {"all": [
    {"fact": "region_sets", "op": "any_of", "value": ["key_county"]},
    {"fact": "region", "op": "within", "value": ["52"]},
    {"fact": "zone", "op": "any_of", "value": ["west"]},
    {"fact": "sector", "op": "any_of", "value": ["processing"]},
    {"fact": "entity_kind", "op": "any_of", "value": ["enterprise"]},
    {"fact": "years_in_operation", "op": ">=", "value": 10, "unit": "years"},
    {"fact": "certified_products", "op": ">=", "value": 2, "unit": "count"},
    {"fact": "blacklisted", "op": "is", "value": False},
    {"fact": "counted_sales", "op": ">=", "value": 80_000_000, "unit": "fen"},
    {"fact": "poor_households_linked", "op": ">=", "value": 12, "unit": "count"},
    {"fact": "benefits_paid", "op": ">=", "value": 6_000_000, "unit": "fen"},
    {"fact": "households_paid", "op": ">=", "value": 6, "unit": "count"},
    {"fact": "poverty_reduction_effect", "op": "is", "value": True},
    {"fact": "verification_discrepancy", "op": "is", "value": False},
]}


def test_every_fact_is_read_from_its_app_with_its_source(w):
    p = f.policy("ALL", conditions=EVERY_FACT)
    run = f.run(p)
    d = decision_of(run, w.processor)
    assert d.outcome == "eligible", [c for c in rules.leaves(d.explanation) if not c["met"]]
    assert leaf(d, "region_sets")["actual"] == ["key_county", "lifted_county", "lifted_village"]
    assert leaf(d, "region_sets")["source"] == {"kind": "region", "code": f.COUNTY, "village": f.VILLAGE}
    assert leaf(d, "years_in_operation")["actual"] == 10
    certs = leaf(d, "certified_products")
    assert certs["actual"] == 2 and [p["code"] for p in certs["source"]["products"]] == ["P-A", "P-B"]
    sales = leaf(d, "counted_sales")
    assert sales["actual"] == 80_000_000 and sales["window_years"] == 1
    assert sales["source"] == {"kind": "entries", "filters": {"seller": w.processor.pk, "year": [2024],
                                                              "counted": True}}
    assert leaf(d, "poor_households_linked")["actual"] == 12
    paid = leaf(d, "benefits_paid")
    assert paid["actual"] == 6_000_000 and paid["source"]["date_from"] == "2024-01-01"
    assert leaf(d, "poverty_reduction_effect")["source"]["households_paid"] == 6
    # the others fail for reasons each condition shows
    tourism = decision_of(run, w.tourism)
    assert tourism.outcome == "ineligible" and tourism.missing == ["years_in_operation"]
    assert leaf(tourism, "years_in_operation")["missing"] is True
    plain = decision_of(run, w.plain)
    assert leaf(plain, "blacklisted")["actual"] is True and leaf(plain, "blacklisted")["source"]["reason"] == "fraud"
    assert leaf(plain, "region_sets")["actual"] == []
    assert run.entities == 3 and (run.eligible, run.ineligible, run.undetermined) == (1, 2, 0)
    assert set(run.parameters) == {"incentives.poor_household_statuses", "incentives.poverty_reduction_effect"}


def test_facts_are_gathered_set_based_not_per_entity(w):
    from tests import factories

    for i in range(30):
        factories.entity(f"E{i}", region_code=f.COUNTY)
    p = f.policy("ALL", conditions=EVERY_FACT)
    with CaptureQueriesContext(connection) as few:
        f.run(p)
    for i in range(30, 90):
        factories.entity(f"E{i}", region_code=f.OTHER_COUNTY)
    with CaptureQueriesContext(connection) as many:
        run = f.run(p)
    assert run.entities == 93
    # the number of queries does not grow with the entities (bulk inserts aside)
    reads = [q for q in many.captured_queries if not q["sql"].lstrip().upper().startswith("INSERT")]
    assert len(reads) <= len([q for q in few.captured_queries if not q["sql"].lstrip().upper().startswith("INSERT")]) + 2


def test_missing_facts_make_an_undetermined_decision(w):
    p = f.policy("TOUR", conditions={"all": [
        {"fact": "sector", "op": "any_of", "value": ["rural_tourism"]},
        {"fact": "years_in_operation", "op": ">=", "value": 2, "unit": "years"}]})
    run = f.run(p)
    d = decision_of(run, w.tourism)
    assert d.outcome == "undetermined" and d.missing == ["years_in_operation"]
    assert "business licence" in leaf(d, "years_in_operation")["detail"]
    # a sales window that starts before the account is missing too
    early = f.policy("EARLY", conditions={"all": [{"fact": "counted_sales", "op": ">=", "value": 1, "unit": "fen",
                                                   "window_years": 3}]}, valid_from=dt.date(2014, 1, 1))
    d = decision_of(f.run(early, on=dt.date(2014, 6, 1)), w.processor)
    assert d.outcome == "undetermined" and "before the account" in leaf(d, "counted_sales")["detail"]


def test_an_old_decision_explains_itself_exactly_after_the_rules_change(w):
    p = f.policy()
    old = decision_of(f.run(p), w.processor)
    snapshot = (old.outcome, old.explanation, old.version_id)
    assert old.outcome == "eligible"
    tighter = {"all": [*f.FINANCE["all"][:2], {**f.FINANCE["all"][2], "value": 90_000_000}]}
    p = services.policy_revise(policy=p, conditions=tighter, reason="门槛提高", actor="test")
    assert p.current_version.number == 2
    new = decision_of(f.run(p), w.processor)
    assert new.outcome == "ineligible" and new.version.number == 2
    old.refresh_from_db()
    assert (old.outcome, old.explanation, old.version_id) == snapshot
    shown = selectors.decision_view(viewer=w.users["admin"], pk=old.pk)
    assert shown["version"].number == 1 and shown["version"].conditions == f.FINANCE
    assert shown["decision"].explanation["children"][2]["value"] == 50_000_000
    # versions are append-only
    with pytest.raises(TypeError):
        PolicyVersion.objects.filter(pk=old.version_id).update(conditions={})


def test_the_change_list_between_two_runs(w):
    p = f.policy()
    first = f.run(p)
    w.book(seller=w.tourism, amount="600000.00", date="2024-07-01")
    services.policy_revise(policy=p, conditions={"all": [
        {"fact": "counted_sales", "op": ">=", "value": 50_000_000, "unit": "fen"},
        {"not": {"fact": "blacklisted", "op": "is", "value": True}}]}, reason="不限行业地区", actor="test")
    p.refresh_from_db()
    second = f.run(p)
    assert second.previous_id == first.pk
    changes = {c["entity_id"]: c for c in selectors.run_changes(viewer=w.users["admin"], run=second)}
    assert set(changes) == {w.tourism.pk}
    c = changes[w.tourism.pk]
    assert c["kind"] == "newly_eligible" and (c["before"], c["after"]) == ("ineligible", "eligible")
    assert c["version_changed"] is True
    sales = next(x for x in c["conditions"] if x["fact"] == "counted_sales")
    assert sales["before"]["actual"] == 500_000 and sales["after"]["actual"] == 60_500_000
    assert any(x["fact"] == "sector" and x["after"] is None for x in c["conditions"])


def test_a_scoped_viewer_sees_only_its_decisions_and_the_shortlist_exports(w):
    p = f.policy(conditions={"all": [{"fact": "blacklisted", "op": "is", "value": False}]})
    run = f.run(p)
    county = w.users["county"]
    assert [d.entity_id for d in selectors.decision_list(viewer=county, run=run)] == [w.processor.pk]
    with pytest.raises(Exception) as exc:
        selectors.decision_get(viewer=county, pk=decision_of(run, w.tourism).pk)
    assert getattr(exc.value, "status", None) == 404
    content, count = selectors.shortlist_file(viewer=w.users["admin"], run=run, region_code="52", fmt="xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert count == 2 and len(rows) == 3
    assert rows[0][:4] == ("policy", "policy_name", "granted_by", "county_code")
    assert {r[6] for r in rows[1:]} == {w.processor.name, w.tourism.name}


def test_bad_input_is_refused_with_the_bad_part(w):
    def refused(**kw):
        base = {"code": "X-1", "name": "n", "kind": "land_quota", "granted_by": "natural_resources",
                "issuing_body": "自然资源部", "legal_reference": "自然资规〔2019〕1号", "benefit": "用地指标",
                "valid_from": dt.date(2020, 1, 1), "conditions": f.FINANCE, "actor": "test"}
        with pytest.raises((InvalidInput, Conflict)) as exc:
            services.policy_create(**{**base, **kw})
        return exc.value

    err = refused(conditions={"all": [{"fact": "turnover", "op": ">=", "value": 1}]})
    assert err.code == "unknown_fact" and err.details["field"] == "$.all[0].fact"
    err = refused(conditions={"any": []})
    assert err.code == "empty_group" and err.details["field"] == "$.any"
    err = refused(conditions={"all": [{"fact": "counted_sales", "op": ">=", "value": 10, "unit": "yuan"}]})
    assert err.code == "wrong_unit" and err.details["field"] == "$.all[0].unit"
    err = refused(valid_to=dt.date(2019, 1, 1))
    assert err.code == "contradictory_validity" and err.details["field"] == "valid_to"
    err = refused(code="bad code!")
    assert err.code == "bad_code"
    # cycles between policies
    a = f.policy("A", conditions={"all": [{"fact": "blacklisted", "op": "is", "value": False}]})
    f.policy("B", conditions={"all": [{"policy": "A"}]})
    with pytest.raises(InvalidInput) as exc:
        services.policy_revise(policy=a, conditions={"all": [{"policy": "B"}]}, reason="r", actor="test")
    assert exc.value.code == "cycle" and "A → B → A" in exc.value.message
    # evaluation outside the validity, of a draft, outside the region, of an unknown entity
    p = f.policy("FIN-2", valid_to=dt.date(2024, 12, 31))
    with pytest.raises(InvalidInput) as exc:
        f.run(p, on=dt.date(2025, 1, 1))
    assert exc.value.code == "outside_validity" and exc.value.details["field"] == "on"
    with pytest.raises(Conflict):
        f.run(f.policy("DRAFT", state="draft"), on=dt.date(2024, 1, 1))
    gz = f.policy("GZ", region_prefix="52")
    with pytest.raises(InvalidInput) as exc:
        f.run(gz, region_code="130631")
    assert exc.value.code == "outside_policy_region"
    with pytest.raises(InvalidInput) as exc:
        f.run(gz, entity_id=w.plain.pk)
    assert exc.value.code == "outside_policy_region"
    with pytest.raises(InvalidInput) as exc:
        f.run(gz, entity_id=987654)
    assert exc.value.code == "unknown_entity"
    with pytest.raises(InvalidInput) as exc:
        services.policy_revise(policy=gz, conditions=gz.current_version.conditions, reason="r", actor="test")
    assert exc.value.code == "nothing_changed"


def test_who_may_edit_and_evaluate(w):
    with pytest.raises(AccessDenied):
        services.policy_create(
            code="NOPE", name="n", kind="other", granted_by="other", issuing_body="x", legal_reference="y",
            benefit="z", valid_from=dt.date(2020, 1, 1), conditions=f.FINANCE, actor=w.users["reviewer"])
    p = f.policy()
    with pytest.raises(AccessDenied):
        services.policy_revise(policy=p, changes={"name": "x"}, reason="r", actor=w.users["county"])
    services.policy_revise(policy=p, changes={"name": "新名称"}, reason="改名", actor=w.users["admin"])
    # a county reviewer evaluates its county, not the nation nor another county's entity
    run = eligibility.policy_evaluate(policy=p, on=f.ON, region_code=f.COUNTY, actor=w.users["county"])
    assert run.entities == 1 and run.region_prefix == f.COUNTY
    with pytest.raises(AccessDenied):
        eligibility.policy_evaluate(policy=p, on=f.ON, actor=w.users["county"])
    with pytest.raises(AccessDenied):
        eligibility.policy_evaluate(policy=p, on=f.ON, entity_id=w.plain.pk, actor=w.users["county"])
    with pytest.raises(AccessDenied):   # a private firm is no office
        eligibility.policy_evaluate(policy=p, on=f.ON, actor=w.users["firm"])
    single = eligibility.policy_evaluate(policy=p, on=f.ON, entity_id=w.processor.pk, actor=w.users["reviewer"])
    assert single.entities == 1 and single.entity_id == w.processor.pk
    actions = list(AuditEntry.objects.filter(object_type__startswith="incentives.").values_list("action", flat=True))
    assert {"policy:create", "policy:activate", "policy:revise", "policy:evaluate"} <= set(actions)


def test_retiring_a_referenced_policy_is_refused(w):
    base = f.policy("BASE", conditions={"all": [{"fact": "blacklisted", "op": "is", "value": False}]})
    f.policy("TOP", conditions={"all": [{"policy": "BASE"}, {"fact": "certified_products", "op": ">=", "value": 1,
                                                             "unit": "count"}]})
    with pytest.raises(Conflict) as exc:
        services.policy_transition(policy=base, action="retire", reason="废止", actor="test")
    assert exc.value.code == "policy_referenced"
    top = f.run(selectors.policy_get(viewer=w.users["admin"], code="TOP"))
    d = decision_of(top, w.processor)
    assert d.outcome == "eligible" and d.explanation["children"][0]["version"] == base.current_version_id
    assert top.referenced_versions == {"BASE": base.current_version_id}
