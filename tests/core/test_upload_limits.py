"""Import files are checked against the upload limits before any reader parses them (issue #16 item 4).

The hostile files are built here, part by part, with zipfile: a 1.6 KB workbook declaring A1:XFD1048576, cells
far apart (python-calamine asks for 512 GiB for them and aborts the process), zip bombs, lying zip headers,
long cells, wide and long files. Each is refused with its stable code, before memory grows (proved in a
subprocess limited to 1 GiB of address space), through the reader, `save_upload`, the API and the portal."""

from __future__ import annotations

import io
import os
import struct
import subprocess
import sys
import textwrap
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from fupin.core import tabular
from fupin.core.tabular import Column, TableError, TableReader, save_upload

COLUMNS = [Column("code", "代码"), Column("note", "备注", required=False)]

_CT = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
       'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
       'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/'
       'workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
       '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
       'officedocument.spreadsheetml.worksheet+xml"/></Types>')
_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
         '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
         'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
_WB = ('<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
       '2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
       '<sheet name="data" sheetId="1" r:id="rId1"/></sheets></workbook>')
_WB_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
            'Target="sharedStrings.xml"/></Relationships>')
HEADER = '<row r="1"><c r="A1" t="inlineStr"><is><t>code</t></is></c><c r="B1" t="inlineStr"><is><t>note</t></is></c></row>'


def _sheet(rows: str, dimension: str = "A1:B2", prolog: str = "") -> str:
    return (f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<worksheet xmlns="http://schemas.openxmlformats.org/'
            f'spreadsheetml/2006/main"><dimension ref="{dimension}"/><sheetData>{rows}</sheetData></worksheet>')


def _cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def xlsx(path: Path, rows: str = "", *, dimension: str = "A1:B2", strings: str | None = None,
         extra: dict[str, bytes | str] | None = None, prolog: str = "") -> Path:
    """A minimal workbook written part by part (what a hostile client can send)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", _CT)
        z.writestr("_rels/.rels", _RELS)
        z.writestr("xl/workbook.xml", _WB)
        z.writestr("xl/_rels/workbook.xml.rels", _WB_RELS)
        z.writestr("xl/worksheets/sheet1.xml", _sheet(HEADER + rows, dimension, prolog))
        if strings is not None:
            z.writestr("xl/sharedStrings.xml", '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.'
                       f'openxmlformats.org/spreadsheetml/2006/main">{strings}</sst>')
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return path


def refused(path: Path, **kw) -> TableError:
    with pytest.raises(TableError) as err:
        list(TableReader(path, columns=COLUMNS, **kw))
    return err.value


# -- the files of the report ------------------------------------------------------------------------------------------
def test_a_tiny_workbook_declaring_the_whole_sheet_is_refused_at_upload_and_at_reading(tmp_path):
    path = xlsx(tmp_path / "dim.xlsx", '<row r="2">' + _cell("A2", "x") + "</row>", dimension="A1:XFD1048576")
    assert path.stat().st_size < 2000
    err = refused(path)
    assert err.code == "too_many_columns" and err.status == 413 and "16384" in str(err.message)
    with pytest.raises(TableError) as up:
        save_upload(io.BytesIO(path.read_bytes()), suffix=".xlsx")
    assert up.value.code == "too_many_columns"


def test_cells_far_apart_are_refused_without_allocating(tmp_path):
    """python-calamine would build a 1,048,576 × 16,384 grid (512 GiB) for these two cells."""
    path = xlsx(tmp_path / "far.xlsx", '<row r="1048576">' + _cell("XFD1048576", "x") + "</row>", dimension="A1")
    tracemalloc.start()
    try:
        err = refused(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert err.code == "too_many_columns" and peak < 20 * 1024 * 1024


def test_a_row_beyond_the_limit_is_refused(tmp_path):
    path = xlsx(tmp_path / "tall.xlsx", '<row r="1048577">' + _cell("A1048577", "x") + "</row>", dimension="A1")
    assert refused(path).code == "too_many_rows"
    # cells without r continue from the previous position, as the readers place them
    wide = "".join('<c t="inlineStr"><is><t>x</t></is></c>' for _ in range(201))
    assert refused(xlsx(tmp_path / "implied.xlsx", f"<row>{wide}</row>")).code == "too_many_columns"


def test_a_sheet_needing_a_large_grid_is_streamed_not_read_whole(tmp_path, monkeypatch):
    """Within the limits but with a grid far above CALAMINE_MAX_CELLS: read by the streaming reader."""
    monkeypatch.setattr(tabular, "CALAMINE_MAX_CELLS", 1000)
    path = xlsx(tmp_path / "sparse.xlsx", '<row r="2">' + _cell("A2", "a") + "</row>"
                '<row r="5000">' + _cell("A5000", "b") + _cell("GR5000", "far") + "</row>", dimension="A1")
    reader = TableReader(path, columns=COLUMNS)
    assert reader._rows.__name__ == "_streamed_sheet_rows"
    assert [(r.line, r.get("code")) for r in reader] == [(2, "a"), (5000, "b")]
    assert reader.shape.rows == 5000 and reader.shape.columns == 200


def test_a_zip_bomb_is_refused(tmp_path):
    bomb = "<si><t>a</t></si>" * 400_000  # 6.8 MB of markup, a few KB compressed
    err = refused(xlsx(tmp_path / "bomb.xlsx", strings=bomb))
    assert err.code == "xlsx_bomb" and err.status == 413
    with pytest.raises(TableError) as up:
        save_upload(io.BytesIO((tmp_path / "bomb.xlsx").read_bytes()), suffix=".xlsx")
    assert up.value.code == "xlsx_bomb"


def _lie_about_size(path: Path, member: str, declared: int) -> None:
    """Rewrite the uncompressed size of `member` in its local header and the central directory."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:
        info = z.getinfo(member)
    struct.pack_into("<I", data, info.header_offset + 22, declared)
    pos = data.find(b"PK\x01\x02")
    patched = 0
    while pos != -1:
        name_len = struct.unpack_from("<H", data, pos + 28)[0]
        if data[pos + 46:pos + 46 + name_len].decode() == member:
            struct.pack_into("<I", data, pos + 24, declared)
            patched += 1
        pos = data.find(b"PK\x01\x02", pos + 4)
    assert patched == 1
    path.write_bytes(bytes(data))


def test_a_part_larger_than_its_header_says_is_refused(tmp_path):
    path = xlsx(tmp_path / "liar.xlsx", "".join(f'<row r="{i}">' + _cell(f"A{i}", "x" * 50) + "</row>"
                                                 for i in range(2, 2000)))
    _lie_about_size(path, "xl/worksheets/sheet1.xml", 2000)
    err = refused(path)
    assert err.code == "xlsx_bomb" and "declares" in str(err.message)


def test_odd_packages_are_refused(tmp_path):
    many = {f"xl/media/pad{i}.txt": "x" for i in range(1001)}
    assert refused(xlsx(tmp_path / "many.xlsx", extra=many)).code == "xlsx_bomb"
    nested = {"xl/embeddings/inner.zip": b"PK\x05\x06" + b"\x00" * 18}
    assert refused(xlsx(tmp_path / "nested.xlsx", extra=nested)).code == "xlsx_bomb"
    doctype = '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]>'
    assert refused(xlsx(tmp_path / "doctype.xlsx", prolog=doctype)).code == "unreadable_file"
    with zipfile.ZipFile(tmp_path / "unsafe.xlsx", "w") as z:
        z.writestr("../evil.xml", "x")
    assert refused(tmp_path / "unsafe.xlsx").code == "unreadable_file"
    for ext in (".xls", ".ods"):
        (tmp_path / f"old{ext}").write_bytes(b"whatever")
        assert refused(tmp_path / f"old{ext}").code == "unsupported_file_type"


@pytest.mark.parametrize("where", ["inline", "shared"])
def test_a_cell_above_the_length_limit_is_refused(tmp_path, where):
    long = "长" * 1001
    if where == "inline":
        path = xlsx(tmp_path / "long.xlsx", '<row r="2">' + _cell("A2", long) + "</row>")
    else:
        path = xlsx(tmp_path / "long.xlsx", '<row r="2"><c r="A2" t="s"><v>0</v></c></row>',
                    strings=f"<si><r><t>{long[:600]}</t></r><r><t>{long[600:]}</t></r></si>")  # rich text: runs add up
    ok = xlsx(tmp_path / "ok.xlsx", '<row r="2">' + _cell("A2", "长" * 1000) + "</row>")
    with override_settings(FUPIN_MAX_CELL_CHARS=1000):
        err = refused(path)
        assert err.code == "cell_too_long" and err.status == 413 and "1000" in str(err.message)
        assert len(next(iter(TableReader(ok, columns=COLUMNS))).get("code")) == 1000
    assert len(next(iter(TableReader(path, columns=COLUMNS))).get("code")) == 1001  # the default allows it


def test_row_and_column_limits_are_settings(tmp_path):
    rows = "".join(f'<row r="{i}">' + _cell(f"A{i}", str(i)) + "</row>" for i in range(2, 12))
    path = xlsx(tmp_path / "ten.xlsx", rows, dimension="A1:B11")
    assert len(list(TableReader(path, columns=COLUMNS))) == 10
    with override_settings(FUPIN_MAX_IMPORT_ROWS=5):
        err = refused(path)
        assert err.code == "too_many_rows" and "5" in str(err.message)
    with override_settings(FUPIN_MAX_IMPORT_COLUMNS=1):
        assert refused(path).code == "too_many_columns"


# -- CSV ---------------------------------------------------------------------------------------------------------------
def test_csv_limits(tmp_path):
    def csv_file(name: str, text: str) -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    good = csv_file("good.csv", "code,note\n" + "".join(f"C{i},n\n" for i in range(10)))
    assert len(list(TableReader(good, columns=COLUMNS))) == 10
    with override_settings(FUPIN_MAX_IMPORT_ROWS=5):
        assert refused(good).code == "too_many_rows"
    wide = csv_file("wide.csv", "code," + ",".join(f"x{i}" for i in range(300)) + "\nA\n")
    assert refused(wide).code == "too_many_columns"
    long = csv_file("long.csv", "code,note\nA," + "长" * 1001 + "\n")
    quoted = csv_file("quoted.csv", 'code,note\nA,"' + ("line\n" * 300) + '"\n')  # a long cell over many lines
    with override_settings(FUPIN_MAX_CELL_CHARS=1000):
        assert refused(long).code == "cell_too_long"
        assert refused(quoted).code == "cell_too_long"
    assert len(list(TableReader(long, columns=COLUMNS))) == 1
    huge = csv_file("huge.csv", "code,note\nA," + "x" * 140_000 + "\n")  # above the default, and csv's own limit
    assert refused(huge).code == "cell_too_long"
    with override_settings(FUPIN_MAX_IMPORT_COLUMNS=2, FUPIN_MAX_CELL_CHARS=10):
        one_line = csv_file("line.csv", "code,note\n" + "x" * 100)
        err = refused(one_line)
        assert err.code == "line_too_long" and err.details["line"] == 2
    (tmp_path / "latin.csv").write_bytes("code,note\nA,caf\xe9\n".encode("utf-16"))
    assert refused(tmp_path / "latin.csv").code == "bad_encoding"


def test_an_upload_above_the_size_limit_is_refused_and_not_kept(tmp_path):
    with override_settings(FUPIN_MAX_UPLOAD_MB=1):
        big = tmp_path / "big.csv"
        big.write_bytes(b"code,note\n" + b"A,b\n" * 300_000)
        assert refused(big).code == "file_too_large"
        before = set(Path(tabular.tempfile.gettempdir()).glob("fupin-upload-*"))
        with pytest.raises(TableError) as err:
            save_upload(io.BytesIO(big.read_bytes()), suffix=".csv")  # a stream: counted while copied
        assert err.value.code == "file_too_large" and err.value.status == 413
        with pytest.raises(TableError):
            save_upload(SimpleUploadedFile("big.csv", big.read_bytes()), suffix=".csv")  # its declared size
        assert set(Path(tabular.tempfile.gettempdir()).glob("fupin-upload-*")) == before


# -- memory: a process limited to 1 GiB gets the clean error, never MemoryError or an abort ---------------------------
_CHILD = textwrap.dedent("""
    import os, resource, sys
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fupin.settings")
    import django
    django.setup()
    from fupin.core.tabular import Column, TableError, TableReader
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
    try:
        rows = list(TableReader(sys.argv[1], columns=[Column("code", "代码"), Column("note", "备注", required=False)]))
        print("rows", len(rows))
    except TableError as exc:
        print("refused", exc.code)
""")


def _read_in_small_process(path: Path) -> str:
    env = {**os.environ, "FUPIN_ALLOW_DEV_KEY": "1"}
    done = subprocess.run([sys.executable, "-c", _CHILD, str(path)], capture_output=True, text=True, timeout=300,
                          env=env, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip()


def test_hostile_files_are_refused_in_a_process_limited_to_one_gib(tmp_path):
    far = xlsx(tmp_path / "far.xlsx", '<row r="1048576">' + _cell("XFD1048576", "x") + "</row>", dimension="A1")
    assert _read_in_small_process(far) == "refused too_many_columns"
    dim = xlsx(tmp_path / "dim.xlsx", '<row r="2">' + _cell("A2", "x") + "</row>", dimension="A1:XFD1048576")
    assert _read_in_small_process(dim) == "refused too_many_columns"
    assert _read_in_small_process(xlsx(tmp_path / "bomb.xlsx", strings="<si><t>a</t></si>" * 400_000)) \
        == "refused xlsx_bomb"


def test_a_legal_but_sparse_sheet_is_read_in_a_process_limited_to_one_gib(tmp_path):
    """Cells at A1 and GR1048576 are within the limits: a 200-million-cell grid for a whole-sheet reader. The
    guard measures it and the streaming reader reads it in flat memory."""
    sparse = xlsx(tmp_path / "sparse.xlsx", '<row r="2">' + _cell("A2", "a") + '</row><row r="1048576">'
                  + _cell("A1048576", "b") + _cell("GR1048576", "far") + "</row>", dimension="A1")
    assert _read_in_small_process(sparse) == "rows 2"


# -- every import path reports it the same way ------------------------------------------------------------------------
@pytest.mark.django_db
def test_the_api_refuses_a_hostile_workbook_with_413(api_as, admin_user, tmp_path):
    path = xlsx(tmp_path / "dim.xlsx", '<row r="2">' + _cell("A2", "x") + "</row>", dimension="A1:XFD1048576")
    with open(path, "rb") as fh:
        r = api_as(admin_user).post("/registry/imports/households", files={"file": fh})
    assert r.status_code == 413, r.content
    body = r.json()
    assert body["code"] == "too_many_columns" and "16384" in body["message"]


@pytest.mark.django_db
def test_a_request_body_above_the_limit_is_refused_before_it_is_read(api_as, admin_user, client):
    with override_settings(FUPIN_MAX_UPLOAD_MB=1):
        upload = SimpleUploadedFile("big.csv", b"code\n" + b"A\n" * 1_100_000)
        r = api_as(admin_user).post("/registry/imports/households", files={"file": upload})
        assert r.status_code == 413 and r.json()["code"] == "file_too_large"
        client.force_login(admin_user)
        page = client.post("/imports/", {"kind": "households",
                                                  "file": SimpleUploadedFile("big.csv", b"A\n" * 1_100_000)})
        assert page.status_code == 413 and "1 MB" in page.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("hostile", ["declared", "far"])
def test_the_portal_shows_the_reason_on_the_import_form(admin_user, client, tmp_path, hostile):
    """Refused at upload (the declared dimension) or by the reader (cells far apart): the form says why."""
    if hostile == "declared":
        path = xlsx(tmp_path / "d.xlsx", '<row r="2">' + _cell("A2", "x") + "</row>", dimension="A1:XFD1048576")
    else:
        path = xlsx(tmp_path / "f.xlsx", '<row r="1048576">' + _cell("XFD1048576", "x") + "</row>", dimension="A1")
    client.force_login(admin_user)
    with open(path, "rb") as fh:
        page = client.post("/imports/", {"kind": "households", "file": fh})
    assert page.status_code == 422
    assert "16384" in page.content.decode() and 'name="file"' in page.content.decode()


@pytest.mark.django_db
def test_the_ledger_import_route_refuses_before_a_job_parses(api_as, tmp_path):
    from fupin.ledger.models import PurchaseImport
    from tests import factories

    clerk = factories.user("clerk-limits", roles="clerk", scope_level="county", scope_code="522627")
    path = xlsx(tmp_path / "dim.xlsx", '<row r="2">' + _cell("A2", "x") + "</row>", dimension="A1:XFD1048576")
    with open(path, "rb") as fh:
        r = api_as(clerk).post("/purchases/imports", files={"file": fh})
    assert r.status_code == 413 and r.json()["code"] == "too_many_columns"
    assert not PurchaseImport.objects.exists()  # no job was created, none is left "running"
