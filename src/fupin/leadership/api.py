"""Leadership API (`/api/v1/leadership/…`): implementation plans with their objectives, tasks and live progress,
guarded steps (submit, approve, return; complete, reopen a task), the department view (measures, tasks, problems),
and the case library (submission, photos, review and publication, featuring, search and filters, live figures).
Thin: the services and selectors authorise, scope and audit.

Statuses: 200 and 201 (created) or 204 (removed) on success; 400 malformed request; 401 not signed in; 403 the role,
the region scope or the body refuses (a province approving its own plan, a body publishing its own case); 404 not
found or not visible; 409 a step not allowed from the current state, a second plan for a body and year, a change to
a plan that is not a draft; 413 a body over the size limit; 422 a field outside its schema or a domain rule (a task
deadline outside the plan's year, an objective of another orientation, a link outside the submitter's scope, a
file that is not an image or too large), with the field named in `details`.

The task inbox (`/api/v1/leadership/inbox`): what waits for the signed-in user, computed from the domain state
(`fupin.leadership.inbox`), with its read marks; `POST …/inbox/read` marks items read (422 `not_in_inbox` for a
key that is not in the user's inbox now). No e-mail is sent.

No `from __future__ import annotations`: ninja reads the bounded types of `fupin.core.api_types` at run time."""

import datetime as dt
from typing import Annotated, Any, Literal

from django.http import HttpResponse
from ninja import Field, File, Form, Router, Schema
from ninja.files import UploadedFile
from ninja.pagination import paginate

from fupin.core.api_types import BigCount, Id, RecordDate, SmallCount, Year, choice
from fupin.core.errors import NotFound
from fupin.core.pagination import Page

from . import inbox, rules, selectors, services
from .enums import CaseKind, CaseStatus, Figure, ObjectiveKind, Orientation, PlanStatus, TaskStatus

router = Router(tags=["leadership"])

OrientationName = choice(Orientation)
ObjectiveName = choice(ObjectiveKind)
FigureName = choice(Figure, "")
PlanStatusName = choice(PlanStatus)
TaskStatusName = choice(TaskStatus)
CaseKindName = choice(CaseKind)
CaseStatusName = choice(CaseStatus)
PlanAction: Any = Literal[tuple(rules.PLAN_STEPS)]
TaskAction: Any = Literal[tuple(rules.TASK_STEPS)]
CaseAction: Any = Literal[tuple(rules.CASE_STEPS)]
RegionCode = Annotated[str, Field(max_length=12, pattern=r"^([0-9]{6}|[0-9]{9}|[0-9]{12})$")]
RegionPrefix = Annotated[str, Field(max_length=12, pattern=r"^([0-9]{2}|[0-9]{4}|[0-9]{6}|[0-9]{9}|[0-9]{12})?$")]
Reason = Annotated[str, Field(max_length=2000)]
Search = Annotated[str, Field(max_length=100)]


# -- schemas ------------------------------------------------------------------------------------------------------
class LeadershipPlanIn(Schema):
    body_id: Id
    year: Year
    title: str = Field(max_length=200)
    summary: str = Field("", max_length=4000)
    orientation: OrientationName | Literal[""] = Field("", description="empty: follows from the body")


class LeadershipObjectiveIn(Schema):
    kind: ObjectiveName
    description: str = Field("", max_length=4000)
    figure: FigureName = ""
    target: BigCount | None = Field(None, description="fen for money figures, else a count")


class LeadershipTaskIn(Schema):
    title: str = Field(max_length=200)
    owner_id: Id
    deadline: RecordDate = Field(description="inside the plan's year")
    measure: SmallCount | None = Field(None, description="the seed measure (1–4) of the responsibility matrix")
    figure: FigureName = ""
    target: BigCount | None = None
    objective_id: Id | None = None


class LeadershipStepIn(Schema):
    action: PlanAction
    reason: Reason = ""


class LeadershipTaskStepIn(Schema):
    action: TaskAction
    reason: Reason = ""


class LeadershipCaseStepIn(Schema):
    action: CaseAction
    reason: Reason = ""


class LeadershipFeatureIn(Schema):
    featured: bool


class LeadershipProgressOut(Schema):
    figure: str
    source: str
    actual: int
    target: int | None
    progress_bp: int | None = Field(description="actual ÷ target in basis points, capped at 10000")
    as_of: dt.date
    filters: dict[str, Any] | None = Field(description="the account filters of the entries behind a ledger figure")


class LeadershipObjectiveOut(Schema):
    id: int
    kind: ObjectiveName
    description: str
    figure: str
    target: int | None
    progress: LeadershipProgressOut | None


class LeadershipTaskOut(Schema):
    id: int
    plan_id: int
    title: str
    owner_id: int
    owner: str
    measure: int | None
    deadline: dt.date
    figure: str
    target: int | None
    status: TaskStatusName
    overdue: bool
    progress: LeadershipProgressOut | None = None


class LeadershipPlanOut(Schema):
    id: int
    body_id: int
    body: str
    region_code: str
    year: int
    orientation: OrientationName
    title: str
    summary: str
    status: PlanStatusName


class LeadershipPlanDetailOut(LeadershipPlanOut):
    objectives: list[LeadershipObjectiveOut]
    tasks: list[LeadershipTaskOut]
    actions: list[str]


class LeadershipMeasureOut(Schema):
    number: int
    title: str
    title_zh: str
    as_en: str
    as_zh: str


class LeadershipProblemOut(Schema):
    id: int
    title: str
    status: str
    region_code: str
    due_date: dt.date | None


class LeadershipDepartmentOut(Schema):
    organisation_id: int
    name: str
    measures: list[LeadershipMeasureOut]
    tasks: list[LeadershipTaskOut]
    problems: list[LeadershipProblemOut]


class LeadershipPhotoOut(Schema):
    id: int
    content_type: str
    size: int
    width: int
    height: int
    caption: str
    url: str


class LeadershipCaseOut(Schema):
    id: int
    kind: CaseKindName
    title: str
    summary: str
    region_code: str
    region: str
    submitted_by_id: int
    submitted_by: str
    tags: list[str]
    entity_id: int | None
    relation_id: int | None
    status: CaseStatusName
    featured: bool
    published_at: dt.datetime | None


class LeadershipCaseDetailOut(LeadershipCaseOut):
    text: str = Field(description="as typed: clients show it as text, never as HTML")
    review_note: str
    photos: list[LeadershipPhotoOut]
    figures: dict[str, Any] = Field(description="live figures of the linked entity and relation (fen)")
    actions: list[str]


class LeadershipCaseIn(Schema):
    region_code: RegionCode
    kind: CaseKindName
    title: str = Field(max_length=rules.TITLE_MAX)
    summary: str = Field("", max_length=rules.SUMMARY_MAX)
    text: str = Field(max_length=rules.BODY_MAX)
    tags: list[Annotated[str, Field(max_length=rules.TAG_MAX)]] = Field(default_factory=list, max_length=rules.TAGS_MAX)
    entity_id: Id | None = None
    relation_id: Id | None = None


# -- helpers ------------------------------------------------------------------------------------------------------
def _plan(p: Any) -> dict[str, Any]:
    return {"id": p.pk, "body_id": p.body_id, "body": p.body.name, "region_code": p.body.region.code, "year": p.year,
            "orientation": p.orientation, "title": p.title, "summary": p.summary, "status": p.status}


def _task(t: Any, *, overdue: bool, progress: Any = None) -> dict[str, Any]:
    return {"id": t.pk, "plan_id": t.plan_id, "title": t.title, "owner_id": t.owner_id, "owner": t.owner.name,
            "measure": t.measure, "deadline": t.deadline, "figure": t.figure, "target": t.target, "status": t.status,
            "overdue": overdue, "progress": progress}


def _plan_detail(request: Any, plan: Any) -> dict[str, Any]:
    progress = selectors.plan_progress(plan=plan)
    return {**_plan(plan),
            "objectives": [{"id": o["objective"].pk, "kind": o["objective"].kind,
                            "description": o["objective"].description, "figure": o["objective"].figure,
                            "target": o["objective"].target, "progress": o["progress"]}
                           for o in progress["objectives"]],
            "tasks": [_task(t["task"], overdue=t["overdue"], progress=t["progress"]) for t in progress["tasks"]],
            "actions": selectors.plan_actions(viewer=request.user, plan=plan)}


def _case(c: Any) -> dict[str, Any]:
    return {"id": c.pk, "kind": c.kind, "title": c.title, "summary": c.summary, "region_code": c.region.code,
            "region": c.region.name, "submitted_by_id": c.submitted_by_id, "submitted_by": c.submitted_by.name,
            "tags": c.tags or [], "entity_id": c.entity_id, "relation_id": c.relation_id, "status": c.status,
            "featured": c.featured, "published_at": c.published_at}


def _case_detail(request: Any, c: Any) -> dict[str, Any]:
    photos = [{"id": p.pk, "content_type": p.content_type, "size": p.size, "width": p.width, "height": p.height,
               "caption": p.caption, "url": f"/api/v1/leadership/photos/{p.pk}"} for p in selectors.case_photos(case=c)]
    figures = selectors.case_figures(case=c) if c.status == CaseStatus.PUBLISHED else {}
    return {**_case(c), "text": c.text, "review_note": c.review_note, "photos": photos, "figures": figures,
            "actions": selectors.case_actions(viewer=request.user, case=c)}


# -- plans --------------------------------------------------------------------------------------------------------
@router.get("/leadership/plans", response=list[LeadershipPlanOut])
@paginate(Page)
def plan_list(request, year: Year | None = None, status: PlanStatusName | None = None,
              orientation: OrientationName | None = None, body_id: Id | None = None):
    """Implementation plans the caller sees (its region scope, its organisation and the units below)."""
    return [_plan(p) for p in selectors.plan_list(viewer=request.user, year=year, status=status,
                                                  orientation=orientation, body_id=body_id)]


@router.post("/leadership/plans", response={201: LeadershipPlanDetailOut})
def plan_create(request, body: LeadershipPlanIn):
    """A draft plan of a government or a department for a year; 409 when the body has one for that year."""
    plan = services.plan_create(actor=request.user, **body.dict())
    return 201, _plan_detail(request, selectors.plan_get(viewer=request.user, pk=plan.pk))


@router.get("/leadership/plans/{pk}", response=LeadershipPlanDetailOut)
def plan_get(request, pk: Id):
    """The plan with its objectives and tasks, each with its live figure where it names one."""
    return _plan_detail(request, selectors.plan_get(viewer=request.user, pk=pk))


@router.post("/leadership/plans/{pk}/objectives", response={201: LeadershipObjectiveOut})
def objective_add(request, pk: Id, body: LeadershipObjectiveIn):
    """An objective of a kind the plan's orientation has (422 `wrong_orientation` otherwise)."""
    plan = selectors.plan_get(viewer=request.user, pk=pk)
    obj = services.objective_add(plan=plan, actor=request.user, **body.dict())
    return 201, {"id": obj.pk, "kind": obj.kind, "description": obj.description, "figure": obj.figure,
                 "target": obj.target, "progress": None}


@router.delete("/leadership/plans/{pk}/objectives/{objective_id}", response={204: None})
def objective_remove(request, pk: Id, objective_id: Id):
    plan = selectors.plan_get(viewer=request.user, pk=pk)
    obj = selectors.plan_objectives(plan=plan).filter(pk=objective_id).first()
    if obj is None:
        raise NotFound(details={"objective": objective_id})
    services.objective_remove(objective=obj, actor=request.user)
    return 204, None


@router.post("/leadership/plans/{pk}/tasks", response={201: LeadershipTaskOut})
def task_add(request, pk: Id, body: LeadershipTaskIn):
    """A task with an owner and a deadline inside the plan's year (422 `deadline_outside_year` otherwise)."""
    plan = selectors.plan_get(viewer=request.user, pk=pk)
    task = services.task_add(plan=plan, actor=request.user, **body.dict())
    return 201, _task(task, overdue=False)


@router.delete("/leadership/plans/{pk}/tasks/{task_id}", response={204: None})
def task_remove(request, pk: Id, task_id: Id):
    plan = selectors.plan_get(viewer=request.user, pk=pk)
    task = selectors.plan_tasks(plan=plan).filter(pk=task_id).first()
    if task is None:
        raise NotFound(details={"task": task_id})
    services.task_remove(task=task, actor=request.user)
    return 204, None


@router.post("/leadership/plans/{pk}/transitions", response=LeadershipPlanDetailOut)
def plan_step(request, pk: Id, body: LeadershipStepIn):
    """`submit` (the body), `approve` or `return` with a reason (the national office); 409 from a wrong state."""
    plan = selectors.plan_get(viewer=request.user, pk=pk)
    if body.action == "submit":
        services.plan_submit(plan=plan, actor=request.user)
    elif body.action == "approve":
        services.plan_approve(plan=plan, actor=request.user)
    else:
        services.plan_return(plan=plan, reason=body.reason, actor=request.user)
    return _plan_detail(request, selectors.plan_get(viewer=request.user, pk=pk))


# -- tasks and departments ----------------------------------------------------------------------------------------
@router.get("/leadership/tasks", response=list[LeadershipTaskOut])
@paginate(Page)
def task_list(request, owner_id: Id | None = None, status: TaskStatusName | None = None, year: Year | None = None,
              overdue: bool = False):
    today = selectors.today()
    return [_task(t, overdue=t.status == TaskStatus.OPEN and t.deadline < today)
            for t in selectors.task_list(viewer=request.user, owner_id=owner_id, status=status, year=year,
                                         overdue=overdue)]


@router.post("/leadership/tasks/{pk}/transitions", response=LeadershipTaskOut)
def task_step(request, pk: Id, body: LeadershipTaskStepIn):
    """`complete` or `reopen` a task (its owner, the plan's body, an office over the body's region)."""
    task = services.task_step(task=selectors.task_get(viewer=request.user, pk=pk), step=body.action,
                              reason=body.reason, actor=request.user)
    return _task(task, overdue=False)


@router.get("/leadership/departments/{pk}", response=LeadershipDepartmentOut)
def department(request, pk: Id, year: Year | None = None):
    """What an organisation is responsible for: the seed measures the responsibility matrix names it for, the plan
    tasks it owns, the problems assigned to it."""
    view = selectors.department_view(viewer=request.user, organisation_id=pk, year=year)
    today = view["today"]
    return {"organisation_id": view["organisation"].pk, "name": view["organisation"].name,
            "measures": view["measures"],
            "tasks": [_task(t, overdue=t.status == TaskStatus.OPEN and t.deadline < today) for t in view["tasks"]],
            "problems": [{"id": p.pk, "title": p.title, "status": p.status, "region_code": p.region.code,
                          "due_date": p.due_date} for p in view["problems"]]}


# -- cases --------------------------------------------------------------------------------------------------------
@router.get("/leadership/cases", response=list[LeadershipCaseOut])
@paginate(Page)
def case_list(request, q: Search | None = None, kind: CaseKindName | None = None, tag: Search | None = None,
              region: RegionPrefix | None = None, status: CaseStatusName | None = None, featured: bool | None = None):
    """Published cases, and the caller's own and those in its scope awaiting review; searched in the title,
    summary, text and tags; filtered by kind, tag, region (a code prefix), status, featured."""
    return [_case(c) for c in selectors.case_list(viewer=request.user, q=q, kind=kind, tag=tag, region_code=region,
                                                  status=status, featured=featured)]


@router.post("/leadership/cases", response={201: LeadershipCaseDetailOut})
def case_submit(request, body: LeadershipCaseIn):
    """Submit a case for review (the caller's organisation); links only within the caller's scope."""
    case = services.case_submit(actor=request.user, **body.dict())
    return 201, _case_detail(request, selectors.case_get(viewer=request.user, pk=case.pk))


@router.get("/leadership/cases/{pk}", response=LeadershipCaseDetailOut)
def case_get(request, pk: Id):
    return _case_detail(request, selectors.case_get(viewer=request.user, pk=pk))


@router.post("/leadership/cases/{pk}/photos", response={201: LeadershipPhotoOut})
def case_photo(request, pk: Id, file: File[UploadedFile], caption: Form[str] = ""):
    """A photo (PNG, JPEG, GIF or WebP, recognised by its content) within the dated size and count limits."""
    case = selectors.case_get(viewer=request.user, pk=pk)
    photo = services.case_photo_add(case=case, file=file, caption=caption[:200], actor=request.user)
    return 201, {"id": photo.pk, "content_type": photo.content_type, "size": photo.size, "width": photo.width,
                 "height": photo.height, "caption": photo.caption, "url": f"/api/v1/leadership/photos/{photo.pk}"}


@router.get("/leadership/photos/{pk}", openapi_extra={"responses": {200: {
    "description": "the image", "content": {t: {"schema": {"type": "string", "format": "binary"}}
                                             for t in ("image/png", "image/jpeg", "image/gif", "image/webp")}}}})
def photo(request, pk: Id):
    p = selectors.photo_get(viewer=request.user, pk=pk)
    response = HttpResponse(bytes(p.data), content_type=p.content_type)
    response["Content-Disposition"] = f'inline; filename="case-photo-{p.pk}"'
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@router.post("/leadership/cases/{pk}/transitions", response=LeadershipCaseDetailOut)
def case_step(request, pk: Id, body: LeadershipCaseStepIn):
    """`publish` or `reject` (with a reason) by a reviewer over the case's region — never the submitting body —;
    `withdraw` by the submitter or the reviewers."""
    case = selectors.case_get(viewer=request.user, pk=pk)
    services.case_step(case=case, step=body.action, reason=body.reason, actor=request.user)
    return _case_detail(request, selectors.case_get(viewer=request.user, pk=pk))


@router.post("/leadership/cases/{pk}/feature", response=LeadershipCaseDetailOut)
def case_feature(request, pk: Id, body: LeadershipFeatureIn):
    """Feature a published case on the public home page, or stop featuring it."""
    case = selectors.case_get(viewer=request.user, pk=pk)
    services.case_feature(case=case, featured=body.featured, actor=request.user)
    return _case_detail(request, selectors.case_get(viewer=request.user, pk=pk))


# -- the task inbox -----------------------------------------------------------------------------------------------
InboxKind: Any = Literal[inbox.KINDS]
InboxKey = Annotated[str, Field(min_length=3, max_length=120)]


class InboxItemOut(Schema):
    key: str
    kind: str
    title: str
    detail: str
    due: dt.date | None
    overdue: bool
    since: dt.date | None
    read: bool


class InboxOut(Schema):
    total: BigCount
    unread: BigCount
    overdue: BigCount
    by_kind: dict[str, int]
    items: list[InboxItemOut]


class InboxReadIn(Schema):
    keys: list[InboxKey] = Field(default_factory=list, max_length=500,
                                 description="the items to mark read; empty with `all`: every item")
    all: bool = False


class InboxReadOut(Schema):
    marked: BigCount


@router.get("/leadership/inbox", response=InboxOut)
def inbox_list(request, kind: InboxKind | None = None):
    """What waits for the signed-in user (applications to review, problems routed to its body, periods to approve,
    plan tasks, cases and nominations to decide …), overdue first, each with whether it was read."""
    everything = inbox.inbox_items(viewer=request.user)
    counts = inbox.inbox_counts(viewer=request.user, items=everything)
    items = [i.as_dict() for i in everything if kind is None or i.kind == kind]
    return {**counts, "items": items}


@router.post("/leadership/inbox/read", response=InboxReadOut)
def inbox_mark_read(request, body: InboxReadIn):
    """Mark the named items (or, with `all`, every item) of the user's inbox read."""
    keys = None if body.all else list(body.keys)
    return {"marked": services.inbox_mark_read(user=request.user, keys=keys)}

