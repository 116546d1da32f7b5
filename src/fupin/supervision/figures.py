"""The actual figure behind each target, read from the account (`fupin.ledger.selectors.account_totals`, on its
rollups), from linkage (`linkage.selectors`, `linkage.indicators`), from certification and from the reserved-share
verdicts — never from the entries directly. Each figure carries the filters that open the entries behind it.

Figures are read as the national office reads them (`ASSESSOR`: signed in, nation-wide, read only): a body's
figures are the same whoever asks, and an approval freezes exactly what the body reported. Who may see a body's
figures is decided by the selectors that hand out bodies and plans (`fupin.supervision.selectors`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q

from fupin.certification import selectors as certification
from fupin.core import access
from fupin.ledger import selectors as ledger
from fupin.ledger.reserved_share import selectors as reserved
from fupin.ledger.reserved_share.enums import ShareStatus
from fupin.linkage import indicators as linkage_indicators
from fupin.linkage import selectors as linkage
from fupin.registry import rules as registry_rules
from fupin.registry import selectors as registry

from . import rules
from .enums import LEDGER_METRICS, Metric, PeriodKind, Scheme

ASSESSOR: Any = access.NationReader("supervision")


@dataclass(frozen=True)
class RelationRef:
    """What a body's figures need of one of its relations: its id, scheme and the code of the helped region."""

    pk: int
    kind: str
    helped_code: str


@dataclass
class BodyContext:
    """A body with what its figures depend on in a year: its zone, whether it governs a region, and its relations
    of each scheme in force (as helper organisation, or as the helping region it governs)."""

    body: Any
    year: int
    relations: dict[str, list[RelationRef]] = field(default_factory=dict)

    @property
    def zone(self) -> str:
        return self.body.region.zone or registry_rules.zone_of(self.body.region.code)

    @property
    def governing(self) -> bool:
        return self.body.kind in rules.GOVERNING_KINDS

    def relation_ids(self, scheme: str) -> list[int]:
        return sorted(r.pk for r in self.relations.get(scheme, []))

    def helped_codes(self, scheme: str = "") -> list[str]:
        schemes = [scheme] if scheme else list(self.relations)
        return sorted({r.helped_code for s in schemes for r in self.relations.get(s, [])})


def body_context(*, body: Any, year: int) -> BodyContext:
    return body_contexts(bodies=[body], year=year)[body.pk]


def body_contexts(*, bodies: list[Any], year: int) -> dict[int, BodyContext]:
    """The contexts of many bodies in a year (body id -> context), their relations read in one query: a body's
    relations are those it helps as helper organisation, and — for a government — those of the region it governs."""
    contexts = {b.pk: BodyContext(body=b, year=year, relations={s: [] for s in Scheme.values}) for b in bodies}
    governing: dict[int, list[int]] = {}  # helper region id -> the governing bodies of it
    for b in bodies:
        if b.kind in rules.GOVERNING_KINDS:
            governing.setdefault(b.region_id, []).append(b.pk)
    if not contexts:
        return contexts
    q = Q(helper_org_id__in=sorted(contexts))
    if governing:
        q |= Q(helper_region_id__in=sorted(governing))
    relations = (registry.relation_list(viewer=ASSESSOR, year=year).filter(q, kind__in=Scheme.values).order_by("id")
                 .values_list("id", "kind", "helper_org_id", "helper_region_id", "helped_region__code"))
    for pk, kind, helper_org_id, helper_region_id, helped_code in relations:
        owners = set(governing.get(helper_region_id, []) if helper_region_id else [])
        if helper_org_id is not None and helper_org_id in contexts:
            owners.add(helper_org_id)
        for owner in owners:
            contexts[owner].relations[kind].append(RelationRef(pk, kind, helped_code))
    return contexts


@dataclass(frozen=True)
class Window:
    """What a figure covers: a year, optionally some of its months, and the day the figure is read for."""

    year: int
    months: tuple[int, ...] = ()   # () = the whole year
    end: dt.date | None = None

    @classmethod
    def period(cls, kind: str, year: int, number: int) -> Window:
        months = () if kind == PeriodKind.YEAR else tuple(rules.period_months(kind, number))
        return cls(year, months, rules.period_bounds(kind, year, number)[1])

    @property
    def last_day(self) -> dt.date:
        return self.end or dt.date(self.year, 12, 31)

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, self.months[0] if self.months else 1, 1)


def _prefixes(codes: list[str]) -> list[str]:
    """The region prefixes of `codes`, without any that an other one already covers."""
    prefixes = sorted({registry_rules.subtree_prefix(c) for c in codes}, key=len)
    out: list[str] = []
    for p in prefixes:
        if not any(p.startswith(q) for q in out):
            out.append(p)
    return out


def ledger_filters(*, ctx: BodyContext, metric: str, scheme: str, region_code: str, sub_unit_id: int | None,
                   window: Window) -> tuple[dict[str, Any] | None, str]:
    """The account filters of a money target (None when it has nothing to read: a scheme without relations) and
    the side a drill-down reads (`buyer` for a body's own purchases)."""
    basis = rules.actual_basis(body_kind=ctx.body.kind, body_zone=ctx.zone, scheme=scheme,
                               sub_unit=sub_unit_id is not None)
    f: dict[str, Any] = {"year": window.year, "kind": metric, "counted": True}
    if window.months:
        f["month"] = list(window.months)
    side = "origin"
    if basis == "sub_unit":
        f["buyer"] = sub_unit_id
        side = "buyer"
    elif basis == "buyer":
        f["buyer"] = ctx.body.pk
        side = "buyer"
    elif basis == "buyer_region":
        f["buyer_region"] = ctx.body.region.code
        side = "buyer"
    elif basis == "origin":
        f["region"] = ctx.body.region.code
    if scheme:
        ids = ctx.relation_ids(scheme)
        if not ids:
            return None, side
        f["scheme"] = scheme
        f["relation"] = ids
    if region_code:
        f["region"] = region_code
    return f, side


def ledger_amount(filters: dict[str, Any] | None) -> int:
    if filters is None:
        return 0
    rows = ledger.account_totals(viewer=ASSESSOR, filters=filters)
    return int(rows[0]["amount_fen"]) if rows else 0


def area_codes(*, ctx: BodyContext, scheme: str, region_code: str) -> list[str]:
    """The regions a non-ledger figure (certified products, linkage) covers: the paired region of a sub-target;
    else the helped regions of the body's relations (of the scheme); else the region a government governs."""
    if region_code:
        return [region_code]
    helped = ctx.helped_codes(scheme)
    if helped or scheme:
        return helped
    return [ctx.body.region.code] if ctx.governing else helped


def certified_products(codes: list[str], on: dt.date) -> int:
    if not codes:
        return 0
    q = Q()
    for p in _prefixes(codes):
        q |= Q(origin_region__code__startswith=p)
    in_force = Q(periods__start__lte=on) & (Q(periods__end__isnull=True) | Q(periods__end__gte=on))
    return certification.product_list(viewer=ASSESSOR).filter(q).filter(in_force).distinct().count()


def households_linked(codes: list[str], year: int) -> int:
    return sum(linkage_indicators.indicators(viewer=ASSESSOR, year=year, group_by="province", region_code=p)[1]
               .households_linked for p in _prefixes(codes))


def benefits_paid(codes: list[str], window: Window) -> int:
    return sum(linkage.payment_totals(linkage.payment_list(viewer=ASSESSOR, region_code=p, date_from=window.first_day,
                                                           date_to=window.last_day))["total_fen"]
               for p in _prefixes(codes))


def reserved_share_counts(*, ctx: BodyContext) -> tuple[int, int]:
    """(units that had to reserve a share, units compliant) among the body's units (itself and the units below
    it), or — for a government — the units registered in its region."""
    if ctx.governing:
        rows = reserved.reserved_share_list(viewer=ASSESSOR, year=ctx.year, region_code=ctx.body.region.code)
    else:
        ids = registry.organisation_subtree_ids(organisation=ctx.body)
        rows = reserved.reserved_share_list(viewer=ASSESSOR, year=ctx.year, organisation_ids=ids)
    judged = [r for r in rows if r.status in (ShareStatus.COMPLIANT, ShareStatus.SHORT, ShareStatus.UNDECLARED)]
    return len(judged), sum(1 for r in judged if r.status == ShareStatus.COMPLIANT)


class LedgerBook:
    """A year's counted amounts read at once from the rollups — by relation, kind and county (the scheme cube), by
    account (each buyer with the units below it) and kind, and by origin county and kind — so that many targets'
    actuals (an early-warning list of hundreds of plans) cost three queries instead of one each. `amount` answers
    the whole-year filters `ledger_filters` makes (None for anything else: the caller queries the account)."""

    def __init__(self, year: int) -> None:
        self.year = year
        self._rel: dict[int, list[tuple[str, str, int]]] | None = None
        self._acc: dict[tuple[int, str], int] | None = None
        self._county: dict[tuple[str, str], int] | None = None
        self._by_prefix: dict[tuple[str, str], int] = {}  # (region prefix, kind) -> amount, computed once

    def _rows(self, group_by: list[str]) -> list[dict[str, Any]]:
        return list(ledger.account_totals(viewer=ASSESSOR, group_by=group_by, filters={"year": self.year}))

    def _relations(self) -> dict[int, list[tuple[str, str, int]]]:
        """relation id -> its (kind, county, amount) rows."""
        if self._rel is None:
            self._rel = {}
            for r in self._rows(["relation", "kind", "county"]):
                if r["relation"]:
                    self._rel.setdefault(int(r["relation"]), []).append((r["kind"], r["county"],
                                                                         int(r["amount_fen"])))
        return self._rel

    def _accounts(self) -> dict[tuple[int, str], int]:
        if self._acc is None:
            self._acc = {(int(r["account"]), r["kind"]): int(r["amount_fen"])
                         for r in self._rows(["account", "kind"]) if r["account"]}
        return self._acc

    def _counties(self) -> dict[tuple[str, str], int]:
        if self._county is None:
            self._county = {(r["county"], r["kind"]): int(r["amount_fen"]) for r in self._rows(["county", "kind"])}
        return self._county

    def amount(self, f: dict[str, Any] | None) -> int | None:
        if f is None:
            return 0
        if f.get("year") != self.year or "month" in f or "buyer_region" in f or not f.get("counted"):
            return None
        kind = f["kind"]
        prefix = registry_rules.subtree_prefix(f["region"]) if f.get("region") else ""
        if "relation" in f:
            if "buyer" in f:
                return None
            by_relation = self._relations()
            return sum(v for rel in set(f["relation"]) for k, county, v in by_relation.get(int(rel), ())
                       if k == kind and county.startswith(prefix))
        if "buyer" in f:
            return None if prefix else self._accounts().get((int(f["buyer"]), kind), 0)
        if prefix:
            key = (prefix, kind)
            if key not in self._by_prefix:
                self._by_prefix[key] = sum(v for (county, k), v in self._counties().items()
                                           if k == kind and county.startswith(prefix))
            return self._by_prefix[key]
        return None


def figure(*, ctx: BodyContext, metric: str, scheme: str, region_code: str, sub_unit_id: int | None,
           window: Window, book: LedgerBook | None = None) -> dict[str, Any]:
    """The actual figure of one target in a window, with what a drill-down needs: `source` (ledger, linkage,
    certification, reserved_share), the account `filters` and `side` for ledger figures, the `regions` covered.
    A `book` of the window's year answers whole-year ledger figures from rollups read once."""
    out: dict[str, Any] = {"source": "ledger", "filters": None, "side": "origin", "regions": []}
    if metric in LEDGER_METRICS:
        f, side = ledger_filters(ctx=ctx, metric=metric, scheme=scheme, region_code=region_code,
                                 sub_unit_id=sub_unit_id, window=window)
        booked = book.amount(f) if book is not None and book.year == window.year else None
        out.update(actual=booked if booked is not None else ledger_amount(f), filters=f, side=side)
        return out
    if metric == Metric.RESERVED_SHARE:
        obliged, compliant = reserved_share_counts(ctx=ctx)
        out.update(source="reserved_share", actual=rules.ratio_bp(compliant, obliged) if obliged else 0,
                   obliged=obliged, compliant=compliant)
        return out
    codes = area_codes(ctx=ctx, scheme=scheme, region_code=region_code)
    out["regions"] = codes
    if metric == Metric.CERTIFIED_PRODUCTS:
        out.update(source="certification", actual=certified_products(codes, window.last_day))
    elif metric == Metric.HOUSEHOLDS_LINKED:
        out.update(source="linkage", actual=households_linked(codes, window.year))
    else:
        out.update(source="linkage", actual=benefits_paid(codes, window))
    return out


def scheme_purchases(*, ctx: BodyContext, scheme: str, window: Window) -> dict[str, int]:
    """Direct purchases and helped sales attributed to the body's relations of a scheme in a window, and how much
    of it came from national poverty counties (the scheme rollup grouped by county)."""
    ids = ctx.relation_ids(scheme)
    if not ids:
        return {"total_fen": 0, "poverty_fen": 0}
    f: dict[str, Any] = {"year": window.year, "scheme": scheme, "relation": ids}
    if window.months:
        f["month"] = list(window.months)
    rows = ledger.account_totals(viewer=ASSESSOR, group_by=["county"], filters=f)
    counties = {r["county"] for r in rows}
    poor = {r.code for r in registry.region_list(viewer=ASSESSOR, poverty_county=True).filter(code__in=counties)}
    total = sum(int(r["amount_fen"]) for r in rows)
    return {"total_fen": total, "poverty_fen": sum(int(r["amount_fen"]) for r in rows if r["county"] in poor)}


def drill_params(fig: dict[str, Any]) -> dict[str, str]:
    """The query parameters (ledger filters as text, and the side) that list the entries behind a ledger figure:
    for `/api/v1/purchases` and the portal's entries pages. Empty for figures not read from the account."""
    f = fig.get("filters")
    if not f:
        return {}
    out: dict[str, str] = {}
    for key, value in f.items():
        if isinstance(value, bool):
            out[key] = "true" if value else "false"
        elif isinstance(value, list | tuple):
            out[key] = ",".join(str(v) for v in value)
        else:
            out[key] = str(value)
    if fig.get("side") == "buyer":
        out["side"] = "buyer"
    return out
