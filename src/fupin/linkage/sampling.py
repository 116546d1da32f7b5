"""Verification sampling: draw a reproducible stratified random sample of benefiting households per county and
period (services), the field verification list as .xlsx, outcomes, and discrepancy rates with a Wilson interval
per county and entity (reads). A rate above the dated threshold flags the entity (selectors.verification_flags)."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count, QuerySet, Sum
from django.utils.translation import gettext as _

from fupin.core import access, audit, params, tabular
from fupin.core.errors import Conflict, InvalidInput, NotFound
from fupin.core.money import fen_to_yuan
from fupin.core.services import export_log
from fupin.core.validators import mask_name, mask_phone
from fupin.registry.enums import RegionLevel
from fupin.registry.models import Region

from . import parameters, rules
from .enums import Mechanism, Outcome, RoundStatus
from .expected import lines_for, signed_contracts
from .models import BenefitPayment, VerificationItem, VerificationRound
from .services import WRITE_ROLES


def _require_verifier(actor: Any, county_code: str) -> None:
    """Verification rounds are drawn and recorded by a government office whose scope covers the county."""
    access.authorise(actor, roles=WRITE_ROLES, region_code=county_code, office=True, what="verification round")


# -- drawing -------------------------------------------------------------------------------------------------------
@transaction.atomic
def round_draw(*, county_code: str, period_start: dt.date, period_end: dt.date, actor: Any,
               seed: int | None = None) -> VerificationRound:
    """Draw the sample of (household, entity) pairs with net benefit in the period among households living in the
    county; strata are the entities. The seed (drawn at random when not given), the method and the parameter
    versions are recorded, so the same database and seed give the same sample again."""
    _require_verifier(actor, county_code)
    county = Region.objects.filter(code=county_code, level=RegionLevel.COUNTY).first()
    if county is None:
        raise InvalidInput(_("%(code)s is not a county code.") % {"code": county_code}, code="bad_county")
    if period_end < period_start:
        raise InvalidInput(_("The period ends before it starts."), code="bad_period")
    if seed is None:
        seed = secrets.randbelow(2**31)
    if not 0 <= int(seed) < 2**63:
        raise InvalidInput(_("The seed must be a non-negative whole number."), code="bad_seed")
    sample_param = params.get(parameters.VERIFICATION_SAMPLE, on=period_end, region_code=county.code)
    cfg = sample_param.value
    fraction, min_per, max_total = float(cfg["fraction"]), int(cfg["min_per_stratum"]), int(cfg["max_total"])
    pairs = (
        BenefitPayment.objects.filter(recipient_code__startswith=county.code, household__isnull=False,
                                      paid_on__gte=period_start, paid_on__lte=period_end)
        .values("household_id", "entity_id").annotate(s=Sum("amount_fen")).filter(s__gt=0)
    )
    paid = {(r["household_id"], r["entity_id"]): int(r["s"]) for r in pairs}
    drawn = rules.stratified_sample(((str(e), h) for (h, e) in paid), seed=int(seed), fraction=fraction,
                                    min_per_stratum=min_per, max_total=max_total)
    rnd = VerificationRound.objects.create(
        county=county, period_start=period_start, period_end=period_end, seed=int(seed),
        method=rules.sampling_method(fraction=fraction, min_per_stratum=min_per, max_total=max_total),
        sample_size=len(drawn), population=len(paid),
        parameters={parameters.VERIFICATION_SAMPLE: sample_param.id},
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    expected = _expected_by_pair({(h, int(e)) for e, h in drawn}, start=period_start, end=period_end)
    VerificationItem.objects.bulk_create([
        VerificationItem(round=rnd, household_id=h, entity_id=int(e), position=i,
                         expected_fen=expected.get((h, int(e)), 0), paid_fen=paid[(h, int(e))])
        for i, (e, h) in enumerate(drawn, start=1)
    ])
    audit.record(actor=actor, action="verification_round:draw", obj=rnd,
                 after={"county": county.code, "period": [period_start, period_end], "seed": rnd.seed,
                        "population": rnd.population, "sample_size": rnd.sample_size, "parameters": rnd.parameters})
    return rnd


def _expected_by_pair(pairs: set[tuple[int, int]], *, start: dt.date, end: dt.date) -> dict[tuple[int, int], int]:
    if not pairs:
        return {}
    entity_ids = {e for _h, e in pairs}
    qs = signed_contracts(start=start, end=end).filter(entity_id__in=entity_ids,
                                                       parties__household_id__in={h for h, _e in pairs}).distinct()
    out: dict[tuple[int, int], int] = {}
    for line in lines_for(qs, start=start, end=end):
        if line.household_id is None:  # a collective's line is never a sampled pair
            continue
        key = (line.household_id, line.contract.entity_id)
        if key in pairs:
            out[key] = out.get(key, 0) + line.due_fen
    return out


# -- outcomes ------------------------------------------------------------------------------------------------------
@transaction.atomic
def item_outcome_record(*, item: VerificationItem, outcome: str, actor: Any, reported_fen: int | None = None,
                        note: str = "") -> VerificationItem:
    """Record (or, while the round is open, correct) what the field visit found."""
    round_require_open(round=item.round, actor=actor)
    if outcome not in Outcome.values or outcome == Outcome.PENDING:
        raise InvalidInput(_("Unknown outcome “%(o)s”.") % {"o": outcome}, code="bad_outcome")
    if outcome == Outcome.AMOUNT_DIFFERS and reported_fen is None:
        raise InvalidInput(_("Give the amount the household reports."), code="missing_amount")
    if reported_fen is not None and reported_fen < 0:
        raise InvalidInput(_("The amount must not be negative."), code="bad_amount")
    _o, reported, note = rules.stored_outcome(outcome, reported_fen, note)
    audit.transition(item, to=outcome, allowed_from=Outcome.values, actor=actor, field="outcome",
                     action="verification_item:outcome", reason=note, changes={"reported_fen": reported, "note": note})
    return item


def round_require_open(*, round: VerificationRound, actor: Any) -> None:
    """Whether `actor` may record outcomes in the round now: a writing role, the round's county in scope, the round
    still open (raises AccessDenied or Conflict `round_completed`)."""
    _require_verifier(actor, round.county.code)
    if round.status != RoundStatus.OPEN:
        raise Conflict(_("The round is completed; its outcomes are final."), code="round_completed")


@transaction.atomic
def round_complete(*, round: VerificationRound, actor: Any, reason: str = "") -> VerificationRound:
    _require_verifier(actor, round.county.code)
    pending = round.items.filter(outcome=Outcome.PENDING).count()
    if pending:
        raise Conflict(_("%(n)d sampled households are not verified yet.") % {"n": pending}, code="items_pending",
                       details={"pending": pending})
    audit.transition(round, to=RoundStatus.COMPLETED, allowed_from=[RoundStatus.OPEN], actor=actor, reason=reason,
                     action="verification_round:complete")
    return round


# -- reads ---------------------------------------------------------------------------------------------------------
def round_list(*, viewer: Any, county_code: str | None = None, status: str | None = None) -> QuerySet[VerificationRound]:
    qs = access.scoped(VerificationRound.objects.select_related("county"), viewer, "county__code")
    if county_code:
        qs = qs.filter(county__code__startswith=county_code)
    if status:
        qs = qs.filter(status=status)
    return qs


def round_get(*, viewer: Any, pk: int) -> VerificationRound:
    rnd = round_list(viewer=viewer).filter(pk=pk).first()
    if rnd is None:
        raise NotFound(details={"round": pk})
    return rnd


def round_items(*, round: VerificationRound) -> QuerySet[VerificationItem]:
    return round.items.select_related("household__village", "entity").order_by("position")


def item_get(*, viewer: Any, pk: int) -> VerificationItem:
    item = VerificationItem.objects.select_related("round__county").filter(pk=pk).first()
    if item is None or not viewer.can_see_code(item.round.county.code):
        raise NotFound(details={"item": pk})
    return item


@dataclass(frozen=True)
class Rate:
    key: str
    label: str
    entity_id: int | None
    sampled: int
    result: rules.Discrepancy


def round_rates(*, round: VerificationRound) -> tuple[Rate, list[Rate], int | None]:
    """The county's rate and each entity's rate in a round, with the parameter version of the threshold."""
    threshold = params.get(parameters.DISCREPANCY_THRESHOLD, on=round.period_end, region_code=round.county.code)
    z = float(params.value(parameters.VERIFICATION_CONFIDENCE_Z, on=round.period_end, region_code=round.county.code))
    per_entity: dict[int, dict[str, int]] = {}
    names: dict[int, str] = {}
    for r in round.items.values("entity_id", "entity__name", "outcome").annotate(n=Count("id")):
        per_entity.setdefault(r["entity_id"], {})[r["outcome"]] = r["n"]
        names[r["entity_id"]] = r["entity__name"]
    county_counts: dict[str, int] = {}
    for counts in per_entity.values():
        for o, n in counts.items():
            county_counts[o] = county_counts.get(o, 0) + n
    t = float(threshold.value)
    county = Rate(round.county.code, round.county.name, None, sum(county_counts.values()),
                  rules.discrepancy(county_counts, z=z, threshold=t))
    entities = [Rate(str(e), names[e], e, sum(c.values()), rules.discrepancy(c, z=z, threshold=t))
                for e, c in sorted(per_entity.items(), key=lambda kv: names[kv[0]])]
    return county, entities, threshold.id


QUESTIONS: dict[str, Callable[[], str]] = {
    Mechanism.EMPLOYMENT: lambda: _("Did a member of the household work for the entity in the period, and how much "
                                    "wage was received?"),
    Mechanism.ORDER_PURCHASE: lambda: _("Did the entity buy the household's produce at the protected price, and how "
                                        "much was received?"),
    Mechanism.DIVIDEND: lambda: _("Did the household receive a dividend on its shares or pooled assets, and how much?"),
    Mechanism.LAND_LEASE: lambda: _("Did the household receive the land rent, and how much?"),
    Mechanism.TOURISM: lambda: _("Did the household receive its share of homestay, guiding or tourism revenue, and "
                                 "how much?"),
    Mechanism.COLLECTIVE_INCOME: lambda: _("Did the village collective receive the income?"),
}


def field_list_columns() -> list[tabular.Column]:
    return [
        tabular.Column("position", "序号"), tabular.Column("item_id", "核查项编号"),
        tabular.Column("household", "户编号"), tabular.Column("village", "村"),
        tabular.Column("head_of_household", "户主(脱敏)"), tabular.Column("phone", "电话(脱敏)"),
        tabular.Column("entity", "经营主体"), tabular.Column("mechanisms", "联结方式"),
        tabular.Column("contracts", "合同编号"), tabular.Column("expected_yuan", "应得金额(元)"),
        tabular.Column("recorded_paid_yuan", "记录已付(元)"), tabular.Column("questions", "核查问题"),
        tabular.Column("outcome", "核查结果", required=False,
                       help="confirmed / not_received / amount_differs / not_found"),
        tabular.Column("reported_yuan", "农户反映金额(元)", required=False), tabular.Column("note", "备注", required=False),
    ]


def field_list_xlsx(*, round: VerificationRound, viewer: Any, language: str = "en") -> bytes:
    """The field verification list: personal data masked, what to ask, the expected and recorded amounts, and empty
    columns for the outcome. Logged as an export of personal data."""
    access.require_code_in_scope(viewer, round.county.code)
    items = list(round_items(round=round))
    contracts: dict[tuple[int, int], list[tuple[str, str]]] = {}
    links = (
        signed_contracts(start=round.period_start, end=round.period_end)
        .filter(entity_id__in={i.entity_id for i in items}, parties__household_id__in={i.household_id for i in items})
        .values_list("entity_id", "parties__household_id", "code", "mechanism")
    )
    for entity_id, household_id, code, mechanism in links:
        contracts.setdefault((household_id, entity_id), []).append((code, mechanism))
    labels = dict(Mechanism.choices)
    rows: list[list[Any]] = []
    for i in items:
        linked = sorted(contracts.get((i.household_id, i.entity_id), []))
        mechanisms = sorted({m for _c, m in linked})
        rows.append([
            i.position, i.pk, i.household.registry_code, i.household.village.name, mask_name(i.household.head_name),
            mask_phone(i.household.phone), i.entity.name, "; ".join(str(labels.get(m, m)) for m in mechanisms),
            "; ".join(c for c, _m in linked), fen_to_yuan(i.expected_fen), fen_to_yuan(i.paid_fen),
            " ".join(QUESTIONS[m]() for m in mechanisms if m in QUESTIONS) or QUESTIONS[Mechanism.EMPLOYMENT](),
            "" if i.outcome == Outcome.PENDING else i.outcome,
            fen_to_yuan(i.reported_fen) if i.reported_fen is not None else "", i.note,
        ])
    export_log(user=viewer, what=f"verification field list round {round.pk}", rows=len(rows), personal=True)
    header = tabular.header_labels(field_list_columns(), language=language)
    return tabular.xlsx_bytes(rows, header=header, sheet_title=f"verification {round.county.code}")


def outcome_choices() -> Iterable[tuple[str, Any]]:
    return [(v, label) for v, label in Outcome.choices if v != Outcome.PENDING]
