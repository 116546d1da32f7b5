"""Prior-period adjustments (issue #10 §6): a correction of an entry whose month is locked, booked in the current
open month so that the locked month's figures stay exactly as approved.

Rule (docs/domain/ledger.md, "Prior-period adjustments"):
- The reversal (and, for an amendment, the corrected entry when its own month is locked too) keeps the purchase
  date of the purchase it corrects, but is *booked* in the current month: its `year`/`month` — what every rollup,
  the "as reported" figures and the month filters read — are the booking month's. A `PriorPeriodAdjustment` row,
  written in the same transaction, names the entry, the original it corrects, the month it corrects and the month
  it was booked in; the "as corrected" figures (`selectors.account_totals(view="as_corrected")`) move it back there.
- Only for a locked month: an entry whose month is open is reversed or amended as usual (`period_open`); an entry
  that is itself a prior-period adjustment is corrected only this way. Once per entry (`already_corrected`), with a
  reason (`reason_required`), never of a reversal (`is_reversal`); refused when the current month is locked too.
- Who: the same as a reversal (`policy.authorise_correction`).
- Append-only: nothing is updated or deleted; entries, rollups, the adjustment row and the audit record are written
  in one transaction under the writers' lock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fupin.core import audit
from fupin.core.errors import Conflict, InvalidInput, NotFound, PeriodLocked

from . import policy, rules, services, writer
from .enums import LockStatus
from .models import PeriodLock, PriorPeriodAdjustment, PurchaseEntry
from .pipeline import Pipeline, PurchaseReport


def _locks() -> dict[tuple[int, int], list[str]]:
    locks: dict[tuple[int, int], list[str]] = {}
    for year, month, prefix in PeriodLock.objects.filter(status=LockStatus.LOCKED).values_list(
            "year", "month", "region_prefix"):
        locks.setdefault((year, month), []).append(prefix)
    return locks


def _locked(locks: Mapping[tuple[int, int], list[str]], period: tuple[int, int], county_code: str) -> bool:
    return rules.locked_prefix(locks, year=period[0], month=period[1], county_code=county_code) is not None


def is_adjustment(entry: PurchaseEntry) -> bool:
    """Whether the entry is booked in another month than its purchase date's (a prior-period adjustment)."""
    return (entry.year, entry.month) != (entry.purchase_date.year, entry.purchase_date.month)


def open_period(*, today: dt.date | None = None) -> tuple[int, int]:
    """The month an adjustment is booked in: the current month (of the booking day)."""
    day = today or timezone.localdate()
    return day.year, day.month


def purchase_adjust(*, entry: PurchaseEntry | int, reason: str, actor: Any,
                    changes: Mapping[str, Any] | None = None, today: dt.date | None = None) -> PurchaseEntry:
    """Correct an entry of a locked month in the current open month: a reversal (no `changes`) or an amendment
    (reversal + corrected entry with the `changes`, validated, counted and attributed afresh). Returns the reversal,
    or the corrected entry of an amendment. Raises NotFound (unknown entry), InvalidInput (`reason_required`,
    `is_reversal`, `period_open`, `key_immutable`, the corrected row's errors), Conflict (`already_corrected`),
    PeriodLocked (the current month is locked too) or AccessDenied."""
    if not (reason or "").strip():
        raise InvalidInput(_("A prior-period adjustment needs a reason."), code="reason_required",
                           details={"field": "reason"})
    changes = dict(changes or {})
    pk = entry if isinstance(entry, int) else entry.pk
    with transaction.atomic(), connection.cursor() as cur:
        writer.lock_writers(cur)
        original = (PurchaseEntry.objects.select_related("buyer", "seller__household", "product", "origin")
                    .filter(pk=pk).first())
        if original is None:
            raise NotFound(_("No such entry."), details={"entry": pk})
        policy.authorise_correction(actor, county_code=original.county_code, buyer_region=original.buyer_region)
        if original.reverses_id is not None:
            raise InvalidInput(_("A reversal cannot be adjusted; book the purchase again instead."), code="is_reversal")
        if PurchaseEntry.objects.filter(reverses=original).exists():
            raise Conflict(_("This entry has already been corrected (reversed, amended or adjusted)."),
                           code="already_corrected", details={"entry": original.pk})
        for key in ("source", "external_id"):
            if key in changes and str(changes[key]) != getattr(original, key):
                raise InvalidInput(_("The source and external id of an entry cannot change."), code="key_immutable")
        locks = _locks()
        period = (original.purchase_date.year, original.purchase_date.month)
        county = original.county_code
        if not (is_adjustment(original) or _locked(locks, period, county)
                or _locked(locks, (original.year, original.month), county)):
            raise InvalidInput(_("%(month)s is open for this region: reverse or amend the entry instead.")
                               % {"month": rules.month_key(*period)}, code="period_open",
                               details={"year": period[0], "month": period[1]})
        booked = open_period(today=today)
        if _locked(locks, booked, county):
            raise PeriodLocked(_("The current month %(month)s is locked for this region too: no open month to book "
                                 "the adjustment in.") % {"month": rules.month_key(*booked)},
                               details={"year": booked[0], "month": booked[1]})
        user, name = audit.actor_of(actor)
        row = services._reversal_row(original, reason=reason, actor=actor, created_at=writer.now_value())
        reversal = PurchaseEntry.objects.get(pk=writer.insert(cur, [row._replace(year=booked[0],
                                                                                  month=booked[1])])[0])
        made = [PriorPeriodAdjustment(entry=reversal, original=original, period_year=period[0],
                                      period_month=period[1], booked_year=booked[0], booked_month=booked[1],
                                      reason=reason, created_by=user, created_by_name=name)]
        result = reversal
        if changes:
            result = _book_corrected(original, changes=changes, reason=reason, actor=actor, booked=booked)
            if is_adjustment(result):
                made.append(PriorPeriodAdjustment(
                    entry=result, original=original, period_year=result.purchase_date.year,
                    period_month=result.purchase_date.month, booked_year=booked[0], booked_month=booked[1],
                    reason=reason, created_by=user, created_by_name=name))
        PriorPeriodAdjustment.objects.bulk_create(made)
        audit.record(actor=actor, action="purchase:adjust", obj=result, reason=reason,
                     before={"entry": original.pk, "amount_fen": original.amount_fen,
                             "period": rules.month_key(*period)},
                     after={"reversal": reversal.pk, "entry": result.pk if changes else None,
                            "booked": rules.month_key(*booked), "changes": changes})
    return result


def _book_corrected(original: PurchaseEntry, *, changes: Mapping[str, Any], reason: str, actor: Any,
                    booked: tuple[int, int]) -> PurchaseEntry:
    """The corrected entry of an amendment, through the one pipeline: booked in its own month when that is open,
    in `booked` when it is locked."""
    data = services._entry_as_row(original)
    data.update(changes)
    report = PurchaseReport(kind=services.IMPORT_KIND, file_name="prior-period adjustment")
    revision = (PurchaseEntry.objects.filter(source=original.source, external_id=original.external_id,
                                             reverses__isnull=True).order_by("-revision")
                .values_list("revision", flat=True).first() or 0) + 1
    Pipeline(report=report, actor=actor, scope_prefix=services._scope(actor), revision=revision,
             amends_id=original.pk, reason=reason, mandate=services._amendment_mandate(actor, original),
             match=not services._released(original), prior_period=booked).feed([(1, services._cells(data))])
    if report.errors or not report.entry_ids:
        raise InvalidInput(_("The corrected purchase is not valid."),
                           details={"errors": [e.as_dict() for e in report.errors]})
    return PurchaseEntry.objects.get(pk=report.entry_ids[0])


def adjustments_of(*, entry: PurchaseEntry) -> list[PriorPeriodAdjustment]:
    """The prior-period adjustments that correct `entry` (its reversal and corrected entry), oldest first."""
    return list(PriorPeriodAdjustment.objects.filter(original=entry).select_related("entry").order_by("id"))
