"""Who may do what in incentives — each rule one call of core's authorisation policy (`access.authorise`):

| action | who |
|---|---|
| create a policy, change its terms or conditions (a new version), put it in force, retire it | administrators whose scope covers the policy's region |
| evaluate a policy (one entity or every entity of a region) | reviewers, approvers and administrators of a government office over the region |
| open a recognition round, nominate | clerks, reviewers, approvers of a government office over the round's region (nominee's region) |
| review or reject a nomination | reviewers (and approvers) of a government office over the nominee's region |
| approve, publish or withdraw a nomination | approvers of a government office over the nominee's region |
| nominate a demonstration enterprise, review, designate, re-check, withdraw | as nominations |
| record a supply-chain project, its funding, milestones, users and steps | clerks of a government office over the project's county |

Administrators act in their scope; system processes (commands, the demo) anywhere.
"""

from __future__ import annotations

from typing import Any

from fupin.core import access
from fupin.core.enums import Role

ADMINISTRATORS = (Role.ADMINISTRATOR,)
EVALUATORS = (Role.REVIEWER, Role.APPROVER, Role.ADMINISTRATOR)
NOMINATORS = (Role.CLERK, Role.REVIEWER, Role.APPROVER, Role.ADMINISTRATOR)
REVIEWERS = (Role.REVIEWER, Role.APPROVER, Role.ADMINISTRATOR)
APPROVERS = (Role.APPROVER, Role.ADMINISTRATOR)
CLERKS = (Role.CLERK, Role.ADMINISTRATOR)
# which roles take each step of a nomination or a demonstration designation
STEP_ROLES = {"review": REVIEWERS, "reject": REVIEWERS, "approve": APPROVERS, "publish": APPROVERS,
              "withdraw": APPROVERS, "designate": APPROVERS, "expire": APPROVERS, "recheck": REVIEWERS}


def region_of(prefix: str) -> str | None:
    """The region code a prefix stands for in the scope check ('' — the nation — is covered by nation scopes only)."""
    return prefix.ljust(6, "0") if prefix and len(prefix) < 6 else (prefix or None)


def authorise_policy_write(actor: Any, *, region_prefix: str, what: str) -> None:
    access.authorise(actor, roles=ADMINISTRATORS, region_code=region_of(region_prefix), what=what)


def authorise_evaluate(actor: Any, *, region_code: str | None, what: str = "policy evaluate") -> None:
    access.authorise(actor, roles=EVALUATORS, region_code=region_code, office=True, what=what)


def authorise_nominate(actor: Any, *, region_code: str | None, what: str) -> None:
    access.authorise(actor, roles=NOMINATORS, region_code=region_code, office=True, what=what)


def authorise_step(actor: Any, *, action: str, region_code: str | None, what: str) -> None:
    access.authorise(actor, roles=STEP_ROLES.get(action, APPROVERS), region_code=region_code, office=True, what=what)


def step_refusal(actor: Any, *, action: str, region_code: str | None) -> str | None:
    """Whether the actor may take a step (for the pages, which offer only the steps it may take)."""
    return access.refusal(actor, roles=STEP_ROLES.get(action, APPROVERS), region_code=region_code, office=True)


def authorise_project_write(actor: Any, *, region_code: str, what: str) -> None:
    access.authorise(actor, roles=CLERKS, region_code=region_code, office=True, what=what)
