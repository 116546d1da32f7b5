"""Batch reads behind the import pipeline: the facts about buyers, sellers, products and regions that the
rules need, fetched once per batch for the codes not seen yet and kept for the rest of the import.

Nothing here is called per row: `Lookups.prefetch()` runs a handful of queries per batch; the rows then read
plain dictionaries. Rows by code (organisations, market entities, households, regions, products and their
certified periods) are read from the registry and certification tables with plain SQL: the same facts as
`registry.selectors.regions_by_codes` and `certification.selectors.products_by_codes` / `certified_periods`
(tests hold them equal), without the ORM's per-value and per-instance overhead, which was half the import time
(ADR 0012). Old region codes follow the registry's crosswalk selector; "certified on a date" is
`certification.rules.certified_on`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.utils.translation import gettext as _

from fupin.certification.models import CertificationPeriod, Product
from fupin.core import params
from fupin.core.caches import BoundedCache
from fupin.core.errors import InvalidInput
from fupin.linkage.effect import selectors as effect_selectors
from fupin.registry import rules as registry_rules
from fupin.registry import selectors as registry
from fupin.registry.models import AssistanceRelation, Household, MarketEntity, Organisation, Region

from . import rules
from .models import OriginException
from .parameters import ATTRIBUTION, COUNTING_RULES, DUPLICATE_MATCH, EVALUATION_REQUIREMENT, PLAUSIBILITY

# Caches are dropped when they grow past this many keys (memory stays bounded on any file).
CACHE_LIMIT = 200_000
NO_CHANNELS: frozenset[str] = frozenset()  # no evaluation requirement in force



@dataclass(slots=True)
class BuyerFacts:
    id: int
    category: str
    region: str                 # home county code (6 digits)
    chain: tuple[int, ...]      # itself and its supervising units, nearest first
    region_chain: tuple[str, ...]
    chain_kinds: frozenset[str] = frozenset()   # the organisation kinds of `chain` (attribution excludes some)
    dated: bool = False         # its chain changed over time: read it on the purchase date (`Lookups.buyer_on`)


Periods = tuple[tuple[dt.date, dt.date | None], ...]
COUNTY_SETS = ("poverty_county", "lifted_county", "key_county", "provincial_key_county")
VILLAGE_SETS = ("poor_village", "lifted_village")


@dataclass(slots=True)
class SellerFacts:
    id: int
    region_code: str            # the seller's registered region (the household's village for a household)
    county: str
    household_status: str       # today's status (the one in force on a purchase date: `status_on`)
    county_is_poverty: bool     # one of the 832 (today); counting reads `county_sets` on the purchase date
    household_periods: tuple[registry_rules.StatusPeriod, ...] = ()
    county_sets: dict[str, Periods] = field(default_factory=dict)
    area: str = ""              # code prefix of the places its rows may name as origin (its county; `seller_area`)
    effect_years: frozenset[int] = frozenset()  # years it has an outstanding poverty-reduction effect (linkage)

    def status_on(self, day: dt.date) -> str:
        """The household seller's status on `day` ("" for a seller that is no household)."""
        return registry_rules.status_on(self.household_periods, day) if self.household_periods else ""


@dataclass(slots=True)
class ProductFacts:
    id: int
    category: str
    origin_code: str
    periods: list[tuple[dt.date, dt.date | None]]


@dataclass(slots=True)
class RegionFacts:
    id: int
    code: str                   # current code (old codes follow the crosswalk)
    county: str                 # the county it lies in ('' above county level)
    poor_village: bool          # today; counting reads `village_sets` on the purchase date
    chain: tuple[str, ...]      # itself and the regions above, nearest first
    village_sets: dict[str, Periods] = field(default_factory=dict)


@dataclass
class Lookups:
    # by code, for the rest of the import; each starts over when a batch would take it past CACHE_LIMIT
    buyers: BoundedCache[str, BuyerFacts | None] = field(default_factory=lambda: BoundedCache(CACHE_LIMIT))
    sellers: BoundedCache[str, SellerFacts | None] = field(default_factory=lambda: BoundedCache(CACHE_LIMIT))
    products: BoundedCache[str, ProductFacts | None] = field(default_factory=lambda: BoundedCache(CACHE_LIMIT))
    regions: BoundedCache[str, RegionFacts | None] = field(default_factory=lambda: BoundedCache(CACHE_LIMIT))
    org_nodes: dict[int, tuple[int | None, str]] = field(default_factory=dict)   # id -> (parent id, region code)
    org_kinds: dict[int, str] = field(default_factory=dict)
    # the dated tree (issue #10 §6): id -> its supervising units over time, for the organisations that have any
    org_periods: dict[int, registry_rules.ParentPeriods] = field(default_factory=dict)
    dated_tree: bool = False    # whether any organisation has dated parents (else no period is ever read)
    attribution_versions: list[params.ParamVersion] = field(default_factory=list)
    plausibility_versions: list[params.ParamVersion] = field(default_factory=list)
    evaluation_versions: list[params.ParamVersion] = field(default_factory=list)
    _evaluation_cache: dict[str, list[params.ParamVersion]] = field(default_factory=dict)
    _channels_cache: dict[int, frozenset[str]] = field(default_factory=dict)  # by evaluation version id
    _attribution_cache: dict[int, rules.AttributionRules] = field(default_factory=dict)
    poverty_counties: set[str] = field(default_factory=set)
    county_sets: dict[str, dict[str, Periods]] = field(default_factory=dict)  # county code -> set -> periods
    relations: rules.RelationIndex = field(default_factory=rules.RelationIndex)
    rule_versions: list[params.ParamVersion] = field(default_factory=list)
    origin_exceptions: dict[int, tuple[rules.ExceptionFacts, ...]] = field(default_factory=dict)  # by seller id
    match_versions: list[params.ParamVersion] = field(default_factory=list)
    _match_cache: dict[tuple[str, dt.date], rules.MatchTolerance] = field(default_factory=dict)
    _rules_cache: BoundedCache[tuple[str, dt.date], rules.CountingRules | None] = field(
        default_factory=lambda: BoundedCache(CACHE_LIMIT))
    _prefixes: tuple[str, ...] = ()
    _signatures: dict[str, str] = field(default_factory=dict)  # county -> the rule prefixes that hold it, joined

    @classmethod
    def load(cls) -> Lookups:
        """What an import reads once: the poverty counties, the scheme relations and the counting rule versions."""
        lk = cls()
        flagged = dict(Region.objects.filter(is_poverty_county=True).values_list("code", "poverty_exit_year"))
        lk.poverty_counties = set(flagged)
        lk.county_sets = registry.region_set_periods(set_kinds=COUNTY_SETS)
        for code, exit_year in flagged.items():  # a county flagged but not yet in the dated sets: the same derivation
            if not any(k in lk.county_sets.get(code, {}) for k in ("poverty_county", "lifted_county")):
                derived = lk.county_sets.setdefault(code, {})
                for kind, start, end in registry_rules.poverty_county_memberships(exit_year):
                    derived[kind] = (*derived.get(kind, ()), (start, end))
        lk.relations = rules.RelationIndex.build(
            rules.RelationFacts(r["id"], r["kind"], r["helper_org_id"], r["helper_region__code"],
                                r["helped_region__code"], r["year_from"], r["year_to"])
            for r in AssistanceRelation.objects.values(
                "id", "kind", "helper_org_id", "helper_region__code", "helped_region__code", "year_from", "year_to")
        )
        lk.rule_versions = params.versions(COUNTING_RULES)
        lk._prefixes = tuple(sorted({v.region_prefix for v in lk.rule_versions}))
        lk.origin_exceptions = origin_exception_facts()
        lk.match_versions = params.versions(DUPLICATE_MATCH)
        lk.attribution_versions = params.versions(ATTRIBUTION)
        lk.plausibility_versions = params.versions(PLAUSIBILITY)
        lk.evaluation_versions = params.versions(EVALUATION_REQUIREMENT)
        lk.dated_tree = registry.organisation_parent_periods_exist()
        return lk

    def plausibility(self, on: dt.date) -> rules.Plausibility:
        """The plausibility limits in force on `on` (the day of the import; none in force: the documented
        defaults). A stored value that cannot be used refuses the import, naming the version and why."""
        version = params.resolve(self.plausibility_versions, on=on)
        if version is None:
            return rules.DEFAULT_PLAUSIBILITY
        problems = rules.plausibility_errors(version.value)
        if problems:
            raise InvalidInput(_("The plausibility limits %(key)s (version #%(id)s) cannot be used: %(why)s.")
                               % {"key": PLAUSIBILITY, "id": version.id, "why": "; ".join(problems)},
                               code="invalid_parameter", details={"parameter": version.id})
        return rules.Plausibility.from_value(version.value, version.id)

    def evaluation_channels(self, buyer_region: str, day: dt.date) -> frozenset[str]:
        """The channels on which an order of a buyer registered in `buyer_region` counts only once evaluated, on
        the purchase date (the buyer's province's version of `ledger.evaluation_requirement`)."""
        mine = self._evaluation_cache.get(buyer_region)
        if mine is None:  # the few versions whose region holds the buyer's
            mine = self._evaluation_cache[buyer_region] = [
                v for v in self.evaluation_versions if buyer_region.startswith(v.region_prefix)]
        version = params.resolve(mine, on=day, region_code=buyer_region) if mine else None
        if version is None:
            return NO_CHANNELS
        channels = self._channels_cache.get(version.id)
        if channels is None:
            channels = self._channels_cache[version.id] = rules.evaluation_channels(version.value)
        return channels

    def attribution(self, year: int) -> rules.AttributionRules:
        """The attribution rule in force on 1 January of the purchase year (none in force: every scheme relation
        credits its scheme, regions credit every buyer)."""
        found = self._attribution_cache.get(year)
        if found is None:
            version = params.resolve(self.attribution_versions, on=dt.date(year, 1, 1))
            found = self._attribution_cache[year] = rules.AttributionRules.from_value(
                version.value if version else None)
        return found

    def match_tolerance(self, county: str, day: dt.date) -> rules.MatchTolerance:
        """The cross-source match tolerance in force for an origin county on a date (none in force: exact)."""
        key = (county, day)
        found = self._match_cache.get(key)
        if found is None:
            if len(self._match_cache) > CACHE_LIMIT:
                self._match_cache.clear()
            version = params.resolve(self.match_versions, on=day, region_code=county)
            found = self._match_cache[key] = rules.MatchTolerance.from_value(version.value if version else None)
        return found

    # -- counting rules in force ------------------------------------------------------------------------------------
    def rules_for(self, county: str, day: dt.date) -> rules.CountingRules | None:
        sig = self._signatures.get(county)
        if sig is None:  # some 3,000 counties: one signature each
            sig = self._signatures[county] = "|".join(p for p in self._prefixes if county.startswith(p))
        key = (sig, day)
        try:
            return self._rules_cache[key]
        except KeyError:
            pass
        found = params.resolve(self.rule_versions, on=day, region_code=county)
        return self._rules_cache.set(key, rules.CountingRules.from_value(found.value, found.id) if found else None)

    # -- batch prefetch ---------------------------------------------------------------------------------------------
    def prefetch(self, *, buyer_codes: set[str], seller_codes: set[str], product_codes: set[str],
                 region_codes: set[str]) -> None:
        # a batch's codes stay cached while it is validated: a cache starts over before a batch, never during one
        self.buyers.room(len(buyer_codes))
        self.sellers.room(len(seller_codes))
        self.products.room(len(product_codes))
        self.regions.room(len(region_codes) + len(seller_codes) + len(product_codes))
        self._fetch_buyers(buyer_codes - self.buyers.keys())
        self._fetch_sellers(seller_codes - self.sellers.keys())
        self._fetch_products(product_codes - self.products.keys())
        wanted = set(region_codes)
        for p in self.products.values():
            if p is not None:
                wanted.add(p.origin_code)
        for s in self.sellers.values():
            if s is not None:
                wanted.add(s.region_code)
        self._fetch_regions(wanted - self.regions.keys())

    def _fetch_buyers(self, codes: set[str]) -> None:
        if not codes:
            return
        found: dict[str, tuple[int, str, str, int | None]] = {}
        org, region = Organisation._meta.db_table, Region._meta.db_table
        for credit, org_id, kind, region_code, parent_id in _select(
                f"SELECT o.credit_code, o.id, o.kind, r.code, o.parent_id FROM {org} o "  # noqa: S608 - table names from the models; codes bound as %s
                f"JOIN {region} r ON r.id = o.region_id WHERE o.credit_code {{match}}", sorted(codes)):
            found[credit] = (org_id, kind, region_code, parent_id)
            self.org_nodes[org_id] = (parent_id, region_code)
            self.org_kinds[org_id] = kind
        parents = {p for (_i, _k, _r, p) in found.values() if p is not None}
        if self.dated_tree:  # the historical parents of the batch's buyers too (one query)
            parents |= self._fetch_periods({r[0] for r in found.values()})
        self._fetch_org_parents(parents)
        for code in codes:
            row = found.get(code)
            if row is None:
                self.buyers[code] = None
                continue
            org_id, kind, region_code, _parent = row
            chain = self._chain(org_id)
            self.buyers[code] = BuyerFacts(
                id=org_id, category=kind, region=region_code[:6], chain=chain,
                region_chain=tuple(registry_rules.ancestor_codes(region_code)),
                chain_kinds=frozenset(self.org_kinds[i] for i in chain if i in self.org_kinds),
                dated=bool(self.org_periods) and any(i in self.org_periods for i in chain),
            )

    def _fetch_periods(self, ids: set[int]) -> set[int]:
        """The dated parents of `ids` (kept in `org_periods`); returns the parents they name."""
        found = registry.organisation_parent_periods(organisation_ids=ids)
        self.org_periods.update(found)
        return {p for periods in found.values() for p, _f, _t in periods if p is not None}

    def buyer_on(self, buyer: BuyerFacts, day: dt.date) -> BuyerFacts:
        """The buyer with its chain of supervising units as it was on `day` (the dated tree); itself when its chain
        never changed."""
        if not buyer.dated:
            return buyer
        chain = self._chain(buyer.id, day)
        if chain == buyer.chain:
            return buyer
        return BuyerFacts(id=buyer.id, category=buyer.category, region=buyer.region, chain=chain,
                          region_chain=buyer.region_chain,
                          chain_kinds=frozenset(self.org_kinds[i] for i in chain if i in self.org_kinds), dated=True)

    def _fetch_org_parents(self, ids: set[int]) -> None:
        org, region = Organisation._meta.db_table, Region._meta.db_table
        missing = {i for i in ids if i not in self.org_nodes}
        while missing:
            parents: set[int] = set()
            for org_id, parent_id, region_code, kind in _select(
                    f"SELECT o.id, o.parent_id, r.code, o.kind FROM {org} o JOIN {region} r ON r.id = o.region_id "  # noqa: S608 - table names from the models; codes bound as %s
                    f"WHERE o.id {{match}}", sorted(missing)):
                self.org_nodes[org_id] = (parent_id, region_code)
                self.org_kinds[org_id] = kind
                if parent_id is not None:
                    parents.add(parent_id)
            if self.dated_tree:
                parents |= self._fetch_periods(missing)
            for i in missing:
                self.org_nodes.setdefault(i, (None, ""))
            missing = {p for p in parents if p not in self.org_nodes}

    def _chain(self, org_id: int, day: dt.date | None = None) -> tuple[int, ...]:
        """Itself and its supervising units, nearest first: today's tree, or with `day` the tree in force that day
        (each link from the dated periods where an organisation has them; `registry.rules.chain_on`)."""
        chain: list[int] = []
        current: int | None = org_id
        while current is not None and current not in chain:
            chain.append(current)
            if day is not None and current in self.org_periods:
                found, parent = registry_rules.parent_on(self.org_periods[current], day)
                if found:
                    current = parent
                    continue
            current = self.org_nodes.get(current, (None, ""))[0]
        return tuple(chain)

    def _fetch_sellers(self, codes: set[str]) -> None:
        if not codes:
            return
        ent, hh, region = MarketEntity._meta.db_table, Household._meta.db_table, Region._meta.db_table
        credit = sorted(c for c in codes if len(c) == 18)
        households = sorted(c for c in codes if len(c) != 18 or c.startswith("H"))
        rows = [*_select(f"SELECT e.credit_code, e.id, r.code, NULL, NULL, NULL, NULL FROM {ent} e "  # noqa: S608 - table names from the models; codes bound as %s
                         f"JOIN {region} r ON r.id = e.region_id WHERE e.credit_code {{match}}", credit),
                *_select(f"SELECT h.registry_code, e.id, r.code, v.code, h.status, h.id, h.lifted_year FROM {hh} h "  # noqa: S608 - table names from the models; codes bound as %s
                         f"JOIN {ent} e ON e.household_id = h.id JOIN {region} r ON r.id = e.region_id "
                         f"JOIN {region} v ON v.id = h.village_id WHERE h.registry_code {{match}}", households)]
        periods = registry.household_status_periods(household_ids={r[5] for r in rows if r[5] is not None})
        effect = effect_selectors.qualifying_years(entity_ids={r[1] for r in rows if r[5] is None})  # one query
        found: dict[str, SellerFacts] = {}
        for code, pk, region_code, village_code, hh_status, hh_id, lifted in rows:
            place = village_code or region_code
            county = place[:6]
            history = (periods.get(hh_id) or tuple(registry_rules.inferred_history(hh_status, lifted))
                       if hh_id is not None else ())  # a household without a history yet: the same inference
            found[code] = SellerFacts(id=pk, region_code=place, county=county, household_status=hh_status or "",
                                      county_is_poverty=county in self.poverty_counties, household_periods=history,
                                      county_sets=self.county_sets.get(county, {}), area=seller_area(place),
                                      effect_years=effect.get(pk, frozenset()))
        for code in codes:
            self.sellers[code] = found.get(code)

    def _fetch_products(self, codes: set[str]) -> None:
        """Products by code with their origin and certified periods: the same facts as certification's
        `products_by_codes` + `certified_periods` (a test holds them equal), read as plain rows."""
        if not codes:
            return
        product, period, region = Product._meta.db_table, CertificationPeriod._meta.db_table, Region._meta.db_table
        rows = _select(f"SELECT p.code, p.id, p.category, r.code FROM {product} p JOIN {region} r "  # noqa: S608 - table names from the models; codes bound as %s
                       f"ON r.id = p.origin_region_id WHERE p.code {{match}}", sorted(codes))
        periods: dict[int, list[tuple[dt.date, dt.date | None]]] = {}
        for product_id, start, end in _select(f"SELECT product_id, start, {connection.ops.quote_name('end')} FROM "  # noqa: S608 - table names from the models; codes bound as %s
                                              f"{period} WHERE product_id {{match}}", sorted(r[1] for r in rows)):
            periods.setdefault(product_id, []).append((_as_date(start), _as_date(end) if end else None))
        found = {code: ProductFacts(id=pk, category=category, origin_code=origin, periods=sorted(periods.get(pk, [])))
                 for code, pk, category, origin in rows}
        for code in codes:
            self.products[code] = found.get(code)

    def _fetch_regions(self, codes: set[str]) -> None:
        codes = {c for c in codes if c and c.isdigit()}
        if not codes:
            return
        found = {code: (pk, code, poor) for pk, code, poor in _select(
            f"SELECT id, code, is_poor_village FROM {Region._meta.db_table} WHERE code {{match}}", sorted(codes))}  # noqa: S608 - table names from the models; codes bound as %s
        missing = codes - set(found)
        if missing:  # old codes: follow the crosswalk (registry selector)
            for old, r in registry.regions_by_codes(codes=missing).items():
                found[old] = (r.pk, r.code, r.is_poor_village)
        villages = registry.region_set_periods(set_kinds=VILLAGE_SETS,
                                               region_codes={h[1] for h in found.values() if len(h[1]) == 12})
        for code in codes:
            hit = found.get(code)
            if hit is None:
                self.regions[code] = None
                continue
            pk, current, poor = hit
            level = registry_rules.level_of(current)
            county = current[:6] if level in ("county", "township", "village") else ""
            sets = villages.get(current) or (
                {"poor_village": ((registry_rules.POVERTY_LIST_START, None),)} if poor else {})  # flag, not yet synced
            self.regions[code] = RegionFacts(id=pk, code=current, county=county, poor_village=bool(poor),
                                             chain=tuple(registry_rules.ancestor_codes(current)), village_sets=sets)


def seller_area(region_code: str) -> str:
    """The code prefix of the places a seller's rows may name as origin: its registered county (a seller registered
    in a county, township or village), else its registered region's subtree."""
    if registry_rules.level_of(region_code) in ("county", "township", "village"):
        return region_code[:6]
    return registry_rules.subtree_prefix(region_code)


def origin_exception_facts() -> dict[int, tuple[rules.ExceptionFacts, ...]]:
    """The active origin exceptions by seller id (few rows: read once per import)."""
    out: dict[int, list[rules.ExceptionFacts]] = {}
    for pk, seller_id, prefix, start, end in OriginException.objects.filter(status="active").values_list(
            "id", "seller_id", "region_prefix", "valid_from", "valid_to"):
        out.setdefault(seller_id, []).append((prefix, start, end, pk))
    return {k: tuple(v) for k, v in out.items()}


def _as_date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def _select(sql: str, values: list[Any]) -> list[tuple[Any, ...]]:
    """Run `sql` over `values`, whose `{match}` placeholder becomes `IN (%s, …)` in chunks under the engine's
    parameter limit (SQLite), or `= ANY(%s)` with one array parameter (PostgreSQL)."""
    out: list[tuple[Any, ...]] = []
    if not values:
        return out
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(sql.format(match="= ANY(%s)"), [list(values)])
            return list(cur.fetchall())
        limit = max(100, (connection.features.max_query_params or 30000) - 10)
        for i in range(0, len(values), limit):
            chunk = values[i : i + limit]
            cur.execute(sql.format(match=f"IN ({', '.join(['%s'] * len(chunk))})"), chunk)
            out.extend(cur.fetchall())
    return out
