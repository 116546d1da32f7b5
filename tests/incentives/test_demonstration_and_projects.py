"""Demonstration enterprises (criteria as a rule set, nomination, review, designation for a period, annual re-check,
withdrawal) and supply-chain projects (funding in fen, milestones, users, transitions, coverage gaps)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from fupin.core.errors import AccessDenied, Conflict, InvalidInput, TransitionNotAllowed
from fupin.core.models import AuditEntry
from fupin.incentives import demonstration, projects, selectors
from fupin.incentives.models import Demonstration, Project
from tests.incentives import factories as f

pytestmark = pytest.mark.django_db

CRITERIA = {"all": [
    {"fact": "certified_products", "op": ">=", "value": 2, "unit": "count"},
    {"fact": "counted_sales", "op": ">=", "value": 10_000_000, "unit": "fen"},
    {"not": {"fact": "blacklisted", "op": "is", "value": True}},
]}


@pytest.fixture
def w():
    return f.world()


@pytest.fixture
def criteria(w):
    return f.policy("DEMO-1", conditions=CRITERIA, kind="demonstration", granted_by="poverty_office",
                    name="消费扶贫示范企业认定标准")


def test_nomination_review_designation_recheck_and_withdrawal(w, criteria):
    demo = demonstration.demonstration_nominate(entity_id=w.processor.pk, policy=criteria, on=dt.date(2025, 3, 1),
                                                actor=w.users["county"])
    assert demo.status == "nominated" and demo.decision.outcome == "eligible"
    with pytest.raises(TransitionNotAllowed):
        demonstration.demonstration_step(demonstration=demo, action="designate", actor=w.users["approver"])
    demonstration.demonstration_step(demonstration=demo, action="review", actor=w.users["reviewer"])
    with pytest.raises(AccessDenied):
        demonstration.demonstration_step(demonstration=demo, action="designate", actor=w.users["reviewer"])
    demonstration.demonstration_step(demonstration=demo, action="designate", actor=w.users["approver"],
                                     on=dt.date(2025, 4, 1))
    demo.refresh_from_db()
    assert (demo.status, demo.valid_from, demo.valid_to) == ("designated", dt.date(2025, 4, 1), dt.date(2028, 3, 31))
    with time_machine.travel(dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)):
        # the 2025 re-check reads 2024's sales (the full year before): met
        check = demonstration.demonstration_recheck(demonstration=demo, year=2025, actor=w.users["reviewer"])
        assert check.outcome == "eligible" and check.decision.on == dt.date(2025, 12, 31)
        with pytest.raises(Conflict):
            demonstration.demonstration_recheck(demonstration=demo, year=2025, actor=w.users["reviewer"])
        with pytest.raises(InvalidInput):
            demonstration.demonstration_recheck(demonstration=demo, year=2027, actor=w.users["reviewer"])
        # the 2026 re-check reads 2025: nothing sold → withdrawn, the unmet condition named
        check = demonstration.demonstration_recheck(demonstration=demo, year=2026, actor=w.users["reviewer"])
    demo.refresh_from_db()
    assert check.outcome == "ineligible" and demo.status == "withdrawn"
    assert "counted_sales" in demo.last_reason and "2026" in demo.last_reason
    actions = list(AuditEntry.objects.filter(object_type="incentives.demonstration", object_id=str(demo.pk))
                   .values_list("action", flat=True))
    assert {"demonstration:nominate", "demonstration:review", "demonstration:designate", "demonstration:recheck",
            "demonstration:withdraw"} <= set(actions)


def test_a_nomination_that_does_not_meet_the_criteria_is_refused_with_its_reasons(w, criteria):
    with pytest.raises(InvalidInput) as exc:
        demonstration.demonstration_nominate(entity_id=w.tourism.pk, policy=criteria, on=f.ON, actor="test")
    assert exc.value.code == "criteria_not_met" and "certified_products" in exc.value.message
    with pytest.raises(InvalidInput) as exc:
        demonstration.demonstration_nominate(entity_id=987654, policy=criteria, on=f.ON, actor="test")
    assert exc.value.code == "unknown_entity"
    finance = f.policy()
    with pytest.raises(InvalidInput) as exc:
        demonstration.demonstration_nominate(entity_id=w.processor.pk, policy=finance, on=f.ON, actor="test")
    assert exc.value.code == "not_demonstration_criteria"
    missing = f.policy("DEMO-2", kind="demonstration", conditions={"all": [
        {"fact": "years_in_operation", "op": ">=", "value": 3, "unit": "years"}]})
    with pytest.raises(InvalidInput) as exc:
        demonstration.demonstration_nominate(entity_id=w.tourism.pk, policy=missing, on=f.ON, actor="test")
    assert exc.value.code == "facts_missing" and "years_in_operation" in exc.value.message
    demonstration.demonstration_nominate(entity_id=w.processor.pk, policy=criteria, on=f.ON, actor="test")
    with pytest.raises(Conflict):
        demonstration.demonstration_nominate(entity_id=w.processor.pk, policy=criteria, on=f.ON, actor="test")
    with pytest.raises(AccessDenied):
        demonstration.demonstration_nominate(entity_id=w.plain.pk, policy=criteria, on=f.ON, actor=w.users["county"])


def test_designations_expire(w, criteria):
    demo = demonstration.demonstration_nominate(entity_id=w.processor.pk, policy=criteria, on=f.ON, actor="test")
    demonstration.demonstration_step(demonstration=demo, action="review", actor="test")
    demonstration.demonstration_step(demonstration=demo, action="designate", actor="test", on=dt.date(2025, 7, 1))
    assert demonstration.demonstrations_expire(on=dt.date(2028, 6, 30), actor="test") == 0
    assert demonstration.demonstrations_expire(on=dt.date(2028, 7, 1), actor="test") == 1
    assert Demonstration.objects.get().status == "expired"
    assert selectors.demonstration_actions(viewer=w.users["approver"], demonstration=Demonstration.objects.get()) == []


# -- projects -----------------------------------------------------------------------------------------------------
def project(w, **kw):
    base = {"code": "CS-1", "name": "天柱冷库", "kind": "cold_storage", "region_code": f.VILLAGE, "capacity": 5000,
            "capacity_unit": "tonnes", "actor": "test", "owner_id": w.processor.pk,
            "funding": {"central": 300_000_000, "enterprise": 120_000_050}}
    base.update(kw)
    return projects.project_create(**base)


@time_machine.travel(dt.datetime(2025, 6, 30, 12, tzinfo=dt.UTC))
def test_project_lifecycle_funding_milestones_and_users(w):
    p = project(w)
    assert p.county_code == f.COUNTY and p.status == "planned"
    detail = selectors.project_detail(project=p)
    assert detail["funding"] == {"central": 300_000_000, "enterprise": 120_000_050}
    assert detail["investment_fen"] == 420_000_050 and detail["actions"] == ["start", "close"]
    projects.funding_set(project=p, source="credit", amount_fen=50_000_000, actor="test")
    with pytest.raises(InvalidInput) as exc:
        projects.funding_set(project=p, source="credit", amount_fen=-1, actor="test")
    assert exc.value.code == "bad_amount"
    with pytest.raises(InvalidInput):
        projects.funding_set(project=p, source="lottery", amount_fen=1, actor="test")
    assert selectors.project_list(viewer=w.users["admin"]).get().investment_fen == 470_000_050
    m = projects.milestone_add(project=p, title="主体完工", due_on=dt.date(2025, 3, 1), actor="test")
    projects.milestone_done(milestone=m, done_on=dt.date(2025, 2, 20), actor="test")
    projects.project_user_add(project=p, entity_id=w.tourism.pk, since=dt.date(2025, 5, 1), actor="test")
    with pytest.raises(Conflict):
        projects.project_user_add(project=p, entity_id=w.tourism.pk, actor="test")
    assert [x.pk for x in selectors.project_list(viewer=w.users["admin"], entity_id=w.tourism.pk)] == [p.pk]
    # planned → under construction → operating → closed, dates forward and not in the future
    with pytest.raises(TransitionNotAllowed):
        projects.project_step(project=p, action="open", on=dt.date(2025, 1, 1), actor="test")
    projects.project_step(project=p, action="start", on=dt.date(2024, 5, 1), actor="test")
    with pytest.raises(InvalidInput) as exc:
        projects.project_step(project=p, action="open", on=dt.date(2024, 4, 1), actor="test")
    assert exc.value.code == "date_before_previous_step"
    with pytest.raises(InvalidInput) as exc:
        projects.project_step(project=p, action="open", on=dt.date(2025, 7, 1), actor="test")
    assert exc.value.code == "future_date"
    projects.project_step(project=p, action="open", on=dt.date(2025, 1, 10), actor="test")
    with pytest.raises(InvalidInput):
        projects.project_step(project=p, action="close", on=dt.date(2025, 6, 1), actor="test")
    projects.project_step(project=p, action="close", on=dt.date(2025, 6, 1), reason="转产", actor="test")
    p.refresh_from_db()
    assert (p.status, p.started_on, p.operating_since, p.closed_on) == (
        "closed", dt.date(2024, 5, 1), dt.date(2025, 1, 10), dt.date(2025, 6, 1))
    actions = set(AuditEntry.objects.filter(object_type="incentives.project").values_list("action", flat=True))
    assert {"project:create", "project:funding", "project:milestone_add", "project:milestone_done",
            "project:user_add", "project:start", "project:open", "project:close"} <= actions


def test_project_bad_input_and_access(w):
    with pytest.raises(InvalidInput) as exc:
        project(w, code="", kind="mine", region_code="522600", capacity=-1, capacity_unit="bags", owner_id=987654,
                funding={"central": 1.5})
    fields = {e["field"] for e in exc.value.details["errors"]}
    assert fields == {"code", "kind", "region_code", "capacity", "capacity_unit", "owner_id", "funding.central"}
    project(w)
    with pytest.raises(Conflict):
        project(w)
    with pytest.raises(AccessDenied):
        project(w, code="CS-2", actor=w.users["other"])
    with pytest.raises(AccessDenied):
        project(w, code="CS-3", actor=w.users["firm"])
    assert project(w, code="CS-4", actor=w.users["county"]).created_by == w.users["county"]
    assert [p.code for p in selectors.project_list(viewer=w.users["other"])] == []


@time_machine.travel(dt.datetime(2025, 6, 30, 12, tzinfo=dt.UTC))
def test_coverage_gaps_of_poverty_and_key_counties(w):
    cold = project(w)
    projects.project_step(project=cold, action="start", on=dt.date(2024, 3, 1), actor="test")
    projects.project_step(project=cold, action="open", on=dt.date(2024, 10, 1), actor="test")
    project(w, code="WH-1", kind="warehouse", region_code=f.OTHER_COUNTY, funding={})   # planned only
    rows = {r["county_code"]: r for r in selectors.coverage(viewer=w.users["admin"], on=dt.date(2025, 6, 1))}
    assert set(rows) == {f.COUNTY, f.OTHER_COUNTY}
    assert rows[f.COUNTY]["gaps"] == ["logistics"] and rows[f.COUNTY]["operating"] == [cold.pk]
    assert rows[f.COUNTY]["sets"] == ["key_county", "lifted_county"]
    assert rows[f.OTHER_COUNTY]["gaps"] == ["cold_chain", "logistics"]
    before = {r["county_code"]: r for r in selectors.coverage(viewer=w.users["admin"], on=dt.date(2024, 9, 30))}
    assert before[f.COUNTY]["gaps"] == ["cold_chain", "logistics"]
    assert [r["county_code"] for r in selectors.coverage(viewer=w.users["county"], on=dt.date(2025, 6, 1))] == [
        f.COUNTY]
    assert Project.objects.count() == 2
