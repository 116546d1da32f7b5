"""Expected versus paid, and the anomaly flags (reads). What each household (or village collective) should have
received comes from the contract terms through the pure rules, one per mechanism; what was paid is summed by the
database. Every flag records the parameter version that produced it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from fupin.core import access, params
from fupin.registry import rules as registry_rules
from fupin.registry.models import Household

from . import parameters, rules
from .enums import ContractStatus, FlagKind, Mechanism, PartyKind
from .models import BenefitPayment, Contract, ContractParty

SIGNED_STATES = (ContractStatus.ACTIVE, ContractStatus.SUSPENDED, ContractStatus.ENDED)


def signed_contracts(*, start: dt.date, end: dt.date) -> QuerySet[Contract]:
    """Contracts that were activated and whose period overlaps [start, end]."""
    return (
        Contract.objects.filter(status__in=SIGNED_STATES, activated_at__isnull=False, start_date__lte=end)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=start))
    )


@dataclass
class PartyLine:
    """One party of one contract over a period: the annual expected amount, what fell due, what was paid."""

    contract: Contract
    household_id: int | None
    registry_code: str
    collective_id: int | None
    quantity: Decimal | None
    annual_fen: int
    due_fen: int = 0
    paid_fen: int = 0
    instalments: list[rules.Instalment] = field(default_factory=list, repr=False)

    @property
    def shortfall_fen(self) -> int:
        return max(0, self.due_fen - self.paid_fen)

    @property
    def recipient(self) -> str:
        return self.registry_code if self.household_id else (self.contract.collective.name if self.contract.collective else "")


def _party_lines(contracts: Iterable[Contract], *, until: dt.date) -> list[PartyLine]:
    lines: list[PartyLine] = []
    cache: dict[tuple[int, Fraction], list[rules.Instalment]] = {}
    for c in contracts:
        if c.party_kind == PartyKind.COLLECTIVE:
            members: list[tuple[int | None, str, Decimal | None]] = [(None, "", None)]
        else:
            members = [(p.household_id, p.household.registry_code, p.quantity) for p in c.parties.all()]
        quantities = [q for _h, _c, q in members if q is not None]
        total = sum(quantities, Decimal(0))
        for household_id, code, qty in members:
            share = rules.Share(quantity=qty, total_quantity=total, parties=len(members))
            annual = rules.annual_expected(c.mechanism, c.terms, share)
            key = (c.pk, annual)
            if key not in cache:
                cache[key] = rules.instalments(annual=annual, schedule=c.schedule, start=c.start_date, end=c.end_date,
                                               until=until)
            lines.append(PartyLine(c, household_id, code, c.collective_id if household_id is None else None, qty,
                                   rules.round_fen(annual), instalments=cache[key]))
    return lines


def _paid(contract_ids: list[int], *, start: dt.date, end: dt.date) -> dict[tuple[int, int | None, int | None], int]:
    rows = (
        BenefitPayment.objects.filter(contract_id__in=contract_ids, paid_on__gte=start, paid_on__lte=end)
        .values("contract_id", "household_id", "collective_id").annotate(s=Sum("amount_fen"))
    )
    return {(r["contract_id"], r["household_id"], r["collective_id"]): int(r["s"] or 0) for r in rows}


def _visible_contracts(viewer: Any, qs: QuerySet[Contract]) -> QuerySet[Contract]:
    return access.scoped(qs, viewer, "entity__region__code")


def expected_vs_paid(*, viewer: Any, start: dt.date, end: dt.date, on: dt.date | None = None, entity_id: int | None = None,
                     contract_id: int | None = None, household_id: int | None = None,
                     region_code: str | None = None, mechanism: str | None = None) -> list[PartyLine]:
    """Per contract and party, what fell due in [start, end] (instalments due by `on`, default `end`) and what was
    paid in the same period."""
    qs = _visible_contracts(viewer, signed_contracts(start=start, end=end))
    return lines_for(qs, start=start, end=end, on=on, entity_id=entity_id, contract_id=contract_id,
                     household_id=household_id, region_code=region_code, mechanism=mechanism)


def lines_for(qs: QuerySet[Contract], *, start: dt.date, end: dt.date, on: dt.date | None = None,
              entity_id: int | None = None, contract_id: int | None = None, household_id: int | None = None,
              region_code: str | None = None, mechanism: str | None = None) -> list[PartyLine]:
    """Expected versus paid over the contracts of `qs` (already scoped by the caller)."""
    on = min(on or end, end)
    qs = qs.select_related("entity", "collective")
    if entity_id:
        qs = qs.filter(entity_id=entity_id)
    if contract_id:
        qs = qs.filter(pk=contract_id)
    if household_id:
        qs = qs.filter(parties__household_id=household_id)
    if region_code:
        qs = qs.filter(entity__region__code__startswith=registry_rules.subtree_prefix(region_code))
    if mechanism:
        qs = qs.filter(mechanism=mechanism)
    contracts = list(qs.prefetch_related("parties__household").distinct())
    lines = _party_lines(contracts, until=on)
    if household_id:
        lines = [ln for ln in lines if ln.household_id == household_id]
    paid = _paid([c.pk for c in contracts], start=start, end=end)
    for ln in lines:
        ln.due_fen = rules.due_between(ln.instalments, start, on)
        ln.paid_fen = paid.get((ln.contract.pk, ln.household_id, ln.collective_id), 0)
    return lines


# -- flags ---------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Flag:
    kind: str
    entity_id: int | None
    entity_name: str
    contract_id: int | None
    contract_code: str
    household_id: int | None
    registry_code: str
    due_fen: int
    paid_fen: int
    detail: str
    parameter_id: int | None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


class _Params:
    """Resolve a parameter per region without a query per row."""

    def __init__(self, key: str, on: dt.date) -> None:
        self.key, self.on = key, on
        self.versions = params.versions(key)

    def get(self, region_code: str) -> params.ParamVersion:
        v = params.resolve(self.versions, on=self.on, region_code=region_code)
        if v is None:
            return params.get(self.key, on=self.on, region_code=region_code)  # raises ParameterMissing
        return v


def flags(*, viewer: Any, on: dt.date, region_code: str | None = None, entity_id: int | None = None,
          kinds: Iterable[str] | None = None) -> list[Flag]:
    """Anomalies on date `on`: linked households with nothing paid in M months while money fell due; payments below
    the terms over the last twelve months; households claimed by more entities than allowed; order purchases paid
    below the protected price."""
    wanted = set(kinds or FlagKind.values) - {FlagKind.VERIFICATION_DISCREPANCY}
    months = _Params(parameters.NO_PAYMENT_MONTHS, on)
    ratio = _Params(parameters.BELOW_TERMS_RATIO, on)
    grace = _Params(parameters.GRACE_DAYS, on)
    year_ago = rules.months_before(on, 12)
    out: list[Flag] = []
    qs = _visible_contracts(viewer, signed_contracts(start=year_ago, end=on)).select_related("entity__region", "collective")
    if entity_id:
        qs = qs.filter(entity_id=entity_id)
    if region_code:
        qs = qs.filter(entity__region__code__startswith=registry_rules.subtree_prefix(region_code))
    contracts = list(qs.prefetch_related("parties__household"))
    if wanted & {FlagKind.NO_PAYMENT, FlagKind.BELOW_TERMS}:
        lines = _party_lines(contracts, until=on)
        payments = (
            BenefitPayment.objects.filter(contract_id__in=[c.pk for c in contracts], paid_on__gte=year_ago, paid_on__lte=on)
            .values_list("contract_id", "household_id", "collective_id", "paid_on", "amount_fen")
        )
        by_party: dict[tuple[int, int | None, int | None], list[tuple[dt.date, int]]] = {}
        for cid, hid, colid, paid_on, amount in payments:
            by_party.setdefault((cid, hid, colid), []).append((paid_on, amount))
        for ln in lines:
            c = ln.contract
            county = c.entity.region.code[:6]
            g = int(grace.get(county).value)
            paid = by_party.get((c.pk, ln.household_id, ln.collective_id), [])
            if FlagKind.NO_PAYMENT in wanted and c.status == ContractStatus.ACTIVE:
                mv = months.get(county)
                window = rules.months_before(on, int(mv.value))
                due = rules.due_between(ln.instalments, window, on, grace_days=g)
                got = sum(a for d, a in paid if d >= window)
                if rules.flag_no_payment(due_fen=due, paid_fen=got):
                    out.append(Flag(FlagKind.NO_PAYMENT, c.entity_id, c.entity.name, c.pk, c.code, ln.household_id,
                                    ln.recipient, due, got, f"{int(mv.value)} months from {window.isoformat()}", mv.id))
            if FlagKind.BELOW_TERMS in wanted:
                rv = ratio.get(county)
                due = rules.due_between(ln.instalments, year_ago, on, grace_days=g)
                got = sum(a for _d, a in paid)
                if rules.flag_below_terms(due_fen=due, paid_fen=got, ratio=rv.value):
                    out.append(Flag(FlagKind.BELOW_TERMS, c.entity_id, c.entity.name, c.pk, c.code, ln.household_id,
                                    ln.recipient, due, got, f"paid < {rv.value} × due since {year_ago.isoformat()}", rv.id))
    if FlagKind.PRICE_BELOW_PROTECTED in wanted:
        by_id = {c.pk: c for c in contracts if c.mechanism == Mechanism.ORDER_PURCHASE}
        rows = BenefitPayment.objects.filter(contract_id__in=list(by_id), paid_on__gte=year_ago, paid_on__lte=on,
                                             quantity__gt=0, amount_fen__gt=0, reversed_by__isnull=True) \
            .select_related("household")
        for p in rows:
            c = by_id[p.contract_id]
            price = int(c.terms.get("protected_price_fen", 0))
            if rules.flag_price_below_protected(amount_fen=p.amount_fen, quantity=p.quantity, protected_price_fen=price):
                out.append(Flag(FlagKind.PRICE_BELOW_PROTECTED, c.entity_id, c.entity.name, c.pk, c.code, p.household_id,
                                p.household.registry_code if p.household else "", rules.round_fen(p.quantity * price),
                                p.amount_fen, f"{p.paid_on.isoformat()}: {p.quantity} {c.terms.get('unit', '')}", None))
    if FlagKind.MANY_ENTITIES in wanted:
        out.extend(_many_entities(viewer=viewer, on=on, region_code=region_code, entity_id=entity_id))
    return out


def _many_entities(*, viewer: Any, on: dt.date, region_code: str | None, entity_id: int | None) -> list[Flag]:
    maximum = _Params(parameters.MAX_ENTITIES_PER_HOUSEHOLD, on)
    in_force = ContractParty.objects.filter(contract__status=ContractStatus.ACTIVE, contract__start_date__lte=on) \
        .filter(Q(contract__end_date__isnull=True) | Q(contract__end_date__gte=on))
    households = access.scoped(Household.objects.all(), viewer, "village__code")
    if region_code:
        households = households.filter(village__code__startswith=registry_rules.subtree_prefix(region_code))
    if entity_id:
        households = households.filter(pk__in=in_force.filter(contract__entity_id=entity_id).values("household_id"))
    floor = min((int(v.value) for v in maximum.versions), default=0)
    rows = (
        in_force.filter(household__in=households).values("household_id", "household__registry_code",
                                                          "household__village__code")
        .annotate(n=Count("contract__entity", distinct=True)).filter(n__gt=floor)
    )
    out: list[Flag] = []
    for r in rows:
        mv = maximum.get(r["household__village__code"][:6])
        if not rules.flag_many_entities(entities=r["n"], maximum=int(mv.value)):
            continue
        names = sorted(set(in_force.filter(household_id=r["household_id"]).values_list("contract__entity__name", flat=True)))
        out.append(Flag(FlagKind.MANY_ENTITIES, None, "; ".join(names), None, "", r["household_id"],
                        r["household__registry_code"], 0, 0, f"{r['n']} entities > {mv.value}", mv.id))
    return out
