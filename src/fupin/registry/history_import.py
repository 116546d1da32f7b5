"""Loading what existed before go-live (issue #10 §7): the historical status of households and historical region set
memberships, each from a CSV or .xlsx file on core's import skeleton (ADR 15: rows checked in batches with
prefetched lookups, a row-level report with line, column and code, a dry run that writes nothing, the same file
twice changes nothing, a rejected-rows file, the whole file in one transaction).

**Household status history** (`household_history_import`): the file gives each household's whole history, one row
per period — `registry_code` 户编号, `status` 状态, `valid_from` 起始日期, `valid_to` 截止日期 (empty: in force),
`reason` 原因 (optional). For each household named, its periods replace the history inferred from the year lifted
out (source `inferred`) and any earlier historical import (source `historical`); status changes recorded with their
effective date (source `recorded`) are kept. The household is refused — all its rows, each with the reason — when a
row is wrong, when its periods overlap one another or a recorded period, or when the history does not end in an
open period with the household's current status (`rules.history_errors` over the history that would result).
Periods are written with source `historical`. County office work: the actor must be allowed to write each row's
household (`policy.authorise_household_write`); administrators anywhere in their scope.

**Region set memberships** (`region_membership_history_import`): `set_kind` 区域名单, `region_code` 区划代码,
`valid_from` 起始日期, `valid_to` 截止日期 (empty: in force), `source` 来源 (the document), `note` 备注. A row equal
to a stored membership (same set, region and dates) is unchanged; an unknown region or set, a region of the wrong
level for the set, reversed dates, or an overlap with a stored membership of the same set and region (or another row
of the file) is a row error. Administrators only. The stored `source` starts with `admin:` (the mark that a later
reference load keeps the row: `region_sets._replace_file_sets`).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from pathlib import Path
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from fupin.core import access, audit
from fupin.core.enums import Role
from fupin.core.errors import AccessDenied
from fupin.core.imports import Action, Column, Importer, ImportReport, Plan, Row, RowError, run_import

from . import policy, rules
from .enums import HouseholdStatus, RegionLevel, RegionSet, StatusSource
from .imports import enum_table
from .models import Household, HouseholdStatusPeriod, Region, RegionSetMembership
from .selectors import regions_by_codes

STATUS_HISTORY_IMPORT = "registry_status_history"
MEMBERSHIP_HISTORY_IMPORT = "registry_region_set_history"

STATUS_COLUMNS = [
    Column("registry_code", "户编号", aliases=("户码", "household")),
    Column("status", "状态", aliases=("户状态", "脱贫状态", "身份")),
    Column("valid_from", "起始日期", aliases=("开始日期", "生效日期", "from")),
    Column("valid_to", "截止日期", required=False, aliases=("结束日期", "终止日期", "to")),
    Column("reason", "原因", required=False, aliases=("备注", "note")),
]
MEMBERSHIP_COLUMNS = [
    Column("set_kind", "区域名单", aliases=("set", "名单", "区域集合")),
    Column("region_code", "区划代码", aliases=("地区代码", "行政区划代码")),
    Column("valid_from", "起始日期", aliases=("开始日期", "生效日期", "from")),
    Column("valid_to", "截止日期", required=False, aliases=("结束日期", "终止日期", "to")),
    Column("source", "来源", aliases=("依据", "文件", "文号")),
    Column("note", "备注", required=False),
]
# Names of the sets in county and provincial files, beside the codes and the labels of `RegionSet`.
SET_ALIASES = {
    "贫困县": RegionSet.POVERTY_COUNTY, "国家贫困县": RegionSet.POVERTY_COUNTY, "国家扶贫开发工作重点县": RegionSet.POVERTY_COUNTY,
    "脱贫县": RegionSet.LIFTED_COUNTY, "摘帽县": RegionSet.LIFTED_COUNTY,
    "国家乡村振兴重点帮扶县": RegionSet.KEY_COUNTY, "重点帮扶县": RegionSet.KEY_COUNTY,
    "国家重点帮扶县": RegionSet.KEY_COUNTY, "省级乡村振兴重点帮扶县": RegionSet.PROVINCIAL_KEY_COUNTY,
    "省级重点帮扶县": RegionSet.PROVINCIAL_KEY_COUNTY, "贫困村": RegionSet.POOR_VILLAGE,
    "建档立卡贫困村": RegionSet.POOR_VILLAGE, "脱贫村": RegionSet.LIFTED_VILLAGE, "出列村": RegionSet.LIFTED_VILLAGE,
}
MEMBERSHIP_FIELDS = ["set_kind", "region_id", "valid_from", "valid_to", "source", "is_sample", "note"]
REPLACED_SOURCES = (StatusSource.INFERRED, StatusSource.HISTORICAL)


# -- shared by the history imports (the certification's historical catalogue too) --------------------------------
def day_of(row: Row, column: str, errors: list[RowError], *, today: dt.date, required: bool = True,
           earliest: dt.date | None = None, future: bool = False) -> dt.date | None:
    """The date in `column` (`rules.parse_date`), or None with the row's error: `required`, `bad_date`,
    `date_too_early` (before `earliest`), `future_date` (after `today`, unless `future`)."""
    text = row.get(column).strip()
    if not text:
        if required:
            errors.append(RowError(row.line, column, "required", _("A date is required.")))
        return None
    day = rules.parse_date(text)
    if day is None:
        errors.append(RowError(row.line, column, "bad_date",
                               _("“%(value)s” is not a date (use YYYY-MM-DD)") % {"value": text[:40]}))
    elif earliest is not None and day < earliest:
        errors.append(RowError(row.line, column, "date_too_early",
                               _("The date is before %(first)s, when the account starts.")
                               % {"first": earliest.isoformat()}))
    elif not future and day > today:
        errors.append(RowError(row.line, column, "future_date", _("The date is in the future.")))
    else:
        return day
    return None


def reversed_dates(row: Row, start: dt.date | None, end: dt.date | None, errors: list[RowError]) -> None:
    if start is not None and end is not None and end < start:
        errors.append(RowError(row.line, "valid_to", "reversed_dates", _("The end date is before the start date.")))


def _period_text(start: dt.date, end: dt.date | None) -> str:
    return f"{start.isoformat()}–{end.isoformat() if end else '…'}"


# -- household status history ---------------------------------------------------------------------------------------
class StatusHistoryImport(Importer):
    """Rows are planned one by one and settled per household (a household's rows may lie anywhere in the file):
    `settle` sees the whole file (`Atomic.FILE`), refuses a household whose history is wrong and marks a household
    whose stored history already equals the file's as unchanged."""

    kind = STATUS_HISTORY_IMPORT
    columns = STATUS_COLUMNS

    def __init__(self, *, actor: Any, dry_run: bool = False) -> None:
        super().__init__(actor=actor, dry_run=dry_run)
        self.today = timezone.localdate()
        self.statuses = enum_table(HouseholdStatus)
        self.households: dict[str, Household] = {}
        self.stored: dict[int, list[HouseholdStatusPeriod]] = defaultdict(list)
        self.refused: dict[int, int] = {}  # household id → the first of its lines that was rejected

    def prefetch(self, rows: list[Row]) -> None:
        codes = {r.get("registry_code").strip() for r in rows} - {""} - set(self.households)
        if not codes:
            return
        found = {h.registry_code: h for h in Household.objects.select_related("village").filter(registry_code__in=codes)}
        self.households.update(found)
        for p in HouseholdStatusPeriod.objects.filter(household__in=list(found.values())).order_by("valid_from"):
            self.stored[p.household_id].append(p)

    def plan(self, row: Row, errors: list[RowError]) -> Plan:
        line = row.line
        code = row.get("registry_code").strip()
        household = self.households.get(code)
        if not code:
            errors.append(RowError(line, "registry_code", "required", _("The household's registry code is required.")))
        elif household is None:
            errors.append(RowError(line, "registry_code", "unknown_household",
                                   _("No household has the registry code %(code)s.") % {"code": code[:40]}))
        else:
            try:
                policy.authorise_household_write(self.actor, village_code=household.village.code)
            except AccessDenied:
                errors.append(RowError(line, "registry_code", "out_of_scope", _(
                    "You may not write the history of household %(code)s: it is not in your county office's "
                    "scope.") % {"code": code}))
        status = None
        text = row.get("status").strip()
        if not text:
            errors.append(RowError(line, "status", "required", _("A status is required.")))
        else:
            status = rules.parse_enum(text, self.statuses)
            if status is None:
                errors.append(RowError(line, "status", "unknown_status",
                                       _("Unknown household status “%(value)s”.") % {"value": text[:40]}))
        start = day_of(row, "valid_from", errors, today=self.today, earliest=rules.IDENTIFICATION_START)
        end = day_of(row, "valid_to", errors, today=self.today, required=False, earliest=rules.IDENTIFICATION_START)
        reversed_dates(row, start, end, errors)
        if errors or household is None or status is None or start is None:
            if household is not None:
                self.refused.setdefault(household.pk, line)
            return Plan(line, Action.REJECT)
        period = rules.StatusPeriod(status, start, end)
        first = self.first_seen((household.pk, start))
        if first is not None:
            if first[1] == period:
                return Plan(line, Action.DUPLICATE)
            self.refused.setdefault(household.pk, line)
            return Plan(line, Action.REJECT, errors=[RowError(line, "valid_from", "overlap", _(
                "Line %(line)d gives this household another period from the same day.") % {"line": first[0]})])
        self.remember((household.pk, start), line, period)
        return Plan(line, Action.CREATE, key=household.pk, obj=household,
                    values={"period": period, "reason": row.get("reason").strip()[:300]})

    def settle(self, plans: list[Plan]) -> None:
        by_household: dict[int, list[Plan]] = defaultdict(list)
        for p in plans:
            if p.action in (Action.CREATE, Action.UPDATE):
                by_household[p.key].append(p)
        for hid, rows in by_household.items():
            rows.sort(key=lambda p: p.values["period"].valid_from)
            refused_line = self.refused.get(hid)
            if refused_line is not None:
                for p in rows:
                    p.reject([RowError(p.line, "registry_code", "household_refused", _(
                        "The history of this household is refused: line %(line)d is wrong.") % {"line": refused_line})])
                continue
            problems = self._problems(rows)
            if problems:
                first = min(problems)
                for p in rows:
                    p.reject(problems.get(p.line) or [RowError(p.line, "registry_code", "household_refused", _(
                        "The history of this household is refused: line %(line)d is wrong.") % {"line": first})])
                continue
            replaced = [s for s in self.stored[hid] if s.source in REPLACED_SOURCES]
            if all(s.source == StatusSource.HISTORICAL for s in replaced) and sorted(
                    (s.valid_from, s.valid_to, s.status) for s in replaced) == [
                    (p.values["period"].valid_from, p.values["period"].valid_to, p.values["period"].status) for p in rows]:
                for p in rows:
                    p.action = Action.UNCHANGED
            elif any(s.source == StatusSource.HISTORICAL for s in replaced):
                for p in rows:
                    p.action = Action.UPDATE

    def _problems(self, rows: list[Plan]) -> dict[int, list[RowError]]:
        """Line → the errors of a household's rows (sorted by start): overlaps among them and with the recorded
        periods that are kept, and an end that is not the household's status today."""
        found: dict[int, list[RowError]] = defaultdict(list)
        household: Household = rows[0].obj
        recorded = [s for s in self.stored[household.pk] if s.source == StatusSource.RECORDED]
        for a, b in zip(rows, rows[1:], strict=False):
            pa, pb = a.values["period"], b.values["period"]
            if pa.valid_to is None or pa.valid_to >= pb.valid_from:
                found[b.line].append(RowError(b.line, "valid_from", "overlap", _(
                    "The period overlaps the one of line %(line)d (%(period)s).")
                    % {"line": a.line, "period": _period_text(pa.valid_from, pa.valid_to)}))
        for p in rows:
            mine = p.values["period"]
            for r in recorded:
                if rules.periods_overlap((mine.valid_from, mine.valid_to), (r.valid_from, r.valid_to)):
                    found[p.line].append(RowError(p.line, "valid_from", "overlaps_recorded", _(
                        "The period overlaps the recorded status “%(status)s” (%(period)s), which is kept.")
                        % {"status": HouseholdStatus(r.status).label, "period": _period_text(r.valid_from, r.valid_to)}))
        history = sorted([rules.StatusPeriod(r.status, r.valid_from, r.valid_to) for r in recorded]
                         + [p.values["period"] for p in rows], key=lambda s: s.valid_from)
        last = history[-1]
        if last.valid_to is not None or last.status != household.status:
            line = max(rows, key=lambda p: p.values["period"].valid_from).line
            found[line].append(RowError(line, "status", "current_status_mismatch", _(
                "The history must end with a period in force with the household's status today (“%(current)s”).")
                % {"current": HouseholdStatus(household.status).label}))
        if not found and rules.history_errors(history):  # the rule's own verdict is the gate
            line = rows[-1].line
            found[line].append(RowError(line, "valid_from", "bad_history", _(
                "The history that would result is wrong: %(problems)s.")
                % {"problems": "; ".join(rules.history_errors(history))}))
        return found

    def write(self, plans: list[Plan]) -> None:
        by_household: dict[int, list[Plan]] = defaultdict(list)
        for p in plans:
            by_household[p.key].append(p)
        ids = list(by_household)
        for start in range(0, len(ids), 2000):
            HouseholdStatusPeriod.objects.filter(household_id__in=ids[start:start + 2000],
                                                 source__in=REPLACED_SOURCES).delete()
        HouseholdStatusPeriod.objects.bulk_create([
            HouseholdStatusPeriod(household_id=p.key, status=p.values["period"].status,
                                  valid_from=p.values["period"].valid_from, valid_to=p.values["period"].valid_to,
                                  source=StatusSource.HISTORICAL, reason=(p.values["reason"] or self.reason)[:300])
            for p in plans], batch_size=2000)
        for hid, rows in by_household.items():
            before = [_period_dict(s) for s in self.stored[hid] if s.source in REPLACED_SOURCES]
            after = [_period_dict(p.values["period"], source=StatusSource.HISTORICAL)
                     for p in sorted(rows, key=lambda p: p.values["period"].valid_from)]
            audit.record(actor=self.actor, action="household:history_import", obj=rows[0].obj,
                         before={"periods": before}, after={"periods": after}, reason=self.reason)


def _period_dict(p: Any, *, source: str | None = None) -> dict[str, Any]:
    return {"status": p.status, "valid_from": p.valid_from.isoformat(),
            "valid_to": p.valid_to.isoformat() if p.valid_to else None, "source": source or p.source}


def household_history_import(*, path: str | Path, file_name: str | None = None, actor: Any,
                             dry_run: bool = False) -> ImportReport:
    """Import households' historical status periods (`StatusHistoryImport`); a county office's work (or an
    administrator's), each row checked against the actor's right to write that household."""
    policy.authorise_import(actor, kind="households")
    return run_import(StatusHistoryImport(actor=actor, dry_run=dry_run), path=path, file_name=file_name)


# -- region set memberships -----------------------------------------------------------------------------------------
class MembershipHistoryImport(Importer):
    kind = MEMBERSHIP_HISTORY_IMPORT
    columns = MEMBERSHIP_COLUMNS

    def __init__(self, *, actor: Any, dry_run: bool = False) -> None:
        super().__init__(actor=actor, dry_run=dry_run)
        self.today = timezone.localdate()
        self.sets = enum_table(RegionSet)
        for alias, code in SET_ALIASES.items():
            self.sets.setdefault(rules.norm_value(alias), code)
        self.in_file: dict[tuple[str, int], list[tuple[int, tuple[dt.date, dt.date | None]]]] = defaultdict(list)
        self.actor_name = audit.actor_of(actor)[1]

    def prefetch(self, rows: list[Row]) -> None:
        self.regions = regions_by_codes(codes={rules.normalise_region_code(r.get("region_code")) for r in rows} - {""})
        self.stored: dict[tuple[str, int], list[RegionSetMembership]] = defaultdict(list)
        for m in RegionSetMembership.objects.filter(region__in={r.pk for r in self.regions.values()}):
            self.stored[(m.set_kind, m.region_id)].append(m)

    def plan(self, row: Row, errors: list[RowError]) -> Plan:
        line = row.line
        set_kind = None
        text = row.get("set_kind").strip()
        if not text:
            errors.append(RowError(line, "set_kind", "required", _("The region set is required.")))
        else:
            set_kind = rules.parse_enum(text, self.sets)
            if set_kind is None:
                errors.append(RowError(line, "set_kind", "bad_set",
                                       _("Unknown region set “%(value)s”.") % {"value": text[:40]}))
        region = self._region(row, set_kind, errors)
        start = day_of(row, "valid_from", errors, today=self.today)
        end = day_of(row, "valid_to", errors, today=self.today, required=False, future=True)
        reversed_dates(row, start, end, errors)
        source = row.get("source").strip()
        if not source:
            errors.append(RowError(line, "source", "required",
                                   _("Name the document or decision the membership comes from.")))
        if errors or set_kind is None or region is None or start is None:
            return Plan(line, Action.REJECT)
        period = (start, end)
        key = (set_kind, region.pk)
        stored = self.stored.get(key, [])
        if any((m.valid_from, m.valid_to) == period for m in stored):
            return Plan(line, Action.UNCHANGED)
        for m in stored:
            if rules.periods_overlap(period, (m.valid_from, m.valid_to)):
                return Plan(line, Action.REJECT, errors=[RowError(line, "valid_from", "overlap", _(
                    "The region is already in this set from %(period)s (%(source)s): close or correct that membership "
                    "first.") % {"period": _period_text(m.valid_from, m.valid_to), "source": m.source[:80]})])
        for other_line, other in self.in_file[key]:
            if other == period:
                return Plan(line, Action.DUPLICATE)
            if rules.periods_overlap(period, other):
                return Plan(line, Action.REJECT, errors=[RowError(line, "valid_from", "overlap", _(
                    "The period overlaps the one of line %(line)d (%(period)s).")
                    % {"line": other_line, "period": _period_text(*other)})])
        self.in_file[key].append((line, period))
        return Plan(line, Action.CREATE, key=key, values={
            "set_kind": set_kind, "region": region, "valid_from": start, "valid_to": end,
            "source": f"admin:{self.actor_name} (historical import) {source}"[:200],
            "note": row.get("note").strip()[:200]})

    def _region(self, row: Row, set_kind: str | None, errors: list[RowError]) -> Region | None:
        code = rules.normalise_region_code(row.get("region_code"))
        if not code:
            errors.append(RowError(row.line, "region_code", "required", _("A region code is required.")))
            return None
        region = self.regions.get(code)
        if region is None:
            errors.append(RowError(row.line, "region_code", "unknown_region",
                                   _("No region has the code “%(code)s”.") % {"code": code[:20]}))
            return None
        level = rules.region_set_level(set_kind) if set_kind else None
        if level is not None and region.level != level:
            errors.append(RowError(row.line, "region_code", "wrong_level", _(
                "%(region)s is not of the level this set holds (%(level)s).")
                % {"region": region, "level": RegionLevel(level).label}))
            return None
        if access.refusal(self.actor, roles=(Role.ADMINISTRATOR,), region_code=region.code) is not None:
            errors.append(RowError(row.line, "region_code", "out_of_scope",
                                   _("Region %(code)s is outside your region scope.") % {"code": region.code}))
            return None
        return region

    def write(self, plans: list[Plan]) -> None:
        made = RegionSetMembership.objects.bulk_create([RegionSetMembership(**p.values) for p in plans],
                                                       batch_size=2000)
        for m in made:
            audit.record(actor=self.actor, action="region_set:historical_import", obj=m,
                         after=audit.snapshot(m, MEMBERSHIP_FIELDS), reason=self.reason)


def region_membership_history_import(*, path: str | Path, file_name: str | None = None, actor: Any,
                                     dry_run: bool = False) -> ImportReport:
    """Import historical region set memberships (`MembershipHistoryImport`); administrators only."""
    access.authorise(actor, roles=(Role.ADMINISTRATOR,), what="region set history import")
    return run_import(MembershipHistoryImport(actor=actor, dry_run=dry_run), path=path, file_name=file_name)
