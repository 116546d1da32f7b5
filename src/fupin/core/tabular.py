"""Spreadsheets in and out: the shared reader and writer for every import and export.

Reading: CSV (UTF-8, with or without BOM; GB18030/GBK accepted with a warning; streamed) and .xlsx/.xlsm
(python-calamine for small sheets; an .xlsx above `STREAM_XLSX_BYTES`, or whose sheets need a grid above
`CALAMINE_MAX_CELLS`, is streamed with openpyxl's read-only mode, so memory does not grow with the file). Before
any reader sees a file, `tabular_guard` checks it against the configured limits (size, zip package, real sheet
shape, rows, columns, cell and line length) with bounded memory. Headers may be English or Chinese (each Column names both). Rows are yielded as
`Row(line, values)` with the file's own line numbers (header = line 1). File-level problems (unreadable
file, missing required columns) raise `TableError` with a clear reason; row-level problems are the
caller's, reported as `RowError(line, column, code, message)`.

Writing: CSV (UTF-8 with BOM so Excel opens it) and .xlsx (openpyxl, write-only). Text cells that
start with = + - @ (or tab / carriage return) are neutralised against formula injection.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import os
import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.utils.translation import gettext as _

from . import tabular_guard as guard
from .errors import InvalidInput
from .tabular_guard import TableError, TableTooLarge

__all__ = ["TableError", "TableTooLarge"]  # defined with the limits; imported from here by every import

# .xls and .ods are not read: their readers cannot be bounded before parsing (see ADR 0002).
SPREADSHEET_EXTS = {".xlsx", ".xlsm"}
CSV_EXTS = {".csv", ".txt"}
# The `accept` attribute of every upload field: the extensions the reader reads.
UPLOAD_ACCEPT = ",".join(sorted(CSV_EXTS | SPREADSHEET_EXTS))
_SNIFF_BYTES = 1 << 20
# .xlsx files larger than this are streamed with openpyxl's read-only mode (about 40 MB whatever the size, ~9,000
# rows/s); smaller ones and other spreadsheet formats are read whole by python-calamine (~100,000 rows/s, but
# ~1.7 KB of memory per row: 340 MB for 200,000 rows). 4 MB is about 50,000 purchase rows.
STREAM_XLSX_BYTES = 4 * 1024 * 1024
# python-calamine builds a dense grid of every sheet it reads (32 bytes a cell in Rust, then a Python object per
# cell): only sheets whose real grid (measured by the guard, never the declared dimension) is below this are read
# whole; larger ones are streamed. 1,000,000 cells is about 70,000 purchase rows (about 120 MB).
CALAMINE_MAX_CELLS = 1_000_000
# The help sheets of an import template (`fupin.core.xlsx.template_workbook`): bilingual names, so a filled
# template in either language reads without the "only the first sheet was read" warning.
TEMPLATE_SHEETS = ("允许的取值 Allowed values", "列说明 Column help")


@dataclass(frozen=True)
class Column:
    name: str
    zh: str
    required: bool = True
    aliases: tuple[str, ...] = ()
    help: str = ""

    def headers(self) -> set[str]:
        return {_norm_header(h) for h in (self.name, self.zh, *self.aliases)}


@dataclass(frozen=True)
class Row:
    line: int
    values: dict[str, str]

    def get(self, name: str) -> str:
        return self.values.get(name, "")

    def encoding_errors(self) -> list[RowError]:
        """Cells holding characters that could not be decoded (shown as U+FFFD)."""
        return [
            RowError(self.line, name, "bad_encoding", _("contains characters that are not valid text in the file's encoding"))
            for name, value in self.values.items() if "\ufffd" in value
        ]


@dataclass
class RowError:
    line: int
    column: str
    code: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "column": self.column, "code": self.code, "message": self.message}


def _norm_header(text: str) -> str:
    return re.sub(r"[\s_\-（）()]+", "", str(text)).lower()


def _bilingual(raw: str, by_header: dict[str, str]) -> str | None:
    """A template's two-language header (`户编号 / household`, or the two on two lines) names one column."""
    parts = [p for p in re.split(r"\s*[/|\n]\s*", raw) if p.strip()]
    if len(parts) < 2:
        return None
    names = {by_header.get(_norm_header(p)) for p in parts}
    return names.pop() if len(names) == 1 and None not in names else None


def map_header(header: Sequence[str], columns: Sequence[Column]) -> tuple[dict[int, str], list[str]]:
    """Map header positions to canonical column names. Raises TableError naming missing or doubled columns."""
    by_header: dict[str, str] = {}
    for col in columns:
        for h in col.headers():
            by_header[h] = col.name
    mapping: dict[int, str] = {}
    unknown: list[str] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(header):
        name = by_header.get(_norm_header(raw or ""))
        if name is None:
            name = _bilingual(str(raw or ""), by_header)
        if name is None:
            if str(raw or "").strip():
                unknown.append(str(raw))
            continue
        if name in seen:
            raise TableError(
                _("Column “%(col)s” appears twice in the header (columns %(a)d and %(b)d).")
                % {"col": name, "a": seen[name] + 1, "b": i + 1},
                details={"line": 1, "column": name},
            )
        seen[name] = i
        mapping[i] = name
    missing = [c for c in columns if c.required and c.name not in seen]
    if missing:
        names = ", ".join(f"{c.name} ({c.zh})" for c in missing)
        raise TableError(
            _("Missing required column(s): %(names)s.") % {"names": names},
            code="missing_columns",
            details={"line": 1, "missing": [c.name for c in missing]},
        )
    return mapping, unknown


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    return str(value).strip()


def _detect_encoding(path: Path, warnings: list[str]) -> str:
    with open(path, "rb") as fh:
        head = fh.read(_SNIFF_BYTES)
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(head, final=len(head) < _SNIFF_BYTES)
        return "utf-8-sig"
    except UnicodeDecodeError:
        pass
    try:
        codecs.getincrementaldecoder("gb18030")().decode(head, final=len(head) < _SNIFF_BYTES)
    except UnicodeDecodeError:
        raise TableError(
            _("The file is neither UTF-8 nor GBK/GB18030 text; save it as “CSV UTF-8” and import again."),
            code="bad_encoding",
        ) from None
    warnings.append(_("The CSV file is not UTF-8; it was read as GBK/GB18030."))
    return "gb18030"


class TableReader:
    """Iterate the data rows of a CSV or spreadsheet file as `Row`s (streaming for CSV)."""

    def __init__(self, path: str | Path, *, columns: Sequence[Column], file_name: str | None = None,
                 sheet: str | None = None) -> None:
        self.path = Path(path)
        self.file_name = file_name or self.path.name
        self.columns = list(columns)
        self.sheet = sheet
        self.warnings: list[str] = []
        self.ext = Path(self.file_name).suffix.lower() or self.path.suffix.lower()
        if self.ext not in SPREADSHEET_EXTS | CSV_EXTS:
            raise TableError(
                _("Unsupported file type “%(ext)s”: use .csv or .xlsx.") % {"ext": self.ext or "?"},
                code="unsupported_file_type",
            )
        self._mapping: dict[int, str] = {}
        self.header_names: dict[str, str] = {}  # each column as the file's header names it (its language)
        self.unknown_columns: list[str] = []
        self.limits = guard.limits()
        self.shape = self._check()
        self._rows = self._open()

    def _check(self) -> guard.SheetShape | None:
        """The limits, before any parsing (raises TableTooLarge / TableError)."""
        try:
            size = self.path.stat().st_size
        except OSError:
            raise TableError(_("The file cannot be opened."), code="unreadable_file") from None
        guard.check_size(size, self.limits)
        if self.ext in CSV_EXTS:
            guard.check_csv(self.path, self.limits)
            return None
        return guard.check_xlsx(self.path, sheet=self.sheet, lim=self.limits, all_sheets=size <= STREAM_XLSX_BYTES)

    # -- opening -----------------------------------------------------------------------------------------------
    def _open(self) -> Iterator[tuple[int, Sequence[Any]]]:
        raw = self._csv_rows() if self.ext in CSV_EXTS else self._sheet_rows()
        for line, header in raw:
            if any(_cell_text(c) for c in header):
                texts = [_cell_text(c) for c in header]
                self._mapping, self.unknown_columns = map_header(texts, self.columns)
                self.header_names = {name: texts[i] for i, name in self._mapping.items()}
                if self.unknown_columns:
                    self.warnings.append(
                        _("Ignored unknown column(s): %(cols)s.") % {"cols": ", ".join(self.unknown_columns)}
                    )
                self.header_line = line
                return raw
        raise TableError(_("The file is empty: no header row was found."), code="empty_file")

    def _csv_rows(self) -> Iterator[tuple[int, Sequence[Any]]]:
        encoding = _detect_encoding(self.path, self.warnings)
        lim = self.limits
        fh = open(self.path, encoding=encoding, errors="replace", newline="")  # noqa: SIM115 - closed below
        try:
            first = fh.readline(lim.line_chars)
            fh.seek(0)
            delimiter = "," if "," in first else ("\t" if "\t" in first else (";" if ";" in first else ","))
            chars = [0]  # characters read since the last record: only a record that long can hold a long cell
            reader = csv.reader(guard.bounded_lines(fh, lim, chars=chars), delimiter=delimiter)
            max_columns, max_rows, max_cell = lim.columns, lim.rows, lim.cell_chars
            for count, record in enumerate(reader, start=1):
                if len(record) > max_columns or count > max_rows:
                    guard.check_record(record, lim, reader.line_num, count)
                if chars[0] > max_cell and max(map(len, record), default=0) > max_cell:
                    raise guard.cell_too_long(lim, line=reader.line_num)
                chars[0] = 0
                yield reader.line_num, record
        except csv.Error as exc:
            if "field limit" in str(exc):
                raise guard.cell_too_long(lim) from None
            raise TableError(_("The CSV file is malformed: %(err)s") % {"err": exc}, code="malformed_csv") from None
        finally:
            fh.close()

    def _sheet_rows(self) -> Iterator[tuple[int, Sequence[Any]]]:
        shape = self.shape
        whole = (shape is not None and self.path.stat().st_size <= STREAM_XLSX_BYTES
                 and shape.largest_grid <= CALAMINE_MAX_CELLS and shape.strings <= CALAMINE_MAX_CELLS)
        return self._calamine_rows() if whole else self._streamed_sheet_rows()

    def _pick_sheet(self, names: Sequence[str]) -> str:
        if not names:
            raise TableError(_("The workbook has no sheets."), code="empty_file")
        name = self.sheet if self.sheet is not None and self.sheet in names else names[0]
        if len([n for n in names if n not in TEMPLATE_SHEETS]) > 1:
            self.warnings.append(
                _("The workbook has %(n)d sheets; only “%(name)s” was read.") % {"n": len(names), "name": name}
            )
        return name

    def _calamine_rows(self) -> Iterator[tuple[int, Sequence[Any]]]:
        from python_calamine import CalamineWorkbook

        try:
            wb = CalamineWorkbook.from_path(str(self.path))
            sheet = wb.get_sheet_by_name(self._pick_sheet(wb.sheet_names))
            rows = sheet.to_python(skip_empty_area=False)
        except TableError:
            raise
        except Exception as exc:  # noqa: BLE001 - calamine raises its own error types for broken zips and XML
            raise _unreadable(exc) from None
        yield from enumerate(rows, start=1)

    def _streamed_sheet_rows(self) -> Iterator[tuple[int, Sequence[Any]]]:
        """Rows of a large .xlsx as they are parsed (openpyxl read-only mode): memory stays flat. A file damaged
        past its start fails when the damage is reached; rows before it were already processed (imports are
        idempotent: import the repaired file again)."""
        from openpyxl import load_workbook

        try:
            wb = load_workbook(self.path, read_only=True, data_only=True)
        except Exception as exc:  # noqa: BLE001 - a broken zip or XML, whatever the library raises
            raise _unreadable(exc) from None
        try:
            ws = wb[self._pick_sheet(wb.sheetnames)]
            ws.reset_dimensions()  # do not trust the file's <dimension>: read every row there is
            yield from enumerate(ws.iter_rows(values_only=True), start=1)
        except TableError:
            raise
        except Exception as exc:  # noqa: BLE001
            raise _unreadable(exc) from None
        finally:
            wb.close()

    def has_column(self, name: str) -> bool:
        """Whether the file's header has the column (under any of its names)."""
        return name in self.header_names

    def close(self) -> None:
        """Stop reading (closes the file of a CSV that was only opened to read its header)."""
        close = getattr(self._rows, "close", None)
        if close is not None:
            close()

    # -- iteration ---------------------------------------------------------------------------------------------
    def __iter__(self) -> Iterator[Row]:
        for line, record in self._rows:
            cells = [_cell_text(c) for c in record]
            if not any(cells):
                continue
            values = {name: (cells[i] if i < len(cells) else "") for i, name in self._mapping.items()}
            yield Row(line=line, values=values)


def _unreadable(exc: Exception) -> TableError:
    return TableError(
        _("The spreadsheet cannot be read (damaged or truncated file?): %(err)s") % {"err": exc},
        code="unreadable_file",
    )


def read_table(path: str | Path, *, columns: Sequence[Column], file_name: str | None = None) -> TableReader:
    return TableReader(path, columns=columns, file_name=file_name)


def save_upload(upload: IO[bytes] | Any, *, suffix: str) -> Path:
    """Copy an uploaded file (Django UploadedFile or a binary stream) to a temporary path, in chunks, refusing it
    (TableTooLarge, nothing kept) past the upload limit. An .xlsx is checked at once for what its zip directory
    and sheet dimension show (`tabular_guard.check_xlsx(full=False)`); the reader checks the rest before parsing."""
    lim = guard.limits()
    size = getattr(upload, "size", None)
    if isinstance(size, int):
        guard.check_size(size, lim)
    fd, name = tempfile.mkstemp(suffix=suffix, prefix="fupin-upload-")
    path = Path(name)
    try:
        with os.fdopen(fd, "wb") as out:
            chunks = upload.chunks() if hasattr(upload, "chunks") else iter(lambda: upload.read(1 << 20), b"")
            written = 0
            for chunk in chunks:
                written += len(chunk)
                guard.check_size(written, lim)
                out.write(chunk)
        if suffix.lower() in SPREADSHEET_EXTS:
            guard.check_xlsx(path, lim=lim, full=False)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path


# -- writing ---------------------------------------------------------------------------------------------------
_NUMBER_RE = re.compile(r"^-?\d+(\.\d+)?$")
_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """Defuse formula injection: text that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(_DANGEROUS) and not _NUMBER_RE.match(value):
        return "'" + value
    return value


def header_labels(columns: Sequence[Column], *, language: str = "en") -> list[str]:
    return [c.zh if language.startswith("zh") else c.name for c in columns]


def write_csv(rows: Iterable[Sequence[Any]], *, header: Sequence[str], out: IO[str]) -> None:
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else neutralise(v if isinstance(v, str) else _cell_text(v)) for v in row])


def csv_bytes(rows: Iterable[Sequence[Any]], *, header: Sequence[str]) -> bytes:
    buf = io.StringIO()
    write_csv(rows, header=header, out=buf)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def xlsx_bytes(rows: Iterable[Sequence[Any]], *, header: Sequence[str], sheet_title: str = "data") -> bytes:
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=sheet_title[:31])
    ws.freeze_panes = "A2"  # the header stays in view and filters the table (issue #14)
    ws.append(list(header))
    count = 1
    for row in rows:
        ws.append([neutralise(v) for v in row])
        count += 1
    if header:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(header))}{count}"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def table_bytes(rows: Iterable[Sequence[Any]], *, header: Sequence[str], fmt: str, sheet_title: str = "data") -> bytes:
    if fmt == "xlsx":
        return xlsx_bytes(rows, header=header, sheet_title=sheet_title)
    if fmt == "csv":
        return csv_bytes(rows, header=header)
    raise InvalidInput(_("Unknown export format “%(fmt)s”: use csv or xlsx.") % {"fmt": fmt}, code="bad_format")


CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
