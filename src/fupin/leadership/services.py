"""Leadership writes. Keyword-only, typed, authorised by `policy`, in one transaction with an audit entry.

Implementation plans:
- `plan_create(*, body_id, year, title, summary, orientation, actor)` → a draft plan of a province's government, a
  local government or a department; the orientation follows from the body (a national department plans for the
  nation, a government of a producing province for a producing area, others for a consuming place) unless given
- `plan_update`, `objective_add`, `objective_remove`, `task_add`, `task_remove`: a draft's text, objectives (of
  the kinds its orientation has) and tasks (an owner, a deadline inside the plan's year, a seed measure of the
  responsibility matrix, optionally a platform figure and the value to reach)
- `plan_submit` (draft → submitted: needs an objective and a task), `plan_approve` (submitted → approved),
  `plan_return(*, reason)` (submitted or approved → draft)
- `task_step(*, task, step)`: complete or reopen a task

The case library:
- `case_submit(*, region_code, kind, title, summary, text, tags, entity_id, relation_id, actor)` → a case submitted
  for review by the actor's organisation; links only to entities and relations within the submitter's scope
- `case_photo_add(*, case, file, caption, actor)`: an image recognised by its bytes (PNG, JPEG, GIF, WebP), within
  the dated size and count limits
- `case_step(*, case, step, reason, actor)`: publish, reject (with a reason), withdraw; `case_feature`

The task inbox:
- `inbox_mark_read(*, user, keys=None)`: read marks for items now in the user's inbox (all of them without `keys`);
  a key not in the inbox is refused. Marks are the user's own reading state, not a change of the domain, so they
  are not audited (the items they mark are computed from audited state).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fupin.core import audit
from fupin.core.errors import Conflict, InvalidInput
from fupin.core.rules import OFFICE_KINDS
from fupin.registry import selectors as registry
from fupin.supervision import selectors as supervision

from . import figures, inbox, policy, rules, selectors
from .enums import CaseStatus, Orientation
from .models import Case, CasePhoto, ImplementationPlan, InboxReadMark, Objective, PlanTask


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


def refuse(errors: list[rules.RuleError], *, code: str | None = None) -> InvalidInput:
    """One InvalidInput for rule errors: the messages joined, each error (field, code, message) in the details."""
    return InvalidInput("; ".join(f"{e.field}: {e.message}" if e.field else e.message for e in errors),
                        code=code or errors[0].code, details={"errors": [e.as_dict() for e in errors],
                                                              "field": errors[0].field})


def _this_year() -> int:
    return timezone.localdate().year


# -- plans --------------------------------------------------------------------------------------------------------
def _orientation(body: Any, given: str) -> tuple[str, list[rules.RuleError]]:
    derived = rules.orientation_of(body_kind=body.kind, region_code=body.region.code)
    if not given:
        return derived, []
    if given not in Orientation.values:
        return given, [rules.RuleError("orientation", "bad_orientation",
                                       _("unknown orientation “%(o)s”") % {"o": given[:30]})]
    if (given == Orientation.DEPARTMENT) != (derived == Orientation.DEPARTMENT):
        return given, [rules.RuleError("orientation", "wrong_orientation",
                                       _("a national department plans for the nation, a government for a producing "
                                         "area or a consuming place"))]
    return given, []


def plan_create(*, body_id: int, year: Any, title: str, summary: str = "", orientation: str = "",
                actor: Any) -> ImplementationPlan:
    """A draft implementation plan for a body and year (one per body and year)."""
    body = supervision.body_ref(pk=body_id)
    if body.kind not in OFFICE_KINDS:
        raise InvalidInput(_("%(body)s is not a government or a department: implementation plans are made by "
                             "provincial and local governments and by departments.") % {"body": body},
                           code="not_a_planning_body", details={"field": "body_id", "kind": body.kind})
    chosen, errors = _orientation(body, (orientation or "").strip())
    errors += rules.plan_errors(year=year, this_year=_this_year(), orientation=chosen, title=title)
    if errors:
        raise refuse(errors)
    policy.authorise_plan_write(actor, body=body, what="plan create")
    try:
        with transaction.atomic():
            plan = ImplementationPlan.objects.create(body=body, year=year, orientation=chosen,
                                                     title=title.strip()[:200], summary=(summary or "").strip(),
                                                     created_by=_user(actor))
            audit.record(actor=actor, action="implementation_plan:create", obj=plan,
                         after={"body_id": body.pk, "year": year, "orientation": chosen, "title": plan.title})
    except IntegrityError:
        raise Conflict(_("%(body)s already has an implementation plan for %(year)d.") % {"body": body, "year": year},
                       code="plan_exists", details={"body_id": body.pk, "year": year}) from None
    return plan


def _require_draft(plan: ImplementationPlan) -> None:
    if plan.status not in rules.EDITABLE_PLAN:
        raise Conflict(_("Plan %(plan)s is %(status)s: only a draft is changed (return it to draft first).")
                       % {"plan": plan.title, "status": plan.get_status_display()}, code="plan_not_draft",
                       details={"status": plan.status})


def _locked(plan: ImplementationPlan) -> ImplementationPlan:
    return ImplementationPlan.objects.select_for_update().select_related("body", "body__region").get(pk=plan.pk)


@transaction.atomic
def plan_update(*, plan: ImplementationPlan, title: str, summary: str = "", actor: Any) -> ImplementationPlan:
    policy.authorise_plan_write(actor, body=plan.body, what="plan update")
    plan = _locked(plan)
    _require_draft(plan)
    if errors := rules.plan_errors(year=plan.year, this_year=max(plan.year, _this_year()),
                                   orientation=plan.orientation, title=title):
        raise refuse(errors)
    before = {"title": plan.title, "summary": plan.summary}
    plan.title, plan.summary = title.strip()[:200], (summary or "").strip()
    plan.save(update_fields=["title", "summary", "updated_at"])
    b, a = audit.changed_fields(before, {"title": plan.title, "summary": plan.summary})
    if a:
        audit.record(actor=actor, action="implementation_plan:update", obj=plan, before=b, after=a)
    return plan


@transaction.atomic
def objective_add(*, plan: ImplementationPlan, kind: str, description: str = "", figure: str = "",
                  target: Any = None, actor: Any) -> Objective:
    """An objective of a kind the plan's orientation has, optionally measured by a platform figure."""
    policy.authorise_plan_write(actor, body=plan.body, what="objective add")
    plan = _locked(plan)
    _require_draft(plan)
    if errors := rules.objective_errors(orientation=plan.orientation, kind=kind, figure=figure or "", target=target):
        raise refuse(errors)
    obj = Objective.objects.create(plan=plan, kind=kind, description=(description or "").strip()[:4000],
                                   figure=figure or "", target=target)
    audit.record(actor=actor, action="objective:create", obj=obj,
                 after={"plan_id": plan.pk, "kind": kind, "figure": obj.figure, "target": target})
    return obj


@transaction.atomic
def objective_remove(*, objective: Objective, actor: Any) -> None:
    plan = objective.plan
    policy.authorise_plan_write(actor, body=plan.body, what="objective remove")
    _require_draft(_locked(plan))
    audit.record(actor=actor, action="objective:remove", obj=objective,
                 before={"plan_id": plan.pk, "kind": objective.kind, "figure": objective.figure})
    objective.delete()


def _date(value: Any) -> Any:
    if isinstance(value, str) and value.strip():
        try:
            return dt.date.fromisoformat(value.strip()[:10])
        except ValueError:
            raise InvalidInput(_("deadline: “%(d)s” is not a date (YYYY-MM-DD)") % {"d": value[:20]},
                               code="bad_date", details={"field": "deadline"}) from None
    return value or None


@transaction.atomic
def task_add(*, plan: ImplementationPlan, title: str, owner_id: int, deadline: Any, measure: Any = None,
             figure: str = "", target: Any = None, objective_id: int | None = None, actor: Any) -> PlanTask:
    """A task with an owner (an existing organisation) and a deadline inside the plan's year; a figure (progress
    read from the platform) comes with its target; a measure is one of the responsibility matrix."""
    policy.authorise_plan_write(actor, body=plan.body, what="task add")
    plan = _locked(plan)
    _require_draft(plan)
    owner = supervision.body_ref(pk=owner_id)
    deadline = _date(deadline)
    errors = rules.task_errors(year=plan.year, title=title, deadline=deadline, figure=figure or "", target=target,
                               measure=measure, measures=supervision.measure_numbers(on=dt.date(plan.year, 12, 31)))
    objective = None
    if objective_id:
        objective = plan.objectives.filter(pk=objective_id).first()
        if objective is None:
            errors.append(rules.RuleError("objective_id", "unknown_objective",
                                          _("the plan has no objective %(id)s") % {"id": objective_id}))
    if errors:
        raise refuse(errors)
    task = PlanTask.objects.create(plan=plan, objective=objective, title=title.strip()[:200], owner=owner,
                                   measure=measure, deadline=deadline, figure=figure or "", target=target)
    audit.record(actor=actor, action="plan_task:create", obj=task,
                 after={"plan_id": plan.pk, "owner_id": owner.pk, "deadline": deadline, "measure": measure,
                        "figure": task.figure, "target": target})
    return task


@transaction.atomic
def task_remove(*, task: PlanTask, actor: Any) -> None:
    plan = task.plan
    policy.authorise_plan_write(actor, body=plan.body, what="task remove")
    _require_draft(_locked(plan))
    audit.record(actor=actor, action="plan_task:remove", obj=task,
                 before={"plan_id": plan.pk, "title": task.title, "owner_id": task.owner_id})
    task.delete()


def _plan_step(plan: ImplementationPlan, name: str, *, actor: Any, reason: str = "") -> ImplementationPlan:
    allowed, to = rules.PLAN_STEPS[name]
    audit.transition(plan, to=to, allowed_from=allowed, actor=actor, reason=reason, action=f"implementation_plan:{name}")
    return plan


@transaction.atomic
def plan_submit(*, plan: ImplementationPlan, actor: Any) -> ImplementationPlan:
    policy.authorise_plan_write(actor, body=plan.body, what="plan submit")
    plan = _locked(plan)
    missing = [rules.RuleError(field, "required", message) for field, message, present in (
        ("objectives", _("a plan needs at least one objective"), plan.objectives.exists()),
        ("tasks", _("a plan needs at least one task"), plan.tasks.exists())) if not present]
    if missing and plan.status in rules.PLAN_STEPS["submit"][0]:
        raise refuse(missing, code="plan_incomplete")
    return _plan_step(plan, "submit", actor=actor)


@transaction.atomic
def plan_approve(*, plan: ImplementationPlan, actor: Any) -> ImplementationPlan:
    policy.authorise_plan_approve(actor, what="plan approve")
    return _plan_step(_locked(plan), "approve", actor=actor)


@transaction.atomic
def plan_return(*, plan: ImplementationPlan, reason: str, actor: Any) -> ImplementationPlan:
    policy.authorise_plan_approve(actor, what="plan return")
    if not (reason or "").strip():
        raise InvalidInput(_("Returning a plan needs a reason."), code="reason_required", details={"field": "reason"})
    return _plan_step(_locked(plan), "return", actor=actor, reason=reason.strip()[:2000])


@transaction.atomic
def task_step(*, task: PlanTask, step: str, reason: str = "", actor: Any) -> PlanTask:
    """Complete or reopen a task (its owner, the plan's body, or an office over the body's region)."""
    if step not in rules.TASK_STEPS:
        raise InvalidInput(_("Unknown step “%(s)s”.") % {"s": str(step)[:20]}, code="bad_step",
                           details={"field": "step", "allowed": list(rules.TASK_STEPS)})
    policy.authorise_task_step(actor, task=task)
    allowed, to = rules.TASK_STEPS[step]
    audit.transition(task, to=to, allowed_from=allowed, actor=actor, reason=(reason or "").strip()[:2000],
                     action=f"plan_task:{step}")
    return task


# -- cases --------------------------------------------------------------------------------------------------------
def _submitter(actor: Any, submitted_by_id: int | None) -> Any:
    if submitted_by_id is not None and (actor is None or isinstance(actor, str)):
        return supervision.body_ref(pk=submitted_by_id)
    org = getattr(actor, "organisation", None)
    if org is None:
        raise InvalidInput(_("A case is submitted by an organisation: your account acts for none."),
                           code="no_organisation", details={"field": "submitted_by"})
    return org


def _link_entity(actor: Any, entity_id: int) -> Any:
    """The market entity, if the submitter's scope covers it; the same refusal whether it is outside the scope or
    does not exist (nothing is revealed about entities elsewhere)."""
    viewer = figures.READER if actor is None or isinstance(actor, str) else actor
    entity = registry.entity_list(viewer=viewer).filter(pk=entity_id).first()
    if entity is None or policy.link_refusal(actor, region_code=entity.region.code) is not None:
        raise refuse([rules.RuleError("entity_id", "link_outside_scope",
                                      _("no market entity %(id)s lies within your scope") % {"id": entity_id})])
    return entity


def _link_relation(actor: Any, relation_id: int) -> Any:
    """The assistance relation, if the submitter's scope covers its helped region or its helping side (the
    region or the organisation)."""
    relation = registry.relation_list(viewer=figures.READER).filter(pk=relation_id).first()
    sides = [] if relation is None else [r.code for r in (relation.helped_region, relation.helper_region,
                                                              getattr(relation.helper_org, "region", None)) if r]
    ok = any(policy.link_refusal(actor, region_code=code) is None for code in sides)
    if not ok:
        raise refuse([rules.RuleError("relation_id", "link_outside_scope",
                                      _("no assistance relation %(id)s lies within your scope") % {"id": relation_id})])
    return relation


@transaction.atomic
def case_submit(*, region_code: str, kind: str, title: str, text: str, summary: str = "", tags: Any = "",
                entity_id: int | None = None, relation_id: int | None = None, submitted_by_id: int | None = None,
                actor: Any) -> Case:
    """A case submitted for review by the actor's organisation, for a region in its scope; HTML in the text is
    kept as typed and always shown escaped."""
    code = (region_code or "").strip()
    region = registry.regions_by_codes(codes={code}).get(code) if code else None
    tag_list = rules.normalise_tags(tags)
    errors = rules.case_errors(title=title or "", summary=summary or "", body=text or "", kind=kind, tags=tag_list)
    if region is None:
        errors.insert(0, rules.RuleError("region_code", "unknown_region",
                                         _("no region has the code “%(c)s”") % {"c": code[:20]}))
    if errors or region is None:
        raise refuse(errors)
    policy.authorise_case_submit(actor, region_code=region.code)
    submitter = _submitter(actor, submitted_by_id)
    entity = _link_entity(actor, entity_id) if entity_id else None
    relation = _link_relation(actor, relation_id) if relation_id else None
    case = Case.objects.create(submitted_by=submitter, region=region, kind=kind, title=title.strip(),
                               summary=(summary or "").strip(), text=text.strip(), tags=tag_list,
                               tag_text="," + ",".join(tag_list) + "," if tag_list else "", entity=entity,
                               relation=relation, created_by=_user(actor))
    audit.record(actor=actor, action="case:submit", obj=case,
                 after={"submitted_by_id": submitter.pk, "region": region.code, "kind": kind, "title": case.title,
                        "tags": tag_list, "entity_id": entity_id, "relation_id": relation_id})
    return case


def _read_bounded(file: Any, limit: int) -> tuple[bytes, int]:
    """At most `limit + 1` bytes of an upload (enough to know it is too large), and its declared size."""
    if isinstance(file, bytes | bytearray):
        return bytes(file[:limit + 1]), len(file)
    if hasattr(file, "seek"):
        file.seek(0)
    data = file.read(limit + 1)
    return data, int(getattr(file, "size", None) or len(data))


@transaction.atomic
def case_photo_add(*, case: Case, file: Any, caption: str = "", actor: Any) -> CasePhoto:
    """A photo of a submitted case: refused when the file is empty, larger than the dated limit, one too many, or
    not an image by its content (a renamed file, a script with an image's name, a truncated image)."""
    policy.authorise_case_owner(actor, case=case, what="case photo")
    case = Case.objects.select_for_update().select_related("region", "submitted_by").get(pk=case.pk)
    if case.status != CaseStatus.SUBMITTED:
        raise Conflict(_("Photos are added while the case awaits review (it is %(status)s).")
                       % {"status": case.get_status_display()}, code="case_not_submitted")
    limits = selectors.photo_limits()
    data, size = _read_bounded(file, limits["max_bytes"])
    errors, info = rules.photo_errors(data=data, max_bytes=limits["max_bytes"], count=case.photos.count(),
                                      max_photos=limits["max_photos"])
    if errors and errors[0].code == "photo_too_large":
        errors = [rules.RuleError("photo", "photo_too_large",
                                  _("the photo has %(size)d bytes; at most %(max)d are accepted")
                                  % {"size": max(size, len(data)), "max": limits["max_bytes"]})]
    if errors:
        raise refuse(errors)
    media_type, width, height = info
    photo = CasePhoto.objects.create(case=case, data=data, content_type=media_type, size=len(data), width=width,
                                     height=height, caption=(caption or "").strip()[:200])
    audit.record(actor=actor, action="case:photo", obj=case,
                 after={"photo_id": photo.pk, "content_type": media_type, "size": len(data)})
    return photo


CASE_STEP_NAMES = tuple(rules.CASE_STEPS)


@transaction.atomic
def case_step(*, case: Case, step: str, reason: str = "", actor: Any) -> Case:
    """publish (reviewers over the case's region), reject (with a reason), withdraw (the submitter or the
    reviewers). Publishing stamps the publication time; each step is audited."""
    if step not in rules.CASE_STEPS:
        raise InvalidInput(_("Unknown step “%(s)s”.") % {"s": str(step)[:20]}, code="bad_step",
                           details={"field": "step", "allowed": list(rules.CASE_STEPS)})
    if step in rules.REVIEW_STEPS:
        policy.authorise_case_review(actor, case=case, what=f"case {step}")
    else:
        policy.authorise_case_owner(actor, case=case, what="case withdraw")
    reason = (reason or "").strip()[:2000]
    if step == "reject" and not reason:
        raise InvalidInput(_("Rejecting a case needs a reason."), code="reason_required", details={"field": "reason"})
    changes: dict[str, Any] = {}
    if step == "publish":
        changes["published_at"] = timezone.now()
    if step in rules.REVIEW_STEPS and reason:
        changes["review_note"] = reason
    if step == "withdraw":
        changes["featured"] = False
    allowed, to = rules.CASE_STEPS[step]
    audit.transition(case, to=to, allowed_from=allowed, actor=actor, reason=reason, action=f"case:{step}",
                     changes=changes)
    return case


@transaction.atomic
def case_feature(*, case: Case, featured: bool, actor: Any) -> Case:
    """Feature a published case on the public home page (or stop featuring it); reviewers over its region."""
    policy.authorise_case_review(actor, case=case, what="case feature")
    if case.status != CaseStatus.PUBLISHED:
        raise Conflict(_("Only a published case is featured."), code="case_not_published",
                       details={"status": case.status})
    if case.featured == bool(featured):
        return case
    Case.objects.filter(pk=case.pk).update(featured=bool(featured), updated_at=timezone.now())
    audit.record(actor=actor, action="case:feature", obj=case, before={"featured": case.featured},
                 after={"featured": bool(featured)})
    case.featured = bool(featured)
    return case


# -- the task inbox -------------------------------------------------------------------------------------------------
def inbox_mark_read(*, user: Any, keys: list[str] | None = None, today: dt.date | None = None) -> int:
    """Mark items of the user's inbox read (every item when `keys` is None); returns how many marks were added.
    Keys that are not in the user's inbox now are refused (nothing is marked)."""
    if not getattr(user, "pk", None) or not getattr(user, "is_authenticated", False):
        raise InvalidInput(_("Sign in to mark your inbox read."), code="not_signed_in")
    current = {i.key: i for i in inbox.inbox_items(viewer=user, today=today)}
    wanted = list(current) if keys is None else list(dict.fromkeys(k.strip() for k in keys if k and k.strip()))
    unknown = [k for k in wanted if k not in current]
    if unknown:
        raise InvalidInput(_("These items are not in your inbox: %(keys)s.") % {"keys": ", ".join(unknown[:5])},
                           code="not_in_inbox", details={"unknown": unknown[:20]})
    fresh = [k for k in wanted if not current[k].read]
    with transaction.atomic():
        InboxReadMark.objects.bulk_create([InboxReadMark(user_id=user.pk, key=k) for k in fresh],
                                          ignore_conflicts=True)
    return len(fresh)
