"""Bulk imports of the registry from CSV or spreadsheets: regions (and their poor-village / poverty-county
flags), organisations, market entities, households and assistance relations.

Every kind is an importer on core's import skeleton (`fupin.core.imports`, ADR 15; DESIGN rule 4, ADR 2):
- the file is read with `fupin.core.tabular` (English or Chinese headers, GBK CSV with a warning, first sheet);
- every row is checked in batches with batched lookups (no per-row queries) and planned; the checks the services
  make too are `validation`'s; the whole file is planned before anything is written (rows may refer to rows of
  the same file: `settle` rejects a row whose reference was not accepted); a rejected row is never partly written;
- accepted rows are written in one transaction for the whole file (bulk inserts), with an audit entry per created
  or changed object;
- rows equal to what is stored count as unchanged (the same file twice writes nothing);
- natural keys: region code, credit code (organisations, entities), keyed hash of the resident ID
  (households and the poor-household sellers), (kind, helper, helped region, start year) (relations);
- a dry run checks and reports the same but has no write step;
- each run is kept (`ImportRun`) with its rejected rows as a file in default storage (same format as the input).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from fupin.core import audit
from fupin.core.bulk import insert_rows
from fupin.core.enums import Role
from fupin.core.errors import InvalidInput
from fupin.core.imports import (
    Action,
    Column,
    Importer,
    ImportReport,
    Plan,
    Row,
    RowError,
    rejected_file_content,
    run_import,
)
from fupin.core.models import AuditEntry
from fupin.core.validators import mask_name, mask_phone, normalise_resident_id

from . import policy, rules, selectors, services, validation
from .enums import EntityKind, HouseholdStatus, OrganisationKind, RelationKind, Sector
from .models import AssistanceRelation, Household, MarketEntity, Organisation, Region

CHUNK = 2000

ACTIVE = Column("active", "是否有效", required=False, aliases=("有效", "在用"))

COLUMNS: dict[str, tuple[Column, ...]] = {
    "regions": (
        Column("code", "区划代码", aliases=("region_code", "代码", "行政区划代码", "村代码")),
        Column("name", "名称", required=False, aliases=("区划名称", "村名称")),
        Column("poor_village", "贫困村", required=False, aliases=("is_poor_village", "是否贫困村")),
        Column("poverty_county", "贫困县", required=False, aliases=("is_poverty_county", "是否贫困县")),
        Column("exit_year", "退出年份", required=False, aliases=("poverty_exit_year", "摘帽年份", "出列年份")),
        Column("active", "是否在用", required=False, aliases=("在用",)),
    ),
    "organisations": (
        Column("credit_code", "统一社会信用代码", aliases=("uscc", "信用代码")),
        Column("name", "名称", aliases=("单位名称",)),
        Column("kind", "类型", aliases=("单位类型",)),
        Column("region_code", "区划代码", aliases=("所在地区划代码", "行政区划代码")),
        Column("parent_credit_code", "上级单位代码", required=False, aliases=("上级单位统一社会信用代码",)),
        ACTIVE,
    ),
    "entities": (
        Column("credit_code", "统一社会信用代码", required=False, aliases=("uscc", "信用代码")),
        Column("name", "名称", aliases=("主体名称",)),
        Column("kind", "类型", aliases=("主体类型",)),
        Column("region_code", "区划代码", required=False, aliases=("所在地区划代码", "行政区划代码")),
        Column("sectors", "行业", required=False, aliases=("所属行业",)),
        Column("id_number", "身份证号", required=False, aliases=("身份证号码", "户主身份证号")),
        ACTIVE,
    ),
    "households": (
        Column("id_number", "身份证号", aliases=("身份证号码", "户主身份证号", "resident_id")),
        Column("village_code", "村代码", aliases=("行政村代码", "村区划代码")),
        Column("status", "状态", aliases=("户状态", "脱贫状态")),
        Column("size", "人口", required=False, aliases=("家庭人口", "人口数", "household_size")),
        Column("lifted_year", "脱贫年份", required=False, aliases=("脱贫年度",)),
        Column("head_name", "户主姓名", required=False, aliases=("户主",)),
        Column("phone", "联系电话", required=False, aliases=("电话", "手机号")),
        Column("registry_code", "户编号", required=False, aliases=("户码",)),
    ),
    "relations": (
        Column("kind", "类型", aliases=("帮扶类型",)),
        Column("helper_credit_code", "帮扶单位代码", required=False, aliases=("帮扶单位统一社会信用代码",)),
        Column("helper_region_code", "帮扶地区代码", required=False, aliases=("帮扶方区划代码",)),
        Column("helped_region_code", "受帮扶地区代码", aliases=("被帮扶地区代码", "受援地区代码")),
        Column("year_from", "起始年份", aliases=("开始年份",)),
        Column("year_to", "截止年份", required=False, aliases=("结束年份",)),
        Column("note", "备注", required=False),
    ),
}
KINDS = tuple(COLUMNS)


def run_kind(kind: str) -> str:
    """The `ImportRun.kind` of a registry import."""
    return f"registry_{kind}"


def enum_table(enum: Any) -> dict[str, str]:
    """Every accepted spelling of an enum's values: the code, the English and the Chinese label, aliases."""
    labels: dict[str, list[str]] = {}
    for code, label in enum.choices:
        spellings = []
        for language in ("en", "zh-hans"):
            with translation.override(language):
                spellings.append(str(label))
        labels[code] = spellings
    return rules.enum_lookup(dict(enum.choices), labels=labels, aliases=rules.ENUM_ALIASES.get(enum.__name__, {}))


# -- the plan of an import: what each accepted row will do ------------------------------------------------------
@dataclass(eq=False)
class Pending(Plan):
    """A row's plan, with what a registry row needs more: references to rows of the same file (kept with the row's
    cells while they are open), a household's status change, the id of a row inserted without the ORM."""

    refs: dict[str, Any] = field(default_factory=dict)
    transition: tuple[str, dict[str, Any]] | None = None  # a household's status change: (to, its changes)
    pk: int | None = None


class BaseImport(Importer):
    """A registry import: `name` is the kind (regions, organisations, ...), its columns are `COLUMNS[name]` and its
    run is `registry_<name>`. The whole file is one transaction; the write step never rejects a row (the plan
    checked everything), so planned rows keep no cells but those with references to other rows of the file."""

    name: ClassVar[str]
    model: ClassVar[type[models.Model]]
    action: ClassVar[str]
    key_column: ClassVar[str]
    audit_fields: ClassVar[list[str]]
    batch_size = CHUNK
    keep_cells = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "name" in cls.__dict__:
            cls.kind = run_kind(cls.name)
            cls.columns = COLUMNS[cls.name]

    def __init__(self, *, actor: Any, dry_run: bool = False) -> None:
        super().__init__(actor=actor, dry_run=dry_run)
        self.today = timezone.localdate()
        self.creates: list[Pending] = []
        self.updates: list[Pending] = []
        self.restricted = not services.is_system_actor(actor)

    # -- per kind ---------------------------------------------------------------------------------------------
    def prefetch(self, rows: list[Row]) -> None:
        raise NotImplementedError

    def parse(self, row: Row, errors: list[RowError]) -> tuple[Any, dict[str, Any]]:
        """The row's natural key (None if it cannot be read) and its model values; appends row errors."""
        raise NotImplementedError

    def existing(self, key: Any) -> Any:
        raise NotImplementedError

    def diff(self, obj: Any, values: dict[str, Any], errors: list[RowError], line: int) -> dict[str, Any]:
        return {k: v for k, v in values.items() if getattr(obj, k) != v}

    def refs_of(self, values: dict[str, Any]) -> dict[str, Any]:
        return {}

    def write_creates(self, items: list[Pending], reason: str) -> None:
        objs = [self.model(**p.values) for p in items]
        self.model._default_manager.bulk_create(objs, batch_size=500)
        for p, obj in zip(items, objs, strict=True):
            p.obj = obj

    def write_updates(self, items: list[Pending], reason: str) -> None:
        now = timezone.now()
        fields: set[str] = set()
        for p in items:
            for name, value in p.changes.items():
                setattr(p.obj, name, value)
            p.obj.updated_at = now
            fields.update(p.changes)
        if items:
            self.model._default_manager.bulk_update([p.obj for p in items], [*sorted(fields), "updated_at"], batch_size=500)

    def snapshot(self, obj: Any) -> dict[str, Any]:
        return audit.snapshot(obj, self.audit_fields)

    # -- helpers for the parsers ------------------------------------------------------------------------------
    def error(self, errors: list[RowError], line: int, column: str, code: str, message: str) -> None:
        errors.append(RowError(line, column, code, message))

    def problem(self, errors: list[RowError], line: int, column: str, problem: validation.Problem | None) -> bool:
        """Report one of the checks the services make too (`validation`); whether there was a problem."""
        if problem is not None:
            errors.append(problem.row_error(line, column))
        return problem is not None

    def region_in_scope(self, errors: list[RowError], line: int, column: str, code: str) -> bool:
        if self.restricted and not self.actor.can_see_code(code):
            self.error(errors, line, column, "out_of_scope",
                       _("Region %(code)s is outside your region scope.") % {"code": code})
            return False
        return True

    def region_of(self, regions: dict[str, Region], errors: list[RowError], row: Row, column: str,
                  required: bool = True) -> Region | None:
        text = rules.normalise_region_code(row.get(column))
        if not text and not required:
            return None
        region = regions.get(text) if text else None
        self.problem(errors, row.line, column, validation.region_problem(text, region))
        return region

    def enum_of(self, table: dict[str, str], errors: list[RowError], row: Row, column: str) -> str | None:
        text = row.get(column)
        if not text.strip():
            self.error(errors, row.line, column, "required", _("A value is required."))
            return None
        value = rules.parse_enum(text, table)
        if value is None:
            self.error(errors, row.line, column, "unknown_value",
                       _("Unknown value “%(value)s”.") % {"value": text})
        return value

    def bool_of(self, errors: list[RowError], row: Row, column: str) -> bool | None:
        text = row.get(column)
        if not text.strip():
            return None
        value = rules.parse_bool(text)
        if value is None:
            self.error(errors, row.line, column, "bad_value",
                       _("“%(value)s” is not yes or no (是/否).") % {"value": text})
        return value

    def year_of(self, errors: list[RowError], row: Row, column: str, *, first: int, last: int) -> int | None:
        text = row.get(column)
        if not text.strip():
            return None
        year = rules.parse_year(text, first=first, last=last)
        if year is None:
            self.error(errors, row.line, column, "bad_year",
                       _("“%(value)s” is not a year between %(first)d and %(last)d.")
                       % {"value": text, "first": first, "last": last})
        return year

    def credit_code_of(self, errors: list[RowError], row: Row, column: str, *, kind: str | None,
                       entity: bool) -> str | None:
        code = rules.normalise_credit_code(row.get(column)) or None
        if kind is None:
            return code
        if self.problem(errors, row.line, column, validation.credit_code_problem(code, kind=kind, entity=entity)):
            return None
        return code

    # -- the skeleton's steps ----------------------------------------------------------------------------------
    def plan(self, row: Row, errors: list[RowError]) -> Plan:
        key, values = self.parse(row, errors)
        duplicate = False
        if key is not None:
            first = self.first_seen(key)
            if first is not None:
                duplicate = True
                self.error(errors, row.line, self.key_column, "duplicate",
                           _("Duplicate of line %(line)d in this file.") % {"line": first[0]})
            else:
                self.remember(key, row.line)
        if errors:
            return Pending(row.line, Action.REJECT, duplicate=duplicate)
        obj = self.existing(key)
        refs = self.refs_of(values)
        cells = dict(row.values) if refs else None
        if obj is None:
            return Pending(row.line, Action.CREATE, key=key, values=values, refs=refs, cells=cells)
        changes = self.diff(obj, values, errors, row.line)
        if errors:
            return Pending(row.line, Action.REJECT)
        if changes or refs:
            return Pending(row.line, Action.UPDATE, key=key, values=values, obj=obj, changes=changes, refs=refs,
                           cells=cells)
        return Pending(row.line, Action.UNCHANGED)

    def settle(self, plans: list[Plan]) -> None:
        """Reject rows whose reference to another row of the file points at a row that was not accepted."""
        while True:
            self.take(plans)
            created = {p.key for p in self.creates}
            broken = [p for p in self.creates + self.updates if p.refs and not self.refs_ok(p, created)]
            if not broken:
                return
            for p in broken:
                p.reject(self.ref_errors(p))

    def take(self, plans: list[Plan]) -> None:
        self.creates = [p for p in plans if isinstance(p, Pending) and p.action == Action.CREATE]
        self.updates = [p for p in plans if isinstance(p, Pending) and p.action == Action.UPDATE]

    def refs_ok(self, pending: Pending, created: set[Any]) -> bool:
        return all(ref in created for ref in pending.refs.values())

    def ref_errors(self, pending: Pending) -> list[RowError]:
        column, ref = next(iter(pending.refs.items()))
        return [RowError(pending.line, column, "unknown_reference",
                         _("“%(code)s” is neither registered nor accepted in this file.") % {"code": ref})]

    def write(self, plans: list[Plan]) -> None:
        self.take(plans)
        reason = self.reason
        self.write_creates(self.creates, reason)
        self.resolve_references(reason)
        befores = [self.snapshot(p.obj) for p in self.updates]
        self.write_updates(self.updates, reason)
        entries = [self.audit_entry_fields(*self.created_record(p), "create", None, reason, plain=True)
                   for p in self.creates]
        for p, before in zip(self.updates, befores, strict=True):
            b, a = audit.changed_fields(before, self.snapshot(p.obj))
            if p.transition is not None:  # the named transition audited its own fields
                for name in ("status", *p.transition[1]):
                    b.pop(name, None)
                    a.pop(name, None)
            if a:
                entries.append(self.audit_entry_fields(p.obj.pk, str(p.obj), a, "update", b, reason))
        insert_rows(AuditEntry, entries)

    def created_record(self, pending: Pending) -> tuple[Any, str, dict[str, Any]]:
        """(object id, object repr, after) of a created object, for its audit entry."""
        return pending.obj.pk, str(pending.obj), self.snapshot(pending.obj)

    def resolve_references(self, reason: str) -> None:
        return None

    def audit_entry_fields(self, object_id: Any, object_repr: str, after: Any, verb: str, before: Any,
                           reason: str, *, plain: bool = False) -> dict[str, Any]:
        """An audit row; `plain` when before/after already hold only JSON values (skips converting them)."""
        user, name = self.actor_fields
        return {"actor_id": user, "actor_name": name, "action": f"{self.action}:{verb}",
                "object_type": self.model._meta.label_lower, "object_id": str(object_id),
                "object_repr": object_repr[:200], "before": before if plain else audit.json_safe(before),
                "after": after if plain else audit.json_safe(after), "reason": reason}

    @property
    def actor_fields(self) -> tuple[int | None, str]:
        user, name = audit.actor_of(self.actor)
        return (user.pk if user else None), name


# -- regions ----------------------------------------------------------------------------------------------------
class RegionImport(BaseImport):
    """Add townships and villages, flag poor villages (a county office) or poverty counties (administrators)."""

    name = "regions"
    model = Region
    action = "region"
    key_column = "code"
    audit_fields = services.REGION_FIELDS

    def prefetch(self, rows: list[Row]) -> None:
        codes: set[str] = set()
        for row in rows:
            code = rules.normalise_region_code(row.get("code"))
            codes.add(code)
            parent = rules.parent_code_of(code) if rules.level_of(code) else None
            if parent:
                codes.add(parent)
        self.regions = selectors.regions_by_codes(codes=codes)

    def parse(self, row: Row, errors: list[RowError]) -> tuple[Any, dict[str, Any]]:
        code = rules.normalise_region_code(row.get("code"))
        level = rules.level_of(code)
        if level is None:
            self.problem(errors, row.line, "code", validation.region_code_problem(code, given=row.get("code")))
            return None, {}
        region = self.regions.get(code)
        if region is not None:
            code, level = region.code, region.level
        self.region_in_scope(errors, row.line, "code", code)
        if self.restricted and not self.actor.has_role(Role.ADMINISTRATOR) and not rules.region_editable_by_clerk(level):
            self.error(errors, row.line, "code", "not_allowed",
                       _("Only administrators add or change provinces, prefectures and counties."))
        values: dict[str, Any] = {}
        name = row.get("name").strip()
        if name:
            values["name"] = name[:100]
        elif region is None:
            self.error(errors, row.line, "name", "required",
                       _("Region %(code)s is not registered: give its name to add it.") % {"code": code})
        poor = self.bool_of(errors, row, "poor_village")
        if poor is not None:
            self.problem(errors, row.line, "poor_village", validation.poor_village_problem(poor, level=level))
            values["is_poor_village"] = poor
        county = self.bool_of(errors, row, "poverty_county")
        if county is not None:
            self.problem(errors, row.line, "poverty_county", validation.poverty_county_problem(county, level=level))
            values["is_poverty_county"] = county
        exit_year = self.year_of(errors, row, "exit_year", first=rules.FIRST_YEAR["exit_year"], last=self.today.year)
        if exit_year is not None:
            values["poverty_exit_year"] = exit_year
        active = self.bool_of(errors, row, "active")
        if active is not None:
            values["active"] = active
        if region is None:
            parent_code = rules.parent_code_of(code)
            values.update(code=code, level=level, zone=rules.zone_of(code), parent_code=parent_code)
        return code, values

    def existing(self, key: Any) -> Region | None:
        return self.regions.get(key)

    def refs_of(self, values: dict[str, Any]) -> dict[str, Any]:
        parent = values.get("parent_code")
        if parent and parent not in self.regions:
            return {"code": parent}
        return {}

    def ref_errors(self, pending: Pending) -> list[RowError]:
        return [validation.parent_region_problem(pending.refs["code"]).row_error(pending.line, "code")]

    def write_creates(self, items: list[Pending], reason: str) -> None:
        # parents first: provinces, prefectures, counties, townships, villages
        items.sort(key=lambda p: (len(p.key), p.key))
        known = {r.code: r for r in Region.objects.filter(code__in={p.values["parent_code"] for p in items
                                                                      if p.values.get("parent_code")})}
        for length in sorted({len(p.key) for p in items}):
            batch = [p for p in items if len(p.key) == length]
            objs = []
            for p in batch:
                values = dict(p.values)
                parent_code = values.pop("parent_code", None)
                objs.append(Region(parent=known.get(parent_code) if parent_code else None, **values))
            Region.objects.bulk_create(objs, batch_size=500)
            for p, obj in zip(batch, objs, strict=True):
                p.obj = obj
                known[obj.code] = obj


# -- organisations ----------------------------------------------------------------------------------------------
class OrganisationImport(BaseImport):
    name = "organisations"
    model = Organisation
    action = "organisation"
    key_column = "credit_code"
    audit_fields = services.ORGANISATION_FIELDS

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.kinds = enum_table(OrganisationKind)

    def prefetch(self, rows: list[Row]) -> None:
        codes = {rules.normalise_credit_code(r.get(c)) for r in rows for c in ("credit_code", "parent_credit_code")}
        self.orgs = {o.credit_code: o for o in selectors.organisations_by_credit_codes(codes=codes - {""})}
        self.regions = selectors.regions_by_codes(codes={rules.normalise_region_code(r.get("region_code")) for r in rows})

    def parse(self, row: Row, errors: list[RowError]) -> tuple[Any, dict[str, Any]]:
        kind = self.enum_of(self.kinds, errors, row, "kind")
        code = rules.normalise_credit_code(row.get("credit_code"))
        if not code:
            self.error(errors, row.line, "credit_code", "required", _("A unified social credit code is required."))
        elif kind is not None:
            self.credit_code_of(errors, row, "credit_code", kind=kind, entity=False)
        name = row.get("name").strip()
        self.problem(errors, row.line, "name", validation.name_problem(name))
        region = self.region_of(self.regions, errors, row, "region_code")
        if region is not None:
            self.region_in_scope(errors, row.line, "region_code", region.code)
        values: dict[str, Any] = {"name": name[:200], "kind": kind, "credit_code": code,
                                  "region_id": region.pk if region else None}
        parent_code = rules.normalise_credit_code(row.get("parent_credit_code"))
        if parent_code:
            if parent_code == code:
                self.problem(errors, row.line, "parent_credit_code", validation.supervision_cycle())
            elif parent_code in self.orgs:
                values["parent_id"] = self.orgs[parent_code].pk
            elif not self.problem(errors, row.line, "parent_credit_code", validation.credit_code_problem(
                    parent_code, kind=OrganisationKind.OTHER, entity=False)):
                values["parent_code"] = parent_code
        active = self.bool_of(errors, row, "active")
        if active is not None:
            values["active"] = active
        return (code or None), values

    def existing(self, key: Any) -> Organisation | None:
        return self.orgs.get(key)

    def refs_of(self, values: dict[str, Any]) -> dict[str, Any]:
        return {"parent_credit_code": values["parent_code"]} if "parent_code" in values else {}

    def diff(self, obj: Any, values: dict[str, Any], errors: list[RowError], line: int) -> dict[str, Any]:
        changes = {k: v for k, v in values.items() if k != "parent_code" and getattr(obj, k) != v}
        new_parent = changes.get("parent_id")
        if new_parent:
            self.problem(errors, line, "parent_credit_code",
                         validation.supervision_problem(obj.pk, Organisation.objects.get(pk=new_parent)))
        if self.restricted and "region_id" in changes:
            self.region_in_scope(errors, line, "region_code", obj.region.code)
        return changes

    def write_creates(self, items: list[Pending], reason: str) -> None:
        for p in items:
            p.values.pop("parent_code", None)
        super().write_creates(items, reason)

    def refs_ok(self, pending: Pending, created: set[Any]) -> bool:
        """The supervising unit is created by this file, and following supervisors does not come back here."""
        if not super().refs_ok(pending, created):
            return False
        parents = {p.key: p.values.get("parent_code") for p in self.creates}
        current, steps = pending.refs["parent_credit_code"], 0
        while current is not None and steps <= len(parents):
            if current == pending.key:
                return False
            current, steps = parents.get(current), steps + 1
        return True

    def resolve_references(self, reason: str) -> None:
        """Link organisations to supervising units created by the same file (once all are created)."""
        by_code = {p.key: p.obj for p in self.creates}
        created = []
        for p in self.creates:
            if p.refs:
                p.obj.parent_id = by_code[p.refs["parent_credit_code"]].pk
                created.append(p.obj)
        for p in self.updates:
            if p.refs:
                p.changes["parent_id"] = by_code[p.refs["parent_credit_code"]].pk
        if created:
            Organisation.objects.bulk_update(created, ["parent_id"], batch_size=500)


# -- market entities --------------------------------------------------------------------------------------------
class EntityImport(BaseImport):
    """Sellers. Legal persons by credit code; a poor household selling directly by its resident ID (the
    household must be registered first)."""

    name = "entities"
    model = MarketEntity
    action = "entity"
    key_column = "credit_code"
    audit_fields = services.ENTITY_FIELDS

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.kinds = enum_table(EntityKind)
        self.sectors = enum_table(Sector)

    def prefetch(self, rows: list[Row]) -> None:
        codes = {rules.normalise_credit_code(r.get("credit_code")) for r in rows} - {""}
        self.by_code = {e.credit_code: e for e in selectors.entities_by_credit_codes(codes=codes)}
        hashes = set()
        for r in rows:
            number = normalise_resident_id(r.get("id_number"))
            if number and validation.resident_id_problem(number) is None:
                hashes.add(services.resident_id_hash(number))
        self.households = selectors.households_by_id_hashes(hashes=hashes, with_village=True)
        self.by_household = {e.household_id: e for e in selectors.entities_by_households(
            household_ids={h.pk for h in self.households.values()})}
        self.regions = selectors.regions_by_codes(codes={rules.normalise_region_code(r.get("region_code")) for r in rows})

    def parse(self, row: Row, errors: list[RowError]) -> tuple[Any, dict[str, Any]]:
        kind = self.enum_of(self.kinds, errors, row, "kind")
        name = row.get("name").strip()
        self.problem(errors, row.line, "name", validation.name_problem(name))
        code = self.credit_code_of(errors, row, "credit_code", kind=kind, entity=True)
        household = None
        key: Any = code
        if kind == EntityKind.POOR_HOUSEHOLD:
            household = self.household_of(errors, row)
            key = ("household", household.id_hash) if household else None
        elif kind is not None and not code and not any(e.column == "credit_code" for e in errors):
            self.error(errors, row.line, "credit_code", "required",
                       _("Import needs a credit code for this kind of market entity (or add it in the portal)."))
        region = self.region_of(self.regions, errors, row, "region_code", required=kind != EntityKind.POOR_HOUSEHOLD)
        if region is None and household is not None and not row.get("region_code").strip():
            region = household.village
        if region is not None:
            self.region_in_scope(errors, row.line, "region_code", region.code)
        sectors = []
        for part in rules.split_sectors(row.get("sectors")):
            sector = rules.parse_enum(part, self.sectors)
            if sector is None:
                self.error(errors, row.line, "sectors", "unknown_value", _("Unknown value “%(value)s”.") % {"value": part})
            else:
                sectors.append(sector)
        values: dict[str, Any] = {"name": name[:200], "kind": kind, "credit_code": code,
                                  "region_id": region.pk if region else None,
                                  "household_id": household.pk if household else None}
        if row.get("sectors").strip():  # an empty cell keeps the stored sectors
            values["sectors"] = rules.sectors_field(sectors)
        active = self.bool_of(errors, row, "active")
        if active is not None:
            values["active"] = active
        return key, values

    def household_of(self, errors: list[RowError], row: Row) -> Household | None:
        number = normalise_resident_id(row.get("id_number"))
        if not number:
            self.error(errors, row.line, "id_number", "required",
                       _("A poor household selling directly is named by its resident ID."))
            return None
        if self.problem(errors, row.line, "id_number", validation.resident_id_problem(number)):
            return None
        household = self.households.get(services.resident_id_hash(number))
        if household is None:
            self.error(errors, row.line, "id_number", "unknown_household",
                       _("No household with this resident ID is registered; import the household first."))
        return household

    def existing(self, key: Any) -> MarketEntity | None:
        if isinstance(key, tuple):
            household = self.households.get(key[1])
            return self.by_household.get(household.pk) if household else None
        return self.by_code.get(key)

    def diff(self, obj: Any, values: dict[str, Any], errors: list[RowError], line: int) -> dict[str, Any]:
        if obj.kind != values["kind"]:
            self.error(errors, line, "kind", "kind_changed",
                       _("This entity is registered as “%(kind)s”; its kind cannot change.")
                       % {"kind": obj.get_kind_display()})
        if self.restricted and obj.region_id != values["region_id"]:
            self.region_in_scope(errors, line, "region_code", obj.region.code)
        return {k: v for k, v in values.items() if getattr(obj, k) != v}


# -- households -------------------------------------------------------------------------------------------------
class HouseholdImport(BaseImport):
    name = "households"
    model = Household
    action = "household"
    key_column = "id_number"
    audit_fields = services.HOUSEHOLD_FIELDS

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.statuses = enum_table(HouseholdStatus)
        self.registry_codes: dict[str, int] = {}

    def snapshot(self, obj: Any) -> dict[str, Any]:
        return services._household_audit(obj)

    def prefetch(self, rows: list[Row]) -> None:
        self.hashes: dict[int, str] = {}
        for r in rows:
            number = normalise_resident_id(r.get("id_number"))
            if number and validation.resident_id_problem(number) is None:
                self.hashes[r.line] = services.resident_id_hash(number)
        self.stored = selectors.households_by_id_hashes(hashes=set(self.hashes.values()))
        codes = {r.get("registry_code").strip() for r in rows} - {""}
        self.code_owner = selectors.household_ids_by_registry_codes(codes=codes)
        self.regions = selectors.regions_by_codes(codes={rules.normalise_region_code(r.get("village_code")) for r in rows})

    def parse(self, row: Row, errors: list[RowError]) -> tuple[Any, dict[str, Any]]:
        number = normalise_resident_id(row.get("id_number"))
        id_hash = self.hashes.get(row.line)
        if not number:
            self.error(errors, row.line, "id_number", "required", _("A resident ID is required."))
        elif id_hash is None:
            self.problem(errors, row.line, "id_number", validation.resident_id_problem(number))
        village = self.region_of(self.regions, errors, row, "village_code")
        if village is not None:
            self.problem(errors, row.line, "village_code", validation.village_problem(village))
            self.region_in_scope(errors, row.line, "village_code", village.code)
        status = self.enum_of(self.statuses, errors, row, "status")
        size = 1
        if row.get("size").strip():
            parsed = rules.parse_int(row.get("size"), low=1, high=30)
            self.problem(errors, row.line, "size", validation.household_size_problem(parsed))
            size = parsed or 1
        lifted = self.year_of(errors, row, "lifted_year", first=rules.FIRST_YEAR["lifted_year"], last=self.today.year)
        if status is not None:
            self.problem(errors, row.line, "lifted_year", validation.lifted_year_problem(status, lifted))
        values: dict[str, Any] = {"village_id": village.pk if village else None, "status": status, "lifted_year": lifted,
                                  "id_hash": id_hash}
        if row.get("size").strip():
            values["size"] = size
        for column, limit in (("head_name", 60), ("phone", 20)):
            if row.get(column).strip():
                values[column] = row.get(column).strip()[:limit]
        code = row.get("registry_code").strip()
        if code:
            if len(code) > 32:
                self.error(errors, row.line, "registry_code", "bad_value", _("At most 32 characters."))
            owner = self.code_owner.get(code)
            stored = self.stored.get(id_hash) if id_hash else None
            first = self.registry_codes.get(code)
            if owner is not None and (stored is None or stored.pk != owner):
                self.problem(errors, row.line, "registry_code", validation.registry_code_taken(code))
            elif first is not None and id_hash is not None:
                self.error(errors, row.line, "registry_code", "duplicate",
                           _("Duplicate of line %(line)d in this file.") % {"line": first})
            self.registry_codes.setdefault(code, row.line)
            values["registry_code"] = code
        elif village is not None and id_hash is not None and id_hash not in self.stored:
            values["registry_code"] = rules.household_registry_code(village_code=village.code, id_hash=id_hash)
        return id_hash, values

    def existing(self, key: Any) -> Household | None:
        return self.stored.get(key)

    def diff(self, obj: Any, values: dict[str, Any], errors: list[RowError], line: int) -> dict[str, Any]:
        changes = {k: v for k, v in values.items() if getattr(obj, k) != v}
        if "lifted_year" in changes and changes["lifted_year"] is None:
            del changes["lifted_year"]  # an empty cell keeps the stored year
        new_status = changes.get("status")
        if new_status and obj.status not in rules.household_allowed_from(new_status):
            self.error(errors, line, "status", "transition_not_allowed",
                       _("Cannot go from “%(current)s” to “%(to)s”.")
                       % {"current": obj.get_status_display(), "to": HouseholdStatus(new_status).label})
        status = changes.get("status", obj.status)
        if new_status != HouseholdStatus.REGISTERED_POOR:
            self.problem(errors, line, "lifted_year",
                         validation.lifted_year_problem(status, changes.get("lifted_year", obj.lifted_year)))
        if self.restricted and "village_id" in changes:
            self.region_in_scope(errors, line, "village_code", obj.village.code)
        return changes

    def write_creates(self, items: list[Pending], reason: str) -> None:
        """Households come by the hundred thousand: insert with executemany, then read back their ids by hash."""
        insert_rows(Household, [p.values for p in items])
        ids: dict[str, int] = {}
        hashes = [p.key for p in items]
        for start in range(0, len(hashes), CHUNK):
            ids.update(selectors.household_ids_by_id_hashes(hashes=set(hashes[start:start + CHUNK])))
        for p in items:
            p.pk = ids[p.key]
        services.household_history_start(facts=[(ids[p.key], p.values["status"], p.values.get("lifted_year"))
                                                for p in items])

    def created_record(self, pending: Pending) -> tuple[Any, str, dict[str, Any]]:
        v = pending.values
        after = {"registry_code": v["registry_code"], "village_id": v["village_id"], "size": v.get("size", 1),
                 "status": v["status"], "lifted_year": v["lifted_year"], "head_name": mask_name(v.get("head_name", "")),
                 "phone": mask_phone(v.get("phone", ""))}
        return pending.pk, v["registry_code"], after

    def write_updates(self, items: list[Pending], reason: str) -> None:
        """Details in bulk (audited by `write`); a status change through its named transition (audited there)."""
        for p in items:
            if "status" in p.changes:
                to = p.changes.pop("status")
                changes = {"lifted_year": p.changes.pop("lifted_year")} if "lifted_year" in p.changes else {}
                if to == HouseholdStatus.REGISTERED_POOR:
                    changes["lifted_year"] = None
                p.transition = (to, changes)
        super().write_updates([p for p in items if p.changes], reason)
        for p in items:
            if p.transition is None:
                continue
            to, changes = p.transition
            services.household_history_start(households=[p.obj])
            services.household_period_record(household=p.obj, to=to, effective=self.today, reason=reason)
            audit.transition(p.obj, to=to, allowed_from=rules.household_allowed_from(to), actor=self.actor,
                             reason=reason, action=rules.HOUSEHOLD_TRANSITION_NAMES[to], changes=changes)


# -- assistance relations ---------------------------------------------------------------------------------------
class RelationImport(BaseImport):
    name = "relations"
    model = AssistanceRelation
    action = "relation"
    key_column = "helped_region_code"
    audit_fields = services.RELATION_FIELDS

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.kinds = enum_table(RelationKind)

    def prefetch(self, rows: list[Row]) -> None:
        codes = {rules.normalise_credit_code(r.get("helper_credit_code")) for r in rows} - {""}
        self.orgs = {o.credit_code: o for o in selectors.organisations_by_credit_codes(codes=codes)}
        region_codes = {rules.normalise_region_code(r.get(c)) for r in rows
                        for c in ("helper_region_code", "helped_region_code")} - {""}
        self.regions = selectors.regions_by_codes(codes=region_codes)
        self.stored = {
            rules.relation_key(r.kind, r.helper_org_id, r.helper_region_id, r.helped_region_id, r.year_from): r
            for r in selectors.relations_for_regions(region_ids={r.pk for r in self.regions.values()})
        }

    def parse(self, row: Row, errors: list[RowError]) -> tuple[Any, dict[str, Any]]:
        kind = self.enum_of(self.kinds, errors, row, "kind")
        helper_org = None
        helper_code = rules.normalise_credit_code(row.get("helper_credit_code"))
        if helper_code:
            helper_org = self.orgs.get(helper_code)
            if helper_org is None and not self.problem(errors, row.line, "helper_credit_code", validation.credit_code_problem(
                    helper_code, kind=OrganisationKind.OTHER, entity=False)):
                self.error(errors, row.line, "helper_credit_code", "unknown_organisation",
                           _("No organisation with credit code %(code)s is registered.") % {"code": helper_code})
        helper_region = self.region_of(self.regions, errors, row, "helper_region_code", required=False)
        helped = self.region_of(self.regions, errors, row, "helped_region_code")
        if helped is not None:
            self.region_in_scope(errors, row.line, "helped_region_code", helped.code)
        last = self.today.year + 10
        first = rules.FIRST_YEAR["relation_year"]
        year_from = self.year_of(errors, row, "year_from", first=first, last=last)
        if year_from is None and not row.get("year_from").strip():
            self.error(errors, row.line, "year_from", "required", _("A start year is required."))
        year_to = self.year_of(errors, row, "year_to", first=first, last=last)
        if year_from is not None:
            self.problem(errors, row.line, "year_to", validation.relation_years_problem(year_from, year_to))
        if kind is not None and not any(e.column.startswith("helper") for e in errors):
            column = "helper_region_code" if kind == RelationKind.EAST_WEST else "helper_credit_code"
            self.problem(errors, row.line, column, validation.relation_helper_problem(
                kind, has_org=helper_org is not None, has_region=helper_region is not None))
        values: dict[str, Any] = {"kind": kind, "helper_org_id": helper_org.pk if helper_org else None,
                  "helper_region_id": helper_region.pk if helper_region else None,
                  "helped_region_id": helped.pk if helped else None, "year_from": year_from, "year_to": year_to,
                  "note": row.get("note").strip()[:200]}
        if errors or kind is None or helped is None or year_from is None:
            return None, values
        return rules.relation_key(kind, values["helper_org_id"], values["helper_region_id"], helped.pk, year_from), values

    def existing(self, key: Any) -> AssistanceRelation | None:
        return self.stored.get(key)

    def diff(self, obj: Any, values: dict[str, Any], errors: list[RowError], line: int) -> dict[str, Any]:
        """Empty cells keep what is stored (an end year or a note is not cleared by an older file)."""
        return {k: v for k, v in values.items() if getattr(obj, k) != v and v not in (None, "")}


IMPORTERS: dict[str, type[BaseImport]] = {
    "regions": RegionImport, "organisations": OrganisationImport, "entities": EntityImport,
    "households": HouseholdImport, "relations": RelationImport,
}


# -- the entry point --------------------------------------------------------------------------------------------
def registry_import(*, kind: str, path: str | Path, actor: Any, file_name: str | None = None,
                    dry_run: bool = False) -> ImportReport:
    """Import a CSV or spreadsheet of `kind` (regions, organisations, entities, households, relations).

    File-level problems (unreadable file, missing required columns) raise `TableError` (an `InvalidInput`);
    row problems are reported in the returned `ImportReport`, whose run is kept as an `ImportRun`."""
    if kind not in IMPORTERS:
        raise InvalidInput(_("Unknown import kind “%(kind)s”: use one of %(kinds)s.")
                           % {"kind": kind, "kinds": ", ".join(KINDS)}, code="bad_kind")
    policy.authorise_import(actor, kind=kind)
    return run_import(IMPORTERS[kind](actor=actor, dry_run=dry_run), path=path, file_name=file_name)


__all__ = ["COLUMNS", "IMPORTERS", "KINDS", "registry_import", "rejected_file_content", "run_kind"]
