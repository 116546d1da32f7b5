"""Implementation plans: objectives by orientation, tasks with owners and deadlines inside the plan's year, live
progress from the account, guarded and audited transitions, refusals naming the bad part, and the department view
of measures, tasks and problems."""

from __future__ import annotations

import datetime as dt

import pytest

from fupin.core.errors import AccessDenied, Conflict, InvalidInput, NotFound, TransitionNotAllowed
from fupin.core.models import AuditEntry
from fupin.leadership import selectors, services
from fupin.leadership.enums import Orientation, PlanStatus, TaskStatus
from fupin.ledger import selectors as ledger
from fupin.supervision import problems
from tests import factories as tf

from . import factories as lf

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return lf.world()


def test_the_orientation_follows_the_body(w):
    assert lf.producing_plan(w).orientation == Orientation.PRODUCING_AREA
    zj = services.plan_create(body_id=w.zhejiang.pk, year=2024, title="浙江省方案", actor=w.users["zhejiang"])
    assert zj.orientation == Orientation.CONSUMING_PLACE
    dept = services.plan_create(body_id=w.mofcom.pk, year=2024, title="商务部方案", actor="test")
    assert dept.orientation == Orientation.DEPARTMENT
    with pytest.raises(InvalidInput) as wrong:
        services.plan_create(body_id=w.zhejiang.pk, year=2025, title="x", orientation="department",
                             actor=w.users["zhejiang"])
    assert wrong.value.details["field"] == "orientation"
    with pytest.raises(InvalidInput) as not_planner:
        services.plan_create(body_id=w.private.pk, year=2024, title="x", actor="test")
    assert not_planner.value.code == "not_a_planning_body"
    with pytest.raises(InvalidInput) as unknown:
        services.plan_create(body_id=999_999, year=2024, title="x", actor="test")
    assert unknown.value.code == "unknown_body"
    with pytest.raises(Conflict):
        lf.producing_plan(w)


def test_objectives_must_belong_to_the_orientation(w):
    plan = lf.producing_plan(w)
    u = w.users["guizhou"]
    with pytest.raises(InvalidInput) as wrong:
        services.objective_add(plan=plan, kind="purchases", actor=u)  # a consuming place's objective
    assert wrong.value.code == "wrong_orientation" and wrong.value.details["field"] == "kind"
    with pytest.raises(InvalidInput) as figure:
        services.objective_add(plan=plan, kind="certification", figure="direct_purchase", target=5, actor=u)
    assert figure.value.code == "wrong_figure"
    with pytest.raises(InvalidInput) as negative:
        services.objective_add(plan=plan, kind="certification", figure="certified_products", target=-1, actor=u)
    assert negative.value.code == "bad_target"
    ok = services.objective_add(plan=plan, kind="certification", figure="certified_products", target=10, actor=u)
    assert ok.pk and plan.objectives.count() == 1


def test_a_task_deadline_outside_the_plan_year_is_refused_with_a_clear_error(w):
    plan = lf.producing_plan(w)
    for bad in ("2025-01-01", "2023-12-31"):
        with pytest.raises(InvalidInput) as refused:
            services.task_add(plan=plan, title="t", owner_id=w.qdn.pk, deadline=bad, actor=w.users["guizhou"])
        assert refused.value.code == "deadline_outside_year"
        assert refused.value.details["field"] == "deadline"
        assert bad in str(refused.value.message) and "2024" in str(refused.value.message)
    with pytest.raises(InvalidInput) as not_a_date:
        services.task_add(plan=plan, title="t", owner_id=w.qdn.pk, deadline="31/12/2024", actor=w.users["guizhou"])
    assert not_a_date.value.code == "bad_date"
    with pytest.raises(InvalidInput) as measure:
        services.task_add(plan=plan, title="t", owner_id=w.qdn.pk, deadline="2024-12-31", measure=9,
                          actor=w.users["guizhou"])
    assert measure.value.code == "unknown_measure"
    with pytest.raises(InvalidInput) as owner:
        services.task_add(plan=plan, title="t", owner_id=987_654, deadline="2024-12-31", actor=w.users["guizhou"])
    assert owner.value.code == "unknown_body"
    task = services.task_add(plan=plan, title="t", owner_id=w.qdn.pk, deadline=dt.date(2024, 12, 31),
                             actor=w.users["guizhou"])
    assert task.deadline == dt.date(2024, 12, 31) and plan.tasks.count() == 1


def test_transitions_draft_submitted_approved_are_guarded_and_audited(w):
    u = w.users
    plan = lf.producing_plan(w)
    with pytest.raises(InvalidInput) as empty:
        services.plan_submit(plan=plan, actor=u["guizhou"])
    assert empty.value.code == "plan_incomplete"
    plan = lf.complete_plan(w, year=2023)
    with pytest.raises(TransitionNotAllowed):
        services.plan_approve(plan=plan, actor=u["office"])  # a draft is not approved
    services.plan_submit(plan=plan, actor=u["guizhou"])
    with pytest.raises(AccessDenied):
        services.plan_approve(plan=plan, actor=u["guizhou"])  # the province does not approve its own plan
    with pytest.raises(AccessDenied):
        services.plan_approve(plan=plan, actor=u["stranger"])
    with pytest.raises(Conflict) as frozen:
        services.objective_add(plan=plan, kind="linkage", actor=u["guizhou"])
    assert frozen.value.code == "plan_not_draft"
    services.plan_approve(plan=plan, actor=u["office"])
    plan.refresh_from_db()
    assert plan.status == PlanStatus.APPROVED
    with pytest.raises(TransitionNotAllowed):
        services.plan_submit(plan=plan, actor=u["guizhou"])
    with pytest.raises(InvalidInput):
        services.plan_return(plan=plan, reason="  ", actor=u["office"])
    services.plan_return(plan=plan, reason="the targets are too low", actor=u["office"])
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT
    entries = list(AuditEntry.objects.filter(object_type="leadership.implementationplan", object_id=str(plan.pk))
                   .order_by("id").values_list("action", "before", "after", "reason"))
    assert [e[0] for e in entries] == ["implementation_plan:create", "implementation_plan:submit",
                                       "implementation_plan:approve", "implementation_plan:return"]
    assert entries[2][1:3] == ({"status": "submitted"}, {"status": "approved"})
    assert entries[3][3] == "the targets are too low"


def test_only_the_body_or_an_office_over_it_writes_its_plan(w):
    with pytest.raises(AccessDenied):
        lf.producing_plan(w, actor=w.users["stranger"])  # a private firm
    with pytest.raises(AccessDenied):
        lf.producing_plan(w, actor=w.users["tianzhu"])   # a county office: Guizhou lies outside its scope
    with pytest.raises(AccessDenied):
        lf.producing_plan(w, actor=w.users["zhejiang"])  # another province
    plan = lf.producing_plan(w)
    assert selectors.plan_get(viewer=w.users["office"], pk=plan.pk) == plan
    with pytest.raises(NotFound):
        selectors.plan_get(viewer=w.users["zhejiang"], pk=plan.pk)


def test_progress_is_read_from_the_account(w):
    w.book(buyer=w.unit, amount="300.00", date="2024-02-10")
    w.book(buyer=w.unit, amount="50.00", date="2024-03-10", kind="helped_sale")
    w.book(buyer=w.unit, amount="120.00", date="2023-02-10")
    w.book(buyer=w.private, amount="80.00", date="2024-04-01")
    plan = lf.complete_plan(w, target=1_000_00)
    progress = selectors.plan_progress(plan=plan, today=dt.date(2024, 12, 31))
    fig = progress["objectives"][0]["progress"]
    account = ledger.account_totals(viewer=w.users["office"], filters={"year": 2024, "region": lf.PROVINCE,
                                                                      "kind": "direct_purchase"})
    assert fig["actual"] == account[0]["amount_fen"] == 380_00
    assert fig["progress_bp"] == 3800 and fig["filters"]["region"] == lf.PROVINCE
    assert progress["tasks"][0]["progress"]["actual"] == 380_00
    assert progress["tasks"][0]["overdue"] is True  # open after 30 June
    zj = services.plan_create(body_id=w.zhejiang.pk, year=2024, title="浙江", actor=w.users["zhejiang"])
    services.objective_add(plan=zj, kind="purchases", figure="direct_purchase", target=100_00,
                           actor=w.users["zhejiang"])
    bought = selectors.plan_progress(plan=zj)["objectives"][0]["progress"]
    assert bought["actual"] == 80_00 and bought["progress_bp"] == 8000  # Zhejiang's buyers, capped at 100%


def test_tasks_are_completed_by_their_owner_and_audited(w):
    plan = lf.complete_plan(w)
    task = plan.tasks.get()
    with pytest.raises(AccessDenied):
        services.task_step(task=task, step="complete", actor=w.users["zhejiang"])
    services.task_step(task=task, step="complete", actor=w.users["qdn"])
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE
    with pytest.raises(TransitionNotAllowed):
        services.task_step(task=task, step="complete", actor=w.users["qdn"])
    services.task_step(task=task, step="reopen", reason="one fair was cancelled", actor=w.users["guizhou"])
    assert AuditEntry.objects.filter(action="plan_task:reopen", reason="one fair was cancelled").exists()


def test_the_department_view_shows_its_measures_tasks_and_problems(w):
    plan = lf.complete_plan(w)
    services.task_add(plan=plan, title="open counters in Beijing", owner_id=w.mofcom.pk, deadline="2024-09-30",
                      measure=1, actor=w.users["guizhou"])
    problems.problem_raise(region_code=lf.COUNTY, category="sales", measure=1, title="no buyers",
                           description="d", assigned_ids=[w.mofcom.pk], actor="test", raised_by_id=w.tianzhu.pk)
    view = selectors.department_view(viewer=w.users["mofcom"], organisation_id=w.mofcom.pk)
    assert [m["number"] for m in view["measures"]] == [1, 3, 4]
    assert [t.title for t in view["tasks"]] == ["open counters in Beijing"]
    assert [p.title for p in view["problems"]] == ["no buyers"]
    gz = selectors.department_view(viewer=w.users["guizhou"], organisation_id=w.guizhou.pk)
    assert [m["number"] for m in gz["measures"]] == [1, 2, 3, 4]  # provincial governments are named in every one
    with pytest.raises(NotFound):
        selectors.department_view(viewer=w.users["tianzhu"], organisation_id=w.mofcom.pk)


def test_a_user_of_another_organisation_is_refused_in_the_county(w):
    coop = tf.organisation("某合作社", kind="private_enterprise", region_code=lf.COUNTY)
    clerk = tf.user("coop_clerk", roles="clerk", scope_level="county", scope_code=lf.COUNTY, organisation=coop)
    plan = services.plan_create(body_id=w.tianzhu.pk, year=2024, title="天柱县方案", actor=w.users["tianzhu"])
    with pytest.raises(AccessDenied):
        services.objective_add(plan=plan, kind="linkage", actor=clerk)


def test_a_draft_is_edited_and_its_parts_removed_with_audit(w):
    plan = lf.complete_plan(w)
    u = w.users["guizhou"]
    services.plan_update(plan=plan, title="贵州省2024年消费帮扶实施方案（修订）", summary="新摘要", actor=u)
    plan.refresh_from_db()
    assert plan.title.endswith("（修订）")
    services.task_remove(task=plan.tasks.get(), actor=u)
    services.objective_remove(objective=plan.objectives.get(), actor=u)
    assert not plan.tasks.exists() and not plan.objectives.exists()
    assert {"implementation_plan:update", "plan_task:remove", "objective:remove"} <= set(
        AuditEntry.objects.values_list("action", flat=True))
    with pytest.raises(AccessDenied):
        services.plan_update(plan=plan, title="x", actor=w.users["zhejiang"])
