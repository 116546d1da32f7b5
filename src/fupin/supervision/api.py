"""Supervision API (`/api/v1/supervision/…`): work plans and targets (form, file import), progress and early
warning, period approval with snapshots and locks, the problem register and the responsibility matrix,
assessment scorecards with the methodology, exports. Thin: every call goes to the services and selectors, which
authorise and audit; each figure carries `entries_url`, the ledger API's entries behind it.

No `from __future__ import annotations`: ninja reads the bounded types of `fupin.core.api_types` at run time."""

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from django.http import HttpResponse
from django.utils import timezone
from ninja import Field, File, Form, Router, Schema
from ninja.files import UploadedFile
from ninja.pagination import paginate

from fupin.core.api_types import (
    BIGINT_MAX,
    ExportFormat,
    Id,
    QueryDate,
    RecordDate,
    Year,
    choice,
    file_download,
)
from fupin.core.pagination import Page
from fupin.core.services import export_log
from fupin.core.tabular import CONTENT_TYPES, save_upload, table_bytes

from . import approvals, imports, problems, score_exports, scorecards, selectors, services
from .enums import (
    ApprovalStatus,
    Grade,
    Metric,
    PeriodKind,
    PlanStatus,
    ProblemCategory,
    ProblemStatus,
    ProgressStatus,
    Scheme,
)
from .figures import drill_params

router = Router(tags=["supervision"])

MetricName = choice(Metric)
SchemeName = choice(Scheme)
SchemeOrNone = choice(Scheme, "")
PlanStatusName = choice(PlanStatus)
PeriodName = choice(PeriodKind)
ApprovalStatusName = choice(ApprovalStatus)
ProblemStatusName = choice(ProblemStatus)
CategoryName = choice(ProblemCategory)
ProgressName = choice(ProgressStatus)
GradeName = choice(Grade)
TargetValue = Annotated[int, Field(ge=-BIGINT_MAX, le=BIGINT_MAX,
                                   description="fen for amounts, a whole number for counts, basis points for shares")]
PeriodNumber = Annotated[int, Field(ge=1, le=12, description="the month (1–12) or quarter (1–4); 1 for a year")]
Measure = Annotated[int, Field(ge=1, le=99, description="the seed measure (1–4 in the matrix of 2018)")]
Reason = Annotated[str, Field(max_length=2000)]
RegionCode = Annotated[str, Field(max_length=12, pattern=r"^([0-9]{6}|[0-9]{9}|[0-9]{12})?$")]
Points = Annotated[Decimal, Field(ge=-100, le=100, max_digits=5, decimal_places=2)]


# -- schemas ------------------------------------------------------------------------------------------------------
class SupervisionPlanIn(Schema):
    body_id: Id
    year: Year
    letter_ref: str = Field("", max_length=200, description="the responsibility letter's reference")


class SupervisionTargetIn(Schema):
    metric: MetricName
    value: TargetValue
    scheme: SchemeOrNone = ""
    region_code: RegionCode = Field("", description="a sub-target for a paired region (county)")
    sub_unit_id: Id | None = Field(None, description="a sub-target for a subordinate unit")
    note: str = Field("", max_length=300)


class SupervisionTargetOut(Schema):
    id: int
    metric: MetricName
    scheme: SchemeOrNone
    region_code: str
    sub_unit_id: int | None
    value: int
    note: str
    key: str


class SupervisionPlanOut(Schema):
    id: int
    body_id: int
    body_name: str
    year: int
    version: int
    status: PlanStatusName
    previous_id: int | None
    reason: str
    letter_ref: str


class SupervisionPlanDetailOut(SupervisionPlanOut):
    targets: list[SupervisionTargetOut]


class SupervisionReasonIn(Schema):
    reason: Reason = ""


class SupervisionFigureOut(Schema):
    target_id: int | None = None
    key: str
    metric: MetricName
    scheme: SchemeOrNone
    region_code: str
    sub_unit_id: int | None
    sub_target: bool = False
    target: int
    actual: int
    source: str
    side: str
    regions: list[str] = []
    entries_url: str = ""
    expected: int | None = None
    expected_share_bp: int | None = None
    ratio_bp: int | None = None
    status: ProgressName | None = None
    to_date: int | None = None
    last_year: int | None = None


class SupervisionWarningOut(SupervisionFigureOut):
    plan_id: int
    body_id: int
    body_name: str


class SupervisionApprovalIn(Schema):
    body_id: Id
    year: Year
    period_kind: PeriodName
    number: PeriodNumber = 1


class SupervisionApprovalOut(Schema):
    id: int
    body_id: int
    body_name: str
    year: int
    period_kind: PeriodName
    number: int
    status: ApprovalStatusName
    level: int
    chain: list[int | None]
    next_approver_id: int | None
    plan_id: int


class SupervisionAdjustmentOut(SupervisionFigureOut):
    approved: int
    now: int
    adjustment: int


class SupervisionApprovalDetailOut(SupervisionApprovalOut):
    snapshot_version: int | None
    snapshot_digest: str | None
    figures: list[SupervisionFigureOut]
    adjustments: list[SupervisionAdjustmentOut]
    prior_adjustments: list[dict[str, Any]]
    locked_regions: list[str]


class SupervisionBulkIn(Schema):
    ids: list[Id] = Field(..., max_length=500)


class SupervisionBulkOut(Schema):
    id: int
    ok: bool
    status: ApprovalStatusName | None = None
    level: int | None = None
    code: str | None = None
    message: str | None = None


class SupervisionImportOut(Schema):
    kind: str
    file_name: str
    dry_run: bool
    total: int
    accepted: int
    unchanged: int
    duplicates: int
    rejected: int
    warnings: list[str]
    errors: list[dict[str, Any]]
    run_id: int | None
    created: int = 0
    updated: int = 0
    rejected_file: str = ""


class SupervisionProblemIn(Schema):
    region_code: RegionCode
    category: CategoryName
    measure: Measure
    title: str = Field(..., max_length=200)
    description: str = Field(..., max_length=10_000)
    evidence: str = Field("", max_length=10_000)
    cause: str = Field("", max_length=10_000)
    due_date: RecordDate | None = None
    assigned_ids: list[Id] | None = Field(None, max_length=50,
                                          description="the responsible bodies; omitted: proposed from the matrix")
    raised_by_id: Id | None = Field(None, description="for administrators acting for a body")


class SupervisionActionIn(Schema):
    text: str = Field(..., max_length=10_000)


class SupervisionTransitionIn(Schema):
    name: Literal["start", "resolve", "close", "reopen"]
    reason: Reason = ""


class SupervisionAssignIn(Schema):
    organisation_ids: list[Id] = Field(..., max_length=50)
    reason: Reason = ""


class SupervisionOrgOut(Schema):
    id: int
    name: str


class SupervisionProblemOut(Schema):
    id: int
    title: str
    region_code: str
    category: CategoryName
    measure: int
    status: ProblemStatusName
    raised_by: SupervisionOrgOut
    assigned: list[SupervisionOrgOut]
    due_date: dt.date | None
    overdue: bool
    escalated_to: SupervisionOrgOut | None


class SupervisionActionOut(Schema):
    at: dt.datetime
    actor_name: str
    organisation_id: int | None
    text: str


class SupervisionProblemDetailOut(SupervisionProblemOut):
    description: str
    evidence: str
    cause: str
    actions: list[SupervisionActionOut]


class SupervisionBodyOut(Schema):
    key: str
    name_en: str
    name_zh: str
    organisation: SupervisionOrgOut | None
    matrix_version: int


class SupervisionScorecardIn(Schema):
    body_id: Id
    scheme: SchemeName
    year: Year


class SupervisionComputeIn(Schema):
    scheme: SchemeName
    year: Year


class SupervisionComputeOut(Schema):
    body_id: int
    ok: bool
    scorecard_id: int | None = None
    grade: GradeName | None = None
    total_centi: int | None = None
    code: str | None = None
    message: str | None = None


class SupervisionLineOut(Schema):
    code: str
    kind: str
    weight: int
    measure: int
    value: int | None
    reference: int | None
    attainment_bp: int
    capped_bp: int
    points_centi: int
    note: str


class SupervisionMissOut(Schema):
    key: str
    metric: MetricName
    scheme: SchemeOrNone
    region_code: str
    sub_unit_id: int | None
    sub_target: bool = False
    target: int
    actual: int
    entries_url: str = ""


class SupervisionScorecardOut(Schema):
    id: int
    body_id: int
    body_name: str
    scheme: SchemeName
    year: int
    total_centi: int
    computed_centi: int
    adjustment_centi: int
    grade: GradeName
    rank: int | None
    last_year_total_centi: int | None
    missed: int
    methodology_version: int
    snapshot_id: int


class SupervisionScorecardDetailOut(SupervisionScorecardOut):
    qualitative: int | None
    lines: list[SupervisionLineOut]
    misses: list[SupervisionMissOut]
    adjustments: list[dict[str, Any]]


class SupervisionQualitativeIn(Schema):
    score: int = Field(..., ge=0, le=1000)
    reason: Reason = ""


class SupervisionAdjustIn(Schema):
    points: Points = Field(..., description="points to add (negative to subtract), two decimals")
    reason: Reason


class SupervisionMethodologyIn(Schema):
    scheme: SchemeName
    valid_from: RecordDate
    definition: dict[str, Any]
    note: str = Field("", max_length=1000)


class SupervisionMethodologyOut(Schema):
    scheme: SchemeName
    version_id: int
    valid_from: dt.date
    definition: dict[str, Any]


# -- helpers ------------------------------------------------------------------------------------------------------
def entries_url(fig: dict[str, Any]) -> str:
    params = drill_params(fig)
    return "/api/v1/purchases?" + urlencode(params) if params else ""


def _figure(fig: dict[str, Any]) -> dict[str, Any]:
    return {**fig, "entries_url": entries_url(fig), "regions": list(fig.get("regions") or [])}


def _plan(plan: Any, *, targets: bool = False) -> dict[str, Any]:
    out = {"id": plan.pk, "body_id": plan.body_id, "body_name": plan.body.name, "year": plan.year,
           "version": plan.version, "status": plan.status, "previous_id": plan.previous_id, "reason": plan.reason,
           "letter_ref": plan.letter_ref}
    if targets:
        out["targets"] = [_target(t) for t in selectors.plan_targets(plan=plan)]
    return out


def _target(t: Any) -> dict[str, Any]:
    return {"id": t.pk, "metric": t.metric, "scheme": t.scheme, "region_code": t.region.code if t.region_id else "",
            "sub_unit_id": t.sub_unit_id, "value": t.value, "note": t.note, "key": t.key}


def _approval(a: Any) -> dict[str, Any]:
    return {"id": a.pk, "body_id": a.body_id, "body_name": a.body.name, "year": a.year, "period_kind": a.period_kind,
            "number": a.number, "status": a.status, "level": a.level, "chain": list(a.chain or []),
            "next_approver_id": a.next_approver_id, "plan_id": a.plan_id}


def _org(o: Any) -> dict[str, Any] | None:
    return {"id": o.pk, "name": o.name} if o is not None else None


def _problem(p: Any, *, detail: bool = False) -> dict[str, Any]:
    from .rules import is_overdue

    out = {"id": p.pk, "title": p.title, "region_code": p.region.code, "category": p.category, "measure": p.measure,
           "status": p.status, "raised_by": _org(p.raised_by), "assigned": [_org(o) for o in p.assigned.all()],
           "due_date": p.due_date, "overdue": is_overdue(due=p.due_date, status=p.status, today=selectors.today()),
           "escalated_to": _org(p.escalated_to)}
    if detail:
        out.update(description=p.description, evidence=p.evidence, cause=p.cause,
                   actions=[{"at": a.at, "actor_name": a.actor_name, "organisation_id": a.organisation_id,
                             "text": a.text} for a in p.actions.all()])
    return out


def _card(c: Any, *, ranks: dict[int, int] | None = None, detail: bool = False) -> dict[str, Any]:
    prev = selectors.last_year(card=c)
    ranks = ranks if ranks is not None else selectors.ranking(year=c.year, scheme=c.scheme)
    out = {"id": c.pk, "body_id": c.body_id, "body_name": c.body.name, "scheme": c.scheme, "year": c.year,
           "total_centi": c.total_centi, "computed_centi": c.computed_centi, "adjustment_centi": c.adjustment_centi,
           "grade": c.grade, "rank": ranks.get(c.pk), "last_year_total_centi": prev.total_centi if prev else None,
           "missed": len(c.misses), "methodology_version": c.methodology_version, "snapshot_id": c.snapshot_id}
    if detail:
        out.update(qualitative=c.qualitative, lines=c.lines,
                   misses=[{**m, "region_code": m.get("region_code") or "", "entries_url": entries_url(m)}
                           for m in c.misses],
                   adjustments=[{"at": a.at.isoformat(), "points_centi": a.points_centi, "reason": a.reason,
                                 "actor_name": a.actor_name} for a in c.adjustments.all()])
    return out


def _this_year() -> int:
    return timezone.localdate().year


# -- plans and targets --------------------------------------------------------------------------------------------
@router.get("/supervision/plans", response=list[SupervisionPlanOut])
@paginate(Page)
def plan_list(request, year: Year | None = None, status: PlanStatusName | None = None, body_id: Id | None = None,
              current: bool = False):
    """Work plans of the bodies you may see (newest first); `current`: leave out superseded versions."""
    return [_plan(p) for p in selectors.plan_list(viewer=request.user, year=year, status=status, body_id=body_id,
                                                  current=current)]


@router.post("/supervision/plans", response={201: SupervisionPlanDetailOut})
def plan_create(request, body: SupervisionPlanIn):
    plan = services.plan_create(body_id=body.body_id, year=body.year, letter_ref=body.letter_ref, actor=request.user)
    return 201, _plan(plan, targets=True)


@router.get("/supervision/plans/{pk}", response=SupervisionPlanDetailOut)
def plan_get(request, pk: Id):
    return _plan(selectors.plan_get(viewer=request.user, pk=pk), targets=True)


@router.post("/supervision/plans/{pk}/targets", response=SupervisionTargetOut)
def target_set(request, pk: Id, body: SupervisionTargetIn):
    """Set a target (or a sub-target for a paired region or a subordinate unit) of a draft plan."""
    plan = selectors.plan_get(viewer=request.user, pk=pk)
    return _target(services.target_set(plan=plan, metric=body.metric, value=body.value, scheme=body.scheme,
                                       region_code=body.region_code, sub_unit_id=body.sub_unit_id, note=body.note,
                                       actor=request.user))


@router.delete("/supervision/plans/{pk}/targets/{target_id}", response={204: None})
def target_remove(request, pk: Id, target_id: Id):
    plan = selectors.plan_get(viewer=request.user, pk=pk)
    target = plan.targets.filter(pk=target_id).first()
    if target is None:
        from fupin.core.errors import NotFound

        raise NotFound(details={"target": target_id})
    services.target_remove(target=target, actor=request.user)
    return 204, None


@router.post("/supervision/plans/{pk}/submit", response=SupervisionPlanOut)
def plan_submit(request, pk: Id):
    return _plan(services.plan_submit(plan=selectors.plan_get(viewer=request.user, pk=pk), actor=request.user))


@router.post("/supervision/plans/{pk}/approve", response=SupervisionPlanOut)
def plan_approve(request, pk: Id):
    """Approve a submitted plan: the next body of its approval chain."""
    return _plan(services.plan_approve(plan=selectors.plan_ref(pk=pk), actor=request.user))


@router.post("/supervision/plans/{pk}/return", response=SupervisionPlanOut)
def plan_return(request, pk: Id, body: SupervisionReasonIn):
    return _plan(services.plan_return(plan=selectors.plan_ref(pk=pk), reason=body.reason, actor=request.user))


@router.post("/supervision/plans/{pk}/revise", response={201: SupervisionPlanDetailOut})
def plan_revise(request, pk: Id, body: SupervisionReasonIn):
    """A new draft version of an approved plan (changes after approval), with its reason."""
    plan = services.plan_revise(plan=selectors.plan_get(viewer=request.user, pk=pk), reason=body.reason,
                                actor=request.user)
    return 201, _plan(plan, targets=True)


@router.get("/supervision/plans/{pk}/progress", response=list[SupervisionFigureOut])
def plan_progress(request, pk: Id, as_of: QueryDate | None = None):
    """Each target: actual (with `entries_url`), expected for the date, ratio and status."""
    plan = selectors.plan_get(viewer=request.user, pk=pk)
    return [_figure(f) for f in selectors.progress(plan=plan, as_of=as_of)]


@router.post("/supervision/targets/imports", response=SupervisionImportOut)
def target_import(request, file: File[UploadedFile], dry_run: Form[bool] = False):
    """Import targets from CSV or .xlsx (body_code 单位代码, year 年度, metric 指标, value 目标值, scheme 帮扶类型,
    region_code 结对地区代码, sub_unit_code 下属单位代码, note 备注): row-level report, dry run, idempotent."""
    suffix = Path(file.name or "").suffix.lower()
    path = save_upload(file, suffix=suffix or ".csv")
    try:
        report = imports.target_import(path=path, file_name=file.name or f"upload{suffix}", actor=request.user,
                                       dry_run=dry_run)
    finally:
        path.unlink(missing_ok=True)
    return report.as_dict(max_errors=500)


@router.get("/supervision/warnings", response=list[SupervisionWarningOut])
@paginate(Page)
def warnings(request, year: Year | None = None, as_of: QueryDate | None = None, include_on_track: bool = False):
    """The early-warning list of the bodies you supervise (everyone for the national office), worst first."""
    lines = selectors.early_warnings(viewer=request.user, year=year or _this_year(), as_of=as_of,
                                     include_on_track=include_on_track)
    return [{**_figure(w.figure), "plan_id": w.plan.pk, "body_id": w.plan.body_id, "body_name": w.plan.body.name}
            for w in lines]


# -- approvals ----------------------------------------------------------------------------------------------------
@router.get("/supervision/approvals", response=list[SupervisionApprovalOut])
@paginate(Page)
def approval_list(request, year: Year | None = None, status: ApprovalStatusName | None = None, awaiting: bool = False):
    """Periods of the bodies you may see; `awaiting`: those your organisation decides next."""
    return [_approval(a) for a in selectors.approval_list(viewer=request.user, year=year, status=status,
                                                          awaiting=awaiting)]


@router.post("/supervision/approvals", response={201: SupervisionApprovalOut})
def approval_submit(request, body: SupervisionApprovalIn):
    a = approvals.approval_submit(body_id=body.body_id, year=body.year, period_kind=body.period_kind,
                                  number=body.number, actor=request.user)
    return 201, _approval(a)


@router.post("/supervision/approvals/bulk", response=list[SupervisionBulkOut])
def approval_bulk(request, body: SupervisionBulkIn):
    """Approve many periods one step up at once; a result per id."""
    return approvals.approval_bulk(ids=body.ids, actor=request.user)


@router.get("/supervision/approvals/{pk}", response=SupervisionApprovalDetailOut)
def approval_get(request, pk: Id):
    """A period with its approved snapshot, and each figure as approved, as the account reads it now, and the
    difference (late corrections)."""
    a = selectors.approval_get(viewer=request.user, pk=pk)
    snap = selectors.latest_snapshot(approval=a)
    figs = snap.figures if snap else {}
    return {**_approval(a), "snapshot_version": snap.version if snap else None,
            "snapshot_digest": snap.digest if snap else None,
            "figures": [_figure(f) for f in figs.get("targets", [])],
            "adjustments": [_figure(f) for f in selectors.adjustments(approval=a)],
            "prior_adjustments": figs.get("prior_adjustments", []), "locked_regions": figs.get("locked_regions", [])}


@router.post("/supervision/approvals/{pk}/approve", response=SupervisionApprovalOut)
def approval_approve(request, pk: Id):
    """Accept the period at your level (the first acceptance freezes and locks it; the last approves it)."""
    return _approval(approvals.approval_approve(approval=selectors.approval_ref(pk=pk), actor=request.user))


@router.post("/supervision/approvals/{pk}/return", response=SupervisionApprovalOut)
def approval_return(request, pk: Id, body: SupervisionReasonIn):
    return _approval(approvals.approval_return(approval=selectors.approval_ref(pk=pk), reason=body.reason,
                                               actor=request.user))


@router.post("/supervision/approvals/{pk}/unlock", response=SupervisionApprovalOut)
def approval_unlock(request, pk: Id, body: SupervisionReasonIn):
    """Reopen a frozen period (with a reason; audited); the ledger locks it took are released."""
    return _approval(approvals.approval_unlock(approval=selectors.approval_ref(pk=pk), reason=body.reason,
                                               actor=request.user))


# -- problems -----------------------------------------------------------------------------------------------------
@router.get("/supervision/problems", response=list[SupervisionProblemOut])
@paginate(Page)
def problem_list(request, status: ProblemStatusName | None = None, assigned_to: Id | None = None,
                 overdue: bool = False, region: RegionCode | None = None, measure: Measure | None = None):
    qs = selectors.problem_list(viewer=request.user, status=status, assigned_to=assigned_to, overdue=overdue,
                                region_code=region or None, measure=measure)
    return [_problem(p) for p in qs.prefetch_related("assigned")]


@router.post("/supervision/problems", response={201: SupervisionProblemDetailOut})
def problem_raise(request, body: SupervisionProblemIn):
    p = problems.problem_raise(region_code=body.region_code, category=body.category, measure=body.measure,
                               title=body.title, description=body.description, evidence=body.evidence,
                               cause=body.cause, due_date=body.due_date, assigned_ids=body.assigned_ids,
                               raised_by_id=body.raised_by_id, actor=request.user)
    return 201, _problem(p, detail=True)


@router.get("/supervision/problems/{pk}", response=SupervisionProblemDetailOut)
def problem_get(request, pk: Id):
    return _problem(selectors.problem_get(viewer=request.user, pk=pk), detail=True)


@router.post("/supervision/problems/{pk}/actions", response={201: SupervisionProblemDetailOut})
def problem_act(request, pk: Id, body: SupervisionActionIn):
    p = selectors.problem_get(viewer=request.user, pk=pk)
    problems.problem_act(problem=p, text=body.text, actor=request.user)
    return 201, _problem(selectors.problem_ref(pk=pk), detail=True)


@router.post("/supervision/problems/{pk}/transitions", response=SupervisionProblemDetailOut)
def problem_transition(request, pk: Id, body: SupervisionTransitionIn):
    """start | resolve (with what was done) | close | reopen (with a reason)."""
    p = selectors.problem_get(viewer=request.user, pk=pk)
    problems.problem_transition(problem=p, name=body.name, reason=body.reason, actor=request.user)
    return _problem(selectors.problem_ref(pk=pk), detail=True)


@router.post("/supervision/problems/{pk}/assign", response=SupervisionProblemDetailOut)
def problem_assign(request, pk: Id, body: SupervisionAssignIn):
    p = selectors.problem_get(viewer=request.user, pk=pk)
    problems.problem_assign(problem=p, organisation_ids=body.organisation_ids, reason=body.reason, actor=request.user)
    return _problem(selectors.problem_ref(pk=pk), detail=True)


@router.get("/supervision/responsibility", response=list[SupervisionBodyOut])
def responsibility(request, measure: Measure, region: RegionCode = ""):
    """The bodies the responsibility matrix in force names for a measure (and the organisations they stand for)."""
    from fupin.core.access import require_role

    require_role(request.user, "viewer", "clerk", "reviewer", "approver", "auditor")
    return [{**b, "organisation": _org(b["organisation"])}
            for b in selectors.responsible_bodies(measure=measure, region_code=region)]


# -- scorecards ---------------------------------------------------------------------------------------------------
@router.get("/supervision/scorecards", response=list[SupervisionScorecardOut])
@paginate(Page)
def scorecard_list(request, year: Year | None = None, scheme: SchemeName | None = None):
    """Scorecards of the bodies you may see, best first, with their rank and last year's score."""
    cards = list(selectors.scorecard_list(viewer=request.user, year=year, scheme=scheme))
    ranks: dict[tuple[int, str], dict[int, int]] = {}
    out = []
    for c in cards:
        key = (c.year, c.scheme)
        ranks.setdefault(key, selectors.ranking(year=c.year, scheme=c.scheme))
        out.append(_card(c, ranks=ranks[key]))
    return out


@router.post("/supervision/scorecards", response=SupervisionScorecardDetailOut)
def scorecard_compute(request, body: SupervisionScorecardIn):
    """Compute (or recompute) a scorecard from the body's approved year snapshot."""
    card = scorecards.scorecard_compute(body_id=body.body_id, scheme=body.scheme, year=body.year, actor=request.user)
    return _card(card, detail=True)


@router.post("/supervision/scorecards/compute", response=list[SupervisionComputeOut])
def scorecards_compute(request, body: SupervisionComputeIn):
    """Every assessed body's scorecard of a year and scheme."""
    return scorecards.scorecards_compute(year=body.year, scheme=body.scheme, actor=request.user)


@router.get("/supervision/scorecards/export", openapi_extra=file_download("csv", "xlsx", description="the scorecards"))
def scorecard_export(request, year: Year, scheme: SchemeName | None = None, format: ExportFormat = "xlsx",  # noqa: A002
                     ids: bool = False):
    """The scorecards: .xlsx for people (numbers, translated headers, scheme and grade; the ids with `ids=true`),
    CSV for machines (`scorecards.EXPORT_HEADER` and one `points:<indicator>` column each)."""
    cards = list(selectors.scorecard_list(viewer=request.user, year=year, scheme=scheme))
    header, rows = scorecards.export_rows(cards)
    content = score_exports.xlsx(cards, with_internal=ids) if format == "xlsx" else table_bytes(
        rows, header=header, fmt=format, sheet_title=f"scorecards-{year}")
    export_log(user=request.user, what="supervision scorecards", rows=len(rows), path=request.path)
    response = HttpResponse(content, content_type=CONTENT_TYPES[format])
    response["Content-Disposition"] = f'attachment; filename="scorecards-{year}.{format}"'
    return response


@router.get("/supervision/scorecards/{pk}", response=SupervisionScorecardDetailOut)
def scorecard_get(request, pk: Id):
    return _card(selectors.scorecard_get(viewer=request.user, pk=pk), detail=True)


@router.post("/supervision/scorecards/{pk}/qualitative", response=SupervisionScorecardDetailOut)
def scorecard_qualitative(request, pk: Id, body: SupervisionQualitativeIn):
    card = scorecards.scorecard_qualitative(card=selectors.scorecard_get(viewer=request.user, pk=pk),
                                            score=body.score, reason=body.reason, actor=request.user)
    return _card(card, detail=True)


@router.post("/supervision/scorecards/{pk}/adjustments", response=SupervisionScorecardDetailOut)
def scorecard_adjust(request, pk: Id, body: SupervisionAdjustIn):
    """Adjust the total (points with two decimals, negative to subtract) with a reason; audited."""
    card = scorecards.scorecard_adjust(card=selectors.scorecard_get(viewer=request.user, pk=pk),
                                       points_centi=int(body.points * 100), reason=body.reason, actor=request.user)
    return _card(card, detail=True)


@router.get("/supervision/methodologies", response=SupervisionMethodologyOut)
def methodology_get(request, scheme: SchemeName, year: Year | None = None):
    """The methodology in force for a scheme's assessment of a year (default: this year)."""
    from fupin.core import params
    from fupin.core.access import require_role

    from . import parameters

    require_role(request.user, "viewer", "clerk", "reviewer", "approver", "auditor")
    v = params.get(parameters.methodology_key(scheme), on=scorecards.assessment_day(year or _this_year()))
    return {"scheme": scheme, "version_id": v.id, "valid_from": v.valid_from, "definition": v.value}


@router.post("/supervision/methodologies", response={201: SupervisionMethodologyOut})
def methodology_publish(request, body: SupervisionMethodologyIn):
    """Publish a new dated version (administrators), validated: weights sum, caps, bands, known measures."""
    v = scorecards.methodology_publish(scheme=body.scheme, valid_from=body.valid_from, definition=body.definition,
                                       note=body.note, actor=request.user)
    return 201, {"scheme": body.scheme, "version_id": v.pk, "valid_from": v.valid_from, "definition": v.value}
