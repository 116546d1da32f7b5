"""Spreadsheets for people (issue #14): .xlsx exports that work in Excel and LibreOffice, and import templates.

An export declares its `Field`s — a machine key, a translated label, a `Kind` — and `workbook()` writes them:

- the header row in the viewer's language (the labels are lazy gettext strings, read when the file is written,
  so the request's language decides; `language=` overrides), frozen, with an autofilter over the whole table;
- money as numbers with a yuan format: `Kind.YUAN` takes integer fen (`Field(..., fen=False)`: a yuan amount as a
  Decimal or text) and writes yuan with `"¥"#,##0.00`; `Kind.WAN` writes 万元 (`"¥"#,##0.00"万"`) for pages that
  show 万元; `Kind.PERCENT` takes a fraction (0.1, or text such as "10%") and writes a percentage-formatted number;
  `Kind.INT`, `Kind.NUMBER`, `Kind.DATE` are numbers and dates; text stays text (codes keep their leading zeros);
- enum values in the viewer's language (`choices=` a Django `TextChoices`: the stored code becomes its label);
- internal fields (`internal=True`: database ids, `amount_fen`) left out unless the caller asks (`with_internal`,
  the `?ids=1` of a download);
- text neutralised against formula injection (`tabular.neutralise`), as every file Fupin writes.

CSV exports are for machines and keep their stable layout (`tabular.csv_bytes`): see docs/exports.md.

Templates: `template_workbook(columns, ...)` is the downloadable, empty form of an import: the header row gives
each column in Chinese and English (`户编号 / household`, which `tabular.map_header` reads as either), a sheet of
allowed values for the enum columns and a sheet of column help."""

from __future__ import annotations

import datetime as dt
import enum
import io
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from .tabular import TEMPLATE_SHEETS, Column, neutralise

YUAN_FORMAT = '"¥"#,##0.00'
WAN_FORMAT = '"¥"#,##0.00"万"'
PERCENT_FORMAT = "0.00%"
INT_FORMAT = "#,##0"
NUMBER_FORMAT = "#,##0.###"
DATE_FORMAT = "yyyy-mm-dd"
HEADER_SEPARATOR = " / "  # the bilingual header of a template: 中文 / english


class Kind(enum.StrEnum):
    TEXT = "text"
    INT = "int"
    NUMBER = "number"
    YUAN = "yuan"
    WAN = "wan"
    PERCENT = "percent"
    DATE = "date"


FORMATS = {Kind.YUAN: YUAN_FORMAT, Kind.WAN: WAN_FORMAT, Kind.PERCENT: PERCENT_FORMAT, Kind.INT: INT_FORMAT,
           Kind.NUMBER: NUMBER_FORMAT, Kind.DATE: DATE_FORMAT}


@dataclass(frozen=True)
class Field:
    """One column of an export: `key` (the machine name, also the CSV header), `label` (translated, lazy)."""

    key: str
    label: Any
    kind: Kind = Kind.TEXT
    internal: bool = False
    fen: bool = True  # YUAN/WAN: the value is integer fen (else yuan)
    choices: Any = None  # a TextChoices: codes shown as their labels
    width: int | None = None

    def header(self) -> str:
        return str(self.label)

    def cell(self, value: Any) -> Any:
        """The value as the spreadsheet stores it (a number for money and percentages, a label for a code)."""
        if value is None or value == "":
            return None
        if self.choices is not None:
            return _choice_label(self.choices, value)
        kind = self.kind
        if kind in (Kind.YUAN, Kind.WAN):
            amount = _decimal(value)
            if amount is None:
                return neutralise(str(value))
            yuan = amount / 100 if self.fen else amount
            return yuan / 10000 if kind == Kind.WAN else yuan
        if kind == Kind.PERCENT:
            text = str(value).strip()
            if text.endswith("%"):
                amount = _decimal(text[:-1])
                return amount / 100 if amount is not None else neutralise(text)
            amount = _decimal(value)
            return amount if amount is not None else neutralise(text)
        if kind == Kind.INT:
            amount = _decimal(value)
            if amount is None:
                return neutralise(str(value))
            return int(amount) if amount == amount.to_integral_value() else amount
        if kind == Kind.NUMBER:
            amount = _decimal(str(value).replace(",", ""))
            return amount if amount is not None else neutralise(str(value))
        if kind == Kind.DATE:
            if isinstance(value, dt.date):
                return value
            try:
                return dt.date.fromisoformat(str(value)[:10])
            except ValueError:
                return neutralise(str(value))
        if isinstance(value, bool):
            return _("yes") if value else _("no")
        return neutralise(value if isinstance(value, str) else str(value))


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, Decimal)):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    try:
        return Decimal(str(value).replace(",", "").strip())
    except (InvalidOperation, ValueError):
        return None


def _choice_label(choices: Any, value: Any) -> str:
    labels = {str(k): v for k, v in choices.choices}
    label = labels.get(str(value))
    return str(label) if label is not None else neutralise(str(value))


def visible(fields: Sequence[Field], *, with_internal: bool = False) -> list[Field]:
    return [f for f in fields if with_internal or not f.internal]


def wants_internal(request: Any) -> bool:
    """`?ids=1` on a download asks for the internal columns (database ids, fen) as well."""
    return str(getattr(request, "GET", {}).get("ids", "")).lower() in ("1", "true", "yes", "on")


@dataclass
class Sheet:
    """One sheet: a header and rows of cells already in their spreadsheet form (`formats` per column)."""

    title: str
    header: list[str]
    rows: Iterable[Sequence[Any]]
    formats: list[str | None] = field(default_factory=list)
    widths: list[int] = field(default_factory=list)
    freeze: bool = True
    autofilter: bool = True


def _column_letter(i: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(i)


def write_sheets(sheets: Sequence[Sheet]) -> bytes:
    """Write sheets in openpyxl's write-only mode (memory stays flat for a large export)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font

    wb = Workbook(write_only=True)
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    for sheet in sheets:
        ws = wb.create_sheet(title=_sheet_title(sheet.title))
        if sheet.freeze:
            ws.freeze_panes = "A2"
        for i, header in enumerate(sheet.header, start=1):
            width = sheet.widths[i - 1] if i - 1 < len(sheet.widths) else None
            ws.column_dimensions[_column_letter(i)].width = width or min(max(_display_width(header) + 4, 10), 48)
        head = []
        for text in sheet.header:
            c = WriteOnlyCell(ws, value=neutralise(text))
            c.font = bold
            if sheet.widths:
                c.alignment = wrap
            head.append(c)
        ws.append(head)
        count = 1
        formats = sheet.formats
        for row in sheet.rows:
            cells = []
            for i, value in enumerate(row):
                fmt = formats[i] if i < len(formats) else None
                if fmt and value is not None and not isinstance(value, str):
                    c = WriteOnlyCell(ws, value=value)
                    c.number_format = fmt
                    cells.append(c)
                else:
                    cells.append(neutralise(value))
            ws.append(cells)
            count += 1
        if sheet.autofilter and sheet.header:
            ws.auto_filter.ref = f"A1:{_column_letter(len(sheet.header))}{count}"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _sheet_title(title: str) -> str:
    for ch in "[]:*?/\\":
        title = title.replace(ch, " ")
    return title[:31] or "data"


def _display_width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in str(text))


def workbook(rows: Iterable[Sequence[Any] | Mapping[str, Any]], *, fields: Sequence[Field], sheet_title: str = "data",
             with_internal: bool = False, language: str | None = None) -> bytes:
    """An .xlsx export: `rows` give one value per field of `fields` (sequences in field order, or mappings by key);
    internal fields are dropped unless `with_internal`."""
    if language:
        with translation.override(language):
            return workbook(rows, fields=fields, sheet_title=sheet_title, with_internal=with_internal)
    shown = [(i, f) for i, f in enumerate(fields) if with_internal or not f.internal]

    def cells() -> Iterable[list[Any]]:
        for row in rows:
            if isinstance(row, Mapping):
                yield [f.cell(row.get(f.key)) for _i, f in shown]
            else:
                yield [f.cell(row[i] if i < len(row) else None) for i, f in shown]

    return write_sheets([Sheet(title=sheet_title, header=[f.header() for _i, f in shown], rows=cells(),
                               formats=[FORMATS.get(f.kind) for _i, f in shown],
                               widths=[f.width or 0 for _i, f in shown] if any(f.width for _i, f in shown) else [])])


def export(rows: Iterable[Sequence[Any]], *, fields: Sequence[Field], fmt: str, sheet_title: str = "data",
           with_internal: bool = False, csv_header: Sequence[str] | None = None,
           csv_rows: Callable[[], Iterable[Sequence[Any]]] | None = None) -> bytes:
    """The file of an export: .xlsx for people (`workbook`), CSV for machines (`tabular.table_bytes` with the
    machine keys as header, or `csv_header`/`csv_rows` where an export keeps an older layout)."""
    from .tabular import table_bytes

    if fmt == "xlsx":
        return workbook(rows, fields=fields, sheet_title=sheet_title, with_internal=with_internal)
    header = list(csv_header) if csv_header is not None else [f.key for f in fields]
    return table_bytes(csv_rows() if csv_rows is not None else rows, header=header, fmt=fmt, sheet_title=sheet_title)


# -- import templates --------------------------------------------------------------------------------------------
def bilingual_header(column: Column) -> str:
    """`中文 / english`: the template's header, read by `tabular.map_header` as the column in either language."""
    return f"{column.zh}{HEADER_SEPARATOR}{column.name}" if column.zh and column.zh != column.name else column.name


def template_workbook(columns: Sequence[Column], *, title: str,
                      allowed: Mapping[str, Sequence[tuple[str, Any]]] | None = None,
                      help_texts: Mapping[str, Any] | None = None,
                      example: Sequence[Mapping[str, Any]] = ()) -> bytes:
    """The downloadable template of an import: sheet 1 is the form (bilingual header, frozen, filtered; `example`
    rows if given), then a sheet of allowed values (column, value, meaning in the viewer's language) and a sheet of
    column help (column in both languages, required, what it holds)."""
    allowed = allowed or {}
    help_texts = help_texts or {}
    names = [c.name for c in columns]
    data = Sheet(title=title, header=[bilingual_header(c) for c in columns],
                 rows=[[row.get(n, "") for n in names] for row in example],
                 widths=[max(_display_width(bilingual_header(c)) + 2, 14) for c in columns])
    values = Sheet(
        title=TEMPLATE_SHEETS[0],
        header=[_("Column"), _("Value"), _("Meaning")],
        rows=[[bilingual_header(c), code, str(label)] for c in columns for code, label in allowed.get(c.name, ())],
        widths=[28, 24, 40],
    )
    guide = Sheet(
        title=TEMPLATE_SHEETS[1],
        header=[_("Column"), _("Chinese header"), _("English header"), _("Required"), _("Meaning")],
        rows=[[bilingual_header(c), c.zh, c.name, _("yes") if c.required else _("no"), _help(c, help_texts)]
              for c in columns],
        widths=[28, 18, 22, 10, 70],
    )
    return write_sheets([data, values, guide])


def _help(column: Column, help_texts: Mapping[str, Any]) -> str:
    given = help_texts.get(column.name)
    if given:
        return str(given)
    return _(column.help) if column.help else ""  # the column's own help, translated where the catalogue has it


def choice_values(choices: Any) -> list[tuple[str, Any]]:
    """The allowed values of an enum column: (code, label) of a TextChoices."""
    return [(str(code), label) for code, label in choices.choices]


def yes_no() -> list[tuple[str, Any]]:
    """The allowed values of a yes/no column (the readers also take 是/否, true/false, 1/0)."""
    return [("yes", _("yes")), ("no", _("no"))]


@dataclass(frozen=True)
class Template:
    """The downloadable template of one import (each app lists its own in `<app>/import_templates.py`)."""

    kind: str
    title: Any  # lazy: the sheet and the link text
    columns: Sequence[Column]
    allowed: Callable[[], Mapping[str, Sequence[tuple[str, Any]]]] = dict
    help: Mapping[str, Any] = field(default_factory=dict)

    def content(self, *, language: str | None = None) -> bytes:
        if language:
            with translation.override(language):
                return self.content()
        return template_workbook(self.columns, title=str(self.title), allowed=self.allowed(), help_texts=self.help)

    @property
    def filename(self) -> str:
        return f"{self.kind}-template.xlsx"


def table_workbook(header: Sequence[str], rows: Iterable[Sequence[Any]], *, fields: Mapping[str, Field],
                   default: Callable[[str], Field] | None = None, sheet_title: str = "data",
                   with_internal: bool = False) -> bytes:
    """An export that already builds its rows under machine `header` keys (and its CSV from them): each key's
    `Field` from `fields` (or `default(key)`, else a text column named by the key) types and labels its column."""
    typed = [fields.get(key) or (default(key) if default else Field(key, key)) for key in header]
    return workbook(rows, fields=typed, sheet_title=sheet_title, with_internal=with_internal)
