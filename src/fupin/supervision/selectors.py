"""Supervision reads. Every selector takes the viewer and returns only what it may see.

Who sees what:
- plans, approvals and scorecards of the bodies whose home region lies in the viewer's region scope, and of the
  viewer's own organisation and the units below it;
- the early-warning list of a supervising body: the bodies it supervises (the units below it; for a government,
  the governments of the regions below its own), and everyone for a nation-scoped office or administrator;
- problems raised in the viewer's region scope, or raised by, assigned to or escalated to its organisation.

Figures come from `fupin.supervision.figures` (the account's rollups, linkage, certification).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from fupin.core import memory, params
from fupin.core.errors import InvalidInput, NotFound
from fupin.registry import rules as registry_rules
from fupin.registry import selectors as registry

from . import figures, parameters, rules
from .enums import ApprovalStatus, PlanStatus, ProgressStatus
from .figures import ASSESSOR, BodyContext, Window
from .models import Approval, Problem, Scorecard, Snapshot, Target, WorkPlan

STATUS_ORDER: dict[str, int] = {ProgressStatus.FAR_BEHIND: 0, ProgressStatus.BEHIND: 1, ProgressStatus.ON_TRACK: 2}


def _signed_in(viewer: Any) -> bool:
    return bool(getattr(viewer, "is_authenticated", False)) and bool(getattr(viewer, "is_active", True))


def today() -> dt.date:
    return timezone.localdate()


# -- bodies and the hierarchy -------------------------------------------------------------------------------------
def body_ref(*, pk: Any) -> Any:
    """A body by id whatever the viewer's scope (the services then authorise); InvalidInput naming the id when no
    organisation has it (a plan, target, approval or problem for a body that does not exist)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        pk = 0
    org = registry.organisation_list(viewer=ASSESSOR).filter(pk=pk).first() if pk > 0 else None
    if org is None:
        raise InvalidInput(_("No organisation has the id %(id)s.") % {"id": pk}, code="unknown_body",
                           details={"field": "body_id", "id": pk})
    return org


def _visible_body_q(viewer: Any, field: str) -> Q:
    prefix = getattr(viewer, "scope_prefix", "") or ""
    q = Q(**{f"{field}__region__code__startswith": prefix}) if prefix else Q()
    org_id = getattr(viewer, "organisation_id", None)
    if prefix and org_id:
        q |= Q(**{f"{field}_id__in": registry.organisation_subtree_ids(organisation=org_id)})
    return q


def visible_bodies(*, viewer: Any) -> QuerySet:
    if not _signed_in(viewer):
        return registry.organisation_list(viewer=viewer).none()
    prefix = getattr(viewer, "scope_prefix", "") or ""
    qs = registry.organisation_list(viewer=ASSESSOR)
    if not prefix:
        return qs
    q = Q(region__code__startswith=prefix)
    if getattr(viewer, "organisation_id", None):
        q |= Q(pk__in=registry.organisation_subtree_ids(organisation=viewer.organisation_id))
    return qs.filter(q)


def region_governments(*, codes: Iterable[str]) -> dict[str, int]:
    """The registered government of each region code (the lowest id where a region has several)."""
    out: dict[str, int] = {}
    for org in (registry.organisation_list(viewer=ASSESSOR).filter(kind__in=rules.GOVERNING_KINDS,
                                                                  region__code__in=list(codes)).order_by("id")):
        out.setdefault(org.region.code, org.pk)
    return out


def approval_chain(*, body: Any) -> list[int | None]:
    """The bodies that approve `body`'s periods in order (None: the national office); see `rules.approval_chain`."""
    governing = body.kind in rules.GOVERNING_KINDS
    codes = registry_rules.ancestor_codes(body.region.code)[1:] if governing else []
    govs = region_governments(codes=codes)
    parents = [o.pk for o in registry.organisation_ancestors(organisation=body)[1:]]
    return rules.approval_chain(governing=governing, region_governments=[govs.get(c) for c in codes], parents=parents)


def supervised_body_ids(*, viewer: Any) -> set[int] | None:
    """The bodies the viewer's organisation supervises (None: everyone — a nation-scoped office or administrator):
    the units below it; for a government, the governments of the regions below its own as well."""
    if not _signed_in(viewer):
        return set()
    org = getattr(viewer, "organisation", None)
    if not (getattr(viewer, "scope_prefix", "") or "") and (
            viewer.has_role("administrator") or getattr(org, "kind", "") == "government_department"):
        return None
    if org is None:
        return set()
    ids = registry.organisation_subtree_ids(organisation=org) - {org.pk}
    if org.kind in rules.GOVERNING_KINDS:
        prefix = registry_rules.subtree_prefix(org.region.code)
        ids |= set(registry.organisation_list(viewer=ASSESSOR).filter(
            kind__in=rules.GOVERNING_KINDS, region__code__startswith=prefix).exclude(pk=org.pk)
            .values_list("pk", flat=True))
    return ids


# -- plans --------------------------------------------------------------------------------------------------------
def plan_list(*, viewer: Any, year: int | None = None, status: str | None = None, body_id: int | None = None,
              current: bool = False) -> QuerySet[WorkPlan]:
    """Plans of the bodies the viewer may see; `current`: the newest version of each body and year that is not
    superseded."""
    if not _signed_in(viewer):
        return WorkPlan.objects.none()
    qs = WorkPlan.objects.select_related("body", "body__region").filter(_visible_body_q(viewer, "body"))
    if year:
        qs = qs.filter(year=year)
    if status:
        qs = qs.filter(status=status)
    if body_id:
        qs = qs.filter(body_id=body_id)
    if current:
        qs = qs.exclude(status=PlanStatus.SUPERSEDED)
    return qs.order_by("-year", "body__name", "-version")


def plan_get(*, viewer: Any, pk: int) -> WorkPlan:
    plan = plan_list(viewer=viewer).filter(pk=pk).first()
    if plan is None:
        raise NotFound(details={"plan": pk})
    return plan


def plan_ref(*, pk: int) -> WorkPlan:
    plan = WorkPlan.objects.select_related("body", "body__region").filter(pk=pk).first()
    if plan is None:
        raise NotFound(details={"plan": pk})
    return plan


def plan_targets(*, plan: WorkPlan) -> QuerySet[Target]:
    # The whole-body target (no region, no sub-unit) comes first on every engine: PostgreSQL sorts NULL last.
    return plan.targets.select_related("region", "sub_unit").order_by(
        "metric", "scheme", F("region__code").asc(nulls_first=True), F("sub_unit_id").asc(nulls_first=True))


def plan_targets_of(*, plans: list[WorkPlan]) -> QuerySet[Target]:
    """The targets of many plans in one query, each plan's in `plan_targets`' order."""
    return Target.objects.select_related("region", "sub_unit").filter(plan__in=plans).order_by(
        "plan_id", "metric", "scheme", F("region__code").asc(nulls_first=True),
        F("sub_unit_id").asc(nulls_first=True))


def approved_plan(*, body_id: int, year: int) -> WorkPlan | None:
    return (WorkPlan.objects.select_related("body", "body__region")
            .filter(body_id=body_id, year=year, status=PlanStatus.APPROVED).order_by("-version").first())


# -- progress -----------------------------------------------------------------------------------------------------
def _versions(key: str, memo: dict[Any, Any] | None) -> list[params.ParamVersion]:
    found: list[params.ParamVersion] = _memo(memo, ("versions", key), lambda: params.versions(key))
    return found


def thresholds(*, on: dt.date, region_code: str = "", memo: dict[Any, Any] | None = None) -> rules.Thresholds:
    """The progress thresholds in force on `on` for the region (`memo`: the parameter's versions read once by a
    list of plans)."""
    v = params.resolve(_versions(parameters.PROGRESS_STATUS, memo), on=on, region_code=region_code)
    if v is None:
        v = params.get(parameters.PROGRESS_STATUS, on=on, region_code=region_code)  # raises ParameterMissing
    return rules.thresholds_from(v.value, version_id=v.id)


def seasonal_profile(*, scheme: str, on: dt.date, region_code: str = "",
                     memo: dict[Any, Any] | None = None) -> list[float] | None:
    if not scheme:
        return None
    v = params.resolve(_versions(parameters.methodology_key(scheme), memo), on=on, region_code=region_code)
    return (v.value or {}).get("seasonal_profile") if v else None


def target_spec(t: Target) -> dict[str, Any]:
    return {"target_id": t.pk, "key": t.key, "metric": t.metric, "scheme": t.scheme,
            "region_code": t.region.code if t.region is not None else "", "sub_unit_id": t.sub_unit_id, "target": t.value,
            "sub_target": t.is_sub_target}


def target_figures(*, plan: WorkPlan, window: Window, ctx: BodyContext | None = None,
                   targets: Iterable[Target] | None = None,
                   book: figures.LedgerBook | None = None) -> list[dict[str, Any]]:
    """Each target of the plan with its actual figure in the window (and what opens the entries behind it)."""
    ctx = ctx or figures.body_context(body=plan.body, year=plan.year)
    out = []
    for t in targets if targets is not None else plan_targets(plan=plan):
        spec = target_spec(t)
        fig = figures.figure(ctx=ctx, metric=t.metric, scheme=t.scheme, region_code=spec["region_code"],
                             sub_unit_id=t.sub_unit_id, window=window, book=book)
        out.append({**spec, **fig})
    return out


def _memo(memo: dict[Any, Any] | None, key: Any, compute: Any) -> Any:
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def progress(*, plan: WorkPlan, as_of: dt.date | None = None, book: figures.LedgerBook | None = None,
             memo: dict[Any, Any] | None = None, ctx: figures.BodyContext | None = None,
             targets: Iterable[Target] | None = None) -> list[dict[str, Any]]:
    """Each target against the time-proportional expectation (or the scheme's seasonal profile) for `as_of`
    (default today), with its status by the thresholds in force. `book` and `memo` (the parameters read), the
    body's `ctx` and the plan's `targets` are handed in by a list of plans that read them at once."""
    as_of = as_of or today()
    region = plan.body.region.code
    on = min(as_of, dt.date(plan.year, 12, 31))
    th = _memo(memo, ("thresholds", on, region), lambda: thresholds(on=on, region_code=region, memo=memo))
    window = Window(plan.year, end=as_of if as_of.year == plan.year else None)
    rows = target_figures(plan=plan, window=window, book=book, ctx=ctx, targets=targets)
    for r in rows:
        profile = _memo(memo, ("profile", r["scheme"], as_of, region),
                        lambda r=r: seasonal_profile(scheme=r["scheme"], on=as_of, region_code=region, memo=memo))
        share = rules.expected_share(year=plan.year, as_of=as_of, profile=profile)
        expected = rules.expected_value(r["target"], share)
        r.update(expected=expected, expected_share_bp=int(share * rules.BP),
                 ratio_bp=rules.ratio_bp(r["actual"], expected),
                 status=rules.progress_status(actual=r["actual"], expected=expected, thresholds=th),
                 thresholds_version=th.version_id, as_of=as_of.isoformat())
    return rows


@dataclass
class WarningLine:
    plan: WorkPlan
    figure: dict[str, Any]

    @property
    def status(self) -> str:
        return self.figure["status"]


@memory.gc_paused()  # many short-lived dicts: see core.memory
def early_warnings(*, viewer: Any, year: int, as_of: dt.date | None = None, include_on_track: bool = False,
                   limit: int = 500) -> list[WarningLine]:
    """The targets of the approved plans of the bodies the viewer supervises (everyone for the national office),
    behind or far behind the expectation for `as_of`, worst first."""
    if not _signed_in(viewer):
        return []
    ids = supervised_body_ids(viewer=viewer)
    qs = plan_list(viewer=viewer, year=year, status=PlanStatus.APPROVED)
    if ids is not None:
        qs = qs.filter(body_id__in=ids)
    lines = []
    book = figures.LedgerBook(year)
    memo: dict[Any, Any] = {}
    plans = list(qs[:limit])
    contexts = figures.body_contexts(bodies=[p.body for p in plans], year=year)
    targets: dict[int, list[Target]] = {}
    for t in plan_targets_of(plans=plans):
        targets.setdefault(t.plan_id, []).append(t)
    for plan in plans:
        for fig in progress(plan=plan, as_of=as_of, book=book, memo=memo, ctx=contexts[plan.body_id],
                            targets=targets.get(plan.pk, [])):
            if include_on_track or fig["status"] != ProgressStatus.ON_TRACK:
                lines.append(WarningLine(plan, fig))
    lines.sort(key=lambda w: (STATUS_ORDER[w.status], w.figure["ratio_bp"], w.plan.body.name))
    return lines


# -- approvals ----------------------------------------------------------------------------------------------------
def approval_list(*, viewer: Any, year: int | None = None, status: str | None = None,
                  awaiting: bool = False) -> QuerySet[Approval]:
    """Approvals of the bodies the viewer may see; `awaiting`: those whose next approver is the viewer's
    organisation (or the national office, for a nation-scoped office)."""
    if not _signed_in(viewer):
        return Approval.objects.none()
    qs = Approval.objects.select_related("body", "body__region", "plan")
    if awaiting:
        qs = qs.filter(status__in=(ApprovalStatus.SUBMITTED, ApprovalStatus.ACCEPTED))
        ids = [a.pk for a in qs if _awaits(viewer, a)]
        qs = Approval.objects.select_related("body", "body__region", "plan").filter(pk__in=ids)
    else:
        qs = qs.filter(_visible_body_q(viewer, "body"))
    if year:
        qs = qs.filter(year=year)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-year", "body__name", "period_kind", "number")


def _awaits(viewer: Any, approval: Approval) -> bool:
    step = approval.next_approver_id
    if approval.level >= len(approval.chain or []):
        return False
    if step is None:
        return not (viewer.scope_prefix or "") and (viewer.has_role("administrator") or getattr(
            getattr(viewer, "organisation", None), "kind", "") == "government_department")
    return getattr(viewer, "organisation_id", None) == step


def approval_get(*, viewer: Any, pk: int) -> Approval:
    approval = (approval_list(viewer=viewer).filter(pk=pk).first()
                or approval_list(viewer=viewer, awaiting=True).filter(pk=pk).first())
    if approval is None:
        raise NotFound(details={"approval": pk})
    return approval


def approval_ref(*, pk: int) -> Approval:
    approval = Approval.objects.select_related("body", "body__region", "plan").filter(pk=pk).first()
    if approval is None:
        raise NotFound(details={"approval": pk})
    return approval


def latest_snapshot(*, approval: Approval) -> Snapshot | None:
    return approval.snapshots.order_by("-version").first()


def adjustments(*, approval: Approval) -> list[dict[str, Any]]:
    """For a frozen approval: each figure as approved, as the account reads it now, and the difference — a late
    correction shows here as an adjustment, not as a change of the approved figures."""
    snap = latest_snapshot(approval=approval)
    if snap is None:
        return []
    window = Window.period(approval.period_kind, approval.year, approval.number)
    plan = approval.plan
    now = {f["key"]: f for f in target_figures(plan=plan, window=window)}
    out = []
    for f in snap.figures.get("targets", []):
        live = now.get(f["key"])
        actual_now = live["actual"] if live else f["actual"]
        out.append({**f, "approved": f["actual"], "now": actual_now, "adjustment": actual_now - f["actual"]})
    return out


def approved_snapshot(*, body_id: int, year: int, period_kind: str = "year", number: int = 1) -> Snapshot | None:
    approval = Approval.objects.filter(body_id=body_id, year=year, period_kind=period_kind, number=number,
                                       status=ApprovalStatus.APPROVED).first()
    return latest_snapshot(approval=approval) if approval else None


# -- problems -----------------------------------------------------------------------------------------------------
def problem_list(*, viewer: Any, status: str | None = None, assigned_to: int | None = None,
                 overdue: bool = False, region_code: str | None = None, measure: int | None = None) -> QuerySet[Problem]:
    if not _signed_in(viewer):
        return Problem.objects.none()
    prefix = getattr(viewer, "scope_prefix", "") or ""
    qs = Problem.objects.select_related("raised_by", "region", "escalated_to")
    if prefix:
        q = Q(region__code__startswith=prefix)
        org = getattr(viewer, "organisation_id", None)
        if org:
            q |= Q(raised_by_id=org) | Q(assigned__id=org) | Q(escalated_to_id=org)
        qs = qs.filter(q).distinct()
    if status:
        qs = qs.filter(status=status)
    if assigned_to:
        qs = qs.filter(assigned__id=assigned_to)
    if overdue:
        qs = qs.filter(status__in=rules.UNRESOLVED, due_date__lt=today())
    if region_code:
        qs = qs.filter(region__code__startswith=registry_rules.subtree_prefix(region_code))
    if measure:
        qs = qs.filter(measure=measure)
    return qs.order_by("-created_at", "-id")


def problem_get(*, viewer: Any, pk: int) -> Problem:
    problem = problem_list(viewer=viewer).filter(pk=pk).first()
    if problem is None:
        raise NotFound(details={"problem": pk})
    return problem


def problem_ref(*, pk: int) -> Problem:
    problem = Problem.objects.select_related("raised_by", "region", "escalated_to").filter(pk=pk).first()
    if problem is None:
        raise NotFound(details={"problem": pk})
    return problem


def responsibility_matrix(*, on: dt.date | None = None) -> params.ParamVersion:
    return params.get(parameters.RESPONSIBILITY_MATRIX, on=on or today())


def measure_numbers(*, on: dt.date | None = None) -> set[int]:
    return {int(m["number"]) for m in (responsibility_matrix(on=on).value or {}).get("measures", [])}


def body_organisations(*, key: str, region_code: str, matrix: dict[str, Any]) -> list[Any]:
    """The registry organisations a matrix body stands for: a department matched by name, or the provincial
    government of the region's province."""
    qs = registry.organisation_list(viewer=ASSESSOR)
    if key == "provincial_governments":
        if not region_code:
            return []
        return list(qs.filter(kind="provincial_government", region__code=region_code[:2] + "0000").order_by("id")[:1])
    names = (matrix.get("bodies", {}).get(key) or {}).get("match") or []
    return list(qs.filter(kind="government_department", name__in=names).order_by("id")[:1]) if names else []


def responsible_bodies(*, measure: int, region_code: str = "", on: dt.date | None = None) -> list[dict[str, Any]]:
    """The bodies the matrix in force names for a measure, each with the organisation it stands for (if any)."""
    matrix = responsibility_matrix(on=on)
    value = matrix.value or {}
    m = next((m for m in value.get("measures", []) if int(m["number"]) == int(measure)), None)
    if m is None:
        raise InvalidInput(_("The responsibility matrix has no measure %(m)s.") % {"m": measure},
                           code="unknown_measure", details={"field": "measure", "measure": measure})
    out = []
    for key in m.get("bodies", []):
        desc = value.get("bodies", {}).get(key, {})
        orgs = body_organisations(key=key, region_code=region_code, matrix=value)
        out.append({"key": key, "name_en": desc.get("en", key), "name_zh": desc.get("zh", key),
                    "organisation": orgs[0] if orgs else None, "matrix_version": matrix.id})
    return out


def escalation_target(*, problem: Problem) -> Any:
    """The supervising body of a problem's region: the government of the region above it (a county's prefecture,
    a prefecture's province); for a province, the national office (the matrix's Poverty Alleviation Office)."""
    codes = [c for c in registry_rules.ancestor_codes(problem.region.code)
             if registry_rules.level_of(c) in ("county", "prefecture", "province")]
    govs = region_governments(codes=codes[1:])
    for code in codes[1:]:
        if code in govs:
            return registry.organisation_ref(pk=govs[code])
    matrix = responsibility_matrix().value or {}
    found = body_organisations(key="nrra", region_code="", matrix=matrix)
    return found[0] if found else None


# -- scorecards ---------------------------------------------------------------------------------------------------
def scorecard_list(*, viewer: Any, year: int | None = None, scheme: str | None = None) -> QuerySet[Scorecard]:
    if not _signed_in(viewer):
        return Scorecard.objects.none()
    qs = Scorecard.objects.select_related("body", "body__region").filter(_visible_body_q(viewer, "body"))
    if year:
        qs = qs.filter(year=year)
    if scheme:
        qs = qs.filter(scheme=scheme)
    return qs.order_by("-year", "scheme", "-total_centi", "body__name")


def scorecard_get(*, viewer: Any, pk: int) -> Scorecard:
    card = scorecard_list(viewer=viewer).filter(pk=pk).first()
    if card is None:
        raise NotFound(details={"scorecard": pk})
    return card


def scorecard_ref(*, pk: int) -> Scorecard:
    card = Scorecard.objects.select_related("body", "body__region").filter(pk=pk).first()
    if card is None:
        raise NotFound(details={"scorecard": pk})
    return card


def ranking(*, year: int, scheme: str) -> dict[int, int]:
    """Each scorecard's place among the year's scorecards of the scheme (ties share a place)."""
    return rules.ranking(list(Scorecard.objects.filter(year=year, scheme=scheme).values_list("pk", "total_centi")))


def last_year(*, card: Scorecard) -> Scorecard | None:
    return Scorecard.objects.filter(body_id=card.body_id, scheme=card.scheme, year=card.year - 1).first()
