"""Who may decide what in the ledger's review of the account (ADR 0016: every rule is one call of core's
`fupin.core.access.authorise`).

| decision | decided by |
|---|---|
| an origin exception (grant, revoke) | reviewers of a government office whose scope covers the exception's origin region, or administrators |
| a cross-source match (confirm, release) | reviewers of a government office whose scope covers the entry's origin county, or administrators |
| a correction (reversal, amendment, prior-period adjustment) | clerks, reviewers, approvers or administrators whose scope covers the entry's origin county (or, if only that, the buyer's home region) |

Clerks book purchases (`services.WRITE_ROLES`); they do not decide whether an origin outside the rule or a second
report of an order counts. System processes (commands, the demo) may do both.
"""

from __future__ import annotations

from typing import Any

from fupin.core import access
from fupin.core.enums import Role

REVIEW_ROLES = (Role.REVIEWER, Role.ADMINISTRATOR)
CORRECT_ROLES = (Role.CLERK, Role.REVIEWER, Role.APPROVER, Role.ADMINISTRATOR)


def authorise_correction(actor: Any, *, county_code: str, buyer_region: str = "") -> None:
    """Correct an entry (reverse, amend, or book a prior-period adjustment of it): a scoped corrector needs the
    origin county, or else the buyer's home region, in its scope (the region that decides)."""
    prefix = getattr(actor, "scope_prefix", "") or ""
    region = (buyer_region if prefix and not county_code.startswith(prefix) and buyer_region.startswith(prefix)
              else county_code)
    access.authorise(actor, roles=CORRECT_ROLES, region_code=region, what="purchase correction")


def authorise_origin_exception(actor: Any, *, region_code: str) -> None:
    """Grant or revoke an exception to the origin rule for goods originating in `region_code`."""
    access.authorise(actor, roles=REVIEW_ROLES, region_code=region_code, office=True, what="origin exception")


def authorise_match_review(actor: Any, *, county_code: str) -> None:
    """Confirm or release the cross-source match of an entry whose origin lies in `county_code`."""
    access.authorise(actor, roles=REVIEW_ROLES, region_code=county_code, office=True, what="duplicate review")


def may_review(actor: Any, *, county_code: str) -> bool:
    """The same question without raising (pages show the review buttons only to those who may use them)."""
    return access.refusal(actor, roles=REVIEW_ROLES, region_code=county_code, office=True) is None
