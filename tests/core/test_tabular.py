"""`core.tabular` reading spreadsheets: small .xlsx files are read whole (python-calamine), large ones are streamed
(openpyxl read-only); both give the same rows, line numbers and errors."""

from __future__ import annotations

import datetime as dt

import pytest
from openpyxl import Workbook

from fupin.core import tabular
from fupin.core.tabular import Column, TableError, TableReader

COLUMNS = [Column("code", "代码"), Column("day", "日期"), Column("amount", "金额"),
           Column("note", "备注", required=False), Column("flag", "标记", required=False)]


def _workbook(path, *, extra_sheet=False):
    wb = Workbook()
    ws = wb.active
    ws.title = "data"
    ws.append(["代码", "日期", "金额", "备注", "标记"])
    ws.append(["A1", dt.datetime(2024, 3, 5), 123.45, "@home +1", True])
    ws.append([None, None, None, None, None])  # an empty row keeps its line number
    ws.append(["B2", dt.date(2024, 12, 31), 7, "二〇二四", False])
    ws.append(["C3", "2024-01-02", 1e3, None, None])
    if extra_sheet:
        wb.create_sheet("notes").append(["ignored"])
    wb.save(path)
    return path


def _read(path, *, stream, monkeypatch):
    monkeypatch.setattr(tabular, "STREAM_XLSX_BYTES", -1 if stream else 1 << 40)
    reader = TableReader(path, columns=COLUMNS)
    return [(r.line, r.values) for r in reader], reader.warnings


def test_streamed_and_whole_readings_give_the_same_rows(tmp_path, monkeypatch):
    path = _workbook(tmp_path / "t.xlsx", extra_sheet=True)
    whole, w1 = _read(path, stream=False, monkeypatch=monkeypatch)
    streamed, w2 = _read(path, stream=True, monkeypatch=monkeypatch)
    assert streamed == whole
    assert [line for line, _v in whole] == [2, 4, 5]
    assert whole[0][1] == {"code": "A1", "day": "2024-03-05", "amount": "123.45", "note": "@home +1", "flag": "TRUE"}
    assert whole[1][1]["day"] == "2024-12-31" and whole[1][1]["amount"] == "7" and whole[1][1]["flag"] == "FALSE"
    assert whole[2][1]["amount"] == "1000"
    assert w1 == w2 and any("notes" in w or "2" in w for w in w1)


@pytest.mark.parametrize("stream", [False, True])
def test_a_truncated_workbook_is_refused_with_a_clear_reason(tmp_path, monkeypatch, stream):
    path = _workbook(tmp_path / "t.xlsx")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    monkeypatch.setattr(tabular, "STREAM_XLSX_BYTES", -1 if stream else 1 << 40)
    with pytest.raises(TableError) as err:
        list(TableReader(path, columns=COLUMNS))
    assert err.value.code == "unreadable_file"


@pytest.mark.parametrize("stream", [False, True])
def test_a_missing_required_column_names_it(tmp_path, monkeypatch, stream):
    wb = Workbook()
    wb.active.append(["代码", "金额"])
    wb.active.append(["A", 1])
    wb.save(tmp_path / "m.xlsx")
    monkeypatch.setattr(tabular, "STREAM_XLSX_BYTES", -1 if stream else 1 << 40)
    with pytest.raises(TableError) as err:
        list(TableReader(tmp_path / "m.xlsx", columns=COLUMNS))
    assert "day" in str(err.value) or "日期" in str(err.value)


def test_only_large_xlsx_files_are_streamed(tmp_path):
    small = _workbook(tmp_path / "s.xlsx")
    assert small.stat().st_size < tabular.STREAM_XLSX_BYTES
    reader = TableReader(small, columns=COLUMNS)
    assert reader._rows.__name__ == "_calamine_rows"
