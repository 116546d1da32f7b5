"""Pure detectors of inflated statistics: plain data in, findings out (no ORM, no I/O).

Each detector reads one year of counted purchases (`Purchase`: first bookings that were not reversed) with the
facts it needs about buyers (`Org`), sellers (`Seller`) and products (`ProductFacts`), and the parameters in force
(`detection.parameters`, see `parameters.py`). A `Finding` carries a stable `key` — the same case found twice is the
same flag — the subjects (buyer, seller, product), the amount involved, the entries behind it and the evidence a
reviewer reads.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .enums import FlagKind


@dataclass(frozen=True)
class Purchase:
    id: int
    day: dt.date
    buyer_id: int | None
    seller_id: int
    product_id: int | None
    amount_fen: int
    kind: str = "direct_purchase"


@dataclass(frozen=True)
class Org:
    id: int
    parent_id: int | None
    credit_code: str | None
    region_code: str = ""
    name: str = ""


@dataclass(frozen=True)
class Seller:
    id: int
    credit_code: str | None
    kind: str
    region_code: str = ""
    name: str = ""


@dataclass(frozen=True)
class ProductFacts:
    id: int
    supplier_id: int
    annual_capacity: int
    price_fen: int
    reference_price_fen: int = 0
    name: str = ""

    @property
    def capacity_fen(self) -> int:
        """The value of a year's certified capacity: units × the higher of the supplier's and the reference price."""
        return self.annual_capacity * max(self.price_fen, self.reference_price_fen)


@dataclass(frozen=True)
class Finding:
    kind: str
    key: str
    year: int
    amount_fen: int
    entry_ids: tuple[int, ...]
    evidence: dict[str, Any] = field(default_factory=dict)
    buyer_id: int | None = None
    seller_id: int | None = None
    product_id: int | None = None


# -- the organisation tree -----------------------------------------------------------------------------------------
def ancestors(orgs: Mapping[int, Org], start: int) -> list[int]:
    """`start` and its supervising units, nearest first (cycle-safe)."""
    chain: list[int] = []
    cur: int | None = start
    while cur is not None and cur not in chain and cur in orgs:
        chain.append(cur)
        cur = orgs[cur].parent_id
    return chain


def _children_index(orgs: Mapping[int, Org]) -> dict[int, list[int]]:
    children: dict[int, list[int]] = defaultdict(list)
    for o in orgs.values():
        if o.parent_id is not None:
            children[o.parent_id].append(o.id)
    return children


def _subtree_fast(children: Mapping[int, list[int]], root: int) -> set[int]:
    """`root` and every unit below it (cycle-safe)."""
    found = {root}
    todo = [root]
    while todo:
        for child in children.get(todo.pop(), ()):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def tied_codes(orgs: Mapping[int, Org], buyer_id: int, children: Mapping[int, list[int]] | None = None) -> set[str]:
    """The credit codes of the legal persons tied to a buyer: itself, the units below it and the units above it."""
    kids = children if children is not None else _children_index(orgs)
    ids = _subtree_fast(kids, buyer_id) | set(ancestors(orgs, buyer_id))
    return {code for i in ids if i in orgs and (code := orgs[i].credit_code)}


def _ids(entries: Iterable[Purchase]) -> tuple[int, ...]:
    return tuple(sorted(e.id for e in entries))


def _total(entries: Iterable[Purchase]) -> int:
    return sum(e.amount_fen for e in entries)


# -- 1. circular trades ----------------------------------------------------------------------------------------------
def circular_trades(purchases: Sequence[Purchase], *, year: int, orgs: Mapping[int, Org],
                    sellers: Mapping[int, Seller], params: Mapping[str, Any]) -> list[Finding]:
    """A unit buys from a supplier, and the supplier (as a buyer: the organisation with the supplier's credit code)
    buys back from the unit or a unit below it, both legs at least `min_leg_fen` in the year. The case is named by
    the two organisations (`circular:<year>:<lower id>:<higher id>`)."""
    least = int(params["min_leg_fen"])
    org_by_code = {o.credit_code: o.id for o in orgs.values() if o.credit_code}
    by_pair: dict[tuple[int, int], list[Purchase]] = defaultdict(list)
    for p in purchases:
        if p.buyer_id is not None:
            by_pair[(p.buyer_id, p.seller_id)].append(p)
    bought_from: dict[int, dict[int, list[Purchase]]] = defaultdict(dict)  # buyer -> seller -> entries
    for (b, s), entries in by_pair.items():
        bought_from[b][s] = entries
    children = _children_index(orgs)
    out: dict[str, Finding] = {}
    for (buyer, seller), leg1 in sorted(by_pair.items()):
        if _total(leg1) < least:
            continue
        code = sellers[seller].credit_code if seller in sellers else None
        twin = org_by_code.get(code) if code else None
        if twin is None or twin == buyer:
            continue
        own = {orgs[i].credit_code for i in _subtree_fast(children, buyer) if i in orgs and orgs[i].credit_code}
        back: list[Purchase] = []
        back_to: list[int] = []
        for s2, entries in sorted(bought_from.get(twin, {}).items()):
            if s2 in sellers and sellers[s2].credit_code in own and _total(entries) >= least:
                back.extend(entries)
                back_to.append(s2)
        # one cycle between two legal persons is one case, from whichever side it is seen
        key = f"circular:{year}:{min(buyer, twin)}:{max(buyer, twin)}"
        if not back or key in out:
            continue
        out[key] = (Finding(
            kind=FlagKind.CIRCULAR_TRADE, key=key, year=year,
            amount_fen=_total(leg1) + _total(back), entry_ids=_ids([*leg1, *back]), buyer_id=buyer, seller_id=seller,
            evidence={"leg_out": {"buyer": buyer, "seller": seller, "amount_fen": _total(leg1), "entries": len(leg1)},
                      "leg_back": {"buyer": twin, "sellers": back_to, "amount_fen": _total(back),
                                   "entries": len(back)},
                      "shared_credit_code": code, "min_leg_fen": least}))
    return list(out.values())


# -- 2. spikes just before a deadline ----------------------------------------------------------------------------------
def _deadlines(year: int, month_days: Iterable[str]) -> list[dt.date]:
    out = []
    for md in month_days:
        m, d = (int(x) for x in str(md).split("-"))
        out.append(dt.date(year, m, d))
    return sorted(set(out))


def deadline_spikes(purchases: Sequence[Purchase], *, year: int, params: Mapping[str, Any],
                    today: dt.date | None = None) -> list[Finding]:
    """A buyer's daily amount in the `window_days` before a period's deadline at least `ratio` times its daily amount
    over the rest of the period, and at least `min_fen` in the window. Periods run from the day after the previous
    deadline (1 January for the first) to the deadline; a deadline after `today` is not checked yet."""
    window = int(params["window_days"])
    ratio = float(params["ratio"])
    least = int(params["min_fen"])
    ends = [d for d in _deadlines(year, params["deadlines"]) if today is None or d <= today]
    by_buyer: dict[int, list[Purchase]] = defaultdict(list)
    for p in purchases:
        if p.buyer_id is not None:
            by_buyer[p.buyer_id].append(p)
    out: list[Finding] = []
    start = dt.date(year, 1, 1)
    for end in ends:
        cut = end - dt.timedelta(days=window - 1)
        days_before = (cut - start).days
        for buyer, entries in sorted(by_buyer.items()):
            inside = [e for e in entries if cut <= e.day <= end]
            before = [e for e in entries if start <= e.day < cut]
            amount_in = _total(inside)
            if amount_in < least:
                continue
            rate_in = amount_in / window
            rate_before = _total(before) / days_before if days_before > 0 else 0.0
            if rate_before > 0 and rate_in < ratio * rate_before:
                continue
            out.append(Finding(
                kind=FlagKind.DEADLINE_SPIKE, key=f"spike:{year}:{buyer}:{end.isoformat()}", year=year,
                amount_fen=amount_in, entry_ids=_ids(inside), buyer_id=buyer,
                evidence={"deadline": end.isoformat(), "window_from": cut.isoformat(), "window_days": window,
                          "amount_in_window_fen": amount_in, "amount_before_fen": _total(before),
                          "days_before": days_before, "daily_in_window_fen": round(rate_in),
                          "daily_before_fen": round(rate_before),
                          "ratio": round(rate_in / rate_before, 2) if rate_before else None,
                          "ratio_threshold": ratio, "min_fen": least}))
        start = end + dt.timedelta(days=1)
    return out


# -- 3. beyond certified capacity, or an implausible volume for the seller ---------------------------------------------
def beyond_capacity(purchases: Sequence[Purchase], *, year: int, products: Mapping[int, ProductFacts],
                    params: Mapping[str, Any]) -> list[Finding]:
    """A product's purchases in the year above its certified annual capacity's value times `tolerance`."""
    tolerance = float(params["tolerance"])
    by_product: dict[int, list[Purchase]] = defaultdict(list)
    for p in purchases:
        if p.product_id is not None:
            by_product[p.product_id].append(p)
    out: list[Finding] = []
    for pid, entries in sorted(by_product.items()):
        facts = products.get(pid)
        if facts is None or facts.capacity_fen <= 0:
            continue
        total = _total(entries)
        if total <= facts.capacity_fen * tolerance:
            continue
        out.append(Finding(
            kind=FlagKind.BEYOND_CAPACITY, key=f"capacity:{year}:{pid}", year=year, amount_fen=total,
            entry_ids=_ids(entries), seller_id=facts.supplier_id, product_id=pid,
            evidence={"purchases_fen": total, "capacity_units": facts.annual_capacity,
                      "price_fen": max(facts.price_fen, facts.reference_price_fen),
                      "capacity_fen": facts.capacity_fen, "tolerance": tolerance,
                      "times_capacity": round(total / facts.capacity_fen, 2)}))
    return out


def implausible_volume(purchases: Sequence[Purchase], *, year: int, sellers: Mapping[int, Seller],
                       params: Mapping[str, Any]) -> list[Finding]:
    """A seller's sales in the year above the most a seller of its kind can plausibly sell (`max_fen_by_kind`)."""
    limits = {str(k): int(v) for k, v in params["max_fen_by_kind"].items()}
    by_seller: dict[int, list[Purchase]] = defaultdict(list)
    for p in purchases:
        by_seller[p.seller_id].append(p)
    out: list[Finding] = []
    for sid, entries in sorted(by_seller.items()):
        seller = sellers.get(sid)
        limit = limits.get(seller.kind) if seller is not None else None
        total = _total(entries)
        if limit is None or total <= limit:
            continue
        out.append(Finding(
            kind=FlagKind.IMPLAUSIBLE_VOLUME, key=f"volume:{year}:{sid}", year=year, amount_fen=total,
            entry_ids=_ids(entries), seller_id=sid,
            evidence={"sales_fen": total, "seller_kind": seller.kind if seller else "", "plausible_max_fen": limit,
                      "times_plausible": round(total / limit, 2)}))
    return out


# -- 4. amounts split to stay under thresholds ---------------------------------------------------------------------------
def split_purchases(purchases: Sequence[Purchase], *, year: int, params: Mapping[str, Any]) -> list[Finding]:
    """At least `min_parts` purchases of one buyer from one seller within `window_days`, each just under a threshold
    (within `band` of it) and together above it: one order cut into parts that each avoid the approval it needs."""
    thresholds = sorted(int(t) for t in params["thresholds_fen"])
    band = float(params["band"])
    window = dt.timedelta(days=int(params["window_days"]) - 1)
    parts_needed = int(params["min_parts"])
    by_pair: dict[tuple[int, int], list[Purchase]] = defaultdict(list)
    for p in purchases:
        if p.buyer_id is not None:
            by_pair[(p.buyer_id, p.seller_id)].append(p)
    out: list[Finding] = []
    for (buyer, seller), entries in sorted(by_pair.items()):
        for threshold in thresholds:
            low = threshold * (1 - band)
            near = sorted((e for e in entries if low <= e.amount_fen < threshold), key=lambda e: (e.day, e.id))
            i = 0
            while i < len(near):
                j = i
                while j + 1 < len(near) and near[j + 1].day - near[i].day <= window:
                    j += 1
                group = near[i : j + 1]
                if len(group) >= parts_needed and _total(group) >= threshold:
                    out.append(Finding(
                        kind=FlagKind.SPLIT_UNDER_THRESHOLD,
                        key=f"split:{year}:{buyer}:{seller}:{threshold}:{group[0].day.isoformat()}", year=year,
                        amount_fen=_total(group), entry_ids=_ids(group), buyer_id=buyer, seller_id=seller,
                        evidence={"threshold_fen": threshold, "band": band, "parts": len(group),
                                  "first_day": group[0].day.isoformat(), "last_day": group[-1].day.isoformat(),
                                  "amounts_fen": [e.amount_fen for e in group], "window_days": window.days + 1}))
                    i = j + 1
                else:
                    i += 1
    return out


# -- 5. helped sales above the supplier's total sales -------------------------------------------------------------------
def helped_beyond_total(purchases: Sequence[Purchase], *, year: int, total_sales_fen: Mapping[int, int],
                        params: Mapping[str, Any]) -> list[Finding]:
    """A supplier's helped sales in the account above its total sales for the year (declared or reported by another
    source: the tax office, the statistics bureau) times `tolerance`. Suppliers without a total are not checked."""
    tolerance = float(params["tolerance"])
    helped: dict[int, list[Purchase]] = defaultdict(list)
    for p in purchases:
        if p.kind == "helped_sale":
            helped[p.seller_id].append(p)
    out: list[Finding] = []
    for sid, entries in sorted(helped.items()):
        total_sales = total_sales_fen.get(sid)
        amount = _total(entries)
        if total_sales is None or amount <= total_sales * tolerance:
            continue
        out.append(Finding(
            kind=FlagKind.HELPED_BEYOND_TOTAL, key=f"helped:{year}:{sid}", year=year, amount_fen=amount,
            entry_ids=_ids(entries), seller_id=sid,
            evidence={"helped_sales_fen": amount, "total_sales_fen": total_sales, "tolerance": tolerance}))
    return out


# -- 6. a buyer's purchases concentrated on entities tied to it ---------------------------------------------------------
def tied_concentration(purchases: Sequence[Purchase], *, year: int, orgs: Mapping[int, Org],
                       sellers: Mapping[int, Seller], params: Mapping[str, Any]) -> list[Finding]:
    """At least `min_share` of a buyer's year (and at least `min_fen`) bought from sellers that are the same legal
    person (credit code) as the buyer, a unit below it or a unit above it."""
    share_needed = float(params["min_share"])
    least = int(params["min_fen"])
    by_buyer: dict[int, list[Purchase]] = defaultdict(list)
    for p in purchases:
        if p.buyer_id is not None:
            by_buyer[p.buyer_id].append(p)
    children = _children_index(orgs)
    out: list[Finding] = []
    for buyer, entries in sorted(by_buyer.items()):
        if buyer not in orgs:
            continue
        codes = tied_codes(orgs, buyer, children)
        if not codes:
            continue
        tied = [e for e in entries if e.seller_id in sellers and sellers[e.seller_id].credit_code in codes]
        amount, total = _total(tied), _total(entries)
        if amount < least or total <= 0 or amount / total < share_needed:
            continue
        out.append(Finding(
            kind=FlagKind.TIED_CONCENTRATION, key=f"tied:{year}:{buyer}", year=year, amount_fen=amount,
            entry_ids=_ids(tied), buyer_id=buyer,
            evidence={"tied_fen": amount, "total_fen": total, "share": round(amount / total, 3),
                      "min_share": share_needed, "tied_sellers": sorted({e.seller_id for e in tied}),
                      "min_fen": least}))
    return out


def detect_all(purchases: Sequence[Purchase], *, year: int, orgs: Mapping[int, Org], sellers: Mapping[int, Seller],
               products: Mapping[int, ProductFacts], params: Mapping[str, Any],
               total_sales_fen: Mapping[int, int] | None = None, today: dt.date | None = None) -> list[Finding]:
    """Every detector over one year; the helped-sales check only when total sales are given."""
    found = [
        *circular_trades(purchases, year=year, orgs=orgs, sellers=sellers, params=params["circular"]),
        *deadline_spikes(purchases, year=year, params=params["deadline_spike"], today=today),
        *beyond_capacity(purchases, year=year, products=products, params=params["capacity"]),
        *implausible_volume(purchases, year=year, sellers=sellers, params=params["plausible_volume"]),
        *split_purchases(purchases, year=year, params=params["split"]),
        *tied_concentration(purchases, year=year, orgs=orgs, sellers=sellers, params=params["concentration"]),
    ]
    if total_sales_fen is not None:
        found += helped_beyond_total(purchases, year=year, total_sales_fen=total_sales_fen,
                                     params=params["helped_sales"])
    return found


# -- measuring the detectors against known cases ------------------------------------------------------------------------
@dataclass(frozen=True)
class Score:
    kind: str
    planted: int
    found: int      # planted cases that some flag names
    flagged: int
    matched: int    # flags that name a planted case

    @property
    def precision(self) -> float | None:
        return self.matched / self.flagged if self.flagged else None

    @property
    def recall(self) -> float | None:
        return self.found / self.planted if self.planted else None


def names_case(flag_key: str, planted_key: str) -> bool:
    """A flag names a planted case when its key is the case's, or the case's followed by a detail (a split's first
    day)."""
    return flag_key == planted_key or flag_key.startswith(planted_key + ":")


def score(*, planted: Iterable[tuple[str, str]], flagged: Iterable[tuple[str, str]]) -> list[Score]:
    """Precision and recall per kind and overall ("all") of flags against planted cases, both as (kind, key) pairs:
    the planted cases are the positives, every other flag a false positive."""
    p, f = set(planted), set(flagged)
    out = []
    for kind in [*sorted({k for k, _ in p | f}), "all"]:
        pk = [x for x in p if kind in ("all", x[0])]
        fk = [x for x in f if kind in ("all", x[0])]
        found = sum(1 for pc in pk if any(fl[0] == pc[0] and names_case(fl[1], pc[1]) for fl in fk))
        matched = sum(1 for fl in fk if any(fl[0] == pc[0] and names_case(fl[1], pc[1]) for pc in pk))
        out.append(Score(kind=kind, planted=len(pk), found=found, flagged=len(fk), matched=matched))
    return out
