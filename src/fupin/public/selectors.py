"""Public figures: aggregates of the consumption account that anyone may read, with small groups suppressed.

Every figure is read through `fupin.ledger.selectors.account_totals` (counted entries, from the rollup cubes at
the grain the figure shows: province × month, category × month, county × month) for a nation-wide read-only
viewer; nothing here reads an entry. A group with fewer counted purchases than the dated parameter
`public.min_group_entries` is suppressed (its amount, quantity and count become None and `suppressed` is true);
when one group alone would be suppressed among its siblings (the rows that share the other keys), the next
smallest is suppressed as well so that the first cannot be worked out from the published total.

Datasets (`DATASETS`) are what the open data, the public pages and their downloads publish; a request names
a dataset and optional filters from `PUBLIC_FILTERS`; anything else is refused with code `bad_filter` (400).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from fupin.core import params
from fupin.core.errors import FupinError, NotFound
from fupin.ledger import selectors as ledger
from fupin.registry import selectors as registry

from .parameters import MIN_GROUP_ENTRIES
from .provinces import PROVINCES


class BadFilter(FupinError):
    """A public data request with a filter that is not one of `PUBLIC_FILTERS` or a value it cannot take."""

    code = "bad_filter"
    status = 400
    default_message = _l("The filter is not valid.")


class PublicViewer:
    """The nation-wide, read-only viewer the public figures are read as: no roles, no organisation, no scope
    limit, and nothing but aggregates is ever asked for on its behalf."""

    is_authenticated = True
    is_active = True
    is_superuser = False
    scope_prefix = ""
    scope_level = "nation"
    scope_code = ""
    organisation = None
    role_list: list[str] = []  # noqa: RUF012 - read only

    def has_role(self, *wanted: str) -> bool:
        return False

    def can_see_code(self, region_code: str | None) -> bool:
        return True

    def __str__(self) -> str:
        return "public"


PUBLIC_VIEWER = PublicViewer()


@dataclass(frozen=True)
class Dataset:
    name: str
    title: Any
    group_by: tuple[str, ...]
    description: Any = ""


DATASETS: dict[str, Dataset] = {d.name: d for d in (
    Dataset("by_year", _l("Counted purchases by year"), ("year",),
            _l("The whole account: one row per year.")),
    Dataset("by_province", _l("Counted purchases by year and origin province"), ("year", "province"),
            _l("Where the products came from, by province.")),
    Dataset("by_month", _l("Counted purchases by month"), ("month",),
            _l("The whole account: one row per month.")),
    Dataset("by_channel", _l("Counted purchases by year and channel"), ("year", "channel"),
            _l("The 832 platform, counters, shops, canteens and the other channels.")),
    Dataset("by_kind", _l("Counted purchases by year and kind"), ("year", "kind"),
            _l("Direct purchases and helped sales.")),
    Dataset("by_product_category", _l("Counted purchases by year and product category"), ("year", "product_category"),
            _l("What was bought, by product category.")),
    Dataset("by_buyer_category", _l("Counted purchases by year and buyer category"), ("year", "buyer_category"),
            _l("Who bought: budget units, enterprises, members of the public and others.")),
    Dataset("by_prefecture", _l("Counted purchases by year and origin prefecture"), ("year", "prefecture"),
            _l("Where the products came from, by prefecture (filter by province).")),
)}
PUBLIC_FILTERS = ("year", "province")
MEASURES = ("amount_fen", "quantity_milli", "entries")


def min_group_entries(*, on: dt.date | None = None) -> int:
    return int(params.value(MIN_GROUP_ENTRIES, on=on or timezone.localdate()))


def dataset_get(*, name: str) -> Dataset:
    try:
        return DATASETS[name]
    except KeyError:
        raise NotFound(_("There is no public dataset “%(name)s”.") % {"name": name},
                       details={"dataset": name, "allowed": sorted(DATASETS)}) from None


def _year(value: Any) -> int:
    text = str(value).strip()
    if not (text.isascii() and text.isdigit() and len(text) == 4 and 2013 <= int(text) <= 2100):
        raise BadFilter(_("“%(v)s” is not a year (2013 or later).") % {"v": str(value)[:20]},
                        details={"year": str(value)[:20]})
    return int(text)


def _province(value: Any) -> str:
    text = str(value).strip()
    if not (text.isascii() and text.isdigit() and len(text) in (2, 6) and text[:2] in PROVINCES
            and text[2:].strip("0") == ""):
        raise BadFilter(_("“%(v)s” is not a province code (two digits such as 52, or six such as 520000).")
                        % {"v": text[:20]}, details={"province": text[:20]})
    return text[:2]


def clean_filters(raw: Mapping[str, Any], *, allowed: Sequence[str] = PUBLIC_FILTERS) -> dict[str, Any]:
    """The public filters of a request (`year`, `province`), checked; an unknown name is refused (400)."""
    unknown = sorted(set(raw) - set(allowed))
    if unknown:
        shown = ", ".join(allowed) if allowed else _("none")
        raise BadFilter(
            _("Unknown filter(s): %(f)s. Accepted here: %(allowed)s.")
            % {"f": ", ".join(u[:40] for u in unknown[:5]), "allowed": shown},
            details={"unknown": [u[:40] for u in unknown[:20]], "allowed": list(allowed)})
    out: dict[str, Any] = {}
    if raw.get("year") not in (None, ""):
        out["year"] = _year(raw["year"])
    if raw.get("province") not in (None, ""):
        out["province"] = _province(raw["province"])
    return out


def _totals(group_by: Sequence[str], filters: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [dict(r) for r in ledger.account_totals(viewer=PUBLIC_VIEWER, group_by=list(group_by),
                                                   filters=dict(filters))]


def suppress(rows: list[dict[str, Any]], *, group_by: Sequence[str], minimum: int) -> list[dict[str, Any]]:
    """Pure: mark groups below `minimum` counted purchases as suppressed (measures None), and a second group
    among siblings where one alone is suppressed (siblings share every key but the last)."""
    if not group_by:
        return [{**r, "suppressed": r["entries"] < minimum} for r in rows]
    out = [{**r, "suppressed": r["entries"] < minimum} for r in rows]
    siblings: dict[tuple[Any, ...], list[dict[str, Any]]] = defaultdict(list)
    for r in out:
        siblings[tuple(r.get(d) for d in group_by[:-1])].append(r)
    for group in siblings.values():
        hidden = [r for r in group if r["suppressed"]]
        shown = sorted((r for r in group if not r["suppressed"]), key=lambda r: (r["entries"], r["amount_fen"]))
        if len(hidden) == 1 and shown:
            shown[0]["suppressed"] = True
    for r in out:
        if r["suppressed"]:
            for m in MEASURES:
                r[m] = None
    return out


def dataset_rows(*, name: str, filters: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """The rows of a public dataset (keys of its grouping, the measures, `suppressed`), filters already checked
    by `clean_filters` (or raw: they are checked here again)."""
    ds = dataset_get(name=name)
    f = clean_filters(filters or {})
    rows = _totals(ds.group_by, f)
    return suppress(rows, group_by=ds.group_by, minimum=min_group_entries())


def years_available() -> list[int]:
    """The years the account has counted purchases in, newest first (from the smallest cube)."""
    return sorted((int(r["year"]) for r in _totals(["year"], {}) if r["entries"]), reverse=True)


def default_year() -> int:
    """The year the public pages open on: the current year once it has counted purchases, else the newest that
    has."""
    this = timezone.localdate().year
    years = years_available()
    return this if not years or this in years or years[0] > this else years[0]


def _empty_total(year: int) -> dict[str, Any]:
    return {"year": year, "amount_fen": 0, "quantity_milli": 0, "entries": 0, "suppressed": False}


@dataclass
class Headline:
    """The figures of the public home page for one year and the year before it."""

    year: int
    total: dict[int, dict[str, Any]] = field(default_factory=dict)      # year → {amount_fen, entries, suppressed}
    breakdowns: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # dim → [{key, years: {y: row}}]
    provinces: dict[str, dict[str, Any]] = field(default_factory=dict)  # two-digit code → the year's row
    minimum: int = 0

    @property
    def previous(self) -> int:
        return self.year - 1


BREAKDOWNS = ("channel", "kind", "product_category")


HEADLINE_KEPT_S = 3600


def headline(*, year: int | None = None) -> Headline:
    """The public home page's figures: the year's and the year before's totals, by channel, kind and product
    category, and the year's amount per origin province (for the map). Read from the province × month and
    category × month cubes (five aggregate queries); groups below the minimum size are suppressed. Kept in the
    cache under the rollups' version (`ledger.rollup_version`), the minimum group size and the year: any change of
    the rollups computes it again (at most an hour old otherwise, for a minimum that changes by date)."""
    year = year or default_year()
    minimum = min_group_entries()
    key = f"public:headline:{year}:{minimum}:{ledger.rollup_version()}"
    found = cache.get(key)
    if found is None:
        found = _headline(year=year, minimum=minimum)
        cache.set(key, found, HEADLINE_KEPT_S)
    return found


def _headline(*, year: int, minimum: int) -> Headline:
    years = [year - 1, year]
    out = Headline(year=year, minimum=minimum)
    totals = suppress(_totals(["year"], {"year": years}), group_by=["year"], minimum=minimum)
    out.total = {r["year"]: r for r in totals}
    for y in years:
        out.total.setdefault(y, _empty_total(y))
    for dim in BREAKDOWNS:
        out.breakdowns[dim] = breakdown(dim=dim, years=years, minimum=minimum)
    prov = suppress(_totals(["province"], {"year": year}), group_by=["province"], minimum=minimum)
    out.provinces = {r["province"][:2]: r for r in prov}
    return out


def breakdown(*, dim: str, years: Sequence[int], minimum: int, filters: Mapping[str, Any] | None = None
              ) -> list[dict[str, Any]]:
    """Rows `{key, years: {year: row}}` of one dimension over the years, largest in the last year first; each year's
    groups suppressed among themselves."""
    rows = suppress(_totals(["year", dim], {**(filters or {}), "year": list(years)}), group_by=["year", dim],
                    minimum=minimum)
    by_key: dict[Any, dict[str, Any]] = {}
    for r in rows:
        slot = by_key.setdefault(r[dim], {"key": r[dim], "years": {}})
        slot["years"][r["year"]] = r
    last = years[-1]
    return sorted(by_key.values(), key=lambda s: (-(s["years"].get(last, {}).get("amount_fen") or 0), str(s["key"])))


def region_names(*, codes: Sequence[str]) -> dict[str, str]:
    """Region code → its name in the registry (the code itself when the registry lacks it)."""
    found = registry.regions_by_codes(codes=set(codes))
    return {c: (found[c].name if c in found else c) for c in codes}


@dataclass
class Figures:
    """A statistics page (national, or one province's): the years, the year's months, channels, kinds, product
    categories, buyer categories and places of origin (provinces, or the province's prefectures)."""

    year: int
    province: str  # "" for the nation
    by_year: list[dict[str, Any]]
    by_month: list[dict[str, Any]]
    breakdowns: dict[str, list[dict[str, Any]]]
    places: list[dict[str, Any]]
    minimum: int

    @property
    def total(self) -> dict[str, Any]:
        return next((r for r in self.by_year if r["year"] == self.year), _empty_total(self.year))


STATISTICS_BREAKDOWNS = ("channel", "kind", "product_category", "buyer_category")


def statistics(*, year: int | None = None, province: str = "") -> Figures:
    """The figures of the national statistics page (`province=""`) or of one province's page."""
    base: dict[str, Any] = {"province": _province(province)} if province else {}
    year = year or default_year()
    minimum = min_group_entries()

    def rows(group_by: Sequence[str], filters: Mapping[str, Any]) -> list[dict[str, Any]]:
        return suppress(_totals(group_by, filters), group_by=group_by, minimum=minimum)

    fy = {**base, "year": year}
    if province:
        places = rows(["prefecture"], fy)
        names = region_names(codes=[r["prefecture"] for r in places])
        for r in places:
            r["code"], r["name"] = r["prefecture"], names.get(r["prefecture"], r["prefecture"])
    else:
        places = rows(["province"], fy)
        for r in places:
            r["code"] = r["province"][:2]
    places.sort(key=lambda r: (-(r["amount_fen"] or 0), r["code"]))
    return Figures(
        year=year, province=base.get("province", ""), by_year=rows(["year"], base), by_month=rows(["month"], fy),
        breakdowns={d: rows([d], fy) for d in STATISTICS_BREAKDOWNS}, places=places, minimum=minimum)


def last_changed() -> dt.datetime | None:
    """When the account last changed (the newest entry's booking time): Last-Modified of the open data."""
    value = ledger.account_last_changed()
    return value if isinstance(value, dt.datetime) else None
