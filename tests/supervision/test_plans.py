"""Work plans and targets: the form path (create, set, submit, approve, return, revise as a new version), bad
input refused naming the bad part, audited transitions, and the target import (row-level report, dry run,
idempotent)."""

from __future__ import annotations

import pytest

from fupin.core.errors import AccessDenied, Conflict, InvalidInput, TransitionNotAllowed
from fupin.core.models import AuditEntry
from fupin.supervision import imports, services
from fupin.supervision.enums import PlanStatus
from fupin.supervision.models import Target, WorkPlan
from tests.supervision import factories as sf

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return sf.world()


@pytest.fixture
def plan(w):
    return services.plan_create(body_id=w.central.pk, year=2024, actor=w.users["central"])


def test_a_plan_goes_from_draft_to_approved_by_the_next_body_up(w, plan):
    u = w.users
    services.target_set(plan=plan, metric="direct_purchase", value=100_000_00, scheme="designated_assistance",
                        actor=u["central"])
    services.target_set(plan=plan, metric="helped_sale", value=50_000_00, scheme="designated_assistance",
                        region_code=sf.COUNTY, actor=u["central"])
    services.target_set(plan=plan, metric="direct_purchase", value=10_000_00, sub_unit_id=w.unit.pk, actor=u["central"])
    assert plan.targets.count() == 3
    services.plan_submit(plan=plan, actor=u["central"])
    with pytest.raises(AccessDenied) as refused:  # the central unit's next body up is the national office
        services.plan_approve(plan=plan, actor=u["central"])
    assert "national office" in str(refused.value.message)
    services.plan_approve(plan=plan, actor=u["office"])
    plan.refresh_from_db()
    assert plan.status == PlanStatus.APPROVED
    actions = list(AuditEntry.objects.filter(object_type="supervision.workplan", object_id=str(plan.pk))
                   .order_by("id").values_list("action", flat=True))
    assert actions == ["plan:create", "plan:submit", "plan:approve"]
    assert AuditEntry.objects.filter(action="target:create").count() == 3


def test_an_approved_plan_is_not_edited_a_change_is_a_new_version_with_a_reason(w, plan):
    u = w.users
    services.target_set(plan=plan, metric="direct_purchase", value=100, actor=u["central"])
    services.plan_submit(plan=plan, actor=u["central"])
    services.plan_approve(plan=plan, actor=u["office"])
    with pytest.raises(Conflict) as not_draft:
        services.target_set(plan=plan, metric="direct_purchase", value=200, actor=u["central"])
    assert not_draft.value.code == "plan_not_draft"
    with pytest.raises(InvalidInput):
        services.plan_revise(plan=plan, reason=" ", actor=u["central"])
    v2 = services.plan_revise(plan=plan, reason="the ministry raised the task", actor=u["central"])
    assert (v2.version, v2.previous_id, v2.status) == (2, plan.pk, PlanStatus.DRAFT)
    assert list(v2.targets.values_list("metric", "value")) == [("direct_purchase", 100)]
    services.target_set(plan=v2, metric="direct_purchase", value=200, actor=u["central"])
    services.plan_submit(plan=v2, actor=u["central"])
    services.plan_approve(plan=v2, actor=u["office"])
    plan.refresh_from_db()
    assert plan.status == PlanStatus.SUPERSEDED and Target.objects.get(plan=plan).value == 100
    assert AuditEntry.objects.filter(action="plan:revise", reason="the ministry raised the task").exists()
    assert AuditEntry.objects.filter(action="plan:supersede", object_id=str(plan.pk)).exists()


def test_guarded_transitions(w, plan):
    with pytest.raises(InvalidInput) as empty:
        services.plan_submit(plan=plan, actor="test")
    assert empty.value.code == "no_targets"
    services.target_set(plan=plan, metric="direct_purchase", value=1, actor="test")
    with pytest.raises(TransitionNotAllowed):
        services.plan_approve(plan=plan, actor="test")
    services.plan_submit(plan=plan, actor="test")
    with pytest.raises(InvalidInput):
        services.plan_return(plan=plan, reason="", actor="test")
    services.plan_return(plan=plan, reason="split the target by county", actor=w.users["office"])
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT


def test_a_county_plan_is_approved_by_the_prefecture_then_nobody_else(w):
    plan = services.plan_create(body_id=w.tianzhu.pk, year=2024, actor=w.users["tianzhu"])
    services.target_set(plan=plan, metric="certified_products", value=20, actor=w.users["tianzhu"])
    services.plan_submit(plan=plan, actor=w.users["tianzhu"])
    for outsider in ("guizhou", "office", "zhejiang"):
        with pytest.raises(AccessDenied):
            services.plan_approve(plan=plan, actor=w.users[outsider])
    services.plan_approve(plan=plan, actor=w.users["qdn"])


# -- bad input ----------------------------------------------------------------------------------------------------
def test_unknown_bodies_and_years(w):
    with pytest.raises(InvalidInput) as unknown:
        services.plan_create(body_id=999_999, year=2024, actor="test")
    assert unknown.value.code == "unknown_body" and "999999" in str(unknown.value.message)
    with pytest.raises(InvalidInput) as year:
        services.plan_create(body_id=w.central.pk, year=2051, actor="test")
    assert year.value.code == "unknown_year" and year.value.details["field"] == "year"


def test_one_plan_per_body_and_year(w, plan):
    with pytest.raises(Conflict) as dup:
        services.plan_create(body_id=w.central.pk, year=2024, actor="test")
    assert dup.value.code == "plan_exists"


@pytest.mark.parametrize(("kw", "code", "field"), [
    ({"metric": "direct_purchase", "value": -5}, "negative_target", "value"),
    ({"metric": "eggs", "value": 5}, "unknown_metric", "metric"),
    ({"metric": "direct_purchase", "value": 5, "scheme": "friendship"}, "unknown_scheme", "scheme"),
    ({"metric": "direct_purchase", "value": 5, "region_code": "999999"}, "unknown_region", "region_code"),
    ({"metric": "direct_purchase", "value": 5, "region_code": sf.OTHER_COUNTY, "scheme": "designated_assistance"},
     "not_paired", "region_code"),
    ({"metric": "direct_purchase", "value": 5, "sub_unit_id": 999_999}, "unknown_body", "sub_unit_id"),
    ({"metric": "reserved_share", "value": 12000}, "share_too_large", "value"),
])
def test_bad_targets_are_refused_naming_the_bad_part(w, plan, kw, code, field):
    with pytest.raises(InvalidInput) as bad:
        services.target_set(plan=plan, actor="test", **kw)
    assert bad.value.code == code and bad.value.details["field"] == field


def test_a_sub_unit_must_be_below_the_body(w, plan):
    with pytest.raises(InvalidInput) as foreign:
        services.target_set(plan=plan, metric="direct_purchase", value=5, sub_unit_id=w.private.pk, actor="test")
    assert foreign.value.code == "not_subordinate"


def test_the_same_target_twice_is_one_target(w, plan):
    a = services.target_set(plan=plan, metric="direct_purchase", value=5, actor="test")
    b = services.target_set(plan=plan, metric="direct_purchase", value=7, actor="test")
    assert a.pk == b.pk and plan.targets.get().value == 7


def test_only_the_body_or_an_office_over_it_writes_its_targets(w, plan):
    with pytest.raises(AccessDenied):
        services.target_set(plan=plan, metric="direct_purchase", value=5, actor=w.users["stranger"])
    with pytest.raises(AccessDenied):
        services.plan_create(body_id=w.guizhou.pk, year=2024, actor=w.users["zhejiang"])


# -- the import ---------------------------------------------------------------------------------------------------
HEADER = "单位代码,年度,指标,目标值,帮扶类型,结对地区代码,下属单位代码,备注\n"


def write(tmp_path, text, name="targets.csv"):
    path = tmp_path / name
    path.write_text(HEADER + text, encoding="utf-8")
    return path


def test_target_import_reports_each_row_and_is_idempotent(w, tmp_path):
    c, u = w.central.credit_code, w.unit.credit_code
    rows = (f"{c},2024,直接采购额,\"1,000,000.00\",定点帮扶,,,年度任务\n"
            f"{c},2024,helped_sale,500000,designated_assistance,{sf.COUNTY},,\n"
            f"{c},2024,direct_purchase,20000,,,{u},\n"
            f"{c},2024,直接采购额,\"1,000,000.00\",定点帮扶,,,年度任务\n"          # the same row again: a duplicate
            f"{c},2024,直接采购额,999,定点帮扶,,,\n"                                 # the same target, another value
            f"{c},2024,direct_purchase,-3,,,,\n"                                       # negative
            f"91000000000000000X,2024,direct_purchase,3,,,,\n"                        # unknown body
            f"{c},2051,direct_purchase,3,,,,\n"                                       # unknown year
            f"{c},2024,tea,3,,,,\n"                                                   # unknown metric
            f"{c},2024,direct_purchase,3,designated_assistance,{sf.OTHER_COUNTY},,\n"  # not a paired county
            f"{c},2024,reserved_share,95.5%,,,,\n")
    path = write(tmp_path, rows)
    dry = imports.target_import(path=path, file_name="targets.csv", actor=w.users["central"], dry_run=True)
    assert WorkPlan.objects.count() == 0 and Target.objects.count() == 0
    report = imports.target_import(path=path, file_name="targets.csv", actor=w.users["central"])
    for r in (dry, report):
        assert (r.total, r.accepted, r.duplicates, r.rejected) == (11, 4, 2, 6), r.as_dict()
    by_line = {e.line: (e.column, e.code) for e in report.errors}
    assert by_line == {6: ("metric", "duplicate_target"), 7: ("value", "negative_target"),
                       8: ("body_code", "unknown_body"), 9: ("year", "unknown_year"), 10: ("metric", "unknown_metric"),
                       11: ("region_code", "not_paired")}
    assert report.extra["rejected_file"]
    plan = WorkPlan.objects.get()
    assert (plan.body_id, plan.year, plan.status) == (w.central.pk, 2024, PlanStatus.DRAFT)
    assert dict(plan.targets.filter(scheme="designated_assistance", region=None).values_list("metric", "value")) == {
        "direct_purchase": 1_000_000_00}
    assert plan.targets.get(metric="reserved_share").value == 9550
    assert plan.targets.get(sub_unit=w.unit).value == 20000_00
    again = imports.target_import(path=path, file_name="targets.csv", actor=w.users["central"])
    assert (again.accepted, again.unchanged) == (0, 4)
    assert Target.objects.count() == 4


def test_import_rows_for_an_approved_plan_or_another_body_are_rejected(w, tmp_path):
    sf.approved_plan(w, w.central, [{"metric": "direct_purchase", "value": 1}])
    path = write(tmp_path, f"{w.central.credit_code},2024,direct_purchase,5,,,,\n"
                           f"{w.guizhou.credit_code},2024,direct_purchase,5,,,,\n")
    report = imports.target_import(path=path, file_name="t.csv", actor=w.users["central"])
    assert [(e.line, e.column, e.code) for e in report.errors] == [(2, "year", "plan_not_draft"),
                                                                    (3, "body_code", "not_yours")]
