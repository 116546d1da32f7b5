"""Detection's writes: run the detectors over a year and keep each case found as one flag (idempotent: a case
already flagged is left as it is, whatever its status); a reviewer's decision on a flag (confirmed, or dismissed
with a reason) as an audited transition.

The year's facts are read through the other apps' selectors in bulk (`selectors.year_facts`: one pass over the
year's counted entries, one query each for organisations, sellers and products), then the pure detectors of
`rules` run over plain data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fupin.core import audit, params
from fupin.core.access import authorise
from fupin.core.enums import Role
from fupin.core.errors import InvalidInput

from . import rules, selectors
from .enums import FlagStatus
from .models import Flag
from .parameters import PARAMETERS

RUN_ROLES = (Role.ADMINISTRATOR,)
DECIDE_ROLES = selectors.DECIDE_ROLES
REASON_MAX = 2000


@dataclass
class RunReport:
    year: int
    parameters_version: int
    entries: int = 0
    found: int = 0
    created: int = 0
    unchanged: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)  # detectors not run, and why
    flag_ids: list[int] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"year": self.year, "parameters_version": self.parameters_version, "entries": self.entries,
                "found": self.found, "created": self.created, "unchanged": self.unchanged, "by_kind": self.by_kind,
                "skipped": self.skipped, "seconds": round(self.seconds, 3)}


def detection_run(*, year: int, actor: Any, total_sales_fen: Mapping[int, int] | None = None,
                  today: dt.date | None = None) -> RunReport:
    """Run every detector over `year` with the parameters in force on its last day and store what is new.

    `total_sales_fen` (seller id → the seller's total sales of the year, from a source outside the account) turns on
    the helped-sales check; the platform holds no such figure, so without it the check is skipped and said so."""
    authorise(actor, roles=RUN_ROLES, what="detection run")
    started = timezone.now()
    today = today or timezone.localdate()
    version = params.get(PARAMETERS, on=dt.date(year, 12, 31))
    facts = selectors.year_facts(year=year)
    found = rules.detect_all(facts.purchases, year=year, orgs=facts.orgs, sellers=facts.sellers,
                             products=facts.products, params=version.value, total_sales_fen=total_sales_fen,
                             today=today)
    report = RunReport(year=year, parameters_version=version.id, entries=len(facts.purchases), found=len(found))
    if total_sales_fen is None:
        report.skipped.append("helped_beyond_total: no total sales of the suppliers (the account holds only the "
                              "sales booked in it); give them to check")
    with transaction.atomic():
        known = set(Flag.objects.filter(key__in=[f.key for f in found]).values_list("key", flat=True))
        new = [f for f in found if f.key not in known]
        report.unchanged = len(found) - len(new)
        flags = [Flag(
            kind=f.kind, key=f.key, year=f.year, period=str(f.evidence.get("deadline", f.year)),
            buyer_id=f.buyer_id, seller_id=f.seller_id, product_id=f.product_id,
            buyer_region=facts.orgs[f.buyer_id].region_code if f.buyer_id in facts.orgs else "",
            seller_region=facts.sellers[f.seller_id].region_code if f.seller_id in facts.sellers else "",
            amount_fen=f.amount_fen, entry_ids=list(f.entry_ids), evidence=audit.json_safe(f.evidence),
            parameters_version_id=version.id,
        ) for f in new]
        created = Flag.objects.bulk_create(flags)
        report.created = len(created)
        report.flag_ids = sorted(Flag.objects.filter(key__in=[f.key for f in new]).values_list("id", flat=True))
        for f in found:
            report.by_kind[f.kind] = report.by_kind.get(f.kind, 0) + 1
        report.seconds = (timezone.now() - started).total_seconds()
        audit.record(actor=actor, action="detection:run", object_type="detection.run", object_id=str(year),
                     object_repr=f"detection run {year}", after={**report.as_dict(), "flags": report.flag_ids})
    return report


def _clean_reason(reason: str | None) -> str:
    text = (reason or "").strip()
    if len(text) > REASON_MAX:
        raise InvalidInput(_("The reason is too long (at most %(n)d characters).") % {"n": REASON_MAX},
                           code="too_long", details={"field": "reason"})
    return text


def _authorise_decision(actor: Any, flag: Flag) -> None:
    authorise(actor, roles=DECIDE_ROLES, region_code=selectors.decision_region(viewer=actor, flag=flag), office=True,
              what=f"detection flag {flag.pk}")


def flag_confirm(*, flag: Flag, actor: Any, reason: str = "") -> Flag:
    """The reviewer finds the case real: the flag is confirmed (the entries stay; corrections are the ledger's
    reversals, made by whoever books them)."""
    _authorise_decision(actor, flag)
    return _decide(flag, to=FlagStatus.CONFIRMED, actor=actor, reason=_clean_reason(reason))


def flag_dismiss(*, flag: Flag, actor: Any, reason: str) -> Flag:
    """The reviewer finds the case explained (a real large order, a supplier's new capacity...): dismissed, with the
    reason, which is required."""
    _authorise_decision(actor, flag)
    text = _clean_reason(reason)
    if not text:
        raise InvalidInput(_("Dismissing a flag needs a reason."), code="reason_required",
                           details={"field": "reason"})
    return _decide(flag, to=FlagStatus.DISMISSED, actor=actor, reason=text)


def _decide(flag: Flag, *, to: str, actor: Any, reason: str) -> Flag:
    user, name = audit.actor_of(actor)
    audit.transition(flag, to=to, allowed_from=[FlagStatus.OPEN], actor=actor, reason=reason, action=f"flag:{to}",
                     changes={"disposition_reason": reason, "decided_by": user, "decided_by_name": name,
                              "decided_at": timezone.now()})
    return flag


def flag_decide(*, flag: Flag, decision: str, actor: Any, reason: str = "") -> Flag:
    """`confirm` or `dismiss` (the API's and the pages' one entry point)."""
    if decision == "confirm":
        return flag_confirm(flag=flag, actor=actor, reason=reason)
    if decision == "dismiss":
        return flag_dismiss(flag=flag, actor=actor, reason=reason)
    raise InvalidInput(_("Unknown decision “%(d)s”: use confirm or dismiss.") % {"d": decision}, code="bad_decision",
                       details={"field": "decision"})
