"""Ledger reads. Every selector takes the viewer and returns only what its role and region scope allow.

Statistics (`account_totals`) are SQL aggregates: they read the smallest rollup cube that holds every grouping,
filter and scope they need, and the entries otherwise (see docs/domain/ledger.md for the list of groupings,
filters and cubes). Drill-downs (`entries_for`) return querysets of the entries behind any figure.

Scope: a region-scoped viewer sees the purchases whose origin lies in its region (money flowing into its area);
with `side="buyer"`, the purchases of buyers registered in its region instead. Nation-wide viewers see all.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, Substr
from django.utils.translation import gettext as _

from fupin.core.access import authorise, is_administrator
from fupin.core.enums import Role
from fupin.core.errors import InvalidInput, NotFound
from fupin.registry import rules as registry_rules
from fupin.registry import selectors as registry
from fupin.registry.models import Organisation

from . import rollups, rules
from .enums import PUBLIC, JobStatus, RightStatus, Scheme
from .models import (
    DuplicateReview,
    OriginException,
    PeriodLock,
    PriorPeriodAdjustment,
    PurchaseEntry,
    PurchaseImport,
    ReportingRight,
)
from .rollups import CUBES, Cube

GROUPINGS = ("year", "quarter", "month", "province", "prefecture", "county", "buyer_category", "buyer", "account",
             "seller", "product_category", "channel", "kind", "basis", "scheme", "relation")
FILTERS = ("year", "quarter", "month", "region", "province", "prefecture", "county", "buyer", "buyers", "buyer_ids",
           "buyer_only",
           "seller", "buyer_category", "product_category", "channel", "kind", "basis", "scheme", "relation",
           "counted", "buyer_region", "date_from", "date_to", "status")
SIDES = ("origin", "buyer")
# the figures of each month as reported (prior-period adjustments in the month they were booked: what was approved)
# or as corrected (adjustments in the month they correct); issue #10 §6
AS_REPORTED, AS_CORRECTED = "as_reported", "as_corrected"
VIEWS = (AS_REPORTED, AS_CORRECTED)
_PERIOD = ("year", "month")                                   # the month an entry is booked (reported) in
_CORRECTED_PERIOD = ("prior_period__period_year", "prior_period__period_month")  # the month an adjustment corrects
NONE = "none"   # filter value selecting entries without a basis / scheme / relation / product category
SCHEME_FIELD = {Scheme.DESIGNATED_ASSISTANCE.value: "rel_designated_id", Scheme.EAST_WEST.value: "rel_east_west_id",
                Scheme.COUNTERPART_SUPPORT.value: "rel_counterpart_id"}


def _signed_in(viewer: Any) -> bool:
    return bool(getattr(viewer, "is_authenticated", False)) and bool(getattr(viewer, "is_active", True))


class Totals(list):
    """Rows of `account_totals`; `.source` names what was read ('entries' or a rollup cube)."""

    source: str = ""


# -- filters, normalised once ---------------------------------------------------------------------------------------
@dataclass
class Spec:
    """The normalised request: which columns it needs and how it filters them."""

    conditions: dict[str, Any]      # column-level filters (see _normalise)
    needs: set[str]                 # columns the source must have
    entries_only: bool = False      # something only the entries can answer


def _list(value: Any) -> list[Any]:
    if isinstance(value, list | tuple | set | frozenset):
        return list(value)
    if isinstance(value, str) and "," in value:
        return [v.strip() for v in value.split(",") if v.strip()]
    return [value]


def _ints(value: Any, name: str) -> list[int]:
    try:
        return [int(v) for v in _list(value)]
    except (TypeError, ValueError):
        raise InvalidInput(_("Filter “%(name)s” needs whole numbers.") % {"name": name}, code="bad_filter",
                           details={"filter": name}) from None


def _region_prefix(value: Any) -> str:
    code = str(value).strip()
    if not code.isdigit() or len(code) not in (2, 4, 6, 9, 12):
        raise InvalidInput(_("“%(code)s” is not a region code or prefix.") % {"code": code[:20]}, code="bad_filter",
                           details={"filter": "region"})
    return code if len(code) in (2, 4) else registry_rules.subtree_prefix(code)


def descendants(org_ids: Iterable[int]) -> set[int]:
    """The organisations and every unit below them (cycle-safe)."""
    found = set(org_ids)
    frontier = set(found)
    while frontier:
        children = set(Organisation.objects.filter(parent_id__in=list(frontier)).values_list("id", flat=True))
        frontier = children - found
        found |= frontier
    return found


def _dated_chains(org_ids: Iterable[int]) -> dict[int, list[tuple[Any, Any, tuple[int, ...]]]]:
    """The organisations among `org_ids` whose chain of supervising units changed over time (the dated tree,
    issue #10 §6) → their stretches (first day, last day, chain); none when no parent ever changed."""
    ids = set(org_ids)
    if not ids or not registry.organisation_parent_periods_exist():
        return {}
    parents, periods = registry.organisation_tree_facts(organisation_ids=ids)
    out = {}
    for i in ids:
        segments = registry_rules.chain_segments(i, parents=parents, periods=periods)
        if len(segments) > 1:
            out[i] = segments
    return out


def dated_descendants(org_ids: Iterable[int]) -> tuple[set[int], list[tuple[int, str, str]]]:
    """The units below the organisations by the tree in force on each entry's date: (the ids below them on every
    date, [(id, first day, last day) of the units below them only for a while]) — ISO dates, '' open-ended. Without
    any dated parent, today's tree (`descendants`)."""
    roots = set(org_ids)
    today = descendants(roots)
    if not registry.organisation_parent_periods_exist():
        return today, []
    candidates = today | descendants(registry.organisation_dated_ids())
    chains = _dated_chains(candidates)
    plain = {i for i in today if i not in chains}
    partial: list[tuple[int, str, str]] = []
    for i, segments in chains.items():
        inside = [(start, end) for start, end, chain in segments if roots & set(chain)]
        if len(inside) == len(segments):
            plain.add(i)
        else:
            partial.extend((i, start.isoformat() if start else "", end.isoformat() if end else "")
                           for start, end in inside)
    return plain, sorted(partial)


def ancestors_map(org_ids: Iterable[int]) -> dict[int, list[int]]:
    """Each organisation → itself and its supervising units, nearest first."""
    parent: dict[int, int | None] = {}
    todo = set(org_ids)
    while todo:
        rows = dict(Organisation.objects.filter(id__in=list(todo)).values_list("id", "parent_id"))
        for i in todo:
            parent[i] = rows.get(i)
        todo = {p for p in rows.values() if p is not None and p not in parent}
    out: dict[int, list[int]] = {}
    for i in org_ids:
        chain: list[int] = []
        cur: int | None = i
        while cur is not None and cur not in chain:
            chain.append(cur)
            cur = parent.get(cur)
        out[i] = chain
    return out


def _normalise(filters: Mapping[str, Any], *, counted_only: bool) -> Spec:
    unknown = set(filters) - set(FILTERS)
    if unknown:
        raise InvalidInput(_("Unknown filter(s): %(f)s.") % {"f": ", ".join(sorted(unknown))}, code="bad_filter",
                           details={"unknown": sorted(unknown), "allowed": list(FILTERS)})
    c: dict[str, Any] = {}
    needs: set[str] = set()
    entries_only = False
    f = {k: v for k, v in filters.items() if v not in (None, "", [], ())}
    if "year" in f:
        c["year"] = _ints(f["year"], "year")
        needs.add("year")
    if "month" in f:
        text = str(f["month"])
        if "-" in text:
            y, m = text.split("-", 1)
            c["year"] = _ints(y, "month")
            c["month"] = _ints(m, "month")
        else:
            c["month"] = _ints(f["month"], "month")
        needs |= {"year", "month"}
    if "quarter" in f:
        months = [m for q in _ints(f["quarter"], "quarter") for m in range(3 * q - 2, 3 * q + 1)]
        c["month"] = sorted(set(months) & set(c.get("month", months)))
        needs.add("month")
    prefixes = [_region_prefix(f[k]) for k in ("region", "province", "prefecture", "county") if k in f]
    if prefixes:
        c["origin_prefix"] = max(prefixes, key=len)
        needs.add("province" if len(c["origin_prefix"]) <= 2 else "county_code")
    if "buyer" in f:
        if str(f["buyer"]).lower() in ("0", PUBLIC, NONE):
            c["buyer_id"] = [0]
        else:
            plain, partial = dated_descendants(_ints(f["buyer"], "buyer"))
            c["buyer_id"] = sorted(plain)
            if partial:  # units below it only for a while (the dated tree): their entries of those dates
                c["buyer_periods"] = partial
                entries_only = True
        needs.add("buyer_id")
    for key in ("buyers", "buyer_ids", "buyer_only"):
        if key in f:
            ids = _ints(f[key], key)
            c["buyer_id"] = sorted(set(ids) & set(c["buyer_id"])) if "buyer_id" in c else ids
            if "buyer_periods" in c:
                c["buyer_periods"] = [p for p in c["buyer_periods"] if p[0] in ids]
            needs.add("buyer_id")
    if "seller" in f:
        c["seller_id"] = _ints(f["seller"], "seller")
        needs.add("seller_id")
    for key in ("buyer_category", "product_category", "channel", "kind", "basis", "status"):
        if key in f:
            c[key] = ["" if str(v).lower() == NONE else str(v) for v in _list(f[key])]
            needs.add(key)
    if "scheme" in f:
        values = [str(v) for v in _list(f["scheme"])]
        if any(v.lower() == NONE for v in values) or len(values) > 1:
            entries_only = True
        bad = [v for v in values if v.lower() != NONE and v not in SCHEME_FIELD]
        if bad:
            raise InvalidInput(_("Unknown scheme “%(s)s”.") % {"s": bad[0]}, code="bad_filter")
        c["scheme"] = values
        needs.add("scheme")
    if "relation" in f:
        if str(f["relation"]).lower() == NONE:
            c["relation"] = NONE
            entries_only = True
        else:
            c["relation"] = _ints(f["relation"], "relation")
        needs.add("relation_id")
    if counted_only:
        c["counted"] = True
    elif "counted" in f:
        v = f["counted"]
        c["counted"] = v if isinstance(v, bool) else str(v).lower() in ("1", "true", "yes")
    if "counted" in c:
        needs.add("counted")
    if "buyer_region" in f:
        c["buyer_region"] = _region_prefix(f["buyer_region"])
        needs.add("buyer_region")
    for key in ("date_from", "date_to"):
        if key in f:
            c[key] = str(f[key])[:10]
            entries_only = True
    if "status" in c:
        entries_only = True
    return Spec(c, needs, entries_only)


# -- sources: a cube or the entries ----------------------------------------------------------------------------------
_DIM_COLUMNS = {
    "year": {"year"}, "quarter": {"year", "month"}, "month": {"year", "month"}, "province": {"province"},
    "prefecture": {"county_code"}, "county": {"county_code"}, "buyer_category": {"buyer_category"},
    "buyer": {"buyer_id"}, "account": {"buyer_id"}, "seller": {"seller_id"}, "product_category": {"product_category"},
    "channel": {"channel"}, "kind": {"kind"}, "basis": {"basis"}, "scheme": {"scheme"}, "relation": {"relation_id"},
}


def _cube_columns(cube: Cube) -> set[str]:
    cols = set(cube.key_columns)
    if "county_code" in cols:
        cols.add("province")
    return cols


def _scope_needs(viewer: Any, side: str) -> tuple[str, set[str]]:
    prefix = getattr(viewer, "scope_prefix", "") or ""
    if not prefix:
        return "", set()
    if side == "buyer":
        return prefix, {"buyer_region"}
    return prefix, {"province"} if len(prefix) <= 2 else {"county_code"}


def choose_cube(needs: set[str]) -> Cube | None:
    """The cheapest cube holding every needed column; the scheme cube only when a scheme or relation is asked
    for (it holds each entry once per scheme)."""
    wants_scheme = bool(needs & {"scheme", "relation_id"})
    for cube in sorted(CUBES, key=lambda c: c.rank):
        if (cube.name == "scheme") != wants_scheme:
            continue
        if needs <= _cube_columns(cube):
            return cube
    return None


def _range(qs: QuerySet, column: str, prefix: str) -> QuerySet:
    if len(prefix) == 6:
        return qs.filter(**{column: prefix})
    low, high = rules.prefix_range(prefix)
    return qs.filter(**{f"{column}__gte": low, f"{column}__lt": high})


def _apply(qs: QuerySet, c: Mapping[str, Any], *, cube: Cube | None, scope: tuple[str, str],
           period: tuple[str, str] = _PERIOD) -> QuerySet:
    """Filter a cube or entry queryset by the normalised conditions and the viewer's scope (`period`: the columns
    the year and month filters read)."""
    cols = _cube_columns(cube) if cube is not None else None
    for key, column in (("year", period[0]), ("month", period[1])):
        if key in c:
            qs = qs.filter(**{f"{column}__in": c[key]})
    for key in ("seller_id", "buyer_category", "product_category", "channel", "kind", "basis",
                "status"):
        if key in c:
            qs = qs.filter(**{f"{key}__in": c[key]})
    if "counted" in c:
        qs = qs.filter(counted=c["counted"])
    if "buyer_id" in c:
        ids = c["buyer_id"]
        if cube is not None:
            qs = qs.filter(buyer_id__in=ids)
        elif ids == [0]:
            qs = qs.filter(buyer__isnull=True)
        else:
            q = Q(buyer_id__in=[i for i in ids if i]) | (Q(buyer__isnull=True) if 0 in ids else Q(pk__in=[]))
            for buyer_id, start, end in c.get("buyer_periods", ()):
                q |= Q(buyer_id=buyer_id, **({"purchase_date__gte": start} if start else {}),
                       **({"purchase_date__lte": end} if end else {}))
            qs = qs.filter(q)
    for prefix in (c.get("origin_prefix"), scope[0] if scope[1] == "origin" else ""):
        if prefix:
            if cols is not None and "county_code" not in cols:
                qs = qs.filter(province=prefix[:2])
            else:
                qs = _range(qs, "county_code", prefix)
    for prefix in (c.get("buyer_region"), scope[0] if scope[1] == "buyer" else ""):
        if prefix:
            qs = _range(qs, "buyer_region", prefix)
    if "scheme" in c:
        if cube is not None:
            qs = qs.filter(scheme__in=c["scheme"])
        else:
            q = Q()
            for s in c["scheme"]:
                if s.lower() == NONE:
                    q |= Q(rel_designated__isnull=True, rel_east_west__isnull=True, rel_counterpart__isnull=True)
                else:
                    q |= Q(**{f"{SCHEME_FIELD[s]}__isnull": False})
            qs = qs.filter(q)
    if "relation" in c:
        if cube is not None:
            qs = qs.filter(relation_id__in=c["relation"])
        elif c["relation"] == NONE:
            qs = qs.filter(rel_designated__isnull=True, rel_east_west__isnull=True, rel_counterpart__isnull=True)
        else:
            ids = c["relation"]
            qs = qs.filter(Q(rel_designated_id__in=ids) | Q(rel_east_west_id__in=ids) | Q(rel_counterpart_id__in=ids))
    if "date_from" in c:
        qs = qs.filter(purchase_date__gte=c["date_from"])
    if "date_to" in c:
        qs = qs.filter(purchase_date__lte=c["date_to"])
    return qs


def _dim_expressions(group_by: Sequence[str], *, cube: Cube | None,
                     period: tuple[str, str] = _PERIOD) -> dict[str, Any]:
    """Annotations giving each grouping's raw key on the source (`g_<dim>` names)."""
    cols = _cube_columns(cube) if cube is not None else None
    ex: dict[str, Any] = {}
    for d in group_by:
        if d in ("year",):
            ex["g_year"] = F(period[0])
        elif d in ("month", "quarter"):
            ex["g_year"] = F(period[0])
            ex["g_month"] = F(period[1])
        elif d == "province":
            ex["g_province"] = F("province") if cols is not None and "county_code" not in cols else Substr("county_code", 1, 2)
        elif d == "prefecture":
            ex["g_prefecture"] = Substr("county_code", 1, 4)
        elif d == "county":
            ex["g_county"] = F("county_code")
        elif d in ("buyer", "account"):
            ex["g_buyer"] = F("buyer_id")
        elif d == "seller":
            ex["g_seller"] = F("seller_id")
        elif d == "relation":
            ex["g_relation"] = F("relation_id")
        elif d in ("buyer_category", "product_category", "channel", "kind", "basis", "scheme"):
            ex[f"g_{d}"] = F(d)
    return ex


def _formatters(keys: Sequence[str], group_by: Sequence[str]) -> list[tuple[str, Any]]:
    """For each grouping, a function from the raw key tuple to its output value (built once per query)."""
    pos = {k: i for i, k in enumerate(keys)}
    out: list[tuple[str, Any]] = []
    for d in group_by:
        if d == "month":
            y, m = pos["g_year"], pos["g_month"]
            out.append((d, lambda r, y=y, m=m: f"{r[y]:04d}-{r[m]:02d}"))
        elif d == "quarter":
            y, m = pos["g_year"], pos["g_month"]
            out.append((d, lambda r, y=y, m=m: f"{r[y]:04d}-Q{(r[m] - 1) // 3 + 1}"))
        elif d in ("province", "prefecture"):
            i = pos[f"g_{d}"]
            out.append((d, lambda r, i=i: (r[i] or "").ljust(6, "0")))
        elif d in ("buyer", "account", "relation"):
            i = pos["g_buyer" if d != "relation" else "g_relation"]
            out.append((d, lambda r, i=i: r[i] or None))
        else:
            i = pos[f"g_{d}"]
            out.append((d, lambda r, i=i: r[i]))
    return out


def _exact(cube: Cube, group_by: Sequence[str], c: Mapping[str, Any]) -> bool:
    """Whether the cube already holds one row per requested group (every key column grouped on or fixed by an
    equality filter): then its rows are read as they are, without GROUP BY (top-N is an ordered scan)."""
    cols = set(cube.key_columns)
    fixed = {k for k in ("year", "month", "seller_id", "buyer_category", "product_category", "channel", "kind",
                         "basis", "buyer_id", "scheme") if isinstance(c.get(k), list) and len(c[k]) == 1}
    if "counted" in c:
        fixed.add("counted")
    if isinstance(c.get("relation"), list) and len(c["relation"]) == 1:
        fixed.add("relation_id")
    prefix = c.get("origin_prefix") or ""
    if len(prefix) == 2 and "province" in cols:
        fixed.add("province")
    if len(prefix) == 6 and "county_code" in cols:
        fixed.add("county_code")
    if len(c.get("buyer_region") or "") == 6:
        fixed.add("buyer_region")
    grouped: set[str] = set()
    for d in group_by:
        if d in ("month", "quarter"):
            grouped |= {"year", "month"}
        elif d == "province":
            if "province" in cols:
                grouped.add("province")
        elif d == "county":
            grouped.add("county_code")
        elif d in ("buyer", "account"):
            grouped.add("buyer_id")
        elif d == "seller":
            grouped.add("seller_id")
        elif d == "relation":
            grouped.add("relation_id")
        elif d != "prefecture":
            grouped.add(d)
    return cols <= grouped | fixed


def _aggregate(qs: QuerySet, group_by: Sequence[str], *, cube: Cube | None, order_by: str,
               limit: int | None, exact: bool = False, period: tuple[str, str] = _PERIOD) -> list[dict[str, Any]]:
    ex = _dim_expressions(group_by, cube=cube, period=period)
    if exact and ex:
        keys = list(ex)
        plain = qs.annotate(**ex)
        if order_by in ("-amount_fen", "amount_fen") and limit:
            plain = plain.order_by(order_by)[:limit]
        rows = plain.values_list(*keys, "amount_fen", "quantity_milli", "entries")
        formatters = _formatters(keys, group_by)
        n = len(keys)
        return [{**{d: fn(r) for d, fn in formatters}, "amount_fen": int(r[n]), "quantity_milli": int(r[n + 1]),
                 "entries": int(r[n + 2])} for r in rows]
    if cube is not None:
        measures = {"s_amount": Sum("amount_fen"), "s_quantity": Sum("quantity_milli"), "s_entries": Sum("entries")}
    else:
        measures = {"s_amount": Sum("amount_fen"), "s_quantity": Sum(Coalesce("quantity_milli", Value(0))),
                    "s_entries": Sum("sign")}
    if not ex:
        total = qs.aggregate(**measures)
        if total["s_entries"] is None:
            return []
        return [{"amount_fen": int(total["s_amount"] or 0), "quantity_milli": int(total["s_quantity"] or 0),
                 "entries": int(total["s_entries"] or 0)}]
    keys = list(ex)
    grouped = qs.annotate(**ex).values(*keys).annotate(**measures)
    if order_by in ("-amount_fen", "amount_fen") and limit and "quarter" not in group_by and "account" not in group_by:
        grouped = grouped.order_by(("-" if order_by.startswith("-") else "") + "s_amount")[:limit]
    else:
        grouped = grouped.order_by(*keys)
    formatters = _formatters(keys, group_by)
    n = len(keys)
    rows = []
    for r in grouped.values_list(*keys, "s_amount", "s_quantity", "s_entries"):
        if r[n + 2] is None:
            continue
        row = {d: fn(r) for d, fn in formatters}
        row["amount_fen"] = int(r[n])
        row["quantity_milli"] = int(r[n + 1] or 0)
        row["entries"] = int(r[n + 2])
        rows.append(row)
    return rows


def _fold(rows: list[dict[str, Any]], group_by: Sequence[str]) -> list[dict[str, Any]]:
    """Merge rows with equal keys (quarters from months; relations of the three schemes; account fan-out)."""
    out: dict[tuple[Any, ...], dict[str, Any]] = {}
    for r in rows:
        key = tuple(r.get(d) for d in group_by)
        if key in out:
            for m in ("amount_fen", "quantity_milli", "entries"):
                out[key][m] += r[m]
        else:
            out[key] = {**{d: r.get(d) for d in group_by}, "amount_fen": r["amount_fen"],
                        "quantity_milli": r["quantity_milli"], "entries": r["entries"]}
    return list(out.values())


def _account_fanout(rows: list[dict[str, Any]], group_by: Sequence[str], *, spec: Spec | None = None,
                    scope: tuple[str, str] = ("", "origin"), correcting: bool = False) -> list[dict[str, Any]]:
    """Each buyer's figures added to it and to every unit above it. A buyer whose chain changed (the dated tree)
    is read from its entries, stretch by stretch, each added to the chain in force on those dates."""
    ids = {r["account"] for r in rows if r.get("account")}
    dated = _dated_chains(ids) if spec is not None else {}
    chains = ancestors_map(ids - set(dated))
    fanned = []
    for r in rows:
        if r.get("account") in dated:
            continue
        for org in chains.get(r["account"], [None]) if r.get("account") else [None]:
            fanned.append({**r, "account": org})
    for buyer, segments in dated.items():
        for start, end, chain in segments:
            for part in _segment_specs(spec, buyer, start, end) if spec is not None else []:
                part_rows = _entry_rows(part, group_by, scope=scope, base=PurchaseEntry.objects.all(),
                                        period=_PERIOD)
                if correcting:
                    part_rows = _as_corrected(part_rows, part, group_by, scope=scope)
                if "quarter" in group_by:
                    part_rows = _fold(part_rows, group_by)
                fanned.extend({**r, "account": org} for r in part_rows for org in chain)
    return _fold(fanned, group_by)


def _segment_specs(spec: Spec, buyer: int, start: Any, end: Any) -> list[Spec]:
    """`spec` narrowed to one buyer's entries dated start … end (and, for a buyer below the filtered unit only for
    a while, to those stretches): none, one or a few specs."""
    c = dict(spec.conditions)
    windows: list[tuple[str, str]] = [(start.isoformat() if start else "", end.isoformat() if end else "")]
    if "buyer_id" in c and buyer not in c["buyer_id"]:
        windows = [(max(windows[0][0], lo) if lo else windows[0][0],
                    min(filter(None, [windows[0][1], hi]), default=""))
                   for b, lo, hi in c.get("buyer_periods", ()) if b == buyer]
    c["buyer_id"] = [buyer]
    c.pop("buyer_periods", None)
    out = []
    for lo, hi in windows:
        w = dict(c)
        if lo:
            w["date_from"] = max(lo, w.get("date_from", lo))
        if hi:
            w["date_to"] = min(hi, w.get("date_to", hi))
        if not (w.get("date_from") and w.get("date_to") and w["date_from"] > w["date_to"]):
            out.append(Spec(w, spec.needs, True))
    return out


def account_totals(*, viewer: Any, group_by: Sequence[str] = (), filters: Mapping[str, Any] | None = None,
                   counted_only: bool = True, side: str = "origin", order_by: str = "", limit: int | None = None,
                   read_from: str | None = None, view: str = AS_REPORTED) -> Totals:
    """Amount (fen), quantity (thousandths) and net number of entries, grouped by any of `GROUPINGS` and filtered
    by any of `FILTERS` (see docs/domain/ledger.md). Counted entries only unless `counted_only=False`.

    Reads the cheapest rollup cube that holds the groupings, filters and scope; the entries otherwise.
    `order_by='-amount_fen'` with `limit` gives a top-N. `read_from='entries'` (or a cube name) forces the
    source, for diagnostics and benchmarks. `view`: `as_reported` (default) counts each prior-period adjustment in
    the month it was booked in, so a locked month keeps its approved figures; `as_corrected` counts it in the month
    it corrects (both agree wherever nothing was adjusted)."""
    out = Totals()
    if not _signed_in(viewer):
        return out
    group_by = list(dict.fromkeys(group_by))
    bad = [d for d in group_by if d not in GROUPINGS]
    if bad:
        raise InvalidInput(_("Unknown grouping(s): %(g)s.") % {"g": ", ".join(bad)}, code="bad_grouping",
                           details={"unknown": bad, "allowed": list(GROUPINGS)})
    if side not in SIDES:
        raise InvalidInput(_("Unknown side “%(s)s”: use origin or buyer.") % {"s": side}, code="bad_filter")
    if view not in VIEWS:
        raise InvalidInput(_("Unknown view “%(v)s”: use as_reported or as_corrected.") % {"v": str(view)[:30]},
                           code="bad_filter", details={"allowed": list(VIEWS)})
    spec = _normalise(filters or {}, counted_only=counted_only)
    prefix, scope_cols = _scope_needs(viewer, side)
    needs = spec.needs | scope_cols | {c for d in group_by for c in _DIM_COLUMNS[d]}
    if read_from == "entries" or spec.entries_only:
        cube = None
    elif read_from:
        cube = next((c for c in CUBES if c.name == read_from), None)
        if cube is None or not needs <= _cube_columns(cube):
            raise InvalidInput(_("The cube “%(c)s” cannot answer this question.") % {"c": read_from}, code="bad_source")
    else:
        cube = choose_cube(needs)
    scope = (prefix, side)
    correcting = view == AS_CORRECTED and _moves_periods(spec, group_by)
    if correcting:
        limit_asked, limit = limit, None
    if cube is not None:
        rows = _aggregate(_apply(cube.model._default_manager.all(), spec.conditions, cube=cube, scope=scope), group_by,
                          cube=cube, order_by=order_by, limit=limit,
                          exact=not prefix and _exact(cube, group_by, spec.conditions))
        out.source = cube.name
    elif "scheme" in group_by or "relation" in group_by:
        rows = _scheme_rows_from_entries(spec, group_by, scope=scope)
        out.source = "entries"
    else:
        rows = _aggregate(_apply(PurchaseEntry.objects.all(), spec.conditions, cube=None, scope=scope), group_by,
                          cube=None, order_by=order_by, limit=limit)
        out.source = "entries"
    if correcting:
        rows = _as_corrected(rows, spec, group_by, scope=scope)
        limit = limit_asked
    if "quarter" in group_by:
        rows = _fold(rows, group_by)
    if "account" in group_by:
        rows = _account_fanout(rows, group_by, spec=spec, scope=scope, correcting=correcting)
    if order_by in ("-amount_fen", "amount_fen"):
        rows.sort(key=lambda r: r["amount_fen"], reverse=order_by.startswith("-"))
    out.extend(rows[:limit] if limit else rows)
    return out


def _scheme_rows_from_entries(spec: Spec, group_by: Sequence[str], *, scope: tuple[str, str],
                              base: QuerySet | None = None, period: tuple[str, str] = _PERIOD) -> list[dict[str, Any]]:
    """Group entries by scheme / relation: one query per scheme (an entry is in at most one relation of each)."""
    rows: list[dict[str, Any]] = []
    wanted = [s for s in spec.conditions.get("scheme", list(SCHEME_FIELD)) if s in SCHEME_FIELD]
    conditions = {k: v for k, v in spec.conditions.items() if k not in ("scheme", "relation")}
    for scheme in wanted:
        field = SCHEME_FIELD[scheme]
        qs = _apply((base if base is not None else PurchaseEntry.objects.all()).filter(**{f"{field}__isnull": False}),
                    conditions, cube=None, scope=scope, period=period)
        if isinstance(spec.conditions.get("relation"), list):
            qs = qs.filter(**{f"{field}__in": spec.conditions["relation"]})
        qs = qs.annotate(scheme=Value(scheme, output_field=models.CharField()), relation_id=F(field))
        rows.extend(_aggregate(qs, group_by, cube=None, order_by="", limit=None, period=period))
    return _fold(rows, group_by)


# -- as reported / as corrected (prior-period adjustments, issue #10 §6) -------------------------------------------------
def _moves_periods(spec: Spec, group_by: Sequence[str]) -> bool:
    """Whether the view can change the answer: months matter (grouped or filtered) and something was adjusted."""
    if not ({"year", "quarter", "month"} & set(group_by) or {"year", "month"} & set(spec.conditions)):
        return False
    return PriorPeriodAdjustment.objects.exists()


def _entry_rows(spec: Spec, group_by: Sequence[str], *, scope: tuple[str, str], base: QuerySet,
                period: tuple[str, str]) -> list[dict[str, Any]]:
    if "scheme" in group_by or "relation" in group_by:
        return _scheme_rows_from_entries(spec, group_by, scope=scope, base=base, period=period)
    return _aggregate(_apply(base, spec.conditions, cube=None, scope=scope, period=period), group_by, cube=None,
                      order_by="", limit=None, period=period)


def _as_corrected(rows: list[dict[str, Any]], spec: Spec, group_by: Sequence[str], *,
                  scope: tuple[str, str]) -> list[dict[str, Any]]:
    """The as-reported rows with every prior-period adjustment moved from the month it was booked in to the month it
    corrects: two aggregates over the (few) adjusting entries, subtracted and added. Groups left with nothing but
    the moved adjustments disappear, as they would if the adjustments had been booked in their month."""
    adjusting = PurchaseEntry.objects.filter(prior_period__isnull=False)
    booked = _entry_rows(spec, group_by, scope=scope, base=adjusting, period=_PERIOD)
    corrected = _entry_rows(spec, group_by, scope=scope, base=adjusting, period=_CORRECTED_PERIOD)
    if not booked and not corrected:
        return rows
    moved_out = {tuple(r.get(d) for d in group_by) for r in booked}
    negated = [{**r, "amount_fen": -r["amount_fen"], "quantity_milli": -r["quantity_milli"], "entries": -r["entries"]}
               for r in booked]
    merged = _fold([*rows, *negated, *corrected], group_by)
    return [r for r in merged if tuple(r.get(d) for d in group_by) not in moved_out
            or r["amount_fen"] or r["quantity_milli"] or r["entries"]]


# -- entries -------------------------------------------------------------------------------------------------------
def entries_for(*, viewer: Any, filters: Mapping[str, Any] | None = None, side: str = "origin",
                source: str | None = None, external_id: str | None = None) -> QuerySet[PurchaseEntry]:
    """The entries behind a figure: the same filters as `account_totals` (counted or not as the filter says),
    scoped to the viewer, newest first. `source` and `external_id` find a reporter's own order (to reverse or
    amend it): every revision of it, the reversals included."""
    if not _signed_in(viewer):
        return PurchaseEntry.objects.none()
    if side not in SIDES:
        raise InvalidInput(_("Unknown side “%(s)s”: use origin or buyer.") % {"s": side}, code="bad_filter")
    spec = _normalise(filters or {}, counted_only=False)
    prefix, _cols = _scope_needs(viewer, side)
    qs = _apply(PurchaseEntry.objects.all(), spec.conditions, cube=None, scope=(prefix, side))
    if source is not None:
        qs = qs.filter(source=source.strip())
    if external_id is not None:
        qs = qs.filter(external_id=external_id.strip())
    return qs.select_related("buyer", "seller", "product", "origin").order_by("-purchase_date", "-id")


def entries_total(*, viewer: Any, filters: Mapping[str, Any] | None = None, side: str = "origin") -> dict[str, int]:
    """Amount, quantity and net entries of `entries_for` with the same filters (from a rollup when possible)."""
    rows = account_totals(viewer=viewer, group_by=[], filters=filters, counted_only=False, side=side)
    if not rows:
        return {"amount_fen": 0, "quantity_milli": 0, "entries": 0}
    return {k: rows[0][k] for k in ("amount_fen", "quantity_milli", "entries")}


def _visible(viewer: Any, entry: PurchaseEntry) -> bool:
    prefix = getattr(viewer, "scope_prefix", "") or ""
    return not prefix or entry.county_code.startswith(prefix) or entry.buyer_region.startswith(prefix)


def entry_get(*, viewer: Any, pk: int) -> PurchaseEntry:
    """One entry with its references (buyer, seller, product, origin, scheme relations, the entry it reverses)."""
    entry = (PurchaseEntry.objects.select_related(
        "buyer", "seller", "seller__household", "product", "origin", "rel_designated", "rel_east_west",
        "rel_counterpart", "reverses", "rule_version").filter(pk=pk).first() if _signed_in(viewer) else None)
    if entry is None or not _visible(viewer, entry):
        raise NotFound(details={"entry": pk})
    return entry


def entry_chain(*, viewer: Any, entry: PurchaseEntry) -> list[PurchaseEntry]:
    """The entry's whole history: the first booking, reversals and amendments (same source and external id)."""
    return [e for e in PurchaseEntry.objects.filter(source=entry.source, external_id=entry.external_id)
            .select_related("reverses").order_by("id") if _visible(viewer, e)]


# -- summaries for account pages and the API ---------------------------------------------------------------------------
def _summary(viewer: Any, base: Mapping[str, Any], year: int | None, sections: Sequence[str],
             side: str = "origin") -> dict[str, Any]:
    filters = {**base, **({"year": year} if year else {})}
    years = account_totals(viewer=viewer, group_by=["year", "kind"], filters=base, side=side)
    return {
        "filters": filters,
        "total": entries_total(viewer=viewer, filters={**filters, "counted": True}, side=side),
        "years": list(years),
        **{f"by_{s}": list(account_totals(viewer=viewer, group_by=[s], filters=filters, side=side,
                                          order_by="-amount_fen")) for s in sections},
    }


def buyer_summary(*, viewer: Any, buyer_id: int, year: int | None = None) -> dict[str, Any]:
    """A buyer's account (itself and the units it supervises): yearly totals by kind (direct vs helped), by scheme,
    by relation, by province of origin and by channel. `entries_for(filters=summary['filters'])` drills down."""
    return _summary(viewer, {"buyer": buyer_id}, year, ["kind", "scheme", "relation", "province", "channel"])


def seller_summary(*, viewer: Any, seller_id: int, year: int | None = None) -> dict[str, Any]:
    return _summary(viewer, {"seller": seller_id}, year, ["kind", "buyer_category", "channel", "basis"])


def county_summary(*, viewer: Any, region_code: str, year: int | None = None) -> dict[str, Any]:
    """Money flowing into a region (county, prefecture or province): purchases whose origin lies in it."""
    return _summary(viewer, {"region": region_code}, year, ["kind", "buyer_category", "scheme", "channel", "basis"])


# -- imports and locks ---------------------------------------------------------------------------------------------
def purchase_imports(*, viewer: Any) -> QuerySet[PurchaseImport]:
    """Imports the viewer submitted (administrators and auditors: all), newest first."""
    if not _signed_in(viewer):
        return PurchaseImport.objects.none()
    qs = PurchaseImport.objects.all()
    if not viewer.has_role(Role.ADMINISTRATOR, Role.AUDITOR):
        qs = qs.filter(actor=viewer)
    return qs.order_by("-created_at", "-id")


def purchase_import_get(*, viewer: Any, pk: int) -> PurchaseImport:
    job = purchase_imports(viewer=viewer).filter(pk=pk).first()
    if job is None:
        raise NotFound(details={"import": pk})
    return job


def purchase_import_active(job: PurchaseImport) -> bool:
    return job.status in (JobStatus.QUEUED, JobStatus.RUNNING)


def rollup_version() -> int:
    """A number that grows whenever the account's rollups change: figures computed from them may be kept under it."""
    return rollups.version()


def period_locks(*, viewer: Any, year: int | None = None) -> QuerySet[PeriodLock]:
    if not _signed_in(viewer):
        return PeriodLock.objects.none()
    qs = PeriodLock.objects.all()
    return qs.filter(year=year) if year else qs


# -- for whom an actor may book; reporting rights ------------------------------------------------------------------
def is_unrestricted_booker(actor: Any) -> bool:
    """Administrators (the role, or a superuser) and system actors (a string actor: the CLI, the demo) book for any
    buyer in their region scope."""
    return is_administrator(actor)


def booking_mandate(*, actor: Any) -> rules.Mandate:
    """For whom `actor` may book purchases (`rules.Mandate`), read once per import or batch: unrestricted for
    administrators and system actors; otherwise its organisation with every unit below it, and that
    organisation's reporting rights in force (not revoked), by source. A background import runs with the user
    who created the job, so the job's creator is what is checked."""
    if is_unrestricted_booker(actor):
        return rules.UNRESTRICTED
    org = getattr(actor, "organisation", None)
    if org is None:
        return rules.Mandate()
    by_source: dict[str, list[rules.RightFacts]] = {}
    for r in ReportingRight.objects.filter(reporter_id=org.pk, status=RightStatus.ACTIVE).order_by("id"):
        by_source.setdefault(r.source, []).append(rules.RightFacts(
            id=r.pk, source=r.source, organisations=r.organisations, region_prefix=r.buyer_region_prefix,
            kinds=frozenset(r.buyer_kind_list), public_sales=r.public_sales, valid_from=r.valid_from,
            valid_to=r.valid_to))
    return rules.Mandate(own=frozenset(registry.organisation_subtree_ids(organisation=org.pk)),
                         rights={s: tuple(v) for s, v in by_source.items()}, organisation=org.name)


def reporting_rights(*, viewer: Any, reporter_id: int | None = None, source: str = "",
                     status: str = "") -> QuerySet[ReportingRight]:
    """Every reporting right, newest first (administrators and superusers only: AccessDenied otherwise)."""
    authorise(viewer, roles=(Role.ADMINISTRATOR,), what="reporting rights")
    qs = ReportingRight.objects.select_related("reporter")
    if reporter_id:
        qs = qs.filter(reporter_id=reporter_id)
    if source:
        qs = qs.filter(source=source)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


def reporting_right_get(*, viewer: Any, pk: int) -> ReportingRight:
    right = reporting_rights(viewer=viewer).filter(pk=pk).first()
    if right is None:
        raise NotFound(details={"reporting_right": pk})
    return right


# -- origin exceptions and cross-source matches (issue #10) ------------------------------------------------------------
def origin_exceptions(*, viewer: Any, seller_id: int | None = None, status: str = "") -> QuerySet[OriginException]:
    """The documented exceptions to the origin rule whose origin region lies in the viewer's scope, newest first
    (signed-in viewers; a nation-wide viewer sees all)."""
    if not _signed_in(viewer):
        return OriginException.objects.none()
    qs = OriginException.objects.select_related("seller", "seller__region")
    prefix = getattr(viewer, "scope_prefix", "") or ""
    if prefix:
        qs = qs.filter(region_code__startswith=prefix)
    if seller_id:
        qs = qs.filter(seller_id=seller_id)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


def origin_exception_get(*, viewer: Any, pk: int) -> OriginException:
    found = origin_exceptions(viewer=viewer).filter(pk=pk).first()
    if found is None:
        raise NotFound(details={"origin_exception": pk})
    return found


def duplicates(*, viewer: Any, reviewed: bool | None = None, decision: str = "") -> QuerySet[PurchaseEntry]:
    """The entries the cross-source match marked as another source's report of an order already booked (live
    bookings, not reversals), with their review when there is one, scoped like `entries_for`; `reviewed` False:
    those waiting for a reviewer."""
    if not _signed_in(viewer):
        return PurchaseEntry.objects.none()
    qs = PurchaseEntry.objects.filter(duplicate_of__isnull=False, sign=1)
    prefix = getattr(viewer, "scope_prefix", "") or ""
    if prefix:
        qs = qs.filter(Q(county_code__startswith=prefix) | Q(buyer_region__startswith=prefix))
    if reviewed is not None:
        qs = qs.filter(duplicate_review__isnull=not reviewed)
    if decision:
        qs = qs.filter(duplicate_review__decision=decision)
    return qs.select_related("buyer", "seller", "product", "origin", "duplicate_review").order_by("-id")


def entry_review(entry: PurchaseEntry) -> DuplicateReview | None:
    """The reviewer's decision on an entry marked as a duplicate (None: not decided, or not a duplicate)."""
    if entry.duplicate_of_id is None:
        return None
    try:
        return entry.duplicate_review  # read with the list (`duplicates` selects it), else one query
    except DuplicateReview.DoesNotExist:
        return None


def account_last_changed() -> Any:
    """When the account last changed: the booking time of the newest entry (read by primary key, no scan); None
    for an empty ledger. The public open data send it as Last-Modified."""
    return PurchaseEntry.objects.order_by("-id").values_list("created_at", flat=True).first()
