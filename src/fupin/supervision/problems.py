"""The problem register (困难和问题): raise, assign, act, and move a problem open → in progress → resolved → closed
(and reopened), each step an audited transition; overdue problems escalate to the supervising body.

- `problem_raise(*, region_code, category, measure, title, description, evidence, cause, due_date, assigned_ids,
  actor, raised_by_id=None)`: without `assigned_ids` the responsible bodies are proposed from the responsibility
  matrix in force (the seed measure's departments and the province's government);
- `problem_assign(*, problem, organisation_ids, reason, actor)`, `problem_act(*, problem, text, actor)`;
- `problem_transition(*, problem, name, reason, actor)` with `name` start | resolve | close | reopen;
- `problems_escalate(*, actor, today=None)`: the overdue ones (dated `supervision.problem_escalation` grace) go to
  the government of the region above (the national office for a province).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fupin.core import audit, params
from fupin.core.errors import InvalidInput
from fupin.registry import selectors as registry

from . import parameters, policy, rules, selectors
from .enums import ProblemCategory
from .figures import ASSESSOR
from .models import Problem, ProblemAction
from .services import refuse

WORK = ("start", "resolve")
OWNER = ("close", "reopen")
NEEDS_REASON = ("resolve", "reopen")


def _organisations(ids: Iterable[Any]) -> list[Any]:
    """The organisations with these ids; InvalidInput naming each id no organisation has."""
    wanted: list[int] = []
    for raw in ids:
        try:
            wanted.append(int(raw))
        except (TypeError, ValueError):
            raise InvalidInput(_("“%(id)s” is not an organisation id.") % {"id": str(raw)[:20]}, code="unknown_body",
                               details={"field": "assigned_ids", "ids": [str(raw)[:20]]}) from None
    found = {o.pk: o for o in registry.organisation_list(viewer=ASSESSOR).filter(pk__in=wanted)}
    missing = [i for i in wanted if i not in found]
    if missing:
        raise InvalidInput(_("No organisation has the id(s) %(ids)s: a problem is assigned to bodies that exist.")
                           % {"ids": ", ".join(map(str, missing))}, code="unknown_body",
                           details={"field": "assigned_ids", "ids": missing})
    return [found[i] for i in dict.fromkeys(wanted)]


def proposed_bodies(*, measure: int, region_code: str) -> list[Any]:
    """The organisations the responsibility matrix names for a measure (those registered)."""
    return [b["organisation"] for b in selectors.responsible_bodies(measure=measure, region_code=region_code)
            if b["organisation"] is not None]


def problem_raise(*, region_code: str, category: str, measure: int, title: str, description: str,
                  evidence: str = "", cause: str = "", due_date: dt.date | None = None,
                  assigned_ids: Iterable[Any] | None = None, actor: Any, raised_by_id: int | None = None) -> Problem:
    """Raise a problem for a region; the raising body is the actor's organisation (`raised_by_id` for the system
    or an administrator acting for a body)."""
    errors: list[rules.RuleError] = []
    region = registry.regions_by_codes(codes={(region_code or "").strip()}).get((region_code or "").strip())
    if region is None:
        errors.append(rules.RuleError("region_code", "unknown_region",
                                      _("no region has the code “%(c)s”") % {"c": str(region_code)[:20]}))
    if category not in ProblemCategory.values:
        errors.append(rules.RuleError("category", "unknown_category",
                                      _("unknown category “%(c)s”") % {"c": str(category)[:40]}))
    if measure not in selectors.measure_numbers():
        errors.append(rules.RuleError("measure", "unknown_measure",
                                      _("the responsibility matrix has no measure %(m)s") % {"m": str(measure)[:10]}))
    for name, value in (("title", title), ("description", description)):
        if not (value or "").strip():
            errors.append(rules.RuleError(name, "required", _("%(field)s is required") % {"field": name}))
    if due_date is not None and due_date < dt.date(rules.FIRST_YEAR, 1, 1):
        errors.append(rules.RuleError("due_date", "bad_date", _("the due date is before the platform's first day")))
    if errors:
        raise refuse(errors)
    assert region is not None  # noqa: S101 - narrowed above
    policy.authorise_raise(actor, region_code=region.code)
    if raised_by_id is not None and (isinstance(actor, str) or actor is None or actor.has_role("administrator")):
        raiser = _organisations([raised_by_id])[0]
    else:
        raiser = getattr(actor, "organisation", None)
    if raiser is None:
        raise InvalidInput(_("A problem is raised by a body: act for an organisation."), code="no_organisation",
                           details={"field": "raised_by_id"})
    assigned = _organisations(assigned_ids) if assigned_ids is not None else proposed_bodies(measure=measure,
                                                                                         region_code=region.code)
    with transaction.atomic():
        problem = Problem.objects.create(
            raised_by=raiser, region=region, category=category, measure=measure, title=title.strip()[:200],
            description=description.strip(), evidence=(evidence or "").strip(), cause=(cause or "").strip(),
            due_date=due_date, created_by=actor if getattr(actor, "pk", None) else None)
        problem.assigned.set(assigned)
        audit.record(actor=actor, action="problem:raise", obj=problem,
                     after={"region": region.code, "category": category, "measure": measure,
                            "raised_by_id": raiser.pk, "assigned_ids": [o.pk for o in assigned],
                            "due_date": due_date, "proposed": assigned_ids is None})
    return problem


@transaction.atomic
def problem_assign(*, problem: Problem, organisation_ids: Iterable[Any], reason: str = "", actor: Any) -> Problem:
    policy.authorise_problem_owner(actor, problem=problem)
    orgs = _organisations(organisation_ids)
    before = sorted(problem.assigned.values_list("id", flat=True))
    problem.assigned.set(orgs)
    audit.record(actor=actor, action="problem:assign", obj=problem, before={"assigned_ids": before},
                 after={"assigned_ids": sorted(o.pk for o in orgs)}, reason=reason)
    return problem


@transaction.atomic
def problem_act(*, problem: Problem, text: str, actor: Any) -> ProblemAction:
    """Record an action taken (by a responsible body); an open problem moves to in progress with it."""
    policy.authorise_problem_work(actor, problem=problem)
    if not (text or "").strip():
        raise InvalidInput(_("Describe the action taken."), code="required", details={"field": "text"})
    action = ProblemAction.objects.create(problem=problem, organisation=getattr(actor, "organisation", None),
                                          actor_name=audit.actor_of(actor)[1], text=text.strip())
    audit.record(actor=actor, action="problem:act", obj=problem, after={"action_id": action.pk}, reason=text.strip())
    if problem.status == rules.PROBLEM_TRANSITIONS["start"][0][0]:
        _move(problem, "start", actor=actor, reason=text.strip())
    return action


def _move(problem: Problem, name: str, *, actor: Any, reason: str = "") -> Problem:
    allowed, to = rules.PROBLEM_TRANSITIONS[name]
    changes = {"escalated_to": None, "escalated_at": None} if name == "reopen" else None
    audit.transition(problem, to=to, allowed_from=allowed, actor=actor, reason=reason, action=f"problem:{name}",
                     changes=changes)
    return problem


@transaction.atomic
def problem_transition(*, problem: Problem, name: str, reason: str = "", actor: Any) -> Problem:
    if name not in rules.PROBLEM_TRANSITIONS:
        raise InvalidInput(_("Unknown step “%(n)s”.") % {"n": str(name)[:20]}, code="unknown_transition",
                           details={"field": "name", "allowed": list(rules.PROBLEM_TRANSITIONS)})
    if name in WORK:
        policy.authorise_problem_work(actor, problem=problem)
    else:
        policy.authorise_problem_owner(actor, problem=problem)
    if name in NEEDS_REASON and not (reason or "").strip():
        raise InvalidInput(_("This step needs a reason (what was done, or why it is reopened)."),
                           code="reason_required", details={"field": "reason"})
    return _move(problem, name, actor=actor, reason=(reason or "").strip())


def problems_escalate(*, actor: Any, today: dt.date | None = None) -> list[Problem]:
    """Escalate every overdue, not yet escalated problem to the supervising body of its region (audited)."""
    today = today or timezone.localdate()
    grace = int((params.value(parameters.PROBLEM_ESCALATION, on=today) or {}).get("grace_days", 0))
    out = []
    for problem in Problem.objects.select_related("region").filter(status__in=rules.UNRESOLVED,
                                                                   escalated_to__isnull=True,
                                                                   due_date__lt=today).order_by("id"):
        if problem.due_date is None or not rules.is_overdue(due=problem.due_date, status=problem.status, today=today,
                                                            grace_days=grace):  # (due_date__lt excludes None)
            continue
        target = selectors.escalation_target(problem=problem)
        if target is None:
            continue
        with transaction.atomic():
            Problem.objects.filter(pk=problem.pk).update(escalated_to=target, escalated_at=timezone.now())
            problem.escalated_to = target
            audit.record(actor=actor, action="problem:escalate", obj=problem, before={"escalated_to_id": None},
                         after={"escalated_to_id": target.pk, "due_date": problem.due_date},
                         reason=_("overdue since %(date)s") % {"date": problem.due_date.isoformat()})
        out.append(problem)
    return out
