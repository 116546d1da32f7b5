"""Data approval up the hierarchy, as DHIS2 does it, with snapshots and the ledger's period locks.

- `approval_submit(*, body_id, year, period_kind, number, actor)`: the reporting body submits a period (month,
  quarter or year) of its approved plan (a returned or unlocked period is submitted again);
- `approval_approve(*, approval, actor)`: the next body of the chain accepts it (county → prefecture → province
  → national; unit → supervising unit → national office); the **first** acceptance freezes the figures in a
  `Snapshot` and locks the period's months in the ledger (`ledger.services.period_lock`) for the regions the
  figures come from; the last acceptance approves it;
- `approval_return(*, approval, reason, actor)`: the body at the current step sends it back (locks released);
- `approval_unlock(*, approval, reason, actor)`: an approver at the highest level reached (or an administrator)
  reopens a frozen period, with a reason (locks released, audited); resubmitting it takes a new snapshot version;
- `approval_bulk(*, ids, actor)`: approve many at once, each in its own savepoint, with a result per id.

The locks are the account's own (origin region × month): a body's figures come from the helped regions of its
relations (and, for a government, its region), so those months are locked there. Figures read by buyer (a body's
own purchases) cannot be locked by origin: the snapshot keeps them, and later corrections show as adjustments.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from fupin.core import audit
from fupin.core.access import log_refusal
from fupin.core.errors import AccessDenied, Conflict, FupinError, InvalidInput
from fupin.ledger import selectors as ledger
from fupin.ledger import services as ledger_services
from fupin.registry import rules as registry_rules

from . import figures, policy, rules, selectors
from .enums import ApprovalStatus, PeriodKind, Scheme
from .figures import ASSESSOR, Window
from .models import Approval, ApprovalLock, Snapshot
from .services import refuse

MAX_BULK = 500


def _system(actor: Any) -> str:
    """The actor the ledger sees for locks an approval takes or releases: supervision, for the user who decided."""
    name = actor if isinstance(actor, str) else getattr(actor, "username", "")
    return f"supervision ({name})" if name else "supervision"


def approval_submit(*, body_id: int, year: int, period_kind: str, number: int = 1, actor: Any) -> Approval:
    """Submit a body's period for approval (its approved plan's targets, its figures as the account holds them)."""
    body = selectors.body_ref(pk=body_id)
    number = 1 if period_kind == PeriodKind.YEAR else number
    errors = rules.period_errors(kind=period_kind, number=number)
    if (err := rules.year_error(year, this_year=selectors.today().year)) is not None:
        errors.append(err)
    if errors:
        raise refuse(errors)
    policy.authorise_submit(actor, body=body, what="period submit")
    plan = selectors.approved_plan(body_id=body.pk, year=year)
    if plan is None:
        raise InvalidInput(_("%(body)s has no approved work plan for %(year)d: approve one first.")
                           % {"body": body, "year": year}, code="no_approved_plan", details={"field": "year"})
    with transaction.atomic():
        existing = Approval.objects.select_for_update().filter(body=body, year=year, period_kind=period_kind,
                                                               number=number).first()
        chain = selectors.approval_chain(body=body)
        if existing is not None:
            if existing.status not in rules.APPROVAL_TRANSITIONS["resubmit"][0]:
                raise Conflict(_("This period is already %(status)s.") % {"status": existing.get_status_display()},
                               code="already_submitted", details={"status": existing.status})
            allowed, to = rules.APPROVAL_TRANSITIONS["resubmit"]
            audit.transition(existing, to=to, allowed_from=allowed, actor=actor, action="approval:resubmit",
                             changes={"level": 0, "chain": chain, "plan_id": plan.pk})
            return existing
        approval = Approval.objects.create(body=body, year=year, period_kind=period_kind, number=number, plan=plan,
                                           chain=chain, submitted_by=actor if getattr(actor, "pk", None) else None)
        audit.record(actor=actor, action="approval:submit", obj=approval,
                     after={"body_id": body.pk, "period": rules.period_label(period_kind, year, number),
                            "plan_id": plan.pk, "chain": chain})
    return approval


# -- figures and snapshots ------------------------------------------------------------------------------------------
def lock_regions(ctx: figures.BodyContext) -> list[str]:
    """The regions an approval locks: the helped regions of the body's relations and, for a government, its own."""
    codes = set(ctx.helped_codes())
    if ctx.governing:
        codes.add(ctx.body.region.code)
    return sorted(codes)


def period_figures(approval: Approval) -> dict[str, Any]:
    """Everything a snapshot keeps: each target's figure for the period and for the year to its end, last year's,
    the schemes' purchases (and from poverty counties) this year and last, the reserved-share counts, and the
    adjustments of earlier approved periods (what the account says of them now, against their snapshots)."""
    plan = selectors.approved_plan(body_id=approval.body_id, year=approval.year) or approval.plan
    ctx = figures.body_context(body=plan.body, year=plan.year)
    last_ctx = figures.body_context(body=plan.body, year=plan.year - 1)
    window = Window.period(approval.period_kind, approval.year, approval.number)
    end_month = window.last_day.month
    to_date = Window(approval.year, tuple(range(1, end_month + 1)) if end_month < 12 else (), window.last_day)
    last = Window.period(approval.period_kind, approval.year - 1, approval.number)
    targets = list(selectors.plan_targets(plan=plan))
    rows = selectors.target_figures(plan=plan, window=window, ctx=ctx, targets=targets)
    ytd = {r["key"]: r["actual"] for r in selectors.target_figures(plan=plan, window=to_date, ctx=ctx, targets=targets)}
    before = {r["key"]: r["actual"] for r in selectors.target_figures(plan=plan, window=last, ctx=last_ctx,
                                                                       targets=targets)}
    for r in rows:
        r["to_date"] = ytd.get(r["key"], r["actual"])
        r["last_year"] = before.get(r["key"])
    schemes = {}
    for scheme in Scheme.values:
        if ctx.relation_ids(scheme) or last_ctx.relation_ids(scheme):
            schemes[scheme] = {"this_year": figures.scheme_purchases(ctx=ctx, scheme=scheme, window=window),
                               "last_year": figures.scheme_purchases(ctx=last_ctx, scheme=scheme, window=last),
                               "relations": ctx.relation_ids(scheme)}
    obliged, compliant = figures.reserved_share_counts(ctx=ctx)
    return {
        "body_id": plan.body_id, "year": approval.year, "plan_id": plan.pk, "plan_version": plan.version,
        "period": {"kind": approval.period_kind, "number": approval.number,
                   "label": rules.period_label(approval.period_kind, approval.year, approval.number),
                   "first_day": window.first_day.isoformat(), "last_day": window.last_day.isoformat()},
        "targets": rows, "schemes": schemes,
        "reserved_share": {"obliged": obliged, "compliant": compliant},
        "locked_regions": lock_regions(ctx),
        "prior_adjustments": prior_adjustments(approval),
    }


def prior_adjustments(approval: Approval) -> list[dict[str, Any]]:
    """For the body's earlier approved periods (the same year's earlier periods of the same kind, and last year's
    year): each figure whose account value moved since it was approved — a late correction, reported now."""
    same_year = Q(year=approval.year, period_kind=approval.period_kind, number__lt=approval.number)
    last_year = Q(year=approval.year - 1, period_kind=PeriodKind.YEAR)
    earlier = (Approval.objects.filter(body_id=approval.body_id, status=ApprovalStatus.APPROVED)
               .filter(same_year | last_year).exclude(pk=approval.pk).select_related("plan", "body"))
    out = []
    for other in earlier:
        for adj in selectors.adjustments(approval=other):
            if adj["adjustment"]:
                out.append({"period": rules.period_label(other.period_kind, other.year, other.number),
                            "approval_id": other.pk, "key": adj["key"], "metric": adj["metric"],
                            "scheme": adj["scheme"], "approved": adj["approved"], "now": adj["now"],
                            "adjustment": adj["adjustment"]})
    return out


def _digest(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def _freeze(approval: Approval, actor: Any) -> Snapshot:
    data = period_figures(approval)
    version = (approval.snapshots.order_by("-version").values_list("version", flat=True).first() or 0) + 1
    snap = Snapshot.objects.create(approval=approval, version=version, figures=data, digest=_digest(data))
    if approval.plan_id != data["plan_id"]:
        Approval.objects.filter(pk=approval.pk).update(plan_id=data["plan_id"])
        approval.plan_id = data["plan_id"]
    _lock(approval, data["locked_regions"], actor)
    audit.record(actor=actor, action="approval:snapshot", obj=approval,
                 after={"snapshot_id": snap.pk, "version": version, "digest": snap.digest,
                        "locked_regions": data["locked_regions"]})
    return snap


def _covering_lock(locks: list[Any], code: str) -> Any:
    prefix = registry_rules.subtree_prefix(code)
    return next((lk for lk in locks if prefix.startswith(lk.region_prefix)), None)


def _lock(approval: Approval, codes: Iterable[str], actor: Any) -> None:
    window = Window.period(approval.period_kind, approval.year, approval.number)
    months = list(window.months) or list(range(1, 13))
    label = rules.period_label(approval.period_kind, approval.year, approval.number)
    reason = _("approval of %(body)s %(period)s (#%(id)d)") % {"body": approval.body, "period": label,
                                                                "id": approval.pk}
    held: dict[int, bool] = {}  # lock id -> taken by this approval
    codes = list(codes)
    # only the locks that could cover one of the codes: those whose prefix starts one of the codes' prefixes
    prefixes = {p[:n] for p in map(registry_rules.subtree_prefix, codes) for n in range(len(p) + 1)}
    candidates = [lk for lk in ledger.period_locks(viewer=ASSESSOR, year=approval.year)
                  .filter(month__in=months, region_prefix__in=sorted(prefixes)) if lk.status == "locked"]
    for month in months:
        in_force = [lk for lk in candidates if lk.month == month]
        for code in codes:
            covering = _covering_lock(in_force, code)
            if covering is not None:
                held.setdefault(covering.pk, False)
                continue
            lock = ledger_services.period_lock(year=approval.year, month=month, region_code=code, reason=reason,
                                               actor=_system(actor))
            held[lock.pk] = True
            in_force.append(lock)
    for lock_id, owned in held.items():
        ApprovalLock.objects.update_or_create(approval=approval, lock_id=lock_id,
                                              defaults={"owned": owned, "released": False})


def _release(approval: Approval, *, reason: str, actor: Any) -> int:
    """Give back the locks an approval holds; an owned lock that another frozen approval still holds passes to
    it, the others are unlocked in the ledger (audited there, with the reason). Returns the locks unlocked."""
    unlocked = 0
    for held in approval.locks.filter(released=False).order_by("id"):
        held.released = True
        held.save(update_fields=["released"])
        if not held.owned:
            continue
        others = ApprovalLock.objects.filter(lock_id=held.lock_id, released=False).exclude(approval=approval)
        heir = others.first()
        if heir is not None:
            others.filter(pk=heir.pk).update(owned=True)
            continue
        lock = ledger_services.period_lock_get(pk=held.lock_id)
        if lock.status == "locked":
            ledger_services.period_unlock(lock=lock, reason=reason, actor=_system(actor))
            unlocked += 1
    return unlocked


# -- transitions ----------------------------------------------------------------------------------------------------
def approval_approve(*, approval: Approval, actor: Any) -> Approval:
    """The next body of the chain accepts the period; the first acceptance freezes and locks it, the last approves
    it. Refused for a body outside the hierarchy at this step (naming the body that should decide)."""
    with transaction.atomic():
        approval = Approval.objects.select_for_update().select_related("body", "body__region", "plan").get(pk=approval.pk)
        if approval.status not in rules.APPROVAL_TRANSITIONS["accept"][0]:
            raise Conflict(_("This period is %(status)s: nothing to approve.") % {"status": approval.get_status_display()},
                           code="transition_not_allowed", details={"status": approval.status})
        step = approval.next_approver_id
        policy.authorise_step(actor, step=step, body=approval.body, what="period approve")
        if approval.level == 0:
            _freeze(approval, actor)
        level = approval.level + 1
        name = "approve" if level >= len(approval.chain or [None]) else "accept"
        allowed, to = rules.APPROVAL_TRANSITIONS[name]
        audit.transition(approval, to=to, allowed_from=allowed, actor=actor, action=f"approval:{name}",
                         changes={"level": level}, reason=_("by %(body)s") % {"body": policy.step_name(step)})
    return approval


def _reason(reason: str) -> str:
    if not (reason or "").strip():
        raise InvalidInput(_("This needs a reason."), code="reason_required", details={"field": "reason"})
    return reason.strip()


def approval_return(*, approval: Approval, reason: str, actor: Any) -> Approval:
    """The body at the current step sends the period back to the reporting body for correction."""
    reason = _reason(reason)
    with transaction.atomic():
        approval = Approval.objects.select_for_update().select_related("body", "body__region").get(pk=approval.pk)
        policy.authorise_step(actor, step=approval.next_approver_id if approval.level < len(approval.chain) else None,
                              body=approval.body, what="period return")
        allowed, to = rules.APPROVAL_TRANSITIONS["return"]
        audit.transition(approval, to=to, allowed_from=allowed, actor=actor, reason=reason, action="approval:return",
                         changes={"level": 0})
        _release(approval, reason=reason, actor=actor)
    return approval


def approval_unlock(*, approval: Approval, reason: str, actor: Any) -> Approval:
    """Reopen a frozen period (an approver of the highest level it reached, or an administrator), with a reason;
    the ledger's locks it took are released. The approved snapshot stays on record; resubmitting takes a new one."""
    reason = _reason(reason)
    with transaction.atomic():
        approval = Approval.objects.select_for_update().select_related("body", "body__region").get(pk=approval.pk)
        if approval.status not in rules.APPROVAL_TRANSITIONS["unlock"][0]:
            raise Conflict(_("Only an accepted or approved period is unlocked (this one is %(status)s).")
                           % {"status": approval.get_status_display()}, code="transition_not_allowed",
                           details={"status": approval.status})
        reached = approval.chain[max(approval.level - 1, 0)] if approval.chain else None
        policy.authorise_step(actor, step=reached, body=approval.body, what="period unlock")
        allowed, to = rules.APPROVAL_TRANSITIONS["unlock"]
        audit.transition(approval, to=to, allowed_from=allowed, actor=actor, reason=reason, action="approval:unlock",
                         changes={"level": 0})
        _release(approval, reason=reason, actor=actor)
    return approval


def approval_bulk(*, ids: Iterable[int], actor: Any) -> list[dict[str, Any]]:
    """Approve many periods at once (each one step up, in its own transaction); one result per id."""
    ids = list(dict.fromkeys(int(i) for i in ids))
    if len(ids) > MAX_BULK:
        raise InvalidInput(_("At most %(n)d periods at once.") % {"n": MAX_BULK}, code="too_many",
                           details={"field": "ids"})
    out = []
    for pk in ids:
        try:
            approval = selectors.approval_ref(pk=pk)
            approval = approval_approve(approval=approval, actor=actor)
            out.append({"id": pk, "ok": True, "status": approval.status, "level": approval.level})
        except FupinError as exc:
            if isinstance(exc, AccessDenied):
                log_refusal(actor, exc)
            out.append({"id": pk, "ok": False, "code": exc.code, "message": str(exc.message)})
    return out
