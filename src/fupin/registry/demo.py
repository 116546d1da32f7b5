"""The registry part of the demo world, built through the services (deterministic for a seed).

What it leaves in the world for later steps:
- `world.regions`: "counties" (the demo poverty counties, first = the `county` user's), "county_prefectures",
  "provinces" (their provinces), "townships", "villages", "poor_villages", "villages_by_county" (county code →
  [Region]), "east_provinces", "east_cities", "beijing";
- `world.organisations`: "departments" (key → Organisation: ndrc, nrra, moa, mofcom, mct, acfsmc, mof, mnr, pboc),
  each department also under its own key, "provincial_governments" (province code → Organisation),
  "local_governments" (region code → Organisation), "central_units", "budget_units", "soe", "private_enterprise",
  "trade_union", "supplier" (the cooperative the `supplier` user acts for), "buyer" (the budget unit of `buyer`);
- `world.entities` (every market entity), `world.households` (every household);
- `world.extra["relations"]` (every assistance relation), `world.extra["supplier_entity"]`;
- `world.users` and `world.logins` for admin, national, auditor, province, prefecture, county, county2, buyer,
  supplier (password `world.password`).
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from typing import Any

from fupin.core.services import user_create
from fupin.core.validators import make_resident_id, make_uscc

from . import region_sets, rules, selectors, services
from .enums import (
    EntityKind,
    HouseholdStatus,
    OrganisationKind,
    RegionLevel,
    RegionSet,
    RelationKind,
    Sector,
    Zone,
)
from .models import Region, RegionSetMembership

# A small real set of regions for a database without reference data: Guizhou's Qiandongnan and Bijie (their
# national poverty counties with exit years) and two eastern places (Beijing; Zhejiang with Hangzhou and
# Ningbo; Hangzhou was Qiandongnan's east–west partner from 2016).
SYNTHETIC_PROVINCES = {"520000": "贵州省", "330000": "浙江省", "110000": "北京市"}
SYNTHETIC_PREFECTURES = {"522600": "黔东南苗族侗族自治州", "520500": "毕节市", "330100": "杭州市", "330200": "宁波市"}
SYNTHETIC_COUNTIES = [
    ("522627", "天柱县", 2019), ("522633", "从江县", 2020), ("520526", "威宁彝族回族苗族自治县", 2020),
    ("522628", "锦屏县", 2019), ("520521", "大方县", 2018), ("522632", "榕江县", 2020), ("522622", "黄平县", 2019),
    ("522623", "施秉县", 2018), ("522624", "三穗县", 2018), ("522625", "镇远县", 2018), ("522626", "岑巩县", 2019),
    ("522629", "剑河县", 2019), ("522630", "台江县", 2019), ("522631", "黎平县", 2019), ("522634", "雷山县", 2018),
    ("522635", "麻江县", 2018), ("522636", "丹寨县", 2018), ("520502", "七星关区", 2019), ("520524", "织金县", 2019),
    ("520525", "纳雍县", 2020), ("520527", "赫章县", 2020), ("520581", "黔西县", 2017),
]
SYNTHETIC_EAST_DISTRICTS = {"330106": "西湖区", "330203": "海曙区"}
TOWNSHIP_NAMES = ["城关镇", "新华镇", "民和乡", "太平镇", "永安乡", "红星镇"]
VILLAGE_NAMES = ["石门村", "红岩村", "龙塘村", "青山村", "高坡村", "长寨村", "新寨村", "乌江村", "白岩村", "平寨村",
                 "杉木村", "凉水村", "岩脚村", "坪上村", "茶园村"]
SURNAMES = ["王", "李", "张", "刘", "陈", "杨", "吴", "龙", "潘", "石", "欧", "罗", "田", "姚"]
GIVEN = ["秀英", "桂兰", "建国", "志强", "明华", "玉兰", "德胜", "永福", "春梅", "国华", "金花", "光明", "老三", "再兴"]
PRODUCTS = ["茶叶", "油茶", "香菇", "蜂蜜", "脐橙", "核桃", "黄牛", "刺梨", "土鸡", "香米", "花椒", "竹笋", "马铃薯"]
WEST_PREFERENCE = ["52", "53", "62", "51", "45", "63", "61", "64", "65", "54", "50", "15"]
EAST_PARTNERS = ["330000", "440000", "320000", "370000", "310000", "350000", "120000", "210000"]
EAST_NAMES = {"330000": "浙江省", "440000": "广东省", "320000": "江苏省", "370000": "山东省", "310000": "上海市",
              "350000": "福建省", "120000": "天津市", "210000": "辽宁省", "110000": "北京市"}

DEPARTMENTS = [
    ("ndrc", "国家发展和改革委员会"), ("nrra", "国家乡村振兴局（国务院扶贫开发领导小组办公室）"),
    ("moa", "农业农村部"), ("mofcom", "商务部"), ("mct", "文化和旅游部"), ("acfsmc", "中华全国供销合作总社"),
    ("mof", "财政部"), ("mnr", "自然资源部"), ("pboc", "中国人民银行"),
]
CENTRAL_UNITS = [  # fictional central units with designated assistance, and the budget unit each supervises
    ("国家农业科技研究院", "国家农业科技研究院机关服务中心"), ("华夏农林大学", "华夏农林大学后勤集团"),
    ("中国乡村发展银行", "中国乡村发展银行总行机关服务中心"), ("国家标准质量研究院", "国家标准质量研究院机关食堂"),
]


class _Codes:
    """Credit codes in GB 32100 form: registration authority and kind, region, a running number, check."""

    def __init__(self) -> None:
        self.counter = itertools.count(1)

    def __call__(self, prefix: str, region_code: str) -> str:
        return make_uscc(f"{prefix}{region_code[:6]}{next(self.counter) + 100000000:09d}")


def _region_sets(counties: list[Region], actor: Any) -> None:
    """Dated region sets from the flags, the key county sample (it says it is one), and the demo's first county as a
    key county from 2021 so that every page shows the set."""
    region_sets.region_sets_sync(actor=actor, key_county_file=region_sets.SAMPLE_FILE, lenient=True)
    first = counties[0]
    if not RegionSetMembership.objects.filter(set_kind=RegionSet.KEY_COUNTY, region=first).exists():
        region_sets.membership_add(set_kind=RegionSet.KEY_COUNTY, region=first, valid_from=dt.date(2021, 8, 27),
                                   note="demo sample, not the official list", actor=actor)


def build(world: Any) -> None:
    rng = world.sub_rng("registry")
    actor = world.actor
    codes = _Codes()
    relations: list[Any] = []
    counties = _counties(world, rng, actor)
    villages_by_county: dict[str, list[Region]] = {}
    townships: list[Region] = []
    for county in counties:
        towns, villages = _villages(county, rng, actor)
        townships += towns
        villages_by_county[county.code] = villages
    villages = [v for vs in villages_by_county.values() for v in vs]
    prefectures = _distinct([c.parent for c in counties if c.parent is not None])
    provinces = _distinct([p.parent for p in prefectures if p.parent is not None])
    world.regions.update(
        counties=counties, county_prefectures=prefectures, provinces=provinces, townships=townships, villages=villages,
        poor_villages=[v for v in villages if v.is_poor_village], villages_by_county=villages_by_county,
    )
    _region_sets(counties, actor)
    beijing = _ensure_region("110000", "北京市", actor)
    world.regions["beijing"] = beijing

    # -- organisations -------------------------------------------------------------------------------------
    orgs = world.organisations
    departments = {}
    for key, name in DEPARTMENTS:
        departments[key] = services.organisation_create(
            name=name, kind=OrganisationKind.GOVERNMENT_DEPARTMENT, region_code=beijing.code,
            credit_code=codes("11", beijing.code), actor=actor)
    orgs["departments"] = departments
    orgs.update(departments)
    provincial = {}
    for province in provinces:
        provincial[province.code] = services.organisation_create(
            name=f"{province.name}人民政府", kind=OrganisationKind.PROVINCIAL_GOVERNMENT, region_code=province.code,
            credit_code=codes("11", province.code), actor=actor)
    local = {}
    for region in [*prefectures, *counties]:
        suffix = "人民政府" if region.level == RegionLevel.PREFECTURE else "乡村振兴局"
        local[region.code] = services.organisation_create(
            name=f"{region.name}{suffix}", kind=OrganisationKind.LOCAL_GOVERNMENT, region_code=region.code,
            credit_code=codes("11", region.code), parent=provincial.get(region.code[:2] + "0000"), actor=actor)
    orgs["local_governments"] = local

    central, budget = [], []
    for unit_name, budget_name in CENTRAL_UNITS:
        unit = services.organisation_create(name=unit_name, kind=OrganisationKind.CENTRAL_UNIT, region_code=beijing.code,
                                            credit_code=codes("12", beijing.code), actor=actor)
        central.append(unit)
        budget.append(services.organisation_create(
            name=budget_name, kind=OrganisationKind.BUDGET_UNIT, region_code=beijing.code,
            credit_code=codes("12", beijing.code), parent=unit, actor=actor))
    orgs["central_units"], orgs["budget_units"], orgs["buyer"] = central, budget, budget[0]
    orgs["soe"] = services.organisation_create(
        name="国家能源示范集团有限公司", kind=OrganisationKind.STATE_OWNED_ENTERPRISE, region_code=beijing.code,
        credit_code=codes("91", beijing.code), actor=actor)

    east_provinces, east_cities = _east(world, counties, actor)
    world.regions.update(east_provinces=east_provinces, east_cities=east_cities)
    for province in east_provinces:
        provincial[province.code] = services.organisation_create(
            name=f"{province.name}人民政府", kind=OrganisationKind.PROVINCIAL_GOVERNMENT, region_code=province.code,
            credit_code=codes("11", province.code), actor=actor)
    orgs["provincial_governments"] = provincial
    east_home = east_cities[0] if east_cities else east_provinces[0]
    orgs["private_enterprise"] = services.organisation_create(
        name="恒远农业科技股份有限公司", kind=OrganisationKind.PRIVATE_ENTERPRISE, region_code=east_home.code,
        credit_code=codes("91", east_home.code), actor=actor)
    orgs["trade_union"] = services.organisation_create(
        name=f"{east_provinces[0].name}总工会", kind=OrganisationKind.TRADE_UNION, region_code=east_provinces[0].code,
        credit_code=codes("81", east_provinces[0].code), actor=actor)

    # -- assistance relations ------------------------------------------------------------------------------
    for i, county in enumerate(counties):
        relations.append(services.relation_create(
            kind=RelationKind.DESIGNATED_ASSISTANCE, helper_org=central[i % len(central)], helped_region_code=county.code,
            year_from=2015, note="demo", actor=actor))
    pairs = _east_partners(provinces, east_provinces)
    for west, east in pairs.items():
        relations.append(services.relation_create(
            kind=RelationKind.EAST_WEST, helper_region_code=east.code, helper_org=provincial.get(east.code),
            helped_region_code=west.code, year_from=2016, note="demo", actor=actor))
    if east_cities and prefectures:
        relations.append(services.relation_create(
            kind=RelationKind.EAST_WEST, helper_region_code=east_cities[0].code, helped_region_code=prefectures[0].code,
            year_from=2016, year_to=2020, note="demo", actor=actor))
    relations.append(services.relation_create(
        kind=RelationKind.COUNTERPART_SUPPORT, helper_region_code=beijing.code, helped_region_code=counties[-1].code,
        year_from=2010, note="demo", actor=actor))
    target = (world.regions["poor_villages"] or villages)[0]
    relations.append(services.relation_create(
        kind=RelationKind.ENTERPRISE_VILLAGE, helper_org=orgs["private_enterprise"], helped_region_code=target.code,
        year_from=2018, note="demo (万企帮万村)", actor=actor))
    world.extra["relations"] = relations

    # -- households and market entities ---------------------------------------------------------------------
    for county in counties:
        world.households += _households(world, rng, county, villages_by_county[county.code], actor)
    kinds = [EntityKind.COOPERATIVE, EntityKind.ENTERPRISE, EntityKind.FAMILY_FARM, EntityKind.VILLAGE_COLLECTIVE,
             EntityKind.RICH_LEADER]
    sector_codes = list(Sector.values)
    for i, county in enumerate(counties):
        county_villages = villages_by_county[county.code]
        for j in range(world.size["entities_per_county"]):
            kind = kinds[(i + j) % len(kinds)] if i else kinds[j % len(kinds)]
            village = county_villages[j % len(county_villages)]
            world.entities.append(services.entity_create(
                name=_entity_name(rng, kind, county, village), kind=kind,
                region_code=village.code if kind == EntityKind.VILLAGE_COLLECTIVE else county.code,
                credit_code=codes(_entity_prefix(kind), county.code),
                sectors=sorted(rng.sample(sector_codes, rng.randint(1, 2))), actor=actor))
        seller = next(h for h in world.households if h.village.code.startswith(county.code))
        world.entities.append(services.entity_create(
            name=f"脱贫户{seller.registry_code[-4:]}（{county.name}）", kind=EntityKind.POOR_HOUSEHOLD,
            household=seller, sectors=[Sector.OTHER], actor=actor))

    supplier_entity = next(e for e in world.entities
                           if e.kind == EntityKind.COOPERATIVE and e.region.code.startswith(counties[0].code))
    orgs["supplier"] = services.organisation_create(
        name=supplier_entity.name, kind=OrganisationKind.OTHER, region_code=supplier_entity.region.code,
        credit_code=supplier_entity.credit_code, actor=actor)
    world.extra["supplier_entity"] = supplier_entity
    _users(world, counties, prefectures, provincial, local, actor)
    world.notes.append("Registry: central units, enterprises, households and the assistance relations in the demo "
                       "are fictional; departments and regions are real.")


# -- regions ------------------------------------------------------------------------------------------------------
def _distinct(regions: list[Region]) -> list[Region]:
    seen: dict[str, Region] = {}
    for r in regions:
        seen.setdefault(r.code, r)
    return list(seen.values())


def _ensure_region(code: str, name: str, actor: Any, **flags: Any) -> Region:
    found = selectors.regions_by_codes(codes={code}).get(code)
    return found or services.region_create(code=code, name=name, actor=actor, **flags)


def _counties(world: Any, rng: random.Random, actor: Any) -> list[Region]:
    wanted = world.size["counties"]
    loaded = list(selectors.poverty_counties())
    if loaded:
        by_province: dict[str, list[Region]] = {}
        for county in loaded:
            if rules.zone_of(county.code) == Zone.WEST:
                by_province.setdefault(county.code[:2], []).append(county)
        order = [p for p in WEST_PREFERENCE if p in by_province] + sorted(set(by_province) - set(WEST_PREFERENCE))
        chosen = order[: max(3, min(len(order), (wanted + 3) // 4))]
        pools = {p: rng.sample(by_province[p], len(by_province[p])) for p in chosen}
        picked: list[Region] = []
        while len(picked) < wanted and any(pools.values()):
            for p in chosen:
                if pools[p] and len(picked) < wanted:
                    picked.append(pools[p].pop())
        return picked
    world.notes.append("Registry: no reference regions were loaded (run `fupin load_reference` first for the real "
                       "832 counties); the demo built a small real set instead: Guizhou's Qiandongnan and Bijie, "
                       "Zhejiang and Beijing.")
    for code, name in SYNTHETIC_PROVINCES.items():
        _ensure_region(code, name, actor)
    for code, name in SYNTHETIC_PREFECTURES.items():
        _ensure_region(code, name, actor)
    for code, name in SYNTHETIC_EAST_DISTRICTS.items():
        _ensure_region(code, name, actor)
    if wanted > len(SYNTHETIC_COUNTIES):
        world.notes.append(f"Registry: the synthetic region set has {len(SYNTHETIC_COUNTIES)} poverty counties; "
                           f"{wanted} were asked for.")
    return [_ensure_region(code, name, actor, is_poverty_county=True, poverty_exit_year=year)
            for code, name, year in SYNTHETIC_COUNTIES[:wanted]]


def _villages(county: Region, rng: random.Random, actor: Any) -> tuple[list[Region], list[Region]]:
    """Two townships (real ones if loaded) and a few synthetic villages under them, some poor villages."""
    loaded = list(selectors.region_children(code=county.code, level=RegionLevel.TOWNSHIP))
    # towns and townships (statistics codes 1xx-3xx) before urban sub-districts (街道, 0xx)
    towns = sorted(loaded, key=lambda t: (t.code[6] == "0", t.code))[:2]
    n = 1
    while len(towns) < 2:
        code = f"{county.code}{100 + n:03d}"
        if not selectors.regions_by_codes(codes={code}):
            towns.append(services.region_create(code=code, name=TOWNSHIP_NAMES[(n - 1) % len(TOWNSHIP_NAMES)],
                                                actor=actor))
        n += 1
    villages = []
    names = rng.sample(VILLAGE_NAMES, 4)
    for i, name in enumerate(names):
        town = towns[0] if i < 2 else towns[1]
        code = f"{town.code}{201 + i:03d}"
        found = selectors.regions_by_codes(codes={code}).get(code)
        villages.append(found or services.region_create(code=code, name=name, is_poor_village=i == 0 or rng.random() < 0.4,
                                                        actor=actor))
    return towns, villages


def _east(world: Any, counties: list[Region], actor: Any) -> tuple[list[Region], list[Region]]:
    """The eastern provinces that help the demo's provinces, and a city of the first one."""
    needed = max(1, min(len(EAST_PARTNERS), len({c.code[:2] for c in counties})))
    provinces = [_ensure_region(code, EAST_NAMES[code], actor) for code in EAST_PARTNERS[:needed]]
    cities = list(selectors.region_children(code=provinces[0].code, level=RegionLevel.PREFECTURE))[:1]
    return provinces, cities


def _east_partners(west: list[Region], east: list[Region]) -> dict[Region, Region]:
    return {province: east[i % len(east)] for i, province in enumerate(west)}


# -- households and entities --------------------------------------------------------------------------------------
def _households(world: Any, rng: random.Random, county: Region, villages: list[Region], actor: Any) -> list[Any]:
    made = []
    for n in range(world.size["households_per_county"]):
        village = villages[n % len(villages)]
        born = f"{rng.randint(1945, 1995)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
        resident_id = make_resident_id(f"{county.code}{born}{n % 1000:03d}")
        status = rng.choices([HouseholdStatus.LIFTED_OUT, HouseholdStatus.MONITORED, HouseholdStatus.REGISTERED_POOR],
                             weights=[7, 2, 1])[0]
        lifted = None if status == HouseholdStatus.REGISTERED_POOR else rng.randint(2016, 2020)
        made.append(services.household_create(
            resident_id=resident_id, village_code=village.code, status=status, size=rng.randint(1, 7),
            lifted_year=lifted, head_name=rng.choice(SURNAMES) + rng.choice(GIVEN),
            phone=f"1{rng.choice('3589')}{rng.randint(0, 999999999):09d}",
            registry_code=f"H{village.code}{n + 1:04d}", actor=actor))
    return made


def _entity_prefix(kind: str) -> str:
    prefixes: dict[str, str] = {EntityKind.ENTERPRISE: "91", EntityKind.COOPERATIVE: "93", EntityKind.FAMILY_FARM: "92",
            EntityKind.VILLAGE_COLLECTIVE: "N2", EntityKind.RICH_LEADER: "92"}
    return prefixes[kind]


def _entity_name(rng: random.Random, kind: str, county: Region, village: Region) -> str:
    place = county.name.removesuffix("县").removesuffix("区")[:4]
    product = rng.choice(PRODUCTS)
    if kind == EntityKind.COOPERATIVE:
        return f"{place}{village.name.removesuffix('村')}{product}种植专业合作社"
    if kind == EntityKind.ENTERPRISE:
        return f"{place}{product}农业开发有限公司"
    if kind == EntityKind.FAMILY_FARM:
        return f"{place}{rng.choice(SURNAMES)}{rng.choice(GIVEN)}家庭农场"
    if kind == EntityKind.VILLAGE_COLLECTIVE:
        return f"{place}{village.name}股份经济合作社"
    return f"{rng.choice(SURNAMES)}{rng.choice(GIVEN)}（{product}致富带头人）"


# -- users --------------------------------------------------------------------------------------------------------
def _users(world: Any, counties: list[Region], prefectures: list[Region], provincial: dict[str, Any],
           local: dict[str, Any], actor: Any) -> None:
    orgs = world.organisations
    first, second = counties[0], counties[1] if len(counties) > 1 else counties[0]
    province_code = first.code[:2] + "0000"
    prefecture_code = first.code[:4] + "00"
    specs = [
        ("admin", "administrator", "nation", "", orgs["nrra"], "administrator for the nation; Django admin at /admin/"),
        ("national", "viewer", "nation", "", orgs["nrra"], "national viewer: every list and statistic, masked"),
        ("auditor", "auditor", "nation", "", orgs["nrra"], "auditor: audit and security logs, import runs"),
        ("province", "approver", "province", province_code, provincial.get(province_code),
         f"approver for {first.parent.parent.name if first.parent and first.parent.parent else province_code}"),
        ("prefecture", "reviewer", "prefecture", prefecture_code, local.get(prefecture_code),
         f"reviewer for {first.parent.name if first.parent else prefecture_code}"),
        ("county", "clerk,reviewer", "county", first.code, local.get(first.code),
         f"clerk and reviewer for {first.name} ({first.code}): households unmasked, imports"),
        ("county2", "clerk", "county", second.code, local.get(second.code),
         f"clerk for {second.name} ({second.code}): cannot see {first.name}'s households"),
        ("buyer", "clerk", "nation", "", orgs["buyer"], f"clerk at budget unit {orgs['buyer'].name}"),
        ("supplier", "clerk", "county", first.code, orgs["supplier"], f"clerk at cooperative {orgs['supplier'].name}"),
    ]
    for username, roles, level, code, org, what in specs:
        user = user_create(username=username, password=world.password, organisation=org, roles=roles,
                           scope_level=level, scope_code=code, actor=actor, is_staff=username == "admin",
                           is_superuser=username == "admin")
        world.users[username] = user
        world.logins.append((username, world.password, what))
