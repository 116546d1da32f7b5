"""Supervision writes for work plans and targets. Keyword-only, typed, authorised by `policy`, audited.

- `plan_create(*, body_id, year, letter_ref, actor)` → a draft plan (version 1)
- `target_set(*, plan, metric, value, scheme, region_code, sub_unit_id, note, actor)` → create or change a target
  of a draft plan; `target_remove(*, target, actor)`
- `plan_submit`, `plan_approve`, `plan_return(*, plan, reason, actor)`: draft → submitted → approved (or back to
  draft); the approver is the next body of the approval chain (`selectors.approval_chain`)
- `plan_revise(*, plan, reason, actor)`: a change after approval is a new draft version with its reason; approving
  it supersedes the approved one. Refused while an approved (or accepted) period of the year holds the targets.

Periods, problems and scorecards: `approvals`, `problems`, `scorecards`; target files: `imports`.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fupin.core import audit
from fupin.core.errors import Conflict, InvalidInput
from fupin.registry import rules as registry_rules
from fupin.registry import selectors as registry

from . import policy, rules, selectors
from .enums import PlanStatus
from .figures import ASSESSOR, body_context
from .models import Approval, Target, WorkPlan


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
def plan_create(*, body_id: int, year: int, letter_ref: str = "", actor: Any) -> WorkPlan:
    """A draft work plan for a body and year (one per body and year; later changes are versions)."""
    body = selectors.body_ref(pk=body_id)
    if (err := rules.year_error(year, this_year=_this_year())) is not None:
        raise refuse([err])
    policy.authorise_body_write(actor, body=body, what="plan create")
    try:
        with transaction.atomic():
            plan = WorkPlan.objects.create(body=body, year=year, version=1, letter_ref=(letter_ref or "")[:200],
                                           created_by=_user(actor))
            audit.record(actor=actor, action="plan:create", obj=plan,
                         after={"body_id": body.pk, "year": year, "version": 1})
    except IntegrityError:
        raise Conflict(_("%(body)s already has a work plan for %(year)d: change it, or revise the approved one.")
                       % {"body": body, "year": year}, code="plan_exists",
                       details={"body_id": body.pk, "year": year}) from None
    return plan


def plan_get_or_create(*, body: Any, year: int, actor: Any) -> WorkPlan:
    """The body's editable plan for the year (for imports): the newest draft, else a new version 1."""
    plan = WorkPlan.objects.filter(body=body, year=year).order_by("-version").first()
    if plan is None:
        return plan_create(body_id=body.pk, year=year, actor=actor)
    return plan


def _require_draft(plan: WorkPlan) -> None:
    if plan.status not in rules.EDITABLE_PLAN:
        raise Conflict(_("Plan %(plan)s is %(status)s: only a draft is changed; revise an approved plan as a new "
                         "version.") % {"plan": plan, "status": plan.get_status_display()}, code="plan_not_draft",
                       details={"status": plan.status})


def target_check(*, plan: WorkPlan, metric: str, value: Any, scheme: str = "", region_code: str = "",
                 sub_unit_id: int | None = None, ctx: Any = None, regions: dict[str, Any] | None = None,
                 units: dict[int, Any] | None = None) -> tuple[list[rules.RuleError], Any, Any]:
    """The errors of a target (the rules', an unknown or unpaired region, an unknown or foreign sub-unit) and the
    region and sub-unit it names. `ctx`, `regions`, `units`: what an import looked up for a whole batch."""
    errors = rules.target_errors(metric=metric, value=value, scheme=scheme or "")
    region = sub_unit = None
    if region_code:
        region = (regions if regions is not None else registry.regions_by_codes(codes={region_code})).get(region_code)
        if region is None:
            errors.append(rules.RuleError("region_code", "unknown_region",
                                          _("no region has the code “%(c)s”") % {"c": region_code[:20]}))
        else:
            ctx = ctx or body_context(body=plan.body, year=plan.year)
            paired = ctx.helped_codes(scheme or "")
            own = ctx.governing and region.code.startswith(
                registry_rules.subtree_prefix(plan.body.region.code))
            if not own and not any(region.code.startswith(registry_rules.subtree_prefix(c)) for c in paired):
                errors.append(rules.RuleError("region_code", "not_paired",
                                              _("%(region)s is not a region %(body)s helps or governs in %(year)d")
                                              % {"region": region, "body": plan.body, "year": plan.year}))
    if sub_unit_id:
        sub_unit = (units.get(sub_unit_id) if units is not None
                    else registry.organisation_list(viewer=ASSESSOR).filter(pk=sub_unit_id).first())
        if sub_unit is None:
            errors.append(rules.RuleError("sub_unit_id", "unknown_body",
                                          _("no organisation has the id %(id)s") % {"id": sub_unit_id}))
        elif sub_unit.pk == plan.body_id or sub_unit.pk not in registry.organisation_subtree_ids(organisation=plan.body):
            errors.append(rules.RuleError("sub_unit_id", "not_subordinate",
                                          _("%(unit)s is not a unit below %(body)s") % {"unit": sub_unit,
                                                                                       "body": plan.body}))
    if region is not None and sub_unit is not None:
        errors.append(rules.RuleError("region_code", "bad_target",
                                      _("a sub-target is for a paired region or for a subordinate unit, not both")))
    return errors, region, sub_unit


def _target_values(t: Target) -> dict[str, Any]:
    return {"metric": t.metric, "scheme": t.scheme, "region_id": t.region_id, "sub_unit_id": t.sub_unit_id,
            "value": t.value, "note": t.note}


def target_write(*, plan: WorkPlan, metric: str, value: int, scheme: str, region: Any, sub_unit: Any, note: str,
                 actor: Any) -> tuple[Target, str]:
    """Create or change a checked target (no authorisation: the caller did it); 'created' | 'updated' |
    'unchanged'."""
    key = rules.target_key(metric=metric, scheme=scheme, region_code=region.code if region else "",
                           sub_unit_id=sub_unit.pk if sub_unit else None)
    current = Target.objects.filter(plan=plan, key=key).first()
    note = (note or "").strip()[:300]
    if current is not None:
        before = _target_values(current)
        if before["value"] == value and before["note"] == note:
            return current, "unchanged"
        current.value, current.note = value, note
        current.save(update_fields=["value", "note", "updated_at"])
        b, a = audit.changed_fields(before, _target_values(current))
        audit.record(actor=actor, action="target:update", obj=current, before=b, after=a)
        return current, "updated"
    target = Target.objects.create(plan=plan, metric=metric, scheme=scheme, region=region, sub_unit=sub_unit,
                                   value=value, note=note, key=key)
    audit.record(actor=actor, action="target:create", obj=target, after={"plan_id": plan.pk, **_target_values(target)})
    return target, "created"


@transaction.atomic
def target_set(*, plan: WorkPlan, metric: str, value: Any, scheme: str = "", region_code: str = "",
               sub_unit_id: int | None = None, note: str = "", actor: Any) -> Target:
    """Set one target (or sub-target) of a draft plan; refused with the reason naming the bad field."""
    policy.authorise_body_write(actor, body=plan.body, what="target set")
    plan = WorkPlan.objects.select_for_update().get(pk=plan.pk)
    _require_draft(plan)
    errors, region, sub_unit = target_check(plan=plan, metric=metric, value=value, scheme=scheme or "",
                                            region_code=(region_code or "").strip(), sub_unit_id=sub_unit_id)
    if errors:
        raise refuse(errors)
    target, _outcome = target_write(plan=plan, metric=metric, value=value, scheme=scheme or "", region=region,
                                    sub_unit=sub_unit, note=note, actor=actor)
    return target


@transaction.atomic
def target_remove(*, target: Target, actor: Any) -> None:
    plan = target.plan
    policy.authorise_body_write(actor, body=plan.body, what="target remove")
    _require_draft(plan)
    audit.record(actor=actor, action="target:remove", obj=target, before=_target_values(target))
    target.delete()


def _transition(plan: WorkPlan, name: str, *, actor: Any, reason: str = "") -> WorkPlan:
    allowed, to = rules.PLAN_TRANSITIONS[name]
    audit.transition(plan, to=to, allowed_from=allowed, actor=actor, reason=reason, action=f"plan:{name}")
    return plan


@transaction.atomic
def plan_submit(*, plan: WorkPlan, actor: Any) -> WorkPlan:
    policy.authorise_submit(actor, body=plan.body, what="plan submit")
    if not plan.targets.exists():
        raise InvalidInput(_("A plan without targets cannot be submitted."), code="no_targets",
                           details={"field": "targets"})
    return _transition(plan, "submit", actor=actor)


@transaction.atomic
def plan_approve(*, plan: WorkPlan, actor: Any) -> WorkPlan:
    """Approve a submitted plan (the next body of the approval chain); a new version supersedes the approved one."""
    policy.authorise_step(actor, step=selectors.approval_chain(body=plan.body)[0], body=plan.body, what="plan approve")
    _transition(plan, "approve", actor=actor)
    for old in WorkPlan.objects.filter(body_id=plan.body_id, year=plan.year, status=PlanStatus.APPROVED).exclude(pk=plan.pk):
        _transition(old, "supersede", actor=actor, reason=_("superseded by version %(v)d") % {"v": plan.version})
    return plan


@transaction.atomic
def plan_return(*, plan: WorkPlan, reason: str, actor: Any) -> WorkPlan:
    policy.authorise_step(actor, step=selectors.approval_chain(body=plan.body)[0], body=plan.body, what="plan return")
    if not (reason or "").strip():
        raise InvalidInput(_("Returning a plan needs a reason."), code="reason_required", details={"field": "reason"})
    return _transition(plan, "return", actor=actor, reason=reason)


@transaction.atomic
def plan_revise(*, plan: WorkPlan, reason: str, actor: Any) -> WorkPlan:
    """A new draft version of an approved plan, with the same targets, for changes after approval."""
    policy.authorise_body_write(actor, body=plan.body, what="plan revise")
    if not (reason or "").strip():
        raise InvalidInput(_("A new version of an approved plan needs a reason."), code="reason_required",
                           details={"field": "reason"})
    if plan.status != PlanStatus.APPROVED:
        raise Conflict(_("Only an approved plan is revised (this one is %(status)s).")
                       % {"status": plan.get_status_display()}, code="plan_not_approved")
    if WorkPlan.objects.filter(body_id=plan.body_id, year=plan.year, version__gt=plan.version).exists():
        raise Conflict(_("A newer version of this plan exists already."), code="plan_has_newer_version")
    if Approval.objects.filter(plan__body_id=plan.body_id, year=plan.year, status__in=rules.FROZEN_APPROVAL).exists():
        raise Conflict(_("The targets are locked by an approved period of %(year)d; unlock it first.")
                       % {"year": plan.year}, code="targets_locked")
    new = WorkPlan.objects.create(body=plan.body, year=plan.year, version=plan.version + 1, previous=plan,
                                  reason=reason.strip(), letter_ref=plan.letter_ref, created_by=_user(actor))
    Target.objects.bulk_create([Target(plan=new, metric=t.metric, scheme=t.scheme, region_id=t.region_id,
                                       sub_unit_id=t.sub_unit_id, value=t.value, note=t.note, key=t.key)
                                for t in plan.targets.all()])
    audit.record(actor=actor, action="plan:revise", obj=new, reason=reason,
                 after={"previous_id": plan.pk, "version": new.version})
    return new
