"""Who may do what in supervision — each rule one call of core's authorisation policy (`access.authorise`):

| action | who |
|---|---|
| write a plan's targets, submit a plan or a period | the body itself or a unit above it (clerk); a government office over the body's region |
| approve a plan; accept, approve or return a period | an approver of the next body in the approval chain (itself, not a body above it: each level decides); the national office (a nation-scoped government department's approver) at the last step; administrators |
| unlock an approved period | an approver at the chain's last level that approved it (the national office), or an administrator |
| raise a problem | clerks, reviewers and approvers of any organisation, for a region in their scope |
| work on a problem (start, act, resolve) | the bodies it is assigned or escalated to; government offices over its region |
| close or reopen a problem; assign it | the body that raised it; government offices over its region |
| compute scorecards, enter the qualitative score, adjust | reviewers and approvers of a nation-scoped government office (the assessors) |
| self-evaluate, file the statistical report forms | the body itself or a unit above it (clerk); a government office over the body's region |
| comment on an east–west self-evaluation | clerks, reviewers and approvers of the partner: the government of a region the body helps |
| cross-check a self-evaluation, write the final report | the assessors (as for scorecards) |
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from fupin.core import access
from fupin.core.enums import Role, ScopeLevel
from fupin.registry import selectors as registry
from fupin.registry.policy import organisation_party

CLERKS = (Role.CLERK, Role.ADMINISTRATOR)
APPROVERS = (Role.APPROVER, Role.ADMINISTRATOR)
WORKERS = (Role.CLERK, Role.REVIEWER, Role.APPROVER, Role.ADMINISTRATOR)
ASSESSORS = (Role.REVIEWER, Role.APPROVER, Role.ADMINISTRATOR)
NATION = (ScopeLevel.NATION,)


def _body_write(body: Any) -> dict[str, Any]:
    return {"roles": CLERKS, "region_code": body.region.code, "party": organisation_party(body), "office": True}


def authorise_body_write(actor: Any, *, body: Any, what: str) -> None:
    access.authorise(actor, **_body_write(body), what=what)


def may_write_body(actor: Any, *, body: Any) -> bool:
    """Whether `authorise_body_write` lets the actor through (no security event: for offering the action)."""
    return access.refusal(actor, **_body_write(body)) is None


def authorise_submit(actor: Any, *, body: Any, what: str) -> None:
    access.authorise(actor, roles=WORKERS, party=organisation_party(body), what=what)


def step_refusal(actor: Any, *, step: int | None) -> str | None:
    if step is None:
        return access.refusal(actor, roles=APPROVERS, office=True, scope_levels=NATION)
    return access.refusal(actor, roles=APPROVERS, party=access.Party(organisation_ids=frozenset({step})))


def step_name(step: int | None) -> str:
    return _("the national office") if step is None else str(registry.organisation_ref(pk=step))


def authorise_step(actor: Any, *, step: int | None, body: Any, what: str) -> None:
    """The actor must act for the next approving body of `body` (see the table); the refusal names who should."""
    if step_refusal(actor, step=step) is None:
        return
    org = getattr(actor, "organisation", None)
    raise access.deny(
        actor, _("%(org)s is not in %(body)s's approval hierarchy at this step: the next approver is %(next)s.")
        % {"org": org or getattr(actor, "username", actor), "body": body, "next": step_name(step)},
        detail=f"{what}: outside the hierarchy (next step {step}, organisation {getattr(actor, 'organisation_id', None)})",
        code="outside_hierarchy")


def authorise_raise(actor: Any, *, region_code: str) -> None:
    access.authorise(actor, roles=WORKERS, region_code=region_code, what="problem raise")


def authorise_problem_work(actor: Any, *, problem: Any) -> None:
    ids = set(problem.assigned.values_list("id", flat=True))
    if problem.escalated_to_id:
        ids.add(problem.escalated_to_id)
    access.authorise(actor, roles=WORKERS, region_code=problem.region.code,
                     party=access.Party(organisation_ids=frozenset(ids)), office=True, what="problem work")


def authorise_problem_owner(actor: Any, *, problem: Any) -> None:
    access.authorise(actor, roles=WORKERS, region_code=problem.region.code, party=organisation_party(problem.raised_by),
                     office=True, what="problem owner")


ASSESS: dict[str, Any] = {"roles": ASSESSORS, "office": True, "scope_levels": NATION}


def authorise_assess(actor: Any, *, what: str) -> None:
    access.authorise(actor, **ASSESS, what=what)


def may_assess(actor: Any) -> bool:
    return access.refusal(actor, **ASSESS) is None


def _partner(partner_ids: set[int]) -> dict[str, Any]:
    return {"roles": WORKERS, "party": access.Party(organisation_ids=frozenset(partner_ids))}


def authorise_partner(actor: Any, *, partner_ids: set[int], what: str) -> None:
    access.authorise(actor, **_partner(partner_ids), what=what)


def may_partner(actor: Any, *, partner_ids: set[int]) -> bool:
    return access.refusal(actor, **_partner(partner_ids)) is None
