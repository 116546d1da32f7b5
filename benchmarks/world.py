"""A registry big enough for the benchmarks, written with bulk inserts: regions (31 provinces, ~2,200 counties of
which 832 poverty counties, villages), organisations with parent chains, market entities and households,
certified products, and assistance relations of the three schemes."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from django.db import transaction

PROVINCES = ["11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41", "42",
             "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65"]
EAST = ["11", "12", "31", "32", "33", "35", "37", "44"]
ORG_KINDS = ["central_unit", "budget_unit", "state_owned_enterprise", "private_enterprise", "social_organisation",
             "trade_union", "financial_institution", "university", "hospital", "government_department"]


@dataclass
class BenchWorld:
    counties: list[str] = field(default_factory=list)
    poverty_counties: list[str] = field(default_factory=list)
    villages: list[str] = field(default_factory=list)
    seller_county: dict[str, str] = field(default_factory=dict)  # seller code -> its registered county
    buyer_codes: list[str] = field(default_factory=list)
    seller_codes: list[str] = field(default_factory=list)
    product_codes: list[str] = field(default_factory=list)
    buyer_ids: list[int] = field(default_factory=list)
    seller_ids: list[int] = field(default_factory=list)
    product_ids: list[int] = field(default_factory=list)
    product_categories: list[str] = field(default_factory=list)
    relation_ids: dict[str, list[int]] = field(default_factory=dict)
    county_ids: dict[str, int] = field(default_factory=dict)


def _uscc(prefix: str, n: int) -> str:
    from fupin.core.validators import make_uscc

    return make_uscc(f"{prefix}{n:015d}")


def sizes(scale: float = 1.0) -> dict[str, int]:
    """The registry's sizes at a scale (1 = the benchmark's world; the smoke test uses a small one)."""
    full = {"orgs": 20_000, "entities": 40_000, "households": 5_000, "products": 100_000}
    floor = {"orgs": 200, "entities": 400, "households": 100, "products": 500}
    return {k: max(floor[k], int(v * scale)) for k, v in full.items()}


@transaction.atomic
def build(*, orgs: int = 20_000, entities: int = 40_000, households: int = 5_000, products: int = 100_000,
          seed: int = 7) -> BenchWorld:
    from fupin.certification.models import CertificationPeriod, Product
    from fupin.registry.models import AssistanceRelation, Household, MarketEntity, Organisation, Region
    from fupin.registry.rules import zone_of

    rng = random.Random(seed)
    w = BenchWorld()
    regions: list[Region] = []
    for p in PROVINCES:
        regions.append(Region(code=f"{p}0000", name=f"省{p}", level="province", zone=zone_of(p)))
    Region.objects.bulk_create(regions, batch_size=2000)
    by_code = {r.code: r for r in Region.objects.all()}
    prefs = []
    for p in PROVINCES:
        for k in range(1, 11):
            prefs.append(Region(code=f"{p}{k:02d}00", name=f"市{p}{k:02d}", level="prefecture", zone=zone_of(p),
                                parent=by_code[f"{p}0000"]))
    Region.objects.bulk_create(prefs, batch_size=2000)
    by_code = {r.code: r for r in Region.objects.all()}
    counties = []
    west = [p for p in PROVINCES if p not in EAST]
    for p in PROVINCES:
        for k in range(1, 11):
            for c in range(1, 8):
                code = f"{p}{k:02d}{c:02d}"
                counties.append(Region(code=code, name=f"县{code}", level="county", zone=zone_of(p),
                                       parent=by_code[f"{p}{k:02d}00"]))
    poverty = set(rng.sample([c.code for c in counties if c.code[:2] in west], 832))
    for c in counties:
        c.is_poverty_county = c.code in poverty
    Region.objects.bulk_create(counties, batch_size=2000)
    by_code = {r.code: r for r in Region.objects.all()}
    villages = []
    for code in sorted(poverty):
        for v in range(1, 6):
            vcode = f"{code}100{v:03d}"
            villages.append(Region(code=vcode, name=f"村{vcode}", level="village", zone=zone_of(code),
                                   parent=by_code[code], is_poor_village=v <= 3))
    Region.objects.bulk_create(villages, batch_size=2000)
    w.counties = [c.code for c in counties]
    w.poverty_counties = sorted(poverty)
    w.villages = [v.code for v in villages]
    by_code = {r.code: r for r in Region.objects.all()}
    w.county_ids = {c: by_code[c].pk for c in w.counties}

    # organisations: 1 in 10 is a parent (central unit or department); others hang below one of them
    org_rows = []
    for i in range(orgs):
        county = rng.choice(w.counties if rng.random() < 0.5 else [c for c in w.counties if c[:2] in EAST])
        kind = "central_unit" if i % 10 == 0 else rng.choice(ORG_KINDS)
        org_rows.append(Organisation(name=f"单位{i}", credit_code=_uscc("91", i + 1), kind=kind,
                                     region=by_code[county]))
    Organisation.objects.bulk_create(org_rows, batch_size=2000)
    org_ids = list(Organisation.objects.order_by("id").values_list("id", flat=True))
    parents = org_ids[::10]
    updates = []
    for i, oid in enumerate(org_ids):
        if i % 10:
            updates.append(Organisation(id=oid, parent_id=parents[i // 10]))
    Organisation.objects.bulk_update(updates, ["parent_id"], batch_size=2000)
    w.buyer_codes = [o.credit_code for o in org_rows]
    w.buyer_ids = org_ids

    # sellers: mostly in poverty counties; households in villages
    ent_rows = []
    for i in range(entities):
        county = rng.choice(w.poverty_counties) if rng.random() < 0.8 else rng.choice(w.counties)
        ent_rows.append(MarketEntity(name=f"企业{i}", kind=rng.choice(["enterprise", "cooperative", "family_farm"]),
                                     credit_code=_uscc("93", i + 1), region=by_code[county]))
    MarketEntity.objects.bulk_create(ent_rows, batch_size=2000)
    hh_rows = []
    for i in range(households):
        village = rng.choice(w.villages)
        hh_rows.append(Household(registry_code=f"H{village}{i:05d}", id_hash=f"{i:064x}", village=by_code[village],
                                 status=rng.choice(["registered_poor", "lifted_out", "monitored"]), size=3))
    Household.objects.bulk_create(hh_rows, batch_size=2000)
    hh_ids = dict(Household.objects.values_list("registry_code", "id"))
    hh_entities = [MarketEntity(name=f"户{i}", kind="poor_household", credit_code=None,
                                region=by_code[h.registry_code[1:13]], household_id=hh_ids[h.registry_code])
                   for i, h in enumerate(hh_rows)]
    MarketEntity.objects.bulk_create(hh_entities, batch_size=2000)
    w.seller_codes = [e.credit_code for e in ent_rows] + [h.registry_code for h in hh_rows]
    w.seller_county = {**{e.credit_code: e.region.code[:6] for e in ent_rows},
                       **{h.registry_code: h.registry_code[1:7] for h in hh_rows}}
    w.seller_ids = list(MarketEntity.objects.order_by("id").values_list("id", flat=True))

    # products of the enterprises, most certified (periods)
    ent_ids = list(MarketEntity.objects.filter(household__isnull=True).values_list("id", "region_id"))
    cats = ["grain_oil", "meat_egg_dairy", "fruit_vegetable", "tea", "aquatic", "processed_food", "handicraft"]
    prod_rows = []
    for i in range(products):
        ent_id, region_id = ent_ids[i % len(ent_ids)]
        prod_rows.append(Product(code=f"P{i + 1:07d}", name=f"产品{i}", category=rng.choice(cats), unit="kg",
                                 supplier_id=ent_id, origin_region_id=region_id))
    Product.objects.bulk_create(prod_rows, batch_size=2000)
    pids = list(Product.objects.order_by("id").values_list("id", flat=True))
    periods = [CertificationPeriod(product_id=pid, start=dt.date(2020, 1, 1) + dt.timedelta(days=rng.randint(0, 700)),
                                   end=None if rng.random() < 0.8 else dt.date(2024, 6, 30))
               for pid in pids if rng.random() < 0.7]
    CertificationPeriod.objects.bulk_create(periods, batch_size=2000)
    w.product_codes = [p.code for p in prod_rows]
    w.product_ids = pids
    w.product_categories = cats

    # relations: each central unit helps two poverty counties; eastern provinces pair with western ones
    rels = []
    for oid in parents:
        for county in rng.sample(w.poverty_counties, 2):
            rels.append(AssistanceRelation(kind="designated_assistance", helper_org_id=oid,
                                           helped_region=by_code[county], year_from=2015))
    for i, p in enumerate(EAST):
        for q in west[i::len(EAST)]:
            rels.append(AssistanceRelation(kind="east_west", helper_region=by_code[f"{p}0000"],
                                           helped_region=by_code[f"{q}0000"], year_from=2016))
    for oid in parents[:100]:
        rels.append(AssistanceRelation(kind="counterpart_support", helper_org_id=oid,
                                       helped_region=by_code[rng.choice(["540000", "650000", "630000"])],
                                       year_from=2016))
    AssistanceRelation.objects.bulk_create(rels, batch_size=2000)
    for kind in ("designated_assistance", "east_west", "counterpart_support"):
        w.relation_ids[kind] = list(AssistanceRelation.objects.filter(kind=kind).values_list("id", flat=True))
    return w
