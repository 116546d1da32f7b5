"""Registry exports to CSV or .xlsx (`fupin.core.tabular`), each within the viewer's scope.

The columns start with the import's columns and values (codes, not labels), so an exported file can be edited
and imported again; a few descriptive columns follow (ignored on import). Household exports show names and
phone numbers masked unless the viewer may see them, never identity numbers, and are logged as exports of
personal data.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from fupin.core.errors import InvalidInput
from fupin.core.services import export_log
from fupin.core.tabular import CONTENT_TYPES, Column, header_labels, table_bytes

from . import selectors
from .imports import COLUMNS

FORMATS = ("csv", "xlsx")

EXTRA: dict[str, tuple[Column, ...]] = {
    "regions": (Column("level", "级别"), Column("parent_code", "上级区划代码"), Column("zone", "地带")),
    "organisations": (Column("id", "编号"), Column("region_name", "所在地区"), Column("parent_name", "上级单位")),
    "entities": (Column("id", "编号"), Column("region_name", "所在地区"), Column("household_registry_code", "户编号")),
    "households": (Column("id", "编号"), Column("village_name", "村名称"), Column("masked", "已脱敏")),
    "relations": (Column("id", "编号"), Column("helper_name", "帮扶方"), Column("helped_region_name", "受帮扶地区")),
}
# Households export what may leave the system: no identity number (only its hash is stored anyway).
HOUSEHOLD_COLUMNS = tuple(c for c in COLUMNS["households"] if c.name != "id_number")


@dataclass(frozen=True)
class ExportFile:
    content: bytes
    file_name: str
    content_type: str
    rows: int


def export_columns(kind: str) -> tuple[Column, ...]:
    base = HOUSEHOLD_COLUMNS if kind == "households" else tuple(c for c in COLUMNS[kind] if c.name != "id_number")
    return base + EXTRA[kind]


def _yes(value: bool) -> str:
    return "yes" if value else "no"


def _region_rows(viewer: Any, filters: dict[str, Any]) -> Iterator[list[Any]]:
    for r in selectors.region_list(viewer=viewer, **filters).iterator(chunk_size=2000):
        yield [r.code, r.name, _yes(r.is_poor_village), _yes(r.is_poverty_county), r.poverty_exit_year, _yes(r.active),
               r.level, r.parent.code if r.parent is not None else "", r.zone]


def _organisation_rows(viewer: Any, filters: dict[str, Any]) -> Iterator[list[Any]]:
    for o in selectors.organisation_list(viewer=viewer, **filters).iterator(chunk_size=2000):
        parent = o.parent
        yield [o.credit_code or "", o.name, o.kind, o.region.code, parent.credit_code or "" if parent else "",
               _yes(o.active), o.pk, o.region.name, parent.name if parent else ""]


def _entity_rows(viewer: Any, filters: dict[str, Any]) -> Iterator[list[Any]]:
    for e in selectors.entity_list(viewer=viewer, **filters).iterator(chunk_size=2000):
        yield [e.credit_code or "", e.name, e.kind, e.region.code, ",".join(e.sector_list), _yes(e.active), e.pk,
               e.region.name, e.household.registry_code if e.household is not None else ""]


def _household_rows(viewer: Any, filters: dict[str, Any], counter: dict[str, int]) -> Iterator[list[Any]]:
    for h in selectors.household_list(viewer=viewer, **filters).iterator(chunk_size=2000):
        d = selectors.household_display(viewer=viewer, household=h)
        counter["unmasked"] += 0 if d["masked"] else 1
        yield [d["village_code"], d["status"], d["size"], d["lifted_year"], d["head_name"], d["phone"],
               d["registry_code"], d["id"], d["village_name"], _yes(d["masked"])]


def _relation_rows(viewer: Any, filters: dict[str, Any]) -> Iterator[list[Any]]:
    for r in selectors.relation_list(viewer=viewer, **filters).iterator(chunk_size=2000):
        helper = (r.helper_org.name if r.helper_org is not None else
                  r.helper_region.name if r.helper_region is not None else "")
        yield [r.kind, r.helper_org.credit_code or "" if r.helper_org is not None else "",
               r.helper_region.code if r.helper_region is not None else "", r.helped_region.code, r.year_from, r.year_to,
               r.note, r.pk, helper, r.helped_region.name]


def registry_export(*, kind: str, viewer: Any, fmt: str = "csv", language: str = "en",
                    filters: dict[str, Any] | None = None) -> ExportFile:
    """The viewer's rows of a registry list (`filters` as the list selector takes them) as a CSV or .xlsx file."""
    if kind not in EXTRA:
        raise InvalidInput(_("Unknown list “%(kind)s”: use one of %(kinds)s.")
                           % {"kind": kind, "kinds": ", ".join(EXTRA)}, code="bad_kind")
    if fmt not in FORMATS:
        raise InvalidInput(_("Unknown export format “%(fmt)s”: use csv or xlsx.") % {"fmt": fmt}, code="bad_format")
    filters = {k: v for k, v in (filters or {}).items() if v not in (None, "")}
    counter = {"rows": 0, "unmasked": 0}
    producers = {"regions": _region_rows, "organisations": _organisation_rows, "entities": _entity_rows,
                 "relations": _relation_rows}
    rows = (_household_rows(viewer, filters, counter) if kind == "households"
            else producers[kind](viewer, filters))

    def counted(source: Iterator[Sequence[Any]]) -> Iterator[Sequence[Any]]:
        for row in source:
            counter["rows"] += 1
            yield row

    columns = export_columns(kind)
    content = table_bytes(counted(rows), header=header_labels(columns, language=language), fmt=fmt, sheet_title=kind)
    if kind == "households":
        export_log(user=viewer, what=f"registry households ({counter['unmasked']} unmasked)", rows=counter["rows"],
                   personal=True)
    else:
        export_log(user=viewer, what=f"registry {kind}", rows=counter["rows"])
    stamp = timezone.localdate().isoformat()
    return ExportFile(content=content, file_name=f"fupin-{kind}-{stamp}.{fmt}", content_type=CONTENT_TYPES[fmt],
                      rows=counter["rows"])
