"""The detection part of the demo world: known cases of inflated statistics planted in the account (two for each
detector, in the last whole year), recorded so that the detectors can be measured against them
(`benchmarks/detection.py`, `fupin detect_inflation --score`), then one detection run per year.

Planted through the registry's and the ledger's services, like every other demo booking:
- circular trades: a unit buys from a supplier that buys back from the unit (case 1) or from a unit below it
  (case 2) — each supplier and unit is registered both as an organisation (a buyer) and as a market entity (a
  seller) under one credit code;
- spikes before the year's deadline: two new budget units buy a little every month and five times as much in the
  last ten days of December;
- beyond certified capacity: two certified products sold at one and a half times their annual capacity's value;
- implausible volume: a poor household and a family farm selling above what a seller of their kind plausibly can;
- split amounts: one order cut into four parts just under 50,000 yuan within five days, another into three parts
  just under 200,000 yuan within three days;
- helped sales above total sales: two cooperatives whose helped sales exceed the total sales they declared (the
  declared totals, and those of six clean sellers, are part of the record: the platform holds no such figure);
- concentration on tied entities: a state-owned enterprise buying mostly from its own subsidiary, and an enterprise
  buying from itself.

Leaves `world.extra["detection"]`: {"planted": [[kind, key], ...], "total_sales_fen": {seller id: fen} (of the
planted year),
"runs": [report dicts]}. The record is also the audit entry `detection:planted` (`selectors.planted_cases`).
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from fupin.core import audit
from fupin.core.validators import make_uscc

from .enums import FlagKind, FlagStatus
from .parameters import YUAN

SOURCE = "demo"
D = dt.date


def _rows_ok(report: Any, what: str) -> None:
    if report.errors:
        raise RuntimeError(f"detection demo: {what} refused: {[e.as_dict() for e in report.errors][:3]}")


class Planter:
    def __init__(self, world: Any) -> None:
        from fupin.registry import services as registry

        self.world = world
        self.registry = registry
        self.counties = list(world.regions.get("counties") or [])
        self.codes = itertools.count(800_000_001)
        self.ids = itertools.count(1)
        self.rows: list[dict[str, str]] = []
        self.planted: list[list[str]] = []

    def code(self, county: str) -> str:
        return make_uscc(f"91{county[:6]}{next(self.codes):09d}")

    def twin(self, name: str, *, county: str, kind: str = "private_enterprise", parent: Any = None) -> tuple[Any, Any]:
        """One legal person registered as a buyer (organisation) and as a seller (market entity)."""
        code = self.code(county)
        org = self.registry.organisation_create(name=name, kind=kind, region_code=county, credit_code=code,
                                                parent=parent, actor=self.world.actor)
        entity = self.registry.entity_create(name=name, kind="enterprise", region_code=county, credit_code=code,
                                             actor=self.world.actor)
        return org, entity

    def buy(self, day: dt.date, buyer: Any, seller: Any, yuan: float, *, kind: str = "direct_purchase",
            product: Any = None, channel: str = "platform_832") -> None:
        seller_code = seller.credit_code or seller.household.registry_code
        self.rows.append({
            "source": SOURCE, "external_id": f"DET{next(self.ids):05d}", "purchase_date": day.isoformat(),
            "buyer_code": buyer.credit_code if buyer is not None else "", "seller_code": seller_code,
            "product_code": product.code if product is not None else "", "origin_code": "", "quantity": "100",
            "unit": "kg", "amount_yuan": f"{yuan:.2f}", "kind": kind, "channel": channel, "status": "completed",
            "evaluated": "true"})

    def plant(self, kind: str, key: str) -> None:
        self.planted.append([kind, key])


def _entities(world: Any, kinds: tuple[str, ...]) -> list[Any]:
    return [e for e in world.entities if e.kind in kinds and e.active]


def build(world: Any) -> None:  # noqa: PLR0915 - one story, told in order
    from fupin.ledger import services as ledger

    from . import services

    if not world.entities or not world.regions.get("counties") or not world.organisations.get("budget_units"):
        return
    year = world.today.year - 1
    p = Planter(world)
    c1, c2 = p.counties[0].code, p.counties[-1].code
    sellers = _entities(world, ("cooperative", "enterprise", "village_collective"))
    pool = iter(sellers)

    def next_seller() -> Any:
        return next(pool)

    # -- 1. circular trades --------------------------------------------------------------------------------------
    unit_a, unit_a_seller = p.twin("黔东南州农旅集团有限公司", county=c1, kind="state_owned_enterprise")
    supp_a, supp_a_seller = p.twin("丹寨县山货供应链有限公司", county=c1)
    for m in (3, 5, 7):
        p.buy(D(year, m, 12), unit_a, supp_a_seller, 20_000)
    for m in (4, 8):
        p.buy(D(year, m, 20), supp_a, unit_a_seller, 18_000)
    p.plant(FlagKind.CIRCULAR_TRADE, f"circular:{year}:{min(unit_a.pk, supp_a.pk)}:{max(unit_a.pk, supp_a.pk)}")

    unit_b, _unit_b_seller = p.twin("毕节市粮油购销总公司", county=c2, kind="state_owned_enterprise")
    unit_b1, unit_b1_seller = p.twin("毕节市粮油购销总公司农产品分公司", county=c2, parent=unit_b)
    supp_b, supp_b_seller = p.twin("威宁县高原蔬菜产销有限公司", county=c2)
    for m in (2, 6, 9):
        p.buy(D(year, m, 8), unit_b, supp_b_seller, 22_000)
    for m in (6, 10):
        p.buy(D(year, m, 15), supp_b, unit_b1_seller, 19_500)
    p.plant(FlagKind.CIRCULAR_TRADE, f"circular:{year}:{min(unit_b.pk, supp_b.pk)}:{max(unit_b.pk, supp_b.pk)}")

    # -- 2. spikes just before the year's deadline ------------------------------------------------------------------
    beijing = world.regions.get("beijing")
    home = beijing.code if beijing is not None else c1
    for i, name in enumerate(("国家粮食储备研究中心", "中央某部机关服务中心")):
        unit = p.registry.organisation_create(name=name, kind="budget_unit", region_code=home,
                                              credit_code=make_uscc(f"12{home[:6]}{next(p.codes):09d}"),
                                              actor=world.actor)
        seller = next_seller()
        for m in range(2, 12):
            p.buy(D(year, m, 10 + i), unit, seller, 4_000)
        for d in (22, 24, 26, 28, 30):
            p.buy(D(year, 12, d), unit, seller, 25_000 + 1_000 * i)
        p.plant(FlagKind.DEADLINE_SPIKE, f"spike:{year}:{unit.pk}:{year}-12-31")

    # -- 3. beyond certified capacity -------------------------------------------------------------------------------
    kinds = {e.pk: e.kind for e in world.entities}
    products = [pr for pr in (world.extra.get("certification") or {}).get("products") or []
                if kinds.get(pr.supplier_id) in ("cooperative", "enterprise", "village_collective")
                and pr.annual_capacity * max(pr.price_fen, pr.reference_price_fen) > 0]
    products = sorted({pr.pk: pr for pr in products}.values(), key=lambda pr: pr.pk)[:2]
    used = {pr.supplier_id for pr in products}
    for product in products:
        fresh = product
        value = fresh.annual_capacity * max(fresh.price_fen, fresh.reference_price_fen) / YUAN
        part = value * 1.5 / 10
        for m in range(2, 12):
            p.buy(D(year, m, 3), None, fresh.supplier, part, product=fresh, channel="ecommerce")
        p.plant(FlagKind.BEYOND_CAPACITY, f"capacity:{year}:{fresh.pk}")

    # -- 4. implausible volume for the seller's kind ------------------------------------------------------------------
    for kind, total in (("poor_household", 650_000), ("family_farm", 3_600_000)):
        candidates = _entities(world, (kind,))
        if not candidates:
            continue
        seller = candidates[-1]
        for m in range(3, 11):
            p.buy(D(year, m, 18), None, seller, total / 8, channel="special_counter")
        p.plant(FlagKind.IMPLAUSIBLE_VOLUME, f"volume:{year}:{seller.pk}")

    sellers = [s for s in sellers if s.pk not in used]
    pool = iter(sellers[2:])  # the first two sold in the spikes

    # -- 5. amounts split to stay under thresholds ----------------------------------------------------------------------
    budget = list(world.organisations["budget_units"])
    split_buyers = budget[1:3] if len(budget) >= 3 else budget[:2]
    plans = [(D(year, 6, 9), [48_500, 49_200, 47_900, 49_800], 50_000),
             (D(year, 9, 16), [196_000, 198_500, 194_200], 200_000)]
    for buyer, (first, parts, threshold) in zip(split_buyers, plans, strict=False):
        seller = next_seller()
        for k, amount in enumerate(parts):
            p.buy(first + dt.timedelta(days=k), buyer, seller, amount)
        p.plant(FlagKind.SPLIT_UNDER_THRESHOLD, f"split:{year}:{buyer.pk}:{seller.pk}:{threshold * YUAN}")

    # -- 6. helped sales above the supplier's declared total sales --------------------------------------------------------
    total_sales: dict[int, int] = {}
    for _i in range(2):
        seller = next_seller()
        for m in (4, 6, 8, 10, 11):
            p.buy(D(year, m, 6), None, seller, 30_000, kind="helped_sale", channel="special_shop")
        total_sales[seller.pk] = 100_000 * YUAN
        p.plant(FlagKind.HELPED_BEYOND_TOTAL, f"helped:{year}:{seller.pk}")
    for seller in sellers[-6:]:  # clean sellers whose declared totals are far above anything in the account
        total_sales.setdefault(seller.pk, 10_000_000 * YUAN)

    # -- 7. concentration on tied entities ---------------------------------------------------------------------------------
    group, _group_seller = p.twin("黔东南州文旅投资集团有限公司", county=c1, kind="state_owned_enterprise")
    _sub, sub_seller = p.twin("黔东南州文旅投资集团农特产品有限公司", county=c1, parent=group)
    for m in range(2, 8):
        p.buy(D(year, m, 25), group, sub_seller, 25_000)
    p.buy(D(year, 9, 25), group, next_seller(), 20_000)
    p.plant(FlagKind.TIED_CONCENTRATION, f"tied:{year}:{group.pk}")
    selfish, selfish_seller = p.twin("丹寨县扶贫产业发展有限公司", county=c1)
    for m in range(3, 11):
        p.buy(D(year, m, 14), selfish, selfish_seller, 15_000)
    p.plant(FlagKind.TIED_CONCENTRATION, f"tied:{year}:{selfish.pk}")

    for i in range(0, len(p.rows), 500):
        _rows_ok(ledger.purchase_record_batch(rows=p.rows[i : i + 500], actor=world.actor), "planted purchases")

    # the declared totals are the planted year's: other years have none (the helped-sales check is skipped there)
    record = {"year": year, "planted": p.planted, "total_sales_fen": {str(k): v for k, v in total_sales.items()},
              "entries": len(p.rows)}
    audit.record(actor=world.actor, action="detection:planted", object_type="detection.planted", object_id=str(year),
                 object_repr=f"planted inflation cases {year}", after=record)

    runs = [services.detection_run(year=y, actor=world.actor, total_sales_fen=total_sales if y == year else None,
                                   today=world.today) for y in (year, world.today.year)]
    # one decision of each kind, so that the pages show them
    from .models import Flag

    admin = world.users.get("admin") or world.actor
    circular = Flag.objects.filter(key=p.planted[0][1]).first()
    if circular is not None:
        services.flag_confirm(flag=circular, actor=admin, reason="核实：双方互购对冲，虚增消费帮扶金额 mutual purchases confirmed")
    other = Flag.objects.filter(status=FlagStatus.OPEN, kind=FlagKind.IMPLAUSIBLE_VOLUME).exclude(
        key__in=[k for _k, k in p.planted]).first()
    if other is not None:
        services.flag_dismiss(flag=other, actor=admin, reason="已核实为真实销售 verified as real sales")
    world.extra["detection"] = {"planted": p.planted, "total_sales_fen": total_sales,
                                "runs": [r.as_dict() for r in runs]}
    world.notes.append(
        f"detection: {len(p.planted)} planted inflation cases in {year} ({len(p.rows)} entries); runs found "
        + ", ".join(f"{r.year}: {r.found}" for r in runs) + " flags (sign in as admin or county: Oversight → Inflation flags)")
