"""Who may do what in leadership — each rule one call of core's authorisation policy (`access.authorise`):

| action | who |
|---|---|
| write a plan (create, objectives, tasks), submit it | clerks of the body itself or of a unit above it; a government office over the body's region |
| approve or return a plan | approvers of a nation-scoped government office (the national office); administrators |
| complete or reopen a task | the task's owner, the plan's body (or units above them); offices over the body's region |
| submit a case, add photos | clerks, reviewers and approvers of any organisation, for a region in their scope; links only to entities and relations in that scope |
| publish, reject or feature a case | reviewers and approvers of a government office over the case's region, not of the submitting body |
| withdraw a case | the submitting body; the reviewers above |
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from fupin.core import access
from fupin.core.enums import Role, ScopeLevel
from fupin.registry.policy import organisation_party

CLERKS = (Role.CLERK, Role.ADMINISTRATOR)
APPROVERS = (Role.APPROVER, Role.ADMINISTRATOR)
WORKERS = (Role.CLERK, Role.REVIEWER, Role.APPROVER, Role.ADMINISTRATOR)
REVIEWERS = (Role.REVIEWER, Role.APPROVER, Role.ADMINISTRATOR)


def authorise_plan_write(actor: Any, *, body: Any, what: str) -> None:
    access.authorise(actor, roles=CLERKS, region_code=body.region.code, party=organisation_party(body), office=True,
                     what=what)


def authorise_plan_approve(actor: Any, *, what: str) -> None:
    access.authorise(actor, roles=APPROVERS, office=True, scope_levels=(ScopeLevel.NATION,), what=what)


def authorise_task_step(actor: Any, *, task: Any) -> None:
    """The task's owner (or a unit above it) wherever its scope lies; else the plan's body or an office over the
    body's region."""
    if access.refusal(actor, roles=WORKERS, party=organisation_party(task.owner)) is None:
        return
    access.authorise(actor, roles=WORKERS, region_code=task.plan.body.region.code,
                     party=organisation_party(task.plan.body), office=True, what="plan task step")


def authorise_case_submit(actor: Any, *, region_code: str) -> None:
    access.authorise(actor, roles=WORKERS, region_code=region_code, what="case submit")


def link_refusal(actor: Any, *, region_code: str) -> str | None:
    """Why the actor may not link a case to something in `region_code` (None: it may)."""
    return access.refusal(actor, roles=WORKERS, region_code=region_code)


def authorise_case_owner(actor: Any, *, case: Any, what: str) -> None:
    access.authorise(actor, roles=WORKERS, region_code=case.region.code, party=organisation_party(case.submitted_by),
                     office=True, what=what)


def _own_case(actor: Any, case: Any) -> bool:
    """Whether the actor acts for the organisation that submitted the case (an administrator never does here)."""
    return (not access.is_administrator(actor)
            and getattr(actor, "organisation_id", None) == case.submitted_by_id)


def authorise_case_review(actor: Any, *, case: Any, what: str) -> None:
    """A reviewer of an office over the case's region — never of the body that submitted it (no one publishes its
    own case)."""
    access.authorise(actor, roles=REVIEWERS, region_code=case.region.code, office=True, what=what)
    if _own_case(actor, case):
        raise access.deny(actor, _("A case is reviewed by another body than the one that submitted it."),
                          detail=f"{what}: own case {case.pk}", code="own_case")


def may_review(viewer: Any, *, case: Any) -> bool:
    return (access.refusal(viewer, roles=REVIEWERS, region_code=case.region.code, office=True) is None
            and not _own_case(viewer, case))


def may_own_case(viewer: Any, *, case: Any) -> bool:
    return access.refusal(viewer, roles=WORKERS, region_code=case.region.code,
                          party=organisation_party(case.submitted_by), office=True) is None


def may_write_plan(viewer: Any, *, plan: Any) -> bool:
    return access.refusal(viewer, roles=CLERKS, region_code=plan.body.region.code,
                          party=organisation_party(plan.body), office=True) is None


def may_approve_plan(viewer: Any) -> bool:
    return access.refusal(viewer, roles=APPROVERS, office=True, scope_levels=(ScopeLevel.NATION,)) is None
