"""Linkage indicators per entity, county and province for a year (reads; SQL aggregates): households linked,
households that received money, total and median benefit per household, benefit and participation by mechanism,
village collective income. Each row carries the filters that drill down to its contracts and payments."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, QuerySet, Sum
from django.db.models.functions import ExtractYear, Substr

from fupin.core import access
from fupin.registry import rules as registry_rules
from fupin.registry.models import MarketEntity, Region

from .enums import Mechanism
from .expected import signed_contracts
from .models import BenefitPayment, ContractParty
from .selectors import year_bounds

GROUPS = ("province", "county", "entity")


@dataclass
class IndicatorRow:
    key: str
    label: str
    region_code: str = ""
    entity_id: int | None = None
    contracts: int = 0
    households_linked: int = 0
    households_paid: int = 0
    total_fen: int = 0
    median_fen: int = 0
    collective_fen: int = 0
    by_mechanism_fen: dict[str, int] = field(default_factory=dict)
    linked_by_mechanism: dict[str, int] = field(default_factory=dict)

    @property
    def mean_fen(self) -> int:
        return self.total_fen // self.households_paid if self.households_paid else 0

    @property
    def paid_share(self) -> float:
        return self.households_paid / self.households_linked if self.households_linked else 0.0

    def drill(self) -> dict[str, Any]:
        return {"entity": self.entity_id} if self.entity_id else {"region": self.region_code}

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key, "label": self.label, "region_code": self.region_code, "entity_id": self.entity_id,
            "contracts": self.contracts, "households_linked": self.households_linked,
            "households_paid": self.households_paid, "total_fen": self.total_fen, "median_fen": self.median_fen,
            "mean_fen": self.mean_fen, "collective_fen": self.collective_fen,
            "by_mechanism_fen": self.by_mechanism_fen, "linked_by_mechanism": self.linked_by_mechanism,
        }


def _group_expr(group_by: str, code_field: str, entity_field: str) -> Any:
    if group_by == "province":
        return Substr(code_field, 1, 2)
    if group_by == "county":
        return Substr(code_field, 1, 6)
    return F(entity_field)


def _labels(group_by: str, keys: set[str]) -> dict[str, tuple[str, str, int | None]]:
    """key → (label, region code, entity id)."""
    if group_by == "entity":
        ents = MarketEntity.objects.filter(pk__in=[int(k) for k in keys]).select_related("region")
        return {str(e.pk): (e.name, e.region.code, e.pk) for e in ents}
    codes = {k + "0000" if group_by == "province" else k: k for k in keys}
    names = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    return {k: (names.get(code, code), code, None) for code, k in codes.items()}


def indicators(*, viewer: Any, year: int, group_by: str = "county", region_code: str | None = None,
               entity_id: int | None = None) -> tuple[list[IndicatorRow], IndicatorRow]:
    """The rows of one grouping and the total row, for the contracts and payments the viewer may see."""
    if group_by not in GROUPS:
        group_by = "county"
    start, end = year_bounds(year)
    contracts = access.scoped(signed_contracts(start=start, end=end), viewer, "entity__region__code")
    payments = access.scoped(BenefitPayment.objects.filter(paid_on__gte=start, paid_on__lte=end), viewer, "entity_code")
    if region_code:
        prefix = registry_rules.subtree_prefix(region_code)
        contracts = contracts.filter(entity__region__code__startswith=prefix)
        payments = payments.filter(entity_code__startswith=prefix)
    if entity_id:
        contracts = contracts.filter(entity_id=entity_id)
        payments = payments.filter(entity_id=entity_id)
    parties = ContractParty.objects.filter(contract__in=contracts)
    return _compute(group_by, contracts, parties, payments)


def _compute(group_by: str, contracts: QuerySet, parties: QuerySet, payments: QuerySet) -> tuple[list[IndicatorRow], IndicatorRow]:
    gc = _group_expr(group_by, "entity__region__code", "entity_id")
    gp = _group_expr(group_by, "contract__entity__region__code", "contract__entity_id")
    gpay = _group_expr(group_by, "entity_code", "entity_id")
    rows: dict[str, IndicatorRow] = {}
    total = IndicatorRow("total", "")

    def row(key: Any) -> IndicatorRow:
        k = str(key)
        if k not in rows:
            rows[k] = IndicatorRow(k, k)
        return rows[k]

    for r in contracts.annotate(g=gc).values("g").annotate(n=Count("id")):
        row(r["g"]).contracts = r["n"]
    total.contracts = contracts.count()
    for r in parties.annotate(g=gp).values("g").annotate(n=Count("household_id", distinct=True)):
        row(r["g"]).households_linked = r["n"]
    total.households_linked = parties.values("household_id").distinct().count()
    for r in parties.annotate(g=gp).values("g", "contract__mechanism").annotate(n=Count("household_id", distinct=True)):
        row(r["g"]).linked_by_mechanism[r["contract__mechanism"]] = r["n"]
    for r in parties.values("contract__mechanism").annotate(n=Count("household_id", distinct=True)):
        total.linked_by_mechanism[r["contract__mechanism"]] = r["n"]

    to_households = payments.filter(household__isnull=False)
    per_household: dict[str, list[int]] = {}
    for r in to_households.annotate(g=gpay).values("g", "household_id").annotate(s=Sum("amount_fen")).filter(s__gt=0):
        per_household.setdefault(str(r["g"]), []).append(int(r["s"]))
    all_households = [int(s) for s in to_households.values("household_id").annotate(s=Sum("amount_fen"))
                      .filter(s__gt=0).values_list("s", flat=True)]
    for k, sums in per_household.items():
        rw = row(k)
        rw.households_paid = len(sums)
        rw.median_fen = int(statistics.median(sums))
    total.households_paid = len(all_households)
    total.median_fen = int(statistics.median(all_households)) if all_households else 0
    for r in to_households.annotate(g=gpay).values("g").annotate(s=Sum("amount_fen")):
        row(r["g"]).total_fen = int(r["s"] or 0)
    total.total_fen = int(to_households.aggregate(s=Sum("amount_fen"))["s"] or 0)
    for r in payments.annotate(g=gpay).values("g", "mechanism").annotate(s=Sum("amount_fen")):
        row(r["g"]).by_mechanism_fen[r["mechanism"]] = int(r["s"] or 0)
    for r in payments.values("mechanism").annotate(s=Sum("amount_fen")):
        total.by_mechanism_fen[r["mechanism"]] = int(r["s"] or 0)
    to_collectives = payments.filter(collective__isnull=False)
    for r in to_collectives.annotate(g=gpay).values("g").annotate(s=Sum("amount_fen")):
        row(r["g"]).collective_fen = int(r["s"] or 0)
    total.collective_fen = int(to_collectives.aggregate(s=Sum("amount_fen"))["s"] or 0)

    labels = _labels(group_by, set(rows))
    for k, rw in rows.items():
        rw.label, rw.region_code, rw.entity_id = labels.get(k, (k, k if group_by != "entity" else "", None))
    ordered = sorted(rows.values(), key=lambda r: (-r.total_fen, r.key))
    return ordered, total


def yearly_totals(*, viewer: Any, region_code: str | None = None, entity_id: int | None = None) -> list[dict[str, Any]]:
    """Benefit paid per year and mechanism (for the trend chart)."""
    qs = access.scoped(BenefitPayment.objects.all(), viewer, "entity_code")
    if region_code:
        qs = qs.filter(entity_code__startswith=registry_rules.subtree_prefix(region_code))
    if entity_id:
        qs = qs.filter(entity_id=entity_id)
    rows = qs.annotate(y=ExtractYear("paid_on")).values("y", "mechanism").annotate(s=Sum("amount_fen")).order_by("y")
    return [{"year": r["y"], "mechanism": r["mechanism"], "total_fen": int(r["s"] or 0)} for r in rows]


MECHANISM_ORDER = [m.value for m in Mechanism]


def participation(total: IndicatorRow) -> dict[str, int]:
    """Participation of the poor: households linked through product sales (order purchase) and through leisure
    agriculture and rural tourism."""
    return {
        "product_sales": total.linked_by_mechanism.get(Mechanism.ORDER_PURCHASE, 0),
        "tourism": total.linked_by_mechanism.get(Mechanism.TOURISM, 0),
    }


