"""The pieces of interest linkage that need the account (reads only): they live here, above linkage in the
dependency order, and read linkage through its selectors and the account through the ledger's tables.

- `order_purchase_lines`: for order-purchase (contract farming) contracts, what each linked household should have
  received for the produce the account records it selling — quantity × the contract's protected price — against
  what the account records it was paid, plus any benefit payments made under the contract (top-ups).
- `poor_share`: per market entity and year, the benefits paid to poor households (net benefit payments to
  households) ÷ the entity's counted sales in the account (the year × seller cube).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.db.models import Q, Sum

from fupin.linkage import rules as linkage_rules
from fupin.linkage import selectors as linkage_selectors
from fupin.linkage.enums import Mechanism

from .models import PurchaseEntry, RollupSellerYear


# -- order purchase: expected benefit from the purchases in the account -----------------------------------------
@dataclass(frozen=True)
class OrderPurchaseLine:
    contract_id: int
    contract_code: str
    household_id: int
    registry_code: str
    unit: str
    protected_price_fen: int
    quantity: Decimal            # sold by the household in the period (account, net of reversals)
    account_fen: int             # what the account records the household was paid for it
    expected_fen: int            # quantity × protected price
    benefit_paid_fen: int        # benefit payments under the contract in the period (top-ups, second payments)

    @property
    def shortfall_fen(self) -> int:
        return max(0, self.expected_fen - self.account_fen - self.benefit_paid_fen)


def order_purchase_lines(*, viewer: Any, year: int, contract_id: int | None = None, entity_id: int | None = None,
                         region_code: str | None = None) -> list[OrderPurchaseLine]:
    """Per order-purchase contract and linked household: sales the account records with the household as seller
    (its own seller record, dated within both the contract and the year, in the contract's unit when both name
    one), valued at the protected price, against what was paid for them."""
    start, end = linkage_selectors.year_bounds(year)
    contracts = linkage_selectors.contract_list(viewer=viewer, mechanism=Mechanism.ORDER_PURCHASE, entity_id=entity_id,
                                                region_code=region_code, year=year) \
        .filter(activated_at__isnull=False).prefetch_related("parties__household__seller")
    if contract_id:
        contracts = contracts.filter(pk=contract_id)
    out: list[OrderPurchaseLine] = []
    for c in contracts:
        lo = max(start, c.start_date)
        hi = min(end, c.end_date) if c.end_date else end
        price = int(c.terms.get("protected_price_fen", 0))
        unit = str(c.terms.get("unit", "")).strip()
        parties = [p for p in c.parties.all()]
        sellers = {seller.pk: p for p in parties if (seller := getattr(p.household, "seller", None)) is not None}
        sales: dict[int, tuple[int, int]] = {}
        if sellers:
            qs = PurchaseEntry.objects.filter(seller_id__in=list(sellers), purchase_date__gte=lo, purchase_date__lte=hi)
            if unit:
                qs = qs.filter(Q(unit__iexact=unit) | Q(unit=""))
            for r in qs.values("seller_id").annotate(q=Sum("quantity_milli"), a=Sum("amount_fen")):
                sales[r["seller_id"]] = (int(r["q"] or 0), int(r["a"] or 0))
        paid = {r["household_id"]: int(r["s"] or 0) for r in
                linkage_selectors.payment_list(viewer=viewer, contract_id=c.pk, date_from=lo, date_to=hi)
                .values("household_id").annotate(s=Sum("amount_fen"))}
        seller_of = {p.household_id: s for s, p in sellers.items()}
        for p in parties:
            milli, account = sales.get(seller_of.get(p.household_id, -1), (0, 0))
            quantity = Decimal(milli) / 1000
            out.append(OrderPurchaseLine(
                contract_id=c.pk, contract_code=c.code, household_id=p.household_id,
                registry_code=p.household.registry_code, unit=unit, protected_price_fen=price, quantity=quantity,
                account_fen=account, expected_fen=linkage_rules.round_fen(Fraction(milli, 1000) * price),
                benefit_paid_fen=paid.get(p.household_id, 0)))
    return out


# -- poor share -------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PoorShare:
    entity_id: int
    year: int
    benefit_fen: int     # net benefit payments to households in the year
    sales_fen: int       # the entity's counted sales in the account in the year
    households_paid: int

    @property
    def share(self) -> float | None:
        return self.benefit_fen / self.sales_fen if self.sales_fen > 0 else None


def poor_share(*, viewer: Any, entity_ids: Collection[int], year: int) -> dict[int, PoorShare]:
    """For the entities the viewer may see: benefits paid to the poor ÷ counted sales in the account (two grouped
    queries: the payments, and the year × seller cube)."""
    linkage_selectors.year_bounds(year)
    ids = list(linkage_selectors.entity_choices(viewer=viewer).filter(pk__in=list(entity_ids)).values_list("pk", flat=True))
    if not ids:
        return {}
    benefits: dict[int, tuple[int, int]] = {}
    rows = (linkage_selectors.payment_list(viewer=viewer, year=year).filter(entity_id__in=ids, household__isnull=False)
            .values("entity_id", "household_id").annotate(s=Sum("amount_fen")))
    for r in rows:
        total, n = benefits.get(r["entity_id"], (0, 0))
        benefits[r["entity_id"]] = (total + int(r["s"] or 0), n + (1 if (r["s"] or 0) > 0 else 0))
    sales = {r["seller_id"]: int(r["a"] or 0) for r in
             RollupSellerYear.objects.filter(seller_id__in=ids, year=year, counted=True)
             .values("seller_id").annotate(a=Sum("amount_fen"))}
    return {e: PoorShare(e, year, benefits.get(e, (0, 0))[0], sales.get(e, 0), benefits.get(e, (0, 0))[1]) for e in ids
            if e in benefits or e in sales}


def expected_order_purchase_totals(*, viewer: Any, year: int, entity_id: int | None = None) -> dict[str, int]:
    """Totals over `order_purchase_lines` (for dashboards)."""
    lines = order_purchase_lines(viewer=viewer, year=year, entity_id=entity_id)
    return {"expected_fen": sum(ln.expected_fen for ln in lines), "account_fen": sum(ln.account_fen for ln in lines),
            "benefit_paid_fen": sum(ln.benefit_paid_fen for ln in lines),
            "shortfall_fen": sum(ln.shortfall_fen for ln in lines)}



# -- the poverty-reduction effect: the entities' sales the share-of-sales threshold needs ------------------------
def entity_sales(entity_ids: Collection[int] | None, year: int) -> dict[int, int]:
    """Counted sales in the account of each seller (None: every seller) in `year`, from the year × seller cube
    (one query per 5,000 ids): what linkage's poverty-reduction effect compares the benefits paid with. Registered
    with linkage at start-up (`fupin.ledger.apps`), which cannot read the account itself."""
    qs = RollupSellerYear.objects.filter(year=year, counted=True)
    out: dict[int, int] = {}
    ids = None if entity_ids is None else sorted(entity_ids)
    for i in range(0, 1 if ids is None else len(ids), 5000):
        part = qs if ids is None else qs.filter(seller_id__in=ids[i:i + 5000])
        for seller_id, amount in part.order_by().values("seller_id").annotate(a=Sum("amount_fen")).values_list(
                "seller_id", "a"):
            out[seller_id] = int(amount or 0)
    return out
