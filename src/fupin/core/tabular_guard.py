"""Limits on what an import file may hold, checked before any reader parses it (issue #16; ADR 0002).

A spreadsheet reader allocates from what the file says: python-calamine builds a dense (rows × columns) grid
from the cell positions it finds (two cells at A1 and XFD1048576 ask for 512 GiB and abort the process),
openpyxl pads every row to its last cell and builds a whole row in memory before yielding it, and a zip part
can expand a thousandfold. So nothing is handed to a reader until this module has checked, with bounded
memory and without trusting any declared size:

- the file's size (`FUPIN_MAX_UPLOAD_MB`);
- for .xlsx/.xlsm, the zip package: number of members, odd names (absolute, `..`, duplicates, overlapping
  data), encryption, compression methods, embedded archives, every member's declared AND actual uncompressed
  size (each member is inflated here, in bounded chunks, and counted), the compression ratio, the total;
- the sheet XML that will be read (and its shared strings), streamed through expat: no DOCTYPE or entity
  declarations; the declared `<dimension ref>`; every row and cell position (explicit or implied); the
  length of every cell's text. The result (`SheetShape`) tells the reader how large a grid the sheet really
  needs, so the whole-sheet reader is only used when that grid is small;
- for CSV, the number of lines (counted in C before reading; counted exactly only when near the limit), and
  while reading: line length, number of columns, cell length (`bounded_lines`, `check_record`).

Every refusal is a `TableTooLarge` (HTTP 413) or `TableError` (422) with a stable code and a translated message,
raised from the reader's entry points (`tabular.save_upload`, `tabular.TableReader`), so every import reports
it the same way.
"""

from __future__ import annotations

import contextlib
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import IO, Any
from xml.parsers import expat

from django.conf import settings
from django.utils.translation import gettext as _

from .errors import InvalidInput

MB = 1024 * 1024
# Defaults of the settings (FUPIN_MAX_*; see settings.py and the README's configuration table).
DEFAULTS = {
    "FUPIN_MAX_UPLOAD_MB": 200,
    "FUPIN_MAX_IMPORT_ROWS": 1_048_576,  # Excel's own maximum; lines, the header included
    "FUPIN_MAX_IMPORT_COLUMNS": 200,
    "FUPIN_MAX_CELL_CHARS": 131_072,  # the csv module's own field limit (an Excel cell holds 32,767)
    "FUPIN_MAX_XLSX_UNCOMPRESSED_MB": 1024,
    "FUPIN_MAX_XLSX_RATIO": 100,
}
MAX_ZIP_MEMBERS = 1000
# Parts other than worksheets and shared strings (workbook, styles, theme, properties…) are small in any real
# workbook; readers parse them into objects (openpyxl's styles), so each is held to this.
MAX_OTHER_PART_BYTES = 16 * MB
# Both readers keep the whole shared-string table in memory (about 60 bytes per string in Python).
MAX_SHARED_STRINGS = 5_000_000
WORKBOOK_PART = "xl/workbook.xml"
DEFAULT_STRINGS_PART = "xl/sharedStrings.xml"
# Members smaller than this are not held to the ratio (a few KB of repeated markup compress very well).
RATIO_FLOOR_BYTES = 1 * MB
_CHUNK = 1 << 20
_NESTED = {".zip", ".xlsx", ".xlsm", ".xlsb", ".xls", ".docx", ".pptx", ".ods", ".jar", ".gz", ".tgz", ".bz2",
           ".xz", ".7z", ".rar", ".tar", ".cab"}


class TableError(InvalidInput):
    code = "unreadable_file"


class TableTooLarge(TableError):
    """A file (or what it expands to) is beyond a configured limit: 413 Payload Too Large."""

    code = "file_too_large"
    status = 413


@dataclass(frozen=True)
class Limits:
    upload_bytes: int
    rows: int
    columns: int
    cell_chars: int
    xlsx_uncompressed_bytes: int
    xlsx_ratio: int

    @property
    def line_chars(self) -> int:
        """The longest CSV line a file within the column and cell limits can have (quotes and commas too)."""
        return self.columns * (self.cell_chars * 2 + 3)


def limits() -> Limits:
    """The limits in force (settings, read when called)."""
    def get(name: str) -> int:
        return int(getattr(settings, name, DEFAULTS[name]))

    return Limits(
        upload_bytes=get("FUPIN_MAX_UPLOAD_MB") * MB, rows=get("FUPIN_MAX_IMPORT_ROWS"),
        columns=get("FUPIN_MAX_IMPORT_COLUMNS"), cell_chars=get("FUPIN_MAX_CELL_CHARS"),
        xlsx_uncompressed_bytes=get("FUPIN_MAX_XLSX_UNCOMPRESSED_MB") * MB, xlsx_ratio=get("FUPIN_MAX_XLSX_RATIO"),
    )


# -- refusals (one message each, the same for every import) -------------------------------------------------------
def too_large(size: int, lim: Limits) -> TableTooLarge:
    return TableTooLarge(
        _("The file is larger than %(max)d MB; split it into smaller files.") % {"max": lim.upload_bytes // MB},
        code="file_too_large", details={"size": size, "max_bytes": lim.upload_bytes},
    )


def too_many_rows(lim: Limits, *, line: int | None = None) -> TableTooLarge:
    return TableTooLarge(
        _("The file has more than %(max)d rows; split it into smaller files (empty rows at the end of a sheet "
          "count too: delete them).") % {"max": lim.rows},
        code="too_many_rows", details={"max_rows": lim.rows, **({"line": line} if line else {})},
    )


def too_many_columns(lim: Limits, *, column: int, line: int | None = None) -> TableTooLarge:
    return TableTooLarge(
        _("The file uses column %(col)d, more than the %(max)d columns an import may have; delete the unused "
          "columns.") % {"col": column, "max": lim.columns},
        code="too_many_columns", details={"max_columns": lim.columns, "column": column,
                                          **({"line": line} if line else {})},
    )


def cell_too_long(lim: Limits, *, line: int | None = None, column: int | None = None) -> TableTooLarge:
    return TableTooLarge(
        _("A cell holds more than %(max)d characters.") % {"max": lim.cell_chars},
        code="cell_too_long", details={"max_chars": lim.cell_chars,
                                       **({"line": line} if line else {}), **({"column": column} if column else {})},
    )


def line_too_long(lim: Limits, *, line: int) -> TableTooLarge:
    return TableTooLarge(
        _("Line %(line)d of the file is longer than %(max)d characters.") % {"line": line, "max": lim.line_chars},
        code="line_too_long", details={"line": line, "max_chars": lim.line_chars},
    )


def _bomb(reason: str, **details: Any) -> TableTooLarge:
    return TableTooLarge(
        _("The .xlsx file is not a normal workbook (%(reason)s); open it in a spreadsheet program, save it again "
          "as .xlsx and import that.") % {"reason": reason},
        code="xlsx_bomb", details=details or None,
    )


def _odd(reason: str) -> TableError:
    return TableError(
        _("The .xlsx file cannot be read (%(reason)s); save it again as a plain .xlsx workbook.") % {"reason": reason},
        code="unreadable_file",
    )


# -- size ------------------------------------------------------------------------------------------------------------
def check_size(size: int, lim: Limits | None = None) -> None:
    lim = lim or limits()
    if size > lim.upload_bytes:
        raise too_large(size, lim)


# -- CSV ---------------------------------------------------------------------------------------------------------------
def check_csv(path: Path, lim: Limits) -> None:
    """Refuse a CSV file with more lines than the row limit before reading it. Newlines are counted in C; only a
    file with more newlines than the limit is counted exactly (a quoted cell may hold newlines)."""
    newlines = 0
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(4 * _CHUNK), b""):
            newlines += chunk.count(b"\n")
    if newlines < lim.rows:
        return
    import csv

    from .tabular import _detect_encoding

    with open(path, encoding=_detect_encoding(path, []), errors="replace", newline="") as fh:
        records = 0
        try:
            for _record in csv.reader(bounded_lines(fh, lim)):
                records += 1
                if records > lim.rows:
                    raise too_many_rows(lim)
        except csv.Error:
            return  # the reader reports the malformed line with its number


def bounded_lines(fh: IO[str], lim: Limits, *, chars: list[int] | None = None) -> Iterator[str]:
    """The lines of a text file, refusing one longer than `lim.line_chars` before it is read whole. `chars[0]`,
    when given, grows by each line's length (the caller resets it)."""
    readline = fh.readline
    cap = lim.line_chars
    number = 0
    counter = chars if chars is not None else [0]
    while True:
        line = readline(cap)
        if not line:
            return
        number += 1
        n = len(line)
        if n >= cap and line[-1] != "\n":
            raise line_too_long(lim, line=number)
        counter[0] += n
        yield line


def check_record(record: list[str], lim: Limits, line: int, count: int) -> None:
    if len(record) > lim.columns:
        raise too_many_columns(lim, column=len(record), line=line)
    if count > lim.rows:
        raise too_many_rows(lim, line=line)


# -- .xlsx: the zip package ----------------------------------------------------------------------------------------
def _members(path: Path, lim: Limits) -> list[zipfile.ZipInfo]:
    """The zip members, after the checks that need only the central directory."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise TableError(_("The spreadsheet cannot be read (damaged or truncated file?): %(err)s") % {"err": exc},
                         code="unreadable_file") from None
    if len(infos) > MAX_ZIP_MEMBERS:
        raise _bomb(_("%(n)d parts") % {"n": len(infos)}, members=len(infos))
    names: set[str] = set()
    declared = 0
    for info in infos:
        name = info.filename
        if name in names:
            raise _odd(_("a part appears twice"))
        names.add(name)
        if name.startswith("/") or "\\" in name or "\x00" in name or ".." in PurePosixPath(name).parts:
            raise _odd(_("a part has an unsafe name"))
        if info.flag_bits & 0x1:
            raise _odd(_("it is encrypted"))
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _odd(_("it uses an unusual compression method"))
        if PurePosixPath(name.lower()).suffix in _NESTED:
            raise _bomb(_("it contains an embedded file “%(name)s”") % {"name": name[-80:]}, part=name[-200:])
        declared += info.file_size
        _check_part_size(info, info.file_size, declared, lim)
    spans = sorted((i.header_offset, i.header_offset + 30 + len(i.orig_filename.encode("utf-8", "replace"))
                    + i.compress_size) for i in infos)
    for (_s1, end), (start, _e2) in zip(spans, spans[1:], strict=False):
        if start < end:
            raise _bomb(_("its parts overlap"))
    return infos


def _is_bulk_part(name: str) -> bool:
    return name.startswith("xl/worksheets/") or name.lower().endswith("sharedstrings.xml")


def _check_part_size(info: zipfile.ZipInfo, size: int, total: int, lim: Limits) -> None:
    if size > MAX_OTHER_PART_BYTES and not _is_bulk_part(info.filename):
        raise _bomb(_("the part “%(name)s” is %(mb)d MB") % {"name": info.filename[-80:], "mb": size // MB},
                    part=info.filename[-200:])
    if total > lim.xlsx_uncompressed_bytes:
        raise _bomb(_("it expands to more than %(max)d MB") % {"max": lim.xlsx_uncompressed_bytes // MB},
                    max_bytes=lim.xlsx_uncompressed_bytes)
    if size > RATIO_FLOOR_BYTES and size > lim.xlsx_ratio * max(info.compress_size, 1):
        raise _bomb(_("a part expands %(ratio)d times") % {"ratio": size // max(info.compress_size, 1)},
                    part=info.filename[-200:], max_ratio=lim.xlsx_ratio)


def _inflate(fh: IO[bytes], info: zipfile.ZipInfo, *, cap: int) -> Iterator[bytes]:
    """The member's bytes as stored, inflated here in bounded chunks (never more than `cap` bytes, whatever the
    headers say). Raises TableTooLarge past `cap`."""
    fh.seek(info.header_offset)
    header = fh.read(30)
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        raise _odd(_("a part header is damaged"))
    name_len, extra_len = struct.unpack("<HH", header[26:30])
    fh.seek(info.header_offset + 30 + name_len + extra_len)
    remaining = info.compress_size
    produced = 0
    if info.compress_type == zipfile.ZIP_STORED:
        while remaining > 0:
            data = fh.read(min(_CHUNK, remaining))
            if not data:
                raise _odd(_("a part is truncated"))
            remaining -= len(data)
            produced += len(data)
            if produced > cap:
                raise _bomb(_("a part is larger than it declares"), part=info.filename[-200:])
            yield data
        return
    inflater = zlib.decompressobj(-15)
    pending = b""
    while True:
        if not pending:
            if remaining <= 0 or inflater.eof:
                break
            pending = fh.read(min(_CHUNK, remaining))
            if not pending:
                raise _odd(_("a part is truncated"))
            remaining -= len(pending)
        try:
            out = inflater.decompress(pending, _CHUNK)
        except zlib.error:
            raise _odd(_("a part is damaged")) from None
        pending = inflater.unconsumed_tail
        produced += len(out)
        if produced > cap:
            raise _bomb(_("a part is larger than it declares"), part=info.filename[-200:])
        if out:
            yield out
        if inflater.eof:
            break


def _verified(chunks: Iterator[bytes], info: zipfile.ZipInfo) -> Iterator[bytes]:
    """The chunks, then a check that they are exactly the declared size and checksum."""
    actual = 0
    crc = 0
    for chunk in chunks:
        actual += len(chunk)
        crc = zlib.crc32(chunk, crc)
        yield chunk
    if actual != info.file_size:
        raise _bomb(_("a part is not the size it declares"), part=info.filename[-200:])
    if crc != info.CRC:
        raise _odd(_("a part is damaged"))


def _check_actual_sizes(path: Path, infos: list[zipfile.ZipInfo], lim: Limits, *, skip: set[str]) -> None:
    """Inflate every member (bounded) and compare what comes out with what its header says (the parts in `skip`
    are verified the same way while they are scanned)."""
    total = 0
    with open(path, "rb") as fh:
        for info in infos:
            if info.filename not in skip:
                for _chunk in _verified(_inflate(fh, info, cap=info.file_size), info):
                    pass
            total += info.file_size
            _check_part_size(info, info.file_size, total, lim)


# -- .xlsx: XML parts, streamed through expat ---------------------------------------------------------------------
class _Refused(Exception):
    def __init__(self, error: TableError) -> None:
        self.error = error


def _local(name: str) -> str:
    return name.rpartition(":")[2] if ":" in name else name


def _head(chunks: Iterator[bytes], limit: int) -> Iterator[bytes]:
    """The first `limit` bytes (about) of a stream of chunks."""
    seen = 0
    for chunk in chunks:
        yield chunk
        seen += len(chunk)
        if seen >= limit:
            return


def _parse(chunks: Iterator[bytes], *, start: Callable[[str, dict[str, str]], None] | None = None,
           end: Callable[[str], None] | None = None, text: Callable[[str], None] | None = None,
           final: bool = True) -> None:
    """Feed XML chunks to expat with the given handlers; a DOCTYPE or entity declaration refuses the file.
    `final=False` parses a beginning only (the document may go on)."""
    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.buffer_size = 1 << 16

    def doctype(*_args: Any) -> None:
        raise _Refused(_odd(_("a part declares a DOCTYPE")))

    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = doctype
    if start:
        parser.StartElementHandler = start
    if end:
        parser.EndElementHandler = end
    if text:
        parser.CharacterDataHandler = text
    try:
        for chunk in chunks:
            parser.Parse(chunk, False)
        if final:
            parser.Parse(b"", True)
    except _Refused as refused:
        raise refused.error from None
    except expat.ExpatError as exc:
        raise _odd(_("a part is not well-formed XML: %(err)s") % {"err": exc}) from None


_REF = re.compile(r"([A-Z]{1,3})([0-9]{1,9})")
_COLUMNS: dict[str, int] = {}


def _column_index(letters: str) -> int:
    n = _COLUMNS.get(letters)
    if n is None:
        n = 0
        for ch in letters:
            n = n * 26 + (ord(ch) - 64)
        if len(_COLUMNS) < 20_000:
            _COLUMNS[letters] = n
    return n


def _split_ref(ref: str) -> tuple[int, int]:
    """'XFD1048576' → (row, column); raises on anything that is not a cell reference."""
    m = _REF.fullmatch(ref) or _REF.fullmatch(ref.strip().replace("$", "").upper())
    if m is None:
        raise _Refused(_odd(_("a cell reference “%(ref)s” is not valid") % {"ref": ref[:20]}))
    return int(m.group(2)), _column_index(m.group(1))


@dataclass(frozen=True)
class SheetShape:
    """What the sheet really uses: the highest row and column of any row or cell element, and the cell count."""

    sheet: str
    rows: int
    columns: int
    cells: int
    strings: int = 0
    largest_grid: int = 0  # of every worksheet in the file (`all_sheets=True`), else of this one

    @property
    def grid(self) -> int:
        """The size of the dense grid a whole-sheet reader builds for this sheet."""
        return self.rows * self.columns


def _part(infos: dict[str, zipfile.ZipInfo], name: str) -> zipfile.ZipInfo:
    info = infos.get(name.lstrip("/"))
    if info is None:
        raise _odd(_("the part “%(name)s” is missing") % {"name": name[-80:]})
    return info


def _rels(fh: IO[bytes], infos: dict[str, zipfile.ZipInfo], part: str) -> dict[str, tuple[str, str]]:
    """Relationship id → (type, target resolved against `part`'s folder)."""
    folder = PurePosixPath(part).parent
    rels_name = str(folder / "_rels" / (PurePosixPath(part).name + ".rels")).lstrip("./") if part else "_rels/.rels"
    info = infos.get(rels_name)
    if info is None:
        return {}
    found: dict[str, tuple[str, str]] = {}

    def start(name: str, attrs: dict[str, str]) -> None:
        if _local(name) == "Relationship" and attrs.get("TargetMode") != "External":
            target = attrs.get("Target", "")
            resolved = target.lstrip("/") if target.startswith("/") else _normalise(folder / target)
            found[attrs.get("Id", "")] = (attrs.get("Type", ""), resolved)

    _parse(_inflate(fh, info, cap=info.file_size), start=start)
    return found


def _normalise(path: PurePosixPath) -> str:
    parts: list[str] = []
    for p in path.parts:
        if p == "..":
            if parts:
                parts.pop()
        elif p not in (".", ""):
            parts.append(p)
    return "/".join(parts)


def _workbook_parts(fh: IO[bytes], infos: dict[str, zipfile.ZipInfo],
                    sheet: str | None) -> tuple[str, str, str | None]:
    """(sheet name, sheet part, shared strings part) of the sheet a reader will pick: `sheet` when the workbook
    has it, else the first one (as `TableReader._pick_sheet`)."""
    office = [t for typ, t in _rels(fh, infos, "").values() if typ.endswith("/officeDocument")]
    workbook = office[0] if office else WORKBOOK_PART
    if workbook != WORKBOOK_PART:  # python-calamine always reads xl/workbook.xml: both readers must see one book
        raise _odd(_("its workbook part is not %(name)s") % {"name": WORKBOOK_PART})
    wb_info = _part(infos, workbook)
    sheets: list[tuple[str, str]] = []

    def start(name: str, attrs: dict[str, str]) -> None:
        if _local(name) == "sheet":
            rid = next((v for k, v in attrs.items() if _local(k) == "id"), "")
            sheets.append((attrs.get("name", ""), rid))

    _parse(_inflate(fh, wb_info, cap=wb_info.file_size), start=start)
    if not sheets:
        raise TableError(_("The workbook has no sheets."), code="empty_file")
    rels = _rels(fh, infos, workbook)
    names = [n for n, _rid in sheets]
    chosen = sheet if sheet in names else names[0]
    rid = dict(sheets)[chosen]
    if rid not in rels:
        raise _odd(_("the sheet “%(name)s” has no part") % {"name": chosen[:80]})
    strings = next((t for typ, t in rels.values() if typ.endswith("/sharedStrings")), None)
    return chosen, rels[rid][1], strings


def _scan_shared_strings(fh: IO[bytes], info: zipfile.ZipInfo, lim: Limits) -> int:
    """The number of shared strings; refuses one longer than the cell limit, or too many of them."""
    length = [0]
    counting = [False]
    count = [0]

    def start(name: str, _attrs: dict[str, str]) -> None:
        local = _local(name)
        counting[0] = local == "t"  # text after </t> up to the next tag is whitespace: counting it is harmless
        if local == "si":
            length[0] = 0
            count[0] += 1
            if count[0] > MAX_SHARED_STRINGS:
                raise _Refused(_bomb(_("more than %(n)d shared strings") % {"n": MAX_SHARED_STRINGS}))

    def text(data: str) -> None:
        if counting[0]:
            length[0] += len(data)
            if length[0] > lim.cell_chars:
                raise _Refused(cell_too_long(lim))

    _parse(_verified(_inflate(fh, info, cap=info.file_size), info), start=start, text=text)
    return count[0]


class _SheetScan:
    """Follows row and cell positions the way the readers do (an element without `r` takes the next position),
    counts each cell's text, and refuses as soon as a limit is passed. The expat handlers are closures over local
    state (this runs once per element of the sheet: about 3 µs each)."""

    def __init__(self, lim: Limits) -> None:
        self.lim = lim
        self.max_row = 0
        self.max_col = 0
        self.cells = 0
        self.row = 0

    def handlers(self) -> tuple[Callable[[str, dict[str, str]], None], Callable[[str], None]]:
        lim = self.lim
        max_rows, max_columns, max_chars = lim.rows, lim.columns, lim.cell_chars
        kinds: dict[str, str] = {}
        match = _REF.fullmatch
        columns = _COLUMNS
        state = [0, 0, 0, 0, 0, 0, False]  # row, col, max_row, max_col, cells, text length, counting
        self._state = state

        def start(name: str, attrs: dict[str, str]) -> None:
            kind = kinds.get(name)
            if kind is None:
                kind = kinds[name] = _local(name)
            if kind == "c":
                state[6] = False
                ref = attrs.get("r")
                if ref:
                    m = match(ref)
                    if m is None:
                        row, col = _split_ref(ref)
                    else:
                        letters = m.group(1)
                        col = columns.get(letters) or _column_index(letters)
                        row = int(m.group(2))
                    if row > state[2]:
                        state[2] = row
                        if row > max_rows:
                            raise _Refused(too_many_rows(lim, line=row))
                else:
                    col = state[1] + 1
                state[1] = col
                if col > state[3]:
                    state[3] = col
                    if col > max_columns:
                        raise _Refused(too_many_columns(lim, column=col, line=state[0]))
                state[4] += 1
                state[5] = 0
            elif kind == "v" or kind == "t":
                # counted up to the next tag (what follows </v> is whitespace: harmless)
                state[6] = True
            elif kind == "row":
                state[6] = False
                ref = attrs.get("r")
                if ref:
                    if not ref.isdigit() or len(ref) > 9:
                        raise _Refused(_odd(_("a row number “%(ref)s” is not valid") % {"ref": ref[:20]}))
                    row = int(ref)
                else:
                    row = state[0] + 1
                state[0] = row
                state[1] = 0
                if row > state[2]:
                    state[2] = row
                    if row > max_rows:
                        raise _Refused(too_many_rows(lim, line=row))
            else:
                state[6] = False
                if kind == "dimension":
                    self.dimension(attrs.get("ref", ""))

        def text(data: str) -> None:
            if state[6]:
                state[5] += len(data)
                if state[5] > max_chars:
                    raise _Refused(cell_too_long(lim, line=state[0], column=state[1]))

        return start, text

    def finish(self) -> None:
        state = self._state
        self.row, self.max_row, self.max_col, self.cells = state[0], state[2], state[3], state[4]

    def dimension(self, ref: str) -> None:
        """The declared used range: refused when it is beyond the limits (it is never used to allocate)."""
        last = ref.split(":")[-1]
        if not last:
            return
        row, col = _split_ref(last)
        if col > self.lim.columns:
            raise _Refused(too_many_columns(self.lim, column=col))
        if row > self.lim.rows:
            raise _Refused(too_many_rows(self.lim))


class _Dimension(Exception):
    """Stops the dimension-only scan at the first cell."""


def _scan_sheet(fh: IO[bytes], info: zipfile.ZipInfo, lim: Limits, *, dimension_only: bool = False) -> _SheetScan:
    scan = _SheetScan(lim)
    if dimension_only:
        def start(name: str, attrs: dict[str, str]) -> None:
            kind = _local(name)
            if kind == "dimension":
                scan.dimension(attrs.get("ref", ""))
            if kind in ("dimension", "sheetData"):
                raise _Dimension

        with contextlib.suppress(_Dimension):
            # the dimension comes before the sheet data: a bounded read of the part's first bytes
            _parse(_head(_inflate(fh, info, cap=info.file_size), 4 * _CHUNK), start=start, final=False)
        return scan
    on_start, on_text = scan.handlers()
    _parse(_verified(_inflate(fh, info, cap=info.file_size), info), start=on_start, text=on_text)
    scan.finish()
    return scan


def check_xlsx(path: Path, *, sheet: str | None = None, lim: Limits | None = None, full: bool = True,
               all_sheets: bool = False) -> SheetShape | None:
    """Check an .xlsx package and the sheet a reader will read.

    `full=False` (at upload) checks the zip directory and the sheet's declared dimension only. `full=True`
    (before reading) also inflates every part and checks its actual size, and streams the shared strings and the
    sheet, returning the sheet's real shape. `all_sheets=True` also measures every other worksheet (without
    refusing it: only the chosen sheet is imported), for a reader that may build any sheet's grid."""
    lim = lim or limits()
    infos = _members(path, lim)
    by_name = {i.filename: i for i in infos}
    with open(path, "rb") as fh:
        name, sheet_part, strings_part = _workbook_parts(fh, by_name, sheet)
        sheet_info = _part(by_name, sheet_part)
        if not full:
            _scan_sheet(fh, sheet_info, lim, dimension_only=True)
            return None
        string_parts = {p for p in (strings_part, DEFAULT_STRINGS_PART) if p and p in by_name}
        scanned = {sheet_part, *string_parts}
        if all_sheets:
            scanned |= {i.filename for i in infos if i.filename.startswith("xl/worksheets/")
                        and i.filename.endswith(".xml")}
        _check_actual_sizes(path, infos, lim, skip=scanned)
        strings = 0
        for part in string_parts:
            strings = max(strings, _scan_shared_strings(fh, by_name[part], lim))
        scan = _scan_sheet(fh, sheet_info, lim)
        largest = scan.max_row * scan.max_col
        if all_sheets:
            unbounded = replace(lim, rows=10**10, columns=10**10, cell_chars=10**13)
            for info in infos:
                if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml") \
                        and info.filename != sheet_part:
                    other = _scan_sheet(fh, info, unbounded)
                    largest = max(largest, other.max_row * other.max_col)
    return SheetShape(sheet=name, rows=scan.max_row, columns=scan.max_col, cells=scan.cells, strings=strings,
                      largest_grid=largest)
