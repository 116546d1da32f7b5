"""Assessment scorecards for the three schemes, computed from approved year snapshots with a versioned methodology.

- `methodology_publish(*, scheme, valid_from, definition, actor)`: a new dated version, validated first (weights
  sum to the total, caps, grade bands without overlap or gap, indicators referencing a measure the responsibility
  matrix has); administrators;
- `scorecard_compute(*, body_id, scheme, year, actor)`: from the body's approved year snapshot (refused when the
  year is not approved) and the methodology in force on 31 December of the year; the methodology version, the
  snapshot and the inputs are recorded, so recomputing gives the same card whatever the ledger does later;
- `scorecards_compute(*, year, scheme, actor)`: every body with an approved year snapshot for the scheme;
- `scorecard_qualitative(*, card, score, reason, actor)`, `scorecard_adjust(*, card, points_centi, reason,
  actor)`: the assessors' score and adjustments (with reason), audited; the grade follows the adjusted total.
Every sub-target miss of the snapshot is kept beside the grade (`Scorecard.misses`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fupin.core import audit, memory, params
from fupin.core.access import require_role
from fupin.core.bulk import update_rows
from fupin.core.enums import Role
from fupin.core.errors import FupinError, InvalidInput, NotFound
from fupin.core.models import PolicyParameter
from fupin.core.services import policy_parameter_create
from fupin.registry import selectors as registry

from . import figures, parameters, policy, rules, selectors
from .enums import Scheme
from .models import Approval, ScoreAdjustment, Scorecard, Snapshot
from .services import refuse


def _scheme(scheme: str) -> str:
    if scheme not in Scheme.values:
        raise InvalidInput(_("Unknown scheme “%(s)s”.") % {"s": str(scheme)[:40]}, code="unknown_scheme",
                           details={"field": "scheme", "allowed": list(Scheme.values)})
    return scheme


def assessment_day(year: int) -> dt.date:
    return dt.date(year, 12, 31)


def methodology_check(*, definition: Any, on: dt.date) -> list[rules.RuleError]:
    return rules.methodology_errors(definition, measures=selectors.measure_numbers(on=on))


def methodology_publish(*, scheme: str, valid_from: dt.date, definition: Any, actor: Any, note: str = "") -> Any:
    """Store a new version of a scheme's methodology, valid from a date; refused naming every bad part."""
    require_role(actor, Role.ADMINISTRATOR)
    _scheme(scheme)
    errors = methodology_check(definition=definition, on=valid_from)
    if errors:
        raise refuse(errors, code="bad_methodology")
    if PolicyParameter.objects.filter(key=parameters.methodology_key(scheme), region_prefix="",
                                      valid_from=valid_from).exists():
        raise InvalidInput(_("A version of this methodology already starts on %(d)s.") % {"d": valid_from.isoformat()},
                           code="duplicate_version", details={"field": "valid_from"})
    return policy_parameter_create(key=parameters.methodology_key(scheme), value=definition, valid_from=valid_from,
                                   source="supervision.methodology_publish", note=note, actor=actor)


def methodology(*, scheme: str, year: int, version_id: int | None = None) -> rules.Methodology:
    """The methodology in force for the year's assessment (or a recorded version), validated."""
    if version_id is not None:
        row = PolicyParameter.objects.filter(pk=version_id).first()
        if row is None:
            raise NotFound(details={"methodology_version": version_id})
        value, vid = row.value, row.pk
    else:
        v = params.get(parameters.methodology_key(scheme), on=assessment_day(year))
        value, vid = v.value, v.id
    errors = methodology_check(definition=value, on=assessment_day(year))
    if errors:
        raise refuse(errors, code="bad_methodology")
    return rules.methodology_from(scheme, value, version_id=vid)


def _year_snapshot(*, body: Any, year: int) -> Snapshot:
    approval = Approval.objects.filter(body=body, year=year, period_kind="year", number=1).first()
    snap = selectors.latest_snapshot(approval=approval) if approval is not None else None
    if approval is None or approval.status != "approved" or snap is None:
        state = approval.get_status_display() if approval is not None else _("not submitted")
        raise InvalidInput(_("%(body)s's year %(year)d is not approved (%(state)s): a scorecard reads approved "
                             "figures only.") % {"body": body, "year": year, "state": state},
                           code="period_not_approved", details={"field": "year", "year": year})
    return snap


def inputs_from(*, figures: dict[str, Any], scheme: str, last_year: dict[str, Any] | None) -> dict[str, Any]:
    """What the indicators read, from a snapshot's figures (and last year's approved year snapshot, if any)."""
    targets: dict[str, int] = {}
    actuals: dict[str, int] = {}
    for own_scheme in ("", scheme):  # the scheme's own target wins over the body's scheme-less one
        for f in figures.get("targets", []):
            if f["scheme"] == own_scheme and not f.get("sub_target"):
                targets[f["metric"]] = int(f["target"])
                actuals[f["metric"]] = int(f["actual"])
    this = (figures.get("schemes", {}).get(scheme) or {})
    last_total: int | None = None
    if last_year is not None and scheme in last_year.get("schemes", {}):
        last_total = int(last_year["schemes"][scheme]["this_year"]["total_fen"])
    elif this.get("last_year") is not None and (this["last_year"].get("total_fen") or 0) > 0:
        last_total = int(this["last_year"]["total_fen"])
    reserved = figures.get("reserved_share") or {}
    return {"targets": targets, "actuals": actuals, "last_year_purchases": last_total,
            "purchases": int((this.get("this_year") or {}).get("total_fen", 0)),
            "poverty_purchases": int((this.get("this_year") or {}).get("poverty_fen", 0)),
            "reserved_obliged": int(reserved.get("obliged", 0)), "reserved_compliant": int(reserved.get("compliant", 0))}


def scheme_misses(figures: dict[str, Any], scheme: str) -> list[dict[str, Any]]:
    keep = ("key", "metric", "scheme", "region_code", "sub_unit_id", "target", "actual", "sub_target", "filters",
            "side", "source", "regions")
    return [{k: f.get(k) for k in keep} for f in rules.misses(f for f in figures.get("targets", [])
                                                              if f["scheme"] in ("", scheme))]


def _apply(card: Scorecard, method: rules.Methodology) -> None:
    data = dict(card.inputs)
    result = rules.score(method, rules.IndicatorInputs(**data, qualitative=card.qualitative),
                         adjustments_centi=card.adjustment_centi)
    unadjusted = rules.score(method, rules.IndicatorInputs(**data, qualitative=card.qualitative))
    card.lines = [line.as_dict() for line in result.lines]
    card.computed_centi = unadjusted.total_centi
    card.total_centi = result.total_centi
    card.grade = result.grade


def _fill(card: Scorecard, *, snap: Snapshot, method: rules.Methodology, last: Snapshot | None) -> dict[str, Any] | None:
    """Compute `card` from the approved year snapshot with the methodology; returns what it was before (None for
    a new card)."""
    before = {"total_centi": card.total_centi, "grade": card.grade, "snapshot_id": card.snapshot_id,
              "methodology_version": card.methodology_version} if card.pk else None
    card.snapshot = snap
    card.methodology_version = method.version_id or 0
    card.inputs = inputs_from(figures=snap.figures, scheme=card.scheme, last_year=last.figures if last else None)
    card.misses = scheme_misses(snap.figures, card.scheme)
    _apply(card, method)
    return before


def _computed(card: Scorecard, snap: Snapshot) -> dict[str, Any]:
    return {"total_centi": card.total_centi, "grade": card.grade, "snapshot_id": snap.pk,
            "snapshot_digest": snap.digest, "methodology_version": card.methodology_version,
            "misses": len(card.misses)}


def scorecard_compute(*, body_id: int, scheme: str, year: int, actor: Any) -> Scorecard:
    """Compute (or recompute) a body's scorecard for a scheme and year from its approved year snapshot."""
    policy.authorise_assess(actor, what="scorecard compute")
    _scheme(scheme)
    body = selectors.body_ref(pk=body_id)
    snap = _year_snapshot(body=body, year=year)
    last = selectors.approved_snapshot(body_id=body.pk, year=year - 1)
    method = methodology(scheme=scheme, year=year)
    with transaction.atomic():
        card = Scorecard.objects.select_for_update().filter(body=body, scheme=scheme, year=year).first()
        card = card or Scorecard(body=body, scheme=scheme, year=year)
        before = _fill(card, snap=snap, method=method, last=last)
        card.save()
        audit.record(actor=actor, action="scorecard:compute", obj=card, before=before, after=_computed(card, snap))
    return card


def _year_snapshots(year: int) -> dict[int, Snapshot]:
    """Body id -> the latest snapshot of its approved year `year` (two queries for every body)."""
    approvals = dict(Approval.objects.filter(year=year, period_kind="year", number=1, status="approved")
                     .values_list("pk", "body_id"))
    out: dict[int, Snapshot] = {}
    for snap in Snapshot.objects.filter(approval_id__in=list(approvals)).order_by("approval_id", "version"):
        out[approvals[snap.approval_id]] = snap  # the highest version wins
    return out


def _assessed(snaps: dict[int, Snapshot], scheme: str) -> list[int]:
    return sorted(body_id for body_id, snap in snaps.items()
                  if scheme in snap.figures.get("schemes", {})
                  or any(t["scheme"] == scheme for t in snap.figures.get("targets", [])))


def assessed_body_ids(*, year: int, scheme: str) -> list[int]:
    """Bodies with an approved year whose snapshot has figures of the scheme (relations or targets)."""
    return _assessed(_year_snapshots(year), scheme)


FIELDS = ["snapshot", "methodology_version", "inputs", "misses", "lines", "computed_centi", "total_centi", "grade",
          "updated_at"]


@memory.gc_paused()  # many short-lived dicts: see core.memory
def scorecards_compute(*, year: int, scheme: str, actor: Any) -> list[dict[str, Any]]:
    """Every assessed body's scorecard of the year and scheme; one result per body. The same cards as
    `scorecard_compute` body by body, read and written in a few set-based statements (one audit entry per card)."""
    policy.authorise_assess(actor, what="scorecards compute")
    _scheme(scheme)
    snaps = _year_snapshots(year)
    ids = _assessed(snaps, scheme)
    try:
        method = methodology(scheme=scheme, year=year)
    except FupinError as exc:
        return [{"body_id": b, "ok": False, "code": exc.code, "message": str(exc.message)} for b in ids]
    last = _year_snapshots(year - 1)
    bodies = {b.pk: b for b in registry.organisation_list(viewer=figures.ASSESSOR).filter(pk__in=ids)}
    out = []
    with transaction.atomic():
        cards = {c.body_id: c for c in Scorecard.objects.select_for_update().filter(scheme=scheme, year=year,
                                                                                  body_id__in=ids)}
        new: list[Scorecard] = []
        changed: list[Scorecard] = []
        befores: dict[int, dict[str, Any] | None] = {}
        now = timezone.now()
        for body_id in ids:
            card = cards.get(body_id) or Scorecard(body_id=body_id, scheme=scheme, year=year)
            card.body = bodies[body_id]
            befores[body_id] = _fill(card, snap=snaps[body_id], method=method, last=last.get(body_id))
            card.updated_at = now
            (changed if card.pk else new).append(card)
        Scorecard.objects.bulk_create(new, batch_size=500)
        update_rows(changed, FIELDS)
        done = sorted(new + changed, key=lambda c: c.body_id)
        audit.record_many(actor=actor, action="scorecard:compute",
                          items=[(c, befores[c.body_id], _computed(c, snaps[c.body_id])) for c in done])
    for card in done:
        out.append({"body_id": card.body_id, "ok": True, "scorecard_id": card.pk, "grade": card.grade,
                    "total_centi": card.total_centi})
    return out


def _recorded(card: Scorecard) -> rules.Methodology:
    return methodology(scheme=card.scheme, year=card.year, version_id=card.methodology_version)


def scorecard_qualitative(*, card: Scorecard, score: Any, reason: str = "", actor: Any) -> Scorecard:
    """The assessors' qualitative score (0 … the indicator's maximum), audited; the total and grade follow."""
    policy.authorise_assess(actor, what="scorecard qualitative")
    method = _recorded(card)
    top = max((i.max_score or 0 for i in method.indicators if i.kind == "qualitative"), default=0)
    if not top:
        raise InvalidInput(_("This methodology has no qualitative indicator."), code="no_qualitative",
                           details={"field": "score"})
    if not isinstance(score, int) or isinstance(score, bool) or not 0 <= score <= top:
        raise InvalidInput(_("The qualitative score is a whole number from 0 to %(top)d.") % {"top": top},
                           code="bad_score", details={"field": "score"})
    with transaction.atomic():
        card = Scorecard.objects.select_for_update().get(pk=card.pk)
        before = {"qualitative": card.qualitative, "total_centi": card.total_centi, "grade": card.grade}
        card.qualitative = score
        _apply(card, method)
        card.save()
        audit.record(actor=actor, action="scorecard:qualitative", obj=card, before=before, reason=reason,
                     after={"qualitative": score, "total_centi": card.total_centi, "grade": card.grade})
    return card


MAX_ADJUSTMENT_CENTI = 100 * 100


def scorecard_adjust(*, card: Scorecard, points_centi: Any, reason: str, actor: Any) -> Scorecard:
    """Adjust a scorecard's total by `points_centi` hundredths of a point, only with a reason; audited."""
    policy.authorise_assess(actor, what="scorecard adjust")
    if not (reason or "").strip():
        raise InvalidInput(_("An adjustment needs a reason."), code="reason_required", details={"field": "reason"})
    if (not isinstance(points_centi, int) or isinstance(points_centi, bool) or points_centi == 0
            or abs(points_centi) > MAX_ADJUSTMENT_CENTI):
        raise InvalidInput(_("An adjustment is a non-zero number of points between -100 and 100."),
                           code="bad_adjustment", details={"field": "points"})
    method = _recorded(card)
    with transaction.atomic():
        card = Scorecard.objects.select_for_update().get(pk=card.pk)
        before = {"adjustment_centi": card.adjustment_centi, "total_centi": card.total_centi, "grade": card.grade}
        ScoreAdjustment.objects.create(scorecard=card, points_centi=points_centi, reason=reason.strip(),
                                       actor_name=audit.actor_of(actor)[1])
        card.adjustment_centi += points_centi
        _apply(card, method)
        card.save()
        audit.record(actor=actor, action="scorecard:adjust", obj=card, before=before, reason=reason.strip(),
                     after={"adjustment_centi": card.adjustment_centi, "total_centi": card.total_centi,
                            "grade": card.grade, "points_centi": points_centi})
    return card


# -- export -----------------------------------------------------------------------------------------------------------
EXPORT_HEADER = ["rank", "body_id", "body", "credit_code", "scheme", "year", "score", "grade", "computed",
                 "adjustments", "last_year_score", "change", "missed_targets", "methodology_version", "snapshot_id"]


def export_rows(cards: list[Scorecard]) -> tuple[list[str], list[list[Any]]]:
    """The scorecards as a table: rank, body, score and grade, last year, the misses and one column per indicator."""
    codes: list[str] = []
    for c in cards:
        for line in c.lines:
            if line["code"] not in codes:
                codes.append(line["code"])
    header = [*EXPORT_HEADER, *[f"points:{c}" for c in codes]]
    rows = []
    ranks: dict[tuple[int, str], dict[int, int]] = {}
    for c in cards:
        key = (c.year, c.scheme)
        if key not in ranks:
            ranks[key] = selectors.ranking(year=c.year, scheme=c.scheme)
        prev = selectors.last_year(card=c)
        points = {line["code"]: line["points_centi"] / 100 for line in c.lines}
        rows.append([ranks[key].get(c.pk), c.body_id, c.body.name, c.body.credit_code or "", c.scheme, c.year,
                     c.total_centi / 100, c.grade, c.computed_centi / 100, c.adjustment_centi / 100,
                     prev.total_centi / 100 if prev else "", (c.total_centi - prev.total_centi) / 100 if prev else "",
                     len(c.misses), c.methodology_version, c.snapshot_id,
                     *[points.get(code, "") for code in codes]])
    return header, rows
