"""Linkage reads. Functions with a `viewer` return only what the viewer's role and region scope allow; the two
viewer-less functions at the top are the interface other apps (certification, incentives) rely on."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from fupin.core import access, params
from fupin.core.errors import InvalidInput, NotFound
from fupin.registry import rules as registry_rules
from fupin.registry import selectors as registry_selectors
from fupin.registry.models import Household, MarketEntity

from . import parameters, rules
from .enums import ContractStatus, FlagKind, PartyKind, RoundStatus
from .models import BenefitPayment, Contract, ContractParty, VerificationItem


# -- interface for other apps ------------------------------------------------------------------------------------
def linked_household_ids(*, entity_ids: Collection[int] | None, on: dt.date) -> dict[int, set[int]]:
    """For each market entity id (None: every entity), the registry Household ids linked to it by a contract that
    is active and in force on `on` (one query). Entities with no such household are absent."""
    out: dict[int, set[int]] = {}
    if entity_ids is not None and not entity_ids:
        return out
    which = Q() if entity_ids is None else Q(contract__entity_id__in=list(entity_ids))
    rows = (
        ContractParty.objects.filter(
            which, contract__status=ContractStatus.ACTIVE,
            contract__party_kind=PartyKind.HOUSEHOLDS, contract__start_date__lte=on,
        )
        .filter(Q(contract__end_date__isnull=True) | Q(contract__end_date__gte=on))
        .values_list("contract__entity_id", "household_id")
        .distinct()
    )
    for entity_id, household_id in rows:
        out.setdefault(entity_id, set()).add(household_id)
    return out


def verification_flags(*, entity_ids: Collection[int] | None) -> dict[int, list[str]]:
    """Entities (None: every entity) whose latest completed verification round shows a discrepancy rate above the
    threshold in force at the end of that round's period: entity id → flag codes (["verification_discrepancy"]).
    Unflagged are absent."""
    if entity_ids is not None and not entity_ids:
        return {}
    which = Q() if entity_ids is None else Q(entity_id__in=list(entity_ids))
    rows = (
        VerificationItem.objects.filter(which, round__status=RoundStatus.COMPLETED)
        .values("entity_id", "round_id", "round__period_end", "round__county__code", "outcome")
        .annotate(n=Count("id"))
    )
    latest: dict[int, tuple[dt.date, int, str]] = {}
    counts: dict[tuple[int, int], dict[str, int]] = {}
    for r in rows:
        key = (r["round__period_end"], r["round_id"], r["round__county__code"])
        if r["entity_id"] not in latest or key[:2] > latest[r["entity_id"]][:2]:
            latest[r["entity_id"]] = key
        counts.setdefault((r["entity_id"], r["round_id"]), {})[r["outcome"]] = r["n"]
    out: dict[int, list[str]] = {}
    for entity_id, (period_end, round_id, county_code) in latest.items():
        threshold = params.value(parameters.DISCREPANCY_THRESHOLD, on=period_end, region_code=county_code)
        z = params.value(parameters.VERIFICATION_CONFIDENCE_Z, on=period_end, region_code=county_code)
        result = rules.discrepancy(counts[(entity_id, round_id)], z=float(z), threshold=float(threshold))
        if result.flagged:
            out[entity_id] = [FlagKind.VERIFICATION_DISCREPANCY.value]
    return out


def benefits_paid(*, entity_ids: Collection[int] | None, date_from: dt.date,
                  date_to: dt.date) -> dict[int, dict[str, int]]:
    """For each market entity (None: every entity), the money it paid to households dated from `date_from` to
    `date_to` (net of reversals) and the number of households whose net sum is above nothing: entity id →
    {"amount_fen", "households"} (one query; entities that paid nothing are absent). For incentives."""
    qs = BenefitPayment.objects.filter(household__isnull=False, paid_on__gte=date_from, paid_on__lte=date_to)
    if entity_ids is not None:
        if not entity_ids:
            return {}
        qs = qs.filter(entity_id__in=list(entity_ids))
    out: dict[int, dict[str, int]] = {}
    for entity_id, total in qs.values("entity_id", "household_id").annotate(s=Sum("amount_fen")).values_list(
            "entity_id", "s"):
        row = out.setdefault(entity_id, {"amount_fen": 0, "households": 0})
        row["amount_fen"] += int(total or 0)
        row["households"] += 1 if (total or 0) > 0 else 0
    return out


# -- contracts and payments, scoped by the market entity's region -----------------------------------------------
def year_bounds(year: int) -> tuple[dt.date, dt.date]:
    """The first and last day of a statistical year; a clear error (not a crash) for years out of range."""
    if not isinstance(year, int) or not 1900 <= year <= 2200:
        raise InvalidInput(_("The year must be between 1900 and 2200."), code="bad_year", details={"year": year})
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def contract_list(*, viewer: Any, entity_id: int | None = None, mechanism: str | None = None, status: str | None = None,
                  region_code: str | None = None, household_id: int | None = None, year: int | None = None,
                  q: str | None = None) -> QuerySet[Contract]:
    qs = access.scoped(Contract.objects.select_related("entity__region", "collective"), viewer, "entity__region__code")
    qs = qs.annotate(households=Count("parties", distinct=True)).order_by("-start_date", "code")
    if entity_id:
        qs = qs.filter(entity_id=entity_id)
    if mechanism:
        qs = qs.filter(mechanism=mechanism)
    if status:
        qs = qs.filter(status=status)
    if region_code:
        qs = qs.filter(entity__region__code__startswith=registry_rules.subtree_prefix(region_code))
    if household_id:
        qs = qs.filter(parties__household_id=household_id)
    if year:
        first, last = year_bounds(year)
        qs = qs.filter(start_date__lte=last).filter(Q(end_date__isnull=True) | Q(end_date__gte=first))
    if q:
        qs = qs.filter(Q(code__icontains=q) | Q(entity__name__contains=q))
    return qs


def contract_get(*, viewer: Any, pk: int) -> Contract:
    contract = contract_list(viewer=viewer).filter(pk=pk).first()
    if contract is None:
        raise NotFound(details={"contract": pk})
    return contract


def contract_parties(*, contract: Contract) -> QuerySet[ContractParty]:
    return contract.parties.select_related("household__village").order_by("household__registry_code")


def payment_list(*, viewer: Any, contract_id: int | None = None, entity_id: int | None = None,
                 household_id: int | None = None, mechanism: str | None = None, year: int | None = None,
                 region_code: str | None = None, date_from: dt.date | None = None,
                 date_to: dt.date | None = None) -> QuerySet[BenefitPayment]:
    qs = access.scoped(BenefitPayment.objects.select_related("contract", "entity", "household", "collective"),
                       viewer, "entity_code")
    if contract_id:
        qs = qs.filter(contract_id=contract_id)
    if entity_id:
        qs = qs.filter(entity_id=entity_id)
    if household_id:
        qs = qs.filter(household_id=household_id)
    if mechanism:
        qs = qs.filter(mechanism=mechanism)
    if year:
        first, last = year_bounds(year)
        qs = qs.filter(paid_on__gte=first, paid_on__lte=last)
    if region_code:
        qs = qs.filter(entity_code__startswith=registry_rules.subtree_prefix(region_code))
    if date_from:
        qs = qs.filter(paid_on__gte=date_from)
    if date_to:
        qs = qs.filter(paid_on__lte=date_to)
    return qs


def payment_get(*, viewer: Any, pk: int) -> BenefitPayment:
    payment = payment_list(viewer=viewer).filter(pk=pk).first()
    if payment is None:
        raise NotFound(details={"payment": pk})
    return payment


def payment_totals(qs: QuerySet[BenefitPayment]) -> dict[str, int]:
    agg = qs.aggregate(total=Sum("amount_fen"), n=Count("id"))
    return {"total_fen": int(agg["total"] or 0), "count": int(agg["n"] or 0)}


# -- a household's linkage: every contract and payment that concerns it -----------------------------------------
def household_linkage(*, viewer: Any, household_id: int) -> dict[str, Any]:
    """For a household the viewer may see (registry scope), every contract that links it and every payment made to
    it, whichever entity and county they belong to; personal data masked as the registry decides."""
    household = registry_selectors.household_get(viewer=viewer, pk=household_id)
    parties = list(
        ContractParty.objects.filter(household=household).select_related("contract__entity__region")
        .order_by("-contract__start_date", "contract__code")
    )
    payments = list(
        BenefitPayment.objects.filter(household=household).select_related("contract", "entity").order_by("-paid_on", "-id")
    )
    return {
        "household": registry_selectors.household_display(viewer=viewer, household=household),
        "contracts": [{"contract": p.contract, "quantity": p.quantity} for p in parties],
        "payments": payments,
        "total_paid_fen": sum(p.amount_fen for p in payments),
    }


def transitions_for(*, contract: Contract) -> list[str]:
    return rules.transitions_from(contract.status)


def entity_for_write(*, viewer: Any, pk: int) -> MarketEntity:
    """A market entity in the viewer's scope (for forms and API writes)."""
    return registry_selectors.entity_get(viewer=viewer, pk=pk)


def entity_choices(*, viewer: Any, kind: str | None = None) -> QuerySet[MarketEntity]:
    return registry_selectors.entity_list(viewer=viewer, kind=kind)


def household_by_code(*, code: str) -> Household | None:
    """A household by registry code, for naming the recipient of a payment (the service checks the link)."""
    return Household.objects.select_related("village").filter(registry_code=(code or "").strip()).first()
