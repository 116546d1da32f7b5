"""Pure registry rules: region codes and levels, zones, the GB 32100 and ID checks applied to registry rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from fupin.core.rules import scope_prefix
from fupin.core.validators import is_region_code

from .enums import LEGAL_PERSON_KINDS, EntityKind, HouseholdStatus, RegionLevel, RegionSet, RelationKind, Zone

# The nine eastern provinces and municipalities (东部), and the central ones (中部); the rest are western.
EAST_PROVINCES = {"11", "12", "13", "21", "31", "32", "33", "35", "37", "44", "46"}
CENTRAL_PROVINCES = {"14", "22", "23", "34", "36", "41", "42", "43"}
# The 22 central and western provinces with poverty counties (producing areas, 产地) in the 2014 list.
PRODUCING_PROVINCES = {
    "13", "14", "15", "22", "23", "34", "36", "41", "42", "43", "45", "46", "50", "51", "52", "53", "54",
    "61", "62", "63", "64", "65",
}


def zone_of(code: str) -> str:
    p = code[:2]
    if p in EAST_PROVINCES:
        return Zone.EAST
    if p in CENTRAL_PROVINCES:
        return Zone.CENTRAL
    return Zone.WEST


def level_of(code: str) -> str | None:
    """The level a full region code stands for, or None if it is not a region code."""
    if not is_region_code(code):
        return None
    if len(code) == 12:
        return RegionLevel.VILLAGE
    if len(code) == 9:
        return RegionLevel.TOWNSHIP
    if code[2:] == "0000":
        return RegionLevel.PROVINCE
    if code[4:] == "00":
        return RegionLevel.PREFECTURE
    return RegionLevel.COUNTY


def subtree_prefix(code: str) -> str:
    """The code prefix shared by a region and everything below it ('130000' -> '13', '130600' -> '1306')."""
    level = level_of(code)
    if level is None:
        return code
    return scope_prefix(level, code)


def parent_code_of(code: str) -> str | None:
    """The code of the region directly above (by code structure)."""
    level = level_of(code)
    if level == RegionLevel.VILLAGE:
        return code[:9]
    if level == RegionLevel.TOWNSHIP:
        return code[:6]
    if level == RegionLevel.COUNTY:
        return code[:4] + "00"
    if level == RegionLevel.PREFECTURE:
        return code[:2] + "0000"
    return None


def ancestor_codes(code: str) -> list[str]:
    """The region itself and every region above it, nearest first."""
    out: list[str] = []
    current: str | None = code
    while current:
        out.append(current)
        current = parent_code_of(current)
    return out


def credit_code_required(kind: str) -> bool:
    return kind in LEGAL_PERSON_KINDS


def entity_kind_allows_credit_code(kind: str) -> bool:
    return kind != EntityKind.POOR_HOUSEHOLD


def sectors_field(sectors: list[str]) -> str:
    """Store sectors as ',a,b,' so that one sector is matched exactly with `contains=',a,'`."""
    clean = sorted({s.strip() for s in sectors if s.strip()})
    return "," + ",".join(clean) + "," if clean else ""


def year_in_force(year: int, year_from: int, year_to: int | None) -> bool:
    return year_from <= year and (year_to is None or year <= year_to)


# -- values in imported rows (pure parsing; the messages are translated by the caller) ----------------------------
# Chinese names seen in county spreadsheets beside the labels of the enums (aliases, matched after normalising).
ENUM_ALIASES: dict[str, dict[str, str]] = {
    "OrganisationKind": {
        "政府部门": "government_department", "部委": "government_department", "省级政府": "provincial_government",
        "省政府": "provincial_government", "地方政府": "local_government", "中央单位": "central_unit",
        "预算单位": "budget_unit", "国有企业": "state_owned_enterprise", "国企": "state_owned_enterprise",
        "民营企业": "private_enterprise", "民企": "private_enterprise", "社会组织": "social_organisation",
        "工会": "trade_union", "金融机构": "financial_institution", "高校": "university", "高等院校": "university",
        "医院": "hospital", "部队": "army", "军队": "army", "其他": "other",
    },
    "EntityKind": {
        "企业": "enterprise", "合作社": "cooperative", "农民专业合作社": "cooperative", "农民合作社": "cooperative",
        "家庭农场": "family_farm", "村集体经济组织": "village_collective", "村集体": "village_collective",
        "致富带头人": "rich_leader", "贫困户": "poor_household", "脱贫户": "poor_household",
    },
    "Sector": {
        "农产品加工": "processing", "加工": "processing", "仓储物流": "warehousing_logistics", "仓储": "warehousing_logistics",
        "物流": "warehousing_logistics", "休闲农业": "leisure_agriculture", "乡村旅游": "rural_tourism",
        "电子商务": "ecommerce", "电商": "ecommerce", "其他": "other",
    },
    "HouseholdStatus": {
        "建档立卡贫困户": "registered_poor", "贫困户": "registered_poor", "未脱贫": "registered_poor",
        "已脱贫": "lifted_out", "脱贫户": "lifted_out", "脱贫": "lifted_out", "监测户": "monitored",
        "防返贫监测对象": "monitored", "监测对象": "monitored", "防止返贫监测对象": "monitored",
        "脱贫不稳定户": "monitored_unstable", "边缘易致贫户": "monitored_marginal", "突发严重困难户": "monitored_sudden",
        "风险已消除": "risk_eliminated", "风险消除": "risk_eliminated", "已消除风险": "risk_eliminated",
    },
    "RelationKind": {
        "定点扶贫": "designated_assistance", "定点帮扶": "designated_assistance", "东西部扶贫协作": "east_west",
        "东西部协作": "east_west", "对口支援": "counterpart_support", "结对帮扶": "local_pairing",
        "万企帮万村": "enterprise_village", "企业帮村": "enterprise_village",
    },
}

TRUE_WORDS = {"1", "true", "yes", "y", "t", "是", "√", "✓", "对"}
FALSE_WORDS = {"0", "false", "no", "n", "f", "否", "×", "✗", "不是", ""}
SECTOR_SEPARATORS = (",", "，", ";", "；", "、", "|", "/")
# The registry's years: precise identification of poor households began in 2013-2014; poverty counties exited
# from 2016 to 2020; assistance relations go back to the 1990s (designated assistance began in 1986).
FIRST_YEAR = {"lifted_year": 2013, "exit_year": 2013, "relation_year": 1986}


def norm_value(text: str) -> str:
    return "".join(str(text).split()).lower().replace("-", "_")


def enum_lookup(choices: dict[str, str], *, labels: dict[str, list[str]], aliases: dict[str, str]) -> dict[str, str]:
    """A table from every accepted spelling (code, English or Chinese label, alias) to the code."""
    table: dict[str, str] = {}
    for code in choices:
        table[norm_value(code)] = code
        for label in labels.get(code, []):
            table[norm_value(label)] = code
    for alias, code in aliases.items():
        table.setdefault(norm_value(alias), code)
    return table


def parse_enum(text: str, table: dict[str, str]) -> str | None:
    return table.get(norm_value(text)) if text.strip() else None


def parse_bool(text: str) -> bool | None:
    """True/False for yes/no words in English or Chinese; None if the text is not one of them."""
    value = norm_value(text)
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    return None


def parse_year(text: str, *, first: int, last: int) -> int | None:
    """A four-digit year between first and last ('2019', '2019.0', '2019年'), else None."""
    value = text.strip().removesuffix("年")
    if value.endswith(".0"):
        value = value[:-2]
    if len(value) != 4 or not value.isdigit():
        return None
    year = int(value)
    return year if first <= year <= last else None


def parse_int(text: str, *, low: int, high: int) -> int | None:
    value = text.strip()
    if value.endswith(".0"):
        value = value[:-2]
    if not value.isdigit():
        return None
    number = int(value)
    return number if low <= number <= high else None


def parse_date(text: str) -> dt.date | None:
    """A day written as 2019-03-05, 20190305, 2019/3/5, 2019.3.5, 2019年3月5日 or a spreadsheet date-time (its date
    part); None if the text is not one (the caller reports it)."""
    value = "".join(text.split(" ", 1)[0].split()) if text.strip() else ""
    value = value.split("T", 1)[0]
    if len(value) == 8 and value.isdigit():
        value = f"{value[:4]}-{value[4:6]}-{value[6:]}"
    for sep in ("/", ".", "年", "月"):
        value = value.replace(sep, "-")
    parts = value.removesuffix("日").split("-")
    if len(parts) != 3 or not all(p.isdigit() for p in parts) or len(parts[0]) != 4:
        return None
    try:
        return dt.date(int(parts[0]), int(parts[1]), int(parts[2]))
    except ValueError:
        return None


def split_sectors(text: str) -> list[str]:
    for sep in SECTOR_SEPARATORS[1:]:
        text = text.replace(sep, ",")
    return [part.strip() for part in text.split(",") if part.strip()]


def normalise_credit_code(text: str) -> str:
    return "".join(text.split()).upper()


def normalise_region_code(text: str) -> str:
    """Region codes arrive as numbers from spreadsheets ('522627.0') or padded with zeros to 12 digits."""
    value = "".join(text.split())
    if value.endswith(".0"):
        value = value[:-2]
    if len(value) == 12 and value.endswith("000000") and value[:6].isdigit():
        value = value[:6]  # a county written in the 12-digit statistics form
    elif len(value) == 12 and value.endswith("000") and value[:9].isdigit():
        value = value[:9]  # a township written in the 12-digit form
    return value


# -- households ------------------------------------------------------------------------------------------------------
# Which statuses a household may move to from which (the named transitions of its status).
_S = HouseholdStatus
_MONITORED = {_S.MONITORED, _S.MONITORED_UNSTABLE, _S.MONITORED_MARGINAL, _S.MONITORED_SUDDEN}
HOUSEHOLD_TRANSITIONS: dict[str, set[str]] = {
    _S.LIFTED_OUT: {_S.REGISTERED_POOR, *_MONITORED},
    _S.REGISTERED_POOR: {_S.MONITORED},
    # monitoring: a lifted-out household becomes unstable, any rural household marginal or in sudden hardship; a
    # monitored household may be re-classified, and one whose risk was eliminated may be monitored again
    **{m: {_S.LIFTED_OUT, _S.REGISTERED_POOR, _S.RISK_ELIMINATED, *(_MONITORED - {m})} for m in _MONITORED},
    _S.RISK_ELIMINATED: set(_MONITORED),
}
HOUSEHOLD_TRANSITION_NAMES: dict[str, str] = {
    _S.LIFTED_OUT: "household:lift_out",
    _S.MONITORED: "household:monitor",
    _S.MONITORED_UNSTABLE: "household:monitor",
    _S.MONITORED_MARGINAL: "household:monitor",
    _S.MONITORED_SUDDEN: "household:monitor",
    _S.REGISTERED_POOR: "household:register_poor",
    _S.RISK_ELIMINATED: "household:eliminate_risk",
}
# The account's first day: targeted poverty alleviation (精准扶贫) began in 2013, and the registration of poor
# households and the list of 832 counties were completed in 2013–2014. A status without a recorded start is taken
# to hold from then (the record says so: `StatusSource.INFERRED`), and so is the 832 list, so that no purchase the
# account accepts (from 2013) falls before the facts that make it count.
IDENTIFICATION_START = dt.date(2013, 1, 1)


def household_allowed_from(to: str) -> set[str]:
    return set(HOUSEHOLD_TRANSITIONS.get(to, set()))


@dataclass(frozen=True)
class StatusPeriod:
    """A household's status from `valid_from` to `valid_to` (inclusive; None: still in force)."""

    status: str
    valid_from: dt.date
    valid_to: dt.date | None = None


def status_on(periods: Sequence[StatusPeriod], day: dt.date) -> str:
    """The status in force on `day` ("" when no period covers it: the household was not registered then)."""
    for p in periods:
        if p.valid_from <= day and (p.valid_to is None or day <= p.valid_to):
            return p.status
    return ""


def status_change_error(periods: Sequence[StatusPeriod], *, effective: dt.date, today: dt.date) -> str | None:
    """Why a status change effective on `effective` cannot be recorded after `periods` (None when it can): it may
    not lie in the future, nor before the start of the period in force (that would overlap or reverse history:
    correct older history by a historical import instead). On the start day itself it corrects that period."""
    if effective > today:
        return "the effective date is in the future"
    if effective < IDENTIFICATION_START:
        return "the effective date is before 2013, when the account starts"
    current = max(periods, key=lambda p: p.valid_from, default=None)
    if current is not None and effective < current.valid_from:
        return "the effective date is before the start of the status in force"
    return None


def inferred_history(status: str, lifted_year: int | None, *, since: dt.date | None = None) -> list[StatusPeriod]:
    """The periods of a household registered without a history: lifted out from 1 January of its year lifted out
    (registered poor from 2013 until then); any other status from `since` (default: 2013)."""
    start = since or IDENTIFICATION_START
    if status == HouseholdStatus.LIFTED_OUT and lifted_year and since is None:
        lifted = dt.date(max(lifted_year, IDENTIFICATION_START.year), 1, 1)
        if lifted > IDENTIFICATION_START:
            return [StatusPeriod(HouseholdStatus.REGISTERED_POOR, IDENTIFICATION_START, lifted - dt.timedelta(days=1)),
                    StatusPeriod(status, lifted)]
        return [StatusPeriod(status, IDENTIFICATION_START)]
    return [StatusPeriod(status, start)]


def history_errors(periods: Sequence[StatusPeriod]) -> list[str]:
    """Problems of a whole history (a historical import): reversed dates, overlaps, unknown statuses."""
    problems = []
    ordered = sorted(periods, key=lambda p: p.valid_from)
    for p in ordered:
        if p.status not in HouseholdStatus.values:
            problems.append(f"unknown status {p.status!r}")
        if p.valid_to is not None and p.valid_to < p.valid_from:
            problems.append(f"the period from {p.valid_from} ends before it starts ({p.valid_to})")
    for a, b in zip(ordered, ordered[1:], strict=False):
        if a.valid_to is None or a.valid_to >= b.valid_from:
            problems.append(f"the period from {a.valid_from} overlaps the one from {b.valid_from}")
    return problems


# -- dated region sets ----------------------------------------------------------------------------------------------
# The 832 national poverty counties (identified 2012–2014) hold from the account's first day.
POVERTY_LIST_START = IDENTIFICATION_START


def poverty_county_memberships(exit_year: int | None) -> list[tuple[str, dt.date, dt.date | None]]:
    """(set, from, to) of a county of the 832 list: a poverty county from 2013 to the end of its exit year, a county
    lifted out of poverty (脱贫县) from the next 1 January."""
    if not exit_year:
        return [(RegionSet.POVERTY_COUNTY, POVERTY_LIST_START, None)]
    return [(RegionSet.POVERTY_COUNTY, POVERTY_LIST_START, dt.date(exit_year, 12, 31)),
            (RegionSet.LIFTED_COUNTY, dt.date(exit_year + 1, 1, 1), None)]


_VILLAGE_SETS = {RegionSet.POOR_VILLAGE, RegionSet.LIFTED_VILLAGE}


def region_set_level(set_kind: str) -> str:
    """The level of the regions a set holds: villages for the poor and lifted villages, counties for the others."""
    return RegionLevel.VILLAGE if set_kind in _VILLAGE_SETS else RegionLevel.COUNTY


def in_set_on(periods: Sequence[tuple[dt.date, dt.date | None]], day: dt.date) -> bool:
    """Whether any (from, to) membership period covers `day`."""
    return any(start <= day and (end is None or day <= end) for start, end in periods)


def periods_overlap(a: tuple[dt.date, dt.date | None], b: tuple[dt.date, dt.date | None]) -> bool:
    """Whether two inclusive (from, to) periods share a day (an empty end runs on)."""
    (a_from, a_to), (b_from, b_to) = a, b
    return (a_to is None or b_from <= a_to) and (b_to is None or a_from <= b_to)


def household_registry_code(*, village_code: str, id_hash: str) -> str:
    """A stable registry number for a household imported without one: its village and part of its keyed hash."""
    return f"H{village_code}-{id_hash[:10].upper()}"


def lifted_year_error(status: str, lifted_year: int | None) -> str | None:
    """A year lifted out belongs to households that were lifted out (or are monitored after it)."""
    if lifted_year is not None and status == HouseholdStatus.REGISTERED_POOR:
        return "a registered poor household has no year lifted out"
    return None


# -- regions, organisations, relations -------------------------------------------------------------------------------
CLERK_REGION_LEVELS = {RegionLevel.TOWNSHIP, RegionLevel.VILLAGE}


def region_editable_by_clerk(level: str) -> bool:
    """Clerks keep townships and villages (e.g. flag poor villages); levels above are the administrators'."""
    return level in CLERK_REGION_LEVELS


def relation_helper_error(kind: str, *, has_org: bool, has_region: bool) -> str | None:
    """East–west cooperation is led by an eastern province or city (a region, optionally with its government);
    designated assistance and enterprise-helps-village by an organisation; other kinds by either."""
    if kind == RelationKind.EAST_WEST and not has_region:
        return "east–west cooperation needs a helping region (an eastern province or city)"
    if kind in (RelationKind.DESIGNATED_ASSISTANCE, RelationKind.ENTERPRISE_VILLAGE) and not has_org:
        return "this kind of relation needs a helping organisation"
    if not has_org and not has_region:
        return "a relation needs a helping organisation or region"
    return None


def relation_years_error(year_from: int, year_to: int | None) -> str | None:
    if year_to is not None and year_to < year_from:
        return "the end year is before the start year"
    return None


def relation_key(kind: str, helper_org_id: int | None, helper_region_id: int | None, helped_region_id: int,
                 year_from: int) -> tuple:
    """The natural key of an assistance relation."""
    return (kind, helper_org_id, helper_region_id, helped_region_id, year_from)


# -- the dated organisation tree (issue #10 §6) ----------------------------------------------------------------------
# the start of the first period when an organisation's parent first changes: it had its old parent "since always"
PARENT_SINCE_ALWAYS = dt.date(1900, 1, 1)
ParentPeriods = tuple[tuple[int | None, dt.date, dt.date | None], ...]   # (parent id, valid from, valid to)


def parent_on(periods: ParentPeriods, day: dt.date) -> tuple[bool, int | None]:
    """(found, the parent id in force on `day`) from an organisation's dated periods (oldest first; a day before
    the first period: the first period's parent); found False when no period covers the day (the caller then reads
    the undated parent)."""
    if periods and day < periods[0][1]:
        return True, periods[0][0]
    for parent, start, end in periods:
        if start <= day and (end is None or day <= end):
            return True, parent
    return False, None


def chain_on(org_id: int, day: dt.date | None, *, parents: Mapping[int, int | None],
             periods: Mapping[int, ParentPeriods]) -> tuple[int, ...]:
    """The organisation and its supervising units on `day`, nearest first (cycle-safe): each link read from the
    dated periods where an organisation has them, else from `parents` (today's tree; also for `day` None)."""
    chain: list[int] = []
    current: int | None = org_id
    while current is not None and current not in chain:
        chain.append(current)
        found, parent = parent_on(periods[current], day) if day is not None and current in periods else (False, None)
        current = parent if found else parents.get(current)
    return tuple(chain)


def chain_changes(org_id: int, *, parents: Mapping[int, int | None],
                  periods: Mapping[int, ParentPeriods]) -> list[dt.date]:
    """The dates on which the chain of `org_id` may change (the starts and day-after-ends of the periods of every
    organisation that is ever in it), sorted: the chain is constant between two consecutive dates."""
    days: set[dt.date] = set()
    seen: set[int] = set()
    todo = [org_id]
    while todo:
        i = todo.pop()
        if i in seen:
            continue
        seen.add(i)
        for n, (parent, start, end) in enumerate(periods.get(i, ())):
            if n:  # the first period reaches back to any date (`parent_on`)
                days.add(start)
            if end is not None:
                days.add(end + dt.timedelta(days=1))
            if parent is not None:
                todo.append(parent)
        current = parents.get(i)
        if current is not None:
            todo.append(current)
    return sorted(days)


def chain_segments(org_id: int, *, parents: Mapping[int, int | None], periods: Mapping[int, ParentPeriods]
                   ) -> list[tuple[dt.date | None, dt.date | None, tuple[int, ...]]]:
    """The organisation's chain over time: (first day or None, last day or None, chain) for each stretch of dates
    with one chain, oldest first, neighbours with the same chain merged. One stretch (None, None, chain) for an
    organisation whose chain never changed."""
    days = chain_changes(org_id, parents=parents, periods=periods)
    starts: list[dt.date | None] = [None, *days]
    out: list[tuple[dt.date | None, dt.date | None, tuple[int, ...]]] = []
    for i, start in enumerate(starts):
        end: dt.date | None = days[i] - dt.timedelta(days=1) if i < len(days) else None
        probe = start if start is not None else (days[0] - dt.timedelta(days=1) if days else None)
        chain = chain_on(org_id, probe, parents=parents, periods=periods)
        if out and out[-1][2] == chain:
            out[-1] = (out[-1][0], end, chain)
        else:
            out.append((start, end, chain))
    return out
