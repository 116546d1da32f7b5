"""Leadership reads. Every selector that lists or opens something takes the viewer and returns only what it may see.

Who sees what:
- implementation plans of the bodies whose home region lies in the viewer's region scope, and of the viewer's own
  organisation and the units below it; a task also to the organisation that owns it (in the department view);
- published cases to every signed-in user (and, through `case_public_list` / `case_featured`, to the public portal);
  cases not (yet) published to the submitting organisation and to users whose scope covers the case's region.

Figures come from `fupin.leadership.figures` (the account's rollups, linkage, certification, incentives, the
registry); the responsibility matrix and the problem register from `fupin.supervision.selectors`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from fupin.core import params
from fupin.core.errors import NotFound
from fupin.incentives import selectors as incentives
from fupin.incentives.enums import NominationStatus
from fupin.registry import rules as registry_rules
from fupin.registry import selectors as registry
from fupin.supervision import selectors as supervision

from . import figures, parameters, policy, rules
from .enums import CaseStatus, TaskStatus
from .models import Case, CasePhoto, ImplementationPlan, Objective, PlanTask


def _signed_in(viewer: Any) -> bool:
    return bool(getattr(viewer, "is_authenticated", False)) and bool(getattr(viewer, "is_active", True))


def today() -> dt.date:
    return timezone.localdate()


def _own_ids(viewer: Any) -> set[int]:
    org = getattr(viewer, "organisation_id", None)
    return registry.organisation_subtree_ids(organisation=org) if org else set()


def _visible_body_q(viewer: Any, field: str) -> Q:
    """Bodies whose region lies in the viewer's scope, or the viewer's organisation and the units below it."""
    prefix = getattr(viewer, "scope_prefix", "") or ""
    if not prefix:
        return Q()
    q = Q(**{f"{field}__region__code__startswith": prefix})
    own = _own_ids(viewer)
    if own:
        q |= Q(**{f"{field}_id__in": own})
    return q


# -- plans --------------------------------------------------------------------------------------------------------
def plan_list(*, viewer: Any, year: int | None = None, status: str | None = None, body_id: int | None = None,
              orientation: str | None = None) -> QuerySet[ImplementationPlan]:
    if not _signed_in(viewer):
        return ImplementationPlan.objects.none()
    qs = ImplementationPlan.objects.select_related("body", "body__region").filter(_visible_body_q(viewer, "body"))
    if year:
        qs = qs.filter(year=year)
    if status:
        qs = qs.filter(status=status)
    if body_id:
        qs = qs.filter(body_id=body_id)
    if orientation:
        qs = qs.filter(orientation=orientation)
    return qs.order_by("-year", "body__region__code", "body__name")


def plan_get(*, viewer: Any, pk: int) -> ImplementationPlan:
    plan = plan_list(viewer=viewer).filter(pk=pk).first()
    if plan is None:
        raise NotFound(details={"plan": pk})
    return plan


def plan_ref(*, pk: int) -> ImplementationPlan:
    plan = ImplementationPlan.objects.select_related("body", "body__region").filter(pk=pk).first()
    if plan is None:
        raise NotFound(details={"plan": pk})
    return plan


def plan_objectives(*, plan: ImplementationPlan) -> QuerySet[Objective]:
    return plan.objectives.order_by("id")


def plan_tasks(*, plan: ImplementationPlan) -> QuerySet[PlanTask]:
    return plan.tasks.select_related("owner", "objective").order_by("deadline", "id")


def _progress(plan: ImplementationPlan, figure: str, target: int | None, memo: dict[str, Any],
              today_: dt.date) -> dict[str, Any] | None:
    if not figure:
        return None
    if figure not in memo:
        memo[figure] = figures.plan_figure(figure=figure, orientation=plan.orientation, body=plan.body,
                                           year=plan.year, today=today_)
    fig = memo[figure]
    return {**fig, "target": target, "progress_bp": rules.progress_bp(fig["actual"], target),
            "money": figure in rules.MONEY_FIGURES}


def plan_progress(*, plan: ImplementationPlan, today: dt.date | None = None) -> dict[str, Any]:
    """The plan's objectives and tasks, each with its live figure where it names one (`progress`: actual, target,
    `progress_bp` = actual ÷ target in basis points, the account filters of a ledger figure), and whether a task is
    overdue (open after its deadline)."""
    today_ = today or timezone.localdate()
    memo: dict[str, Any] = {}
    objectives = [{"objective": o, "progress": _progress(plan, o.figure, o.target, memo, today_)}
                  for o in plan_objectives(plan=plan)]
    tasks = [{"task": t, "progress": _progress(plan, t.figure, t.target, memo, today_),
              "overdue": t.status == TaskStatus.OPEN and t.deadline < today_}
             for t in plan_tasks(plan=plan)]
    return {"objectives": objectives, "tasks": tasks}


def plan_actions(*, viewer: Any, plan: ImplementationPlan) -> list[str]:
    """The steps the viewer may take on the plan now (for the pages): edit, submit, approve, return."""
    out = []
    if plan.status in rules.EDITABLE_PLAN and policy.may_write_plan(viewer, plan=plan):
        out += ["edit", "submit"]
    if policy.may_approve_plan(viewer):
        if plan.status in rules.PLAN_STEPS["approve"][0]:
            out.append("approve")
        if plan.status in rules.PLAN_STEPS["return"][0]:
            out.append("return")
    return out


def allowed_objectives(*, orientation: str) -> tuple[str, ...]:
    return rules.OBJECTIVES.get(orientation, ())


def task_list(*, viewer: Any, owner_id: int | None = None, status: str | None = None, year: int | None = None,
              overdue: bool = False) -> QuerySet[PlanTask]:
    """Tasks of the plans the viewer sees, and the tasks its organisation (or a unit below it) owns."""
    if not _signed_in(viewer):
        return PlanTask.objects.none()
    qs = PlanTask.objects.select_related("plan", "plan__body", "plan__body__region", "owner")
    if getattr(viewer, "scope_prefix", ""):
        q = _visible_body_q(viewer, "plan__body")
        own = _own_ids(viewer)
        if own:
            q |= Q(owner_id__in=own)
        qs = qs.filter(q)
    if owner_id:
        qs = qs.filter(owner_id=owner_id)
    if status:
        qs = qs.filter(status=status)
    if year:
        qs = qs.filter(plan__year=year)
    if overdue:
        qs = qs.filter(status=TaskStatus.OPEN, deadline__lt=today())
    return qs.order_by("deadline", "id")


def task_get(*, viewer: Any, pk: int) -> PlanTask:
    task = task_list(viewer=viewer).filter(pk=pk).first()
    if task is None:
        raise NotFound(details={"task": pk})
    return task


def measure_numbers(*, on: dt.date | None = None) -> set[int]:
    return supervision.measure_numbers(on=on)


def department_measures(*, organisation: Any, on: dt.date | None = None) -> list[dict[str, Any]]:
    """The seed measures the responsibility matrix in force names the organisation responsible for (a department
    matched by name, a provincial government for its province), with the matrix's name for it."""
    matrix = supervision.responsibility_matrix(on=on)
    value = matrix.value or {}
    keys = [key for key in value.get("bodies", {})
            if any(o.pk == organisation.pk for o in supervision.body_organisations(
                key=key, region_code=organisation.region.code, matrix=value))]
    out = []
    for m in value.get("measures", []):
        mine = [k for k in m.get("bodies", []) if k in keys]
        if mine:
            desc = value["bodies"][mine[0]]
            out.append({"number": int(m["number"]), "title": m.get("title", ""), "title_zh": m.get("title_zh", ""),
                        "as_en": desc.get("en", mine[0]), "as_zh": desc.get("zh", mine[0]),
                        "matrix_version": matrix.id})
    return out


def department_organisation(*, viewer: Any, pk: int) -> Any:
    """An organisation whose responsibilities the viewer may open: its own, one below it, one in its scope."""
    if _signed_in(viewer) and int(pk) in _own_ids(viewer):
        return registry.organisation_list(viewer=figures.READER).get(pk=pk)
    return registry.organisation_get(viewer=viewer, pk=pk)


def department_view(*, viewer: Any, organisation_id: int, year: int | None = None) -> dict[str, Any]:
    """What a department (or a provincial government) is responsible for: the seed measures the matrix names it
    for, the plan tasks it owns (of the year, when given), and the problems assigned to it."""
    org = department_organisation(viewer=viewer, pk=organisation_id)
    tasks = PlanTask.objects.select_related("plan", "plan__body", "owner").filter(owner_id=org.pk)
    if year:
        tasks = tasks.filter(plan__year=year)
    problems = supervision.problem_list(viewer=viewer, assigned_to=org.pk)
    return {"organisation": org, "measures": department_measures(organisation=org),
            "tasks": list(tasks.order_by("deadline", "id")), "problems": list(problems[:200]), "today": today()}


def responsible_choices(*, measure: int, region_code: str) -> list[dict[str, Any]]:
    """The bodies the matrix names for a measure (for proposing a task's owner)."""
    return supervision.responsible_bodies(measure=measure, region_code=region_code)


# -- cases --------------------------------------------------------------------------------------------------------
def _case_filters(qs: QuerySet[Case], *, q: str | None, kind: str | None, tag: str | None, region_code: str | None,
                  entity_id: int | None = None, relation_id: int | None = None) -> QuerySet[Case]:
    if q:
        text = q.strip()[:100]
        qs = qs.filter(Q(title__icontains=text) | Q(summary__icontains=text) | Q(text__icontains=text)
                       | Q(tag_text__contains="," + text.lower() + ","))
    if kind:
        qs = qs.filter(kind=kind)
    if tag:
        tags = rules.normalise_tags(tag)
        for t in tags[:rules.TAGS_MAX]:
            qs = qs.filter(tag_text__contains=f",{t},")
    if region_code:
        qs = qs.filter(region__code__startswith=registry_rules.subtree_prefix(region_code.strip()[:12]))
    if entity_id:
        qs = qs.filter(entity_id=entity_id)
    if relation_id:
        qs = qs.filter(relation_id=relation_id)
    return qs


def _cases() -> QuerySet[Case]:
    return Case.objects.select_related("submitted_by", "region", "entity", "relation", "relation__helper_org",
                                       "relation__helped_region")


def case_list(*, viewer: Any, q: str | None = None, kind: str | None = None, tag: str | None = None,
              region_code: str | None = None, status: str | None = None, featured: bool | None = None,
              entity_id: int | None = None, relation_id: int | None = None) -> QuerySet[Case]:
    """Cases the viewer may see (see the module docstring), searched (title, summary, text, tag) and filtered."""
    if not _signed_in(viewer):
        return Case.objects.none()
    qs = _cases()
    prefix = getattr(viewer, "scope_prefix", "") or ""
    if prefix:
        q_vis = Q(status=CaseStatus.PUBLISHED) | Q(region__code__startswith=prefix)
        own = _own_ids(viewer)
        if own:
            q_vis |= Q(submitted_by_id__in=own)
        qs = qs.filter(q_vis)
    if status:
        qs = qs.filter(status=status)
    if featured is not None:
        qs = qs.filter(featured=featured)
    qs = _case_filters(qs, q=q, kind=kind, tag=tag, region_code=region_code, entity_id=entity_id,
                       relation_id=relation_id)
    return qs.order_by("-published_at", "-created_at", "-id")


def case_get(*, viewer: Any, pk: int) -> Case:
    case = case_list(viewer=viewer).filter(pk=pk).first()
    if case is None:
        raise NotFound(details={"case": pk})
    return case


def case_ref(*, pk: int) -> Case:
    case = _cases().filter(pk=pk).first()
    if case is None:
        raise NotFound(details={"case": pk})
    return case


def case_public_list(*, q: str | None = None, kind: str | None = None, tag: str | None = None,
                     region_code: str | None = None) -> QuerySet[Case]:
    """Published cases for everyone (the public portal): searched and filtered as `case_list`."""
    qs = _cases().filter(status=CaseStatus.PUBLISHED)
    return _case_filters(qs, q=q, kind=kind, tag=tag, region_code=region_code).order_by("-published_at", "-id")


def case_public_get(*, pk: int) -> Case:
    case = case_public_list().filter(pk=pk).first()
    if case is None:
        raise NotFound(details={"case": pk})
    return case


def case_featured(*, limit: int = 3) -> list[Case]:
    """The featured published cases, newest first (the public home page shows them)."""
    return list(case_public_list().filter(featured=True)[:max(0, min(int(limit), 20))])


def recognitions_public(*, limit: int = 6) -> list[dict[str, Any]]:
    """Published recognitions (nominations published by their round), newest first, for the public home page:
    the round, the name of the recognised organisation or market entity, its group and rank, and the citation."""
    rows = []
    for n in incentives.nomination_list(viewer=figures.READER, status=NominationStatus.PUBLISHED).order_by(
            "-published_on", "round_id", "rank", "id")[:max(0, min(int(limit), 50))]:
        name = n.organisation.name if n.organisation else (n.entity.name if n.entity else "")
        rows.append({"id": n.pk, "round": n.round.title, "year": n.round.year, "name": name,
                     "group": n.get_group_display(), "rank": n.rank, "citation": n.citation,
                     "published_on": n.published_on, "region_code": n.region_code})
    return rows


def case_photos(*, case: Case) -> QuerySet[CasePhoto]:
    return case.photos.defer("data").order_by("id")


def photo_get(*, viewer: Any, pk: int) -> CasePhoto:
    """A photo of a case the viewer may see (published photos also through `photo_public_get`)."""
    photo = CasePhoto.objects.filter(pk=pk, case__in=case_list(viewer=viewer)).first() if _signed_in(viewer) else None
    if photo is None:
        raise NotFound(details={"photo": pk})
    return photo


def photo_public_get(*, pk: int) -> CasePhoto:
    photo = CasePhoto.objects.filter(pk=pk, case__status=CaseStatus.PUBLISHED).first()
    if photo is None:
        raise NotFound(details={"photo": pk})
    return photo


def photo_limits(*, on: dt.date | None = None) -> dict[str, int]:
    value = params.value(parameters.CASE_PHOTOS, on=on or today())
    return {"max_bytes": int(value["max_bytes"]), "max_photos": int(value["max_photos"])}


def case_figures(*, case: Case, year: int | None = None) -> dict[str, Any]:
    """The live figures of what a case links to: the entity's counted sales (direct and helped) and the benefits it
    paid to households (the amount only above the public minimum of households), the relation's counted totals."""
    out: dict[str, Any] = {"entity": None, "relation": None, "year": year}
    if case.entity_id:
        minimum = int(params.value(parameters.PUBLIC_FIGURES, on=today())["min_households"])
        out["entity"] = figures.entity_figures(entity_id=case.entity_id, year=year, min_households=minimum)
    if case.relation_id:
        out["relation"] = figures.relation_figures(relation=case.relation, year=year)
    return out


def case_actions(*, viewer: Any, case: Case) -> list[str]:
    """The steps the viewer may take on the case now (for the pages)."""
    out = []
    if case.status in rules.CASE_STEPS["publish"][0] and policy.may_review(viewer, case=case):
        out += ["publish", "reject"]
    if case.status == CaseStatus.PUBLISHED and policy.may_review(viewer, case=case):
        out.append("unfeature" if case.featured else "feature")
    if case.status in rules.CASE_STEPS["withdraw"][0] and policy.may_own_case(viewer, case=case):
        out.append("withdraw")
    if case.status == CaseStatus.SUBMITTED and policy.may_own_case(viewer, case=case):
        out.append("photo")
    return out


def tag_cloud(*, limit: int = 30) -> list[tuple[str, int]]:
    """The tags of published cases with how many cases carry each, most used first."""
    counts: dict[str, int] = {}
    for tags in Case.objects.filter(status=CaseStatus.PUBLISHED).values_list("tags", flat=True)[:5000]:
        for t in tags or []:
            counts[t] = counts.get(t, 0) + 1
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]


def entity_choices(*, viewer: Any, q: str = "") -> Iterable[Any]:
    return registry.entity_list(viewer=viewer, q=q or None)[:50]

