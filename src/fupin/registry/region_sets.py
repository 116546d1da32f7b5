"""Dated region sets (issue #10 §1): the 832 national poverty counties until their exit and as counties lifted out
after it, poor villages, and from 2021 the national key counties for rural revitalisation (国家乡村振兴重点帮扶县)
and the provinces' own key counties. Counting reads the set in force on the purchase date.

- The poverty and lifted county memberships follow the registry's flags (`is_poverty_county`, `poverty_exit_year`,
  loaded from the 832 list by `fupin load_reference`): `region_sets_sync` rewrites exactly those rows (source
  `REFERENCE_SOURCE`), so a corrected exit year moves the boundary.
- Key counties come from a file `key_counties.csv` in the reference folder (format below). The shared reference data
  has no official list of the 160 counties, so without it the demo and tests load `data/key_counties_sample.csv`,
  whose rows say `sample=yes` and are shown as a sample wherever they appear.
- Administrators add or close memberships one by one (`membership_add`, `membership_close`), audited.

Key county file (CSV, UTF-8, header row): `region_code` (a county code), `set` (`key_county` or
`provincial_key_county`; default `key_county`), `valid_from` (YYYY-MM-DD), `valid_to` (empty while in force),
`source` (the document), `sample` (yes/no). The whole file is refused if any row is wrong (line, column, reason).
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from fupin.core import access, audit
from fupin.core.enums import Role
from fupin.core.errors import InvalidInput

from . import rules
from .enums import RegionLevel, RegionSet
from .models import Region, RegionSetMembership

REFERENCE_SOURCE = "registry flags (is_poverty_county, poverty_exit_year)"
REFERENCE_SOURCES = (REFERENCE_SOURCE, "registry flag (is_poor_village)")  # the second: rows of migration 0002
FLAG_SETS = (RegionSet.POVERTY_COUNTY, RegionSet.LIFTED_COUNTY, RegionSet.POOR_VILLAGE)
KEY_COUNTY_FILE = "key_counties.csv"
SAMPLE_FILE = Path(__file__).parent / "data" / "key_counties_sample.csv"
FILE_SETS = {RegionSet.KEY_COUNTY, RegionSet.PROVINCIAL_KEY_COUNTY}
FIELDS = ["set_kind", "region_id", "valid_from", "valid_to", "source", "is_sample", "note"]


@dataclass
class SyncReport:
    poverty_created: int = 0
    poverty_removed: int = 0
    key_counties: int = 0
    sample: bool = False
    errors: list[dict[str, Any]] = field(default_factory=list)


def region_sets_sync(*, actor: Any, key_county_file: Path | None = None, lenient: bool = False) -> SyncReport:
    """Make the poverty county, lifted county and poor village memberships equal to the registry's flags, and load a
    key county file (`lenient`: skip counties the registry lacks — for the sample on a synthetic region set)."""
    access.authorise(actor, roles=(Role.ADMINISTRATOR,), what="region sets")
    report = SyncReport()
    with transaction.atomic():
        wanted = {(kind, pk, start, end)
                  for pk, exit_year in Region.objects.filter(is_poverty_county=True).values_list("pk", "poverty_exit_year")
                  for kind, start, end in rules.poverty_county_memberships(exit_year)}
        wanted |= {(RegionSet.POOR_VILLAGE, pk, rules.POVERTY_LIST_START, None)
                   for pk in Region.objects.filter(is_poor_village=True).values_list("pk", flat=True)}
        stored = {(m.set_kind, m.region_id, m.valid_from, m.valid_to): m.pk for m in RegionSetMembership.objects.filter(
            source__in=REFERENCE_SOURCES, set_kind__in=FLAG_SETS)}
        gone = [pk for key, pk in stored.items() if key not in wanted]
        RegionSetMembership.objects.filter(pk__in=gone).delete()
        new = [RegionSetMembership(set_kind=k, region_id=r, valid_from=s, valid_to=e, source=REFERENCE_SOURCE)
               for k, r, s, e in sorted(wanted - set(stored), key=str)]
        RegionSetMembership.objects.bulk_create(new, batch_size=2000)
        report.poverty_created, report.poverty_removed = len(new), len(gone)
        if key_county_file is not None:
            rows = key_counties_read(key_county_file, lenient=lenient)
            report.key_counties, report.sample = _replace_file_sets(rows, source=key_county_file.name)
        if new or gone or report.key_counties:
            audit.record(actor=actor, action="region_sets:sync", object_type="registry.regionsetmembership",
                         object_id="*", after={"poverty_created": len(new), "poverty_removed": len(gone),
                                               "key_counties": report.key_counties, "sample": report.sample})
    return report


def key_counties_read(path: Path, *, lenient: bool = False) -> list[RegionSetMembership]:
    """The rows of a key county file, checked; InvalidInput naming every bad line and column otherwise."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        lines = [line for line in fh if not line.lstrip().startswith("#")]
    reader = csv.DictReader(lines)
    missing = {"region_code", "valid_from"} - set(reader.fieldnames or [])
    if missing:
        raise InvalidInput(_("The key county file lacks the column(s) %(cols)s.") % {"cols": ", ".join(sorted(missing))},
                           code="missing_columns")
    raw = list(reader)
    counties = {r.code: r for r in Region.objects.filter(code__in=[(row.get("region_code") or "").strip() for row in raw],
                                                         level=RegionLevel.COUNTY)}
    errors: list[dict[str, Any]] = []
    out = []
    for line, row in enumerate(raw, start=2):
        code = (row.get("region_code") or "").strip()
        kind = (row.get("set") or RegionSet.KEY_COUNTY).strip()
        if code not in counties and lenient:
            continue
        if code not in counties:
            errors.append({"line": line, "column": "region_code", "code": "unknown_region",
                           "message": _("“%(code)s” is not a county of the registry.") % {"code": code}})
        if kind not in FILE_SETS:
            errors.append({"line": line, "column": "set", "code": "bad_set",
                           "message": _("Unknown region set “%(value)s”.") % {"value": kind}})
        dates: dict[str, dt.date | None] = {}
        for column in ("valid_from", "valid_to"):
            text = (row.get(column) or "").strip()
            try:
                dates[column] = dt.date.fromisoformat(text) if text else None
            except ValueError:
                errors.append({"line": line, "column": column, "code": "invalid_date",
                               "message": _("“%(value)s” is not a date (use YYYY-MM-DD)") % {"value": text[:40]}})
        if not (row.get("valid_from") or "").strip():
            errors.append({"line": line, "column": "valid_from", "code": "required",
                           "message": _("A start date is required.")})
        start, end = dates.get("valid_from"), dates.get("valid_to")
        if start and end and end < start:
            errors.append({"line": line, "column": "valid_to", "code": "reversed_dates",
                           "message": _("The end date is before the start date.")})
        if code in counties and kind in FILE_SETS and start:
            out.append(RegionSetMembership(
                set_kind=kind, region=counties[code], valid_from=start, valid_to=end,
                source=(row.get("source") or "").strip()[:200] or path.name,
                is_sample=(row.get("sample") or "").strip().lower() in rules.TRUE_WORDS,
            ))
    if errors:
        raise InvalidInput(_("The key county file has %(n)d wrong row(s); nothing was loaded.") % {"n": len(errors)},
                           code="bad_file", details={"errors": errors})
    return out


def _replace_file_sets(rows: list[RegionSetMembership], *, source: str) -> tuple[int, bool]:
    """A key county file replaces the memberships that an earlier load of a file (not an administrator) wrote; a row
    that an administrator already recorded (same set, region and start) stays the administrator's."""
    RegionSetMembership.objects.filter(set_kind__in=FILE_SETS).exclude(source__startswith="admin:").delete()
    RegionSetMembership.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    return len(rows), any(r.is_sample for r in rows)


@transaction.atomic
def membership_add(*, set_kind: str, region: Region, valid_from: dt.date, valid_to: dt.date | None = None,
                   note: str = "", actor: Any) -> RegionSetMembership:
    """An administrator adds a region to a set for a period (e.g. a province names its own key county)."""
    access.authorise(actor, roles=(Role.ADMINISTRATOR,), region_code=region.code, what="region set membership")
    if set_kind not in RegionSet.values:
        raise InvalidInput(_("Unknown region set “%(value)s”.") % {"value": set_kind}, code="bad_set",
                           details={"field": "set_kind", "allowed": list(RegionSet.values)})
    if valid_to is not None and valid_to < valid_from:
        raise InvalidInput(_("The end date is before the start date."), code="reversed_dates",
                           details={"field": "valid_to"})
    overlapping = RegionSetMembership.objects.filter(set_kind=set_kind, region=region).exclude(
        valid_to__lt=valid_from)
    if valid_to is not None:
        overlapping = overlapping.exclude(valid_from__gt=valid_to)
    if overlapping.exists():
        raise InvalidInput(_("The region is already in this set for part of the period."), code="overlap",
                           details={"field": "valid_from"})
    m = RegionSetMembership.objects.create(set_kind=set_kind, region=region, valid_from=valid_from, valid_to=valid_to,
                                           source=f"admin:{getattr(actor, 'username', actor)}", note=note[:200])
    audit.record(actor=actor, action="region_set:add", obj=m, after=audit.snapshot(m, FIELDS))
    return m


@transaction.atomic
def membership_close(*, membership: RegionSetMembership, valid_to: dt.date, reason: str,
                     actor: Any) -> RegionSetMembership:
    """End a membership on a date (a county leaves the key county list); the history stays."""
    access.authorise(actor, roles=(Role.ADMINISTRATOR,), region_code=membership.region.code,
                     what="region set membership")
    if not reason.strip():
        raise InvalidInput(_("Give the reason."), code="missing_reason", details={"field": "reason"})
    if valid_to < membership.valid_from:
        raise InvalidInput(_("The end date is before the start date."), code="reversed_dates",
                           details={"field": "valid_to"})
    before = audit.snapshot(membership, ["valid_to"])
    membership.valid_to = valid_to
    membership.save(update_fields=["valid_to", "updated_at"])
    audit.record(actor=actor, action="region_set:close", obj=membership, before=before,
                 after=audit.snapshot(membership, ["valid_to"]), reason=reason)
    return membership
