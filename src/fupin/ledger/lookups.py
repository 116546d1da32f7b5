"""Batch reads behind the import pipeline: the facts about buyers, sellers, products and regions that the
rules need, fetched once per batch for the codes not seen yet and kept for the rest of the import.

Nothing here is called per row: `Lookups.prefetch()` runs a handful of queries per batch; the rows then read
plain dictionaries. Registry and certification are read through their selectors where they offer batch
reads (`regions_by_codes`, `products_by_codes`, `certified_periods`); organisations and market entities by
code, and the scheme relations, are read from the registry models (ADR 0012: bulk reads for imports).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import connection

from fupin.certification import selectors as certification
from fupin.core import params
from fupin.registry import rules as registry_rules
from fupin.registry import selectors as registry
from fupin.registry.models import AssistanceRelation, MarketEntity, Organisation, Region

from . import rules
from .parameters import COUNTING_RULES

# Caches are dropped when they grow past this many keys (memory stays bounded on any file).
CACHE_LIMIT = 200_000


@dataclass(slots=True)
class BuyerFacts:
    id: int
    category: str
    region: str                 # home county code (6 digits)
    chain: tuple[int, ...]      # itself and its supervising units, nearest first
    region_chain: tuple[str, ...]


@dataclass(slots=True)
class SellerFacts:
    id: int
    region_code: str            # the seller's registered region (the household's village for a household)
    county: str
    household_status: str


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
    poor_village: bool
    chain: tuple[str, ...]      # itself and the regions above, nearest first


def _chunks(values: list[Any]) -> Any:
    limit = max(100, (connection.features.max_query_params or 30000) - 10)
    for i in range(0, len(values), limit):
        yield values[i : i + limit]


@dataclass
class Lookups:
    buyers: dict[str, BuyerFacts | None] = field(default_factory=dict)
    sellers: dict[str, SellerFacts | None] = field(default_factory=dict)
    products: dict[str, ProductFacts | None] = field(default_factory=dict)
    regions: dict[str, RegionFacts | None] = field(default_factory=dict)
    org_nodes: dict[int, tuple[int | None, str]] = field(default_factory=dict)   # id -> (parent id, region code)
    poverty_counties: set[str] = field(default_factory=set)
    relations: rules.RelationIndex = field(default_factory=rules.RelationIndex)
    rule_versions: list[params.ParamVersion] = field(default_factory=list)
    _rules_cache: dict[tuple[str, dt.date], rules.CountingRules | None] = field(default_factory=dict)
    _prefixes: tuple[str, ...] = ()

    @classmethod
    def load(cls) -> Lookups:
        """What an import reads once: the poverty counties, the scheme relations and the counting rule versions."""
        lk = cls()
        lk.poverty_counties = set(Region.objects.filter(is_poverty_county=True).values_list("code", flat=True))
        lk.relations = rules.RelationIndex.build(
            rules.RelationFacts(r["id"], r["kind"], r["helper_org_id"], r["helper_region__code"],
                                r["helped_region__code"], r["year_from"], r["year_to"])
            for r in AssistanceRelation.objects.filter(kind__in=list(rules.RELATION_SCHEME)).values(
                "id", "kind", "helper_org_id", "helper_region__code", "helped_region__code", "year_from", "year_to")
        )
        lk.rule_versions = params.versions(COUNTING_RULES)
        lk._prefixes = tuple(sorted({v.region_prefix for v in lk.rule_versions}))
        return lk

    # -- counting rules in force ------------------------------------------------------------------------------------
    def rules_for(self, county: str, day: dt.date) -> rules.CountingRules | None:
        sig = "|".join(p for p in self._prefixes if county.startswith(p))
        key = (sig, day)
        try:
            return self._rules_cache[key]
        except KeyError:
            pass
        found = params.resolve(self.rule_versions, on=day, region_code=county)
        value = rules.CountingRules.from_value(found.value, found.id) if found else None
        if len(self._rules_cache) > CACHE_LIMIT:
            self._rules_cache.clear()
        self._rules_cache[key] = value
        return value

    # -- batch prefetch ---------------------------------------------------------------------------------------------
    def prefetch(self, *, buyer_codes: set[str], seller_codes: set[str], product_codes: set[str],
                 region_codes: set[str]) -> None:
        for cache in (self.buyers, self.sellers, self.products, self.regions):
            if len(cache) > CACHE_LIMIT:
                cache.clear()
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
        for chunk in _chunks(sorted(codes)):
            for row in Organisation.objects.filter(credit_code__in=chunk).values_list(
                    "credit_code", "id", "kind", "region__code", "parent_id"):
                found[row[0]] = row[1:]  # type: ignore[assignment]
                self.org_nodes[row[1]] = (row[4], row[3])
        self._fetch_org_parents({p for (_i, _k, _r, p) in found.values() if p is not None})
        for code in codes:
            row = found.get(code)
            if row is None:
                self.buyers[code] = None
                continue
            org_id, kind, region_code, _parent = row
            self.buyers[code] = BuyerFacts(
                id=org_id, category=kind, region=region_code[:6], chain=self._chain(org_id),
                region_chain=tuple(registry_rules.ancestor_codes(region_code)),
            )

    def _fetch_org_parents(self, ids: set[int]) -> None:
        missing = {i for i in ids if i not in self.org_nodes}
        while missing:
            parents: set[int] = set()
            for chunk in _chunks(sorted(missing)):
                for org_id, parent_id, region_code in Organisation.objects.filter(id__in=chunk).values_list(
                        "id", "parent_id", "region__code"):
                    self.org_nodes[org_id] = (parent_id, region_code)
                    if parent_id is not None:
                        parents.add(parent_id)
            for i in missing:
                self.org_nodes.setdefault(i, (None, ""))
            missing = {p for p in parents if p not in self.org_nodes}

    def _chain(self, org_id: int) -> tuple[int, ...]:
        chain: list[int] = []
        current: int | None = org_id
        while current is not None and current not in chain:
            chain.append(current)
            current = self.org_nodes.get(current, (None, ""))[0]
        return tuple(chain)

    def _fetch_sellers(self, codes: set[str]) -> None:
        if not codes:
            return
        cols = ("credit_code", "household__registry_code", "id", "region__code", "household__village__code",
                "household__status")
        found: dict[str, SellerFacts] = {}
        for chunk in _chunks(sorted(codes)):
            qs = MarketEntity.objects.filter(credit_code__in=chunk).values_list(*cols)
            hq = MarketEntity.objects.filter(household__registry_code__in=chunk).values_list(*cols)
            for credit, registry_code, pk, region_code, village_code, hh_status in [*qs, *hq]:
                region = village_code or region_code
                facts = SellerFacts(id=pk, region_code=region, county=region[:6], household_status=hh_status or "")
                for code in (credit, registry_code):
                    if code and code in codes:
                        found[code] = facts
        for code in codes:
            self.sellers[code] = found.get(code)

    def _fetch_products(self, codes: set[str]) -> None:
        if not codes:
            return
        products = certification.products_by_codes(codes=codes)
        periods = certification.certified_periods(product_ids=[p.pk for p in products.values()])
        region_ids = {p.origin_region_id for p in products.values()}
        region_codes = dict(Region.objects.filter(id__in=region_ids).values_list("id", "code")) if region_ids else {}
        for code in codes:
            p = products.get(code)
            self.products[code] = None if p is None else ProductFacts(
                id=p.pk, category=p.category, origin_code=region_codes.get(p.origin_region_id, ""),
                periods=periods.get(p.pk, []),
            )

    def _fetch_regions(self, codes: set[str]) -> None:
        codes = {c for c in codes if c}
        if not codes:
            return
        found: dict[str, Region] = {}
        for chunk in _chunks(sorted(codes)):
            found.update(registry.regions_by_codes(codes=set(chunk)))
        for code in codes:
            r = found.get(code)
            if r is None:
                self.regions[code] = None
                continue
            level = registry_rules.level_of(r.code)
            county = r.code[:6] if level in ("county", "township", "village") else ""
            self.regions[code] = RegionFacts(id=r.pk, code=r.code, county=county, poor_village=r.is_poor_village,
                                             chain=tuple(registry_rules.ancestor_codes(r.code)))
