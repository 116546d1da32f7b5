"""Reference data: the statistics bureau's divisions down to township (modood, 2023 edition), the MCA history of
county-level codes 1981–2024 (yescallop/areacodes) and the 832 national poverty counties with their exit years,
read in their own formats and loaded into `Region` and `RegionCodeChange`.

The files stay where they are (see SOURCES.md next to them); nothing of them is copied into the repository.
Reading and checking are plain functions over the files (`reference_build`); `reference_load` writes the result in
one transaction, compare-then-write, so a second run changes nothing. The 832 list has known defects: the explicit,
reviewed repairs are in `POVERTY_LIST_REPAIRS` below; generic repairs (float codes, the watermark cell, names of
older vintage, abolished codes) are derived from the other two files and reported one by one.
"""

from __future__ import annotations

import csv
import re
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from fupin.core import audit
from fupin.core.errors import InvalidInput

from . import rules
from .enums import RegionLevel, Zone
from .models import Region, RegionCodeChange

PROVINCES_FILE = "modood_provinces.csv"
CITIES_FILE = "modood_cities.csv"
AREAS_FILE = "modood_areas.csv"
STREETS_FILE = "modood_streets.csv"
POVERTY_FILE = "poverty_counties_832.csv"
HISTORY_FILE = "yescallop_areacodes_result.csv"
REQUIRED_FILES = (PROVINCES_FILE, CITIES_FILE, AREAS_FILE, POVERTY_FILE, HISTORY_FILE)

LEVELS = (RegionLevel.PROVINCE, RegionLevel.PREFECTURE, RegionLevel.COUNTY, RegionLevel.TOWNSHIP)
EXIT_YEARS = range(2016, 2021)  # the national exits came in five yearly batches, 2016 to 2020
WATERMARK_COLUMN = "column_6"
ZONE_WORDS = {"东部": Zone.EAST, "中部": Zone.CENTRAL, "西部": Zone.WEST}


@dataclass(frozen=True)
class ListRepair:
    """One reviewed correction of a row of the 832 list: the row as found → what it should say, and why."""

    found_code: str
    found_name: str
    code: str
    name: str
    exit_year: int | None  # the corrected exit year, or None to keep the list's
    reason: str


# Reviewed by comparing every row of the 832 list with modood 2023 and yescallop 1981–2024 (docs/domain/
# reference-data.md tells how). Four wrong codes, three names the generic rules cannot explain, one exit year.
POVERTY_LIST_REPAIRS: tuple[ListRepair, ...] = (
    ListRepair("532600", "文山市", "532601", "文山市", None,
               "wrong code: 532600 is 文山壮族苗族自治州 (a prefecture); 文山市 is 532601 (since 2010, before: 文山县 532621)"),
    ListRepair("622900", "临夏市", "622901", "临夏市", None,
               "wrong code: 622900 is 临夏回族自治州 (a prefecture); 临夏市 is 622901"),
    ListRepair("630104", "冷湖行委", "632858", "冷湖行政委员会", None,
               "wrong code: 630104 is 城西区 of 西宁市; 冷湖行委 was a county-level unit of 海西州 with the statistics "
               "code 632858 until it was merged with 茫崖行委 into 茫崖市 (632803) in 2018"),
    ListRepair("632825", "大柴旦行委", "632857", "大柴旦行政委员会", None,
               "wrong code: 632825 was never assigned; 大柴旦行政委员会 is 632857 in the statistics codes"),
    ListRepair("532322", "双柏县", "532322", "双柏县", 2018,
               "exit year off: listed 2019, but 双柏县 is in Yunnan's 2018 batch of 33 counties (announced 30 April 2019); "
               "with it Yunnan reads 15/33/31/9 and the nation 28/125/283/344/52 counties for 2016–2020"),
    ListRepair("520328", "湄潭", "520328", "湄潭县", None, "truncated name"),
    ListRepair("622927", "积石山自治县", "622927", "积石山保安族东乡族撒拉族自治县", None, "short form of the name"),
    ListRepair("632803", "茫崖行委", "632803", "茫崖市", None,
               "older name: 茫崖行委 and 冷湖行委 became 茫崖市 (632803) in 2018; the 行委 are statistics units, "
               "absent from the MCA history"),
)


@dataclass(frozen=True)
class HistoricalUnit:
    """A county-level unit of the 832 list that no longer exists and is in neither file: kept as an inactive
    region (so the list keeps its 832 members) and crosswalked to its successor."""

    code: str
    name: str
    successor: str
    year: int
    note: str


HISTORICAL_UNITS: tuple[HistoricalUnit, ...] = (
    HistoricalUnit("632858", "冷湖行政委员会", "632803", 2018, "statistics code; merged with 茫崖行委 into 茫崖市"),
)


class ReferenceDataError(InvalidInput):
    code = "reference_data_invalid"


@dataclass
class RegionRow:
    code: str
    name: str
    level: str
    parent_code: str | None
    zone: str
    is_poverty_county: bool = False
    poverty_exit_year: int | None = None
    active: bool = True

    def values(self) -> tuple[Any, ...]:
        return (self.name, self.level, self.parent_code, self.zone, self.is_poverty_county, self.poverty_exit_year,
                self.active)


@dataclass(frozen=True)
class ChangeRow:
    old_code: str
    new_code: str
    old_name: str
    year: int | None
    note: str

    def values(self) -> tuple[Any, ...]:
        return (self.old_name, self.year, self.note)


@dataclass(frozen=True)
class HistoryRow:
    code: str
    name: str
    status: str  # 在用 in use, 变更 changed, 弃用 abolished
    end_year: int | None
    successors: tuple[str, ...]


@dataclass
class Reference:
    regions: dict[str, RegionRow]
    changes: list[ChangeRow]
    repairs: list[str]
    poverty_list_rows: int
    exit_years: dict[int, int]


# -- reading the files ---------------------------------------------------------------------------------------------
def _rows(path: Path) -> Iterator[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            yield {(k or "").strip(): (v or "").strip() for k, v in row.items()}


def missing_files(directory: Path) -> list[str]:
    return [name for name in REQUIRED_FILES if not (directory / name).is_file()]


def read_divisions(directory: Path, *, townships: bool = True) -> dict[str, RegionRow]:
    """modood's provinces (2 digits), cities (4), areas (6) and streets (9), as full codes with parent links.
    Areas that are their own prefecture (东莞市 441900, 中山市 442000, 儋州市 460400) stay one prefecture region."""
    out: dict[str, RegionRow] = {}

    def add(code: str, name: str, parent: str | None) -> None:
        level = rules.level_of(code)
        if level is None or code in out:
            return
        out[code] = RegionRow(code=code, name=name, level=level, parent_code=parent, zone=rules.zone_of(code))

    for r in _rows(directory / PROVINCES_FILE):
        add(r["code"] + "0000", r["name"], None)
    for r in _rows(directory / CITIES_FILE):
        add(r["code"] + "00", r["name"], r["provinceCode"] + "0000")
    for r in _rows(directory / AREAS_FILE):
        add(r["code"], r["name"], r["cityCode"] + "00")
    streets = directory / STREETS_FILE
    if townships and streets.is_file():
        for r in _rows(streets):
            add(r["code"], r["name"], r["areaCode"])
    return out


_SUCCESSOR = re.compile(r"^(\d{6})(?:\[(\d{4})\])?$")


def read_history(directory: Path) -> list[HistoryRow]:
    """yescallop's rows. 新代码 lists successors separated by ';'; a '[year]' suffix marks a later partial transfer,
    used as successor only when the row names no plain one."""
    out = []
    for r in _rows(directory / HISTORY_FILE):
        plain: list[str] = []
        partial: list[str] = []
        for part in filter(None, (p.strip() for p in r.get("新代码", "").split(";"))):
            m = _SUCCESSOR.match(part)
            if m:
                (partial if m.group(2) else plain).append(m.group(1))
        end = r.get("变更/弃用时间", "")
        out.append(HistoryRow(code=r["代码"], name=r["名称"], status=r["状态"], end_year=int(end) if end.isdigit() else None,
                              successors=tuple(plain or partial)))
    return out


# -- the crosswalk -------------------------------------------------------------------------------------------------
def build_crosswalk(history: list[HistoryRow], current: set[str]) -> list[ChangeRow]:
    """Old code → current code(s) for every changed or abolished code that is not in use today, following chains
    (A → B → C gives A → C). Codes with no current successor are left out."""
    retired: dict[str, list[HistoryRow]] = defaultdict(list)
    for h in history:
        if h.status != "在用" and h.code not in current:
            retired[h.code].append(h)

    def resolve(code: str, seen: frozenset[str]) -> set[str]:
        if code in current:
            return {code}
        if code in seen:
            return set()
        found: set[str] = set()
        for h in retired.get(code, []):
            for s in h.successors:
                found |= resolve(s, seen | {code})
        return found

    best: dict[tuple[str, str], ChangeRow] = {}
    for code, rows in retired.items():
        for h in rows:
            word = "abolished" if h.status == "弃用" else "changed"
            note = f"{word} {h.end_year or '?'} → {';'.join(h.successors)}"
            for new in sorted(resolve(code, frozenset()) if h.successors else set()):
                change = ChangeRow(old_code=code, new_code=new, old_name=h.name, year=h.end_year, note=note[:200])
                key = (code, new)
                if key not in best or (change.year or 0) >= (best[key].year or 0):
                    best[key] = change
    for unit in HISTORICAL_UNITS:
        best[(unit.code, unit.successor)] = ChangeRow(unit.code, unit.successor, unit.name, unit.year, unit.note)
    return sorted(best.values(), key=lambda c: (c.old_code, c.new_code))


# -- the 832 list --------------------------------------------------------------------------------------------------
def _code_of(text: str) -> str | None:
    """'130631.0' → '130631'."""
    try:
        value = float(text)
    except ValueError:
        return None
    if not value.is_integer() or not 100000 <= value <= 999999:
        return None
    return str(int(value))


def _year_of(text: str) -> int | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return int(value) if value.is_integer() else None


def resolve_poverty_list(rows: Iterable[dict[str, str]], *, regions: dict[str, RegionRow],
                         history: list[HistoryRow], crosswalk: list[ChangeRow]) -> tuple[dict[str, int], list[str]]:
    """Check and repair the 832 list: code (current county code) → exit year, and the repairs made, one line each.
    Raises ReferenceDataError listing every row that cannot be resolved (nothing is loaded then)."""
    explicit = {(r.found_code, r.found_name): r for r in POVERTY_LIST_REPAIRS}
    historical = {u.code for u in HISTORICAL_UNITS}
    names_of: dict[str, set[str]] = defaultdict(set)  # every name a code (or a predecessor of it) has carried
    for h in history:
        names_of[h.code].add(h.name)
    successors: dict[str, set[str]] = defaultdict(set)
    for c in crosswalk:
        successors[c.old_code].add(c.new_code)
        names_of[c.new_code] |= names_of[c.old_code] | {c.old_name}
    province_names = {code[:2]: r.name for code, r in regions.items() if r.level == RegionLevel.PROVINCE}

    result: dict[str, int] = {}
    repairs: list[str] = []
    problems: list[str] = []
    float_codes = 0
    for line, row in enumerate(rows, start=2):
        raw_code, name = row.get("行政区划代码", ""), row.get("县域名称", "")
        code = _code_of(raw_code)
        year = _year_of(row.get("摘帽时间", ""))
        where = f"line {line} ({raw_code} {name})"
        if code is None:
            problems.append(f"{where}: not a 6-digit code")
            continue
        float_codes += code != raw_code
        if row.get(WATERMARK_COLUMN):
            repairs.append(f"{where}: ignored the text in {WATERMARK_COLUMN} ({row[WATERMARK_COLUMN]!r}): a watermark "
                           "of the site that compiled the table, not data")
        fix = explicit.get((code, name))
        if fix is not None:
            changed = [f"code {code} → {fix.code}"] * (fix.code != code) + [f"name {name} → {fix.name}"] * (fix.name != name)
            if fix.exit_year is not None and fix.exit_year != year:
                changed.append(f"exit year {year} → {fix.exit_year}")
                year = fix.exit_year
            repairs.append(f"{where}: {', '.join(changed)}: {fix.reason}")
            code, name = fix.code, fix.name
        current = regions.get(code)
        if code in historical:
            pass
        elif current is not None and current.level == RegionLevel.COUNTY:
            if name != current.name:
                if name not in names_of[code]:
                    problems.append(f"{where}: {code} is {current.name}, not {name}")
                    continue
                repairs.append(f"{where}: name {name} → {current.name}: older name of the same county")
        elif len(successors.get(code, ())) == 1 and name in names_of[code]:
            (new,) = successors[code]
            repairs.append(f"{where}: code {code} → {new} ({regions[new].name}): {name} was abolished, mapped "
                           "through the crosswalk")
            code = new
        else:
            problems.append(f"{where}: {code} is not a current county code ({current.name if current else 'unknown'})")
            continue
        province = row.get("所属省份", "")
        if province and province_names.get(code[:2]) not in (None, province):
            problems.append(f"{where}: province {province} does not match the code ({province_names[code[:2]]})")
        zone = ZONE_WORDS.get(row.get("所属地域", ""))
        if zone is not None and zone != rules.zone_of(code):
            problems.append(f"{where}: zone {row['所属地域']} does not match the province")
        if code[:2] not in rules.PRODUCING_PROVINCES:
            problems.append(f"{where}: {code} is not in a producing (central or western) province")
        if year is None or year not in EXIT_YEARS:
            problems.append(f"{where}: exit year {row.get('摘帽时间')!r} is not one of 2016–2020")
            continue
        if code in result:
            problems.append(f"{where}: {code} is listed twice")
            continue
        result[code] = year
    if float_codes:
        repairs.insert(0, f"{float_codes} codes written as floats (130631.0) read as 6-digit codes")
    if problems:
        raise ReferenceDataError(f"The poverty county list has {len(problems)} rows that cannot be resolved.",
                                 details=problems)
    return result, repairs


# -- everything together -------------------------------------------------------------------------------------------
def reference_build(*, directory: Path, townships: bool = True) -> Reference:
    """Read and check the files (no database access)."""
    missing = missing_files(directory)
    if missing:
        raise ReferenceDataError(f"Missing reference files in {directory}: {', '.join(missing)}", details=missing)
    regions = read_divisions(directory, townships=townships)
    history = read_history(directory)
    crosswalk = build_crosswalk(history, set(regions))
    for unit in HISTORICAL_UNITS:
        parent = rules.parent_code_of(unit.code)
        if parent in regions:
            regions[unit.code] = RegionRow(code=unit.code, name=unit.name, level=RegionLevel.COUNTY, parent_code=parent,
                                           zone=rules.zone_of(unit.code), active=False)
    poverty_rows = list(_rows(directory / POVERTY_FILE))
    counties, repairs = resolve_poverty_list(poverty_rows, regions=regions, history=history, crosswalk=crosswalk)
    for code, year in counties.items():
        regions[code].is_poverty_county = True
        regions[code].poverty_exit_year = year
    return Reference(regions=regions, changes=crosswalk, repairs=repairs, poverty_list_rows=len(poverty_rows),
                     exit_years=dict(sorted(Counter(counties.values()).items())))


@dataclass
class LoadReport:
    directory: str
    regions: dict[str, Counter] = field(default_factory=dict)  # level → created / updated / unchanged
    crosswalk: Counter = field(default_factory=Counter)
    poverty_counties: int = 0
    poverty_list_rows: int = 0
    exit_years: dict[int, int] = field(default_factory=dict)
    repairs: list[str] = field(default_factory=list)
    key_counties: int = 0
    key_counties_sample: bool = False
    dry_run: bool = False
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return any(c["created"] or c["updated"] for c in [*self.regions.values(), self.crosswalk])

    def counts(self) -> dict[str, Any]:
        return {
            "regions": {level: dict(c) for level, c in self.regions.items()},
            "crosswalk": dict(self.crosswalk),
            "poverty_counties": self.poverty_counties,
            "repairs": len(self.repairs),
        }


_REGION_FIELDS = ["name", "level", "parent", "zone", "is_poverty_county", "poverty_exit_year", "active"]


def _plan_regions(ref: Reference, report: LoadReport) -> tuple[dict[str, list[RegionRow]], list[tuple[str, dict]]]:
    """Compare the reference with the database: rows to write per level, and updates of regions outside it
    (poverty flags no longer in the list, abolished codes still active)."""
    existing: dict[str, tuple[Any, ...]] = {}
    existing_level: dict[str, str] = {}
    for code, *values in Region.objects.values_list("code", "name", "level", "parent__code", "zone",
                                                    "is_poverty_county", "poverty_exit_year", "active"):
        existing[code] = tuple(values)
        existing_level[code] = str(values[1])
    to_write: dict[str, list[RegionRow]] = {level: [] for level in LEVELS}
    for level in LEVELS:
        report.regions[level] = Counter(created=0, updated=0, unchanged=0)
    for row in ref.regions.values():
        before = existing.get(row.code)
        if before is None:
            report.regions[row.level]["created"] += 1
            to_write[row.level].append(row)
        elif before != row.values():
            report.regions[row.level]["updated"] += 1
            to_write[row.level].append(row)
        else:
            report.regions[row.level]["unchanged"] += 1
    outside: list[tuple[str, dict]] = []
    abolished = {c.old_code for c in ref.changes}
    for code, stored in existing.items():
        if code in ref.regions:
            continue
        updates: dict[str, Any] = {}
        if stored[4]:  # is_poverty_county
            updates.update(is_poverty_county=False, poverty_exit_year=None)
        if stored[6] and code in abolished:  # active
            updates["active"] = False
        if updates:
            outside.append((code, updates))
            report.regions.setdefault(existing_level[code], Counter(created=0, updated=0, unchanged=0))["updated"] += 1
    return to_write, outside


def _plan_changes(ref: Reference, report: LoadReport) -> list[ChangeRow]:
    existing = {(o, n): (name, year, note) for o, n, name, year, note in
                RegionCodeChange.objects.values_list("old_code", "new_code", "old_name", "year", "note")}
    out = []
    report.crosswalk.update(created=0, updated=0, unchanged=0)
    for c in ref.changes:
        before = existing.get((c.old_code, c.new_code))
        key = "created" if before is None else ("unchanged" if before == c.values() else "updated")
        report.crosswalk[key] += 1
        if key != "unchanged":
            out.append(c)
    return out


def reference_load(*, directory: Path | str, actor: Any = "load_reference", townships: bool = True,
                   dry_run: bool = False) -> LoadReport:
    """Load the reference data into the registry: regions with parents, zones, levels, the 832 poverty counties
    and the code crosswalk. One transaction, bulk writes of only what differs, one audit entry if anything changed."""
    started = time.monotonic()
    directory = Path(directory)
    ref = reference_build(directory=directory, townships=townships)
    report = LoadReport(directory=str(directory), repairs=ref.repairs, poverty_list_rows=ref.poverty_list_rows,
                        exit_years=ref.exit_years, dry_run=dry_run,
                        poverty_counties=sum(r.is_poverty_county for r in ref.regions.values()))
    with transaction.atomic():
        to_write, outside = _plan_regions(ref, report)
        changes = _plan_changes(ref, report)
        if not dry_run and report.changed:
            _write(to_write, outside, changes)
            audit.record(actor=actor, action="reference:load", object_type="registry.region", object_id="*",
                         after=report.counts(), reason=f"reference data from {directory}")
        if not dry_run:
            from .region_sets import KEY_COUNTY_FILE, SAMPLE_FILE, region_sets_sync

            key_file = directory / KEY_COUNTY_FILE
            sets = region_sets_sync(actor=actor, key_county_file=key_file if key_file.exists() else SAMPLE_FILE,
                                    lenient=not key_file.exists())
            report.key_counties, report.key_counties_sample = sets.key_counties, sets.sample
    report.seconds = time.monotonic() - started
    return report


def _write(to_write: dict[str, list[RegionRow]], outside: list[tuple[str, dict]], changes: list[ChangeRow]) -> None:
    ids: dict[str, int] = dict(Region.objects.values_list("code", "id"))
    for level in LEVELS:
        rows = to_write[level]
        if rows:
            Region.objects.bulk_create(
                [Region(code=r.code, name=r.name, level=r.level, parent_id=ids.get(r.parent_code or ""), zone=r.zone,
                        is_poverty_county=r.is_poverty_county, poverty_exit_year=r.poverty_exit_year, active=r.active)
                 for r in rows],
                batch_size=500, update_conflicts=True, unique_fields=["code"], update_fields=[*_REGION_FIELDS, "updated_at"],
            )
            ids.update(Region.objects.filter(level=level).values_list("code", "id"))
    now = timezone.now()
    for code, updates in outside:
        Region.objects.filter(code=code).update(**updates, updated_at=now)
    if changes:
        RegionCodeChange.objects.bulk_create(
            [RegionCodeChange(old_code=c.old_code, new_code=c.new_code, old_name=c.old_name, year=c.year, note=c.note)
             for c in changes],
            batch_size=500, update_conflicts=True, unique_fields=["old_code", "new_code"],
            update_fields=["old_name", "year", "note", "updated_at"],
        )
