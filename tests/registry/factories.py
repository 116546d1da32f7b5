"""Builders of registry import files (CSV in any encoding, real .xlsx via openpyxl) and the bad-input cases that
the service, CLI and API tests all run."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from tests import factories

COUNTY = "522627"
VILLAGE = "522627100201"
OTHER_VILLAGE = "130631100201"


def csv_file(folder: Path, name: str, header: Sequence[str], rows: Sequence[Sequence[Any]], *,
             encoding: str = "utf-8") -> Path:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(header)
    writer.writerows(rows)
    path = folder / name
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def xlsx_file(folder: Path, name: str, header: Sequence[str], rows: Sequence[Sequence[Any]], *,
              extra_sheets: dict[str, list[list[Any]]] | None = None) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "data"
    ws.append(list(header))
    for row in rows:
        ws.append(list(row))
    for title, content in (extra_sheets or {}).items():
        other = wb.create_sheet(title)
        for row in content:
            other.append(row)
    path = folder / name
    wb.save(path)
    return path


def regions() -> None:
    """The regions the import files name: a village of 天柱县 and one of 望都县."""
    factories.region(VILLAGE, "石门村")
    factories.region(OTHER_VILLAGE, "西村")
    factories.region("110101", "东城区")


def household_rows(numbers: Sequence[int], *, village: str = VILLAGE, status: str = "lifted_out",
                   year: Any = 2019) -> list[list[Any]]:
    return [[factories.resident_id(n), village, status, 3, year, f"户主{n}", "13812345678"] for n in numbers]


HOUSEHOLD_HEADER = ["id_number", "village_code", "status", "size", "lifted_year", "head_name", "phone"]
HOUSEHOLD_HEADER_ZH = ["身份证号", "村代码", "状态", "人口", "脱贫年份", "户主姓名", "联系电话"]
ORG_HEADER = ["credit_code", "name", "kind", "region_code", "parent_credit_code"]
ORG_HEADER_ZH = ["统一社会信用代码", "名称", "类型", "区划代码", "上级单位代码"]
ENTITY_HEADER = ["credit_code", "name", "kind", "region_code", "sectors", "id_number"]


@dataclass
class BadInput:
    """A file with one problem. `row_error` = (line, column, code) expected among the report's errors;
    `file_error` = the code of a whole-file refusal; `warning` = a text expected among the warnings;
    `accepted` = how many rows still get in."""

    name: str
    kind: str
    build: Callable[[Path], Path]
    row_error: tuple[int, str, str] | None = None
    file_error: str | None = None
    warning: str | None = None
    accepted: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


def _bad_credit_code(folder: Path) -> Path:
    good, bad = factories.uscc(901), factories.uscc(902)
    bad = bad[:-1] + ("0" if bad[-1] != "0" else "1")
    return csv_file(folder, "orgs.csv", ORG_HEADER, [[good, "好单位", "budget_unit", COUNTY, ""],
                                                     [bad, "坏代码", "budget_unit", COUNTY, ""]])


def _unknown_region(folder: Path) -> Path:
    return csv_file(folder, "orgs.csv", ORG_HEADER, [[factories.uscc(903), "甲", "budget_unit", COUNTY, ""],
                                                     [factories.uscc(904), "乙", "budget_unit", "999999", ""]])


def _duplicate(folder: Path) -> Path:
    code = factories.uscc(905)
    return csv_file(folder, "entities.csv", ENTITY_HEADER, [[code, "合作社一", "cooperative", COUNTY, "processing", ""],
                                                            [code, "合作社二", "cooperative", COUNTY, "", ""]])


def _missing_column(folder: Path) -> Path:
    rows = [[r[0], r[2]] for r in household_rows([911])]
    return csv_file(folder, "households.csv", ["身份证号", "状态"], rows)


def _wrong_year(folder: Path) -> Path:
    return csv_file(folder, "households.csv", HOUSEHOLD_HEADER,
                    household_rows([912]) + household_rows([913], year="20l9"))


def _wrong_relation_year(folder: Path) -> Path:
    org = factories.organisation("帮扶单位", kind="central_unit", credit_code=factories.uscc(914))
    header = ["kind", "helper_credit_code", "helped_region_code", "year_from", "year_to"]
    return csv_file(folder, "relations.csv", header, [["designated_assistance", org.credit_code, COUNTY, 2015, ""],
                                                      ["designated_assistance", org.credit_code, COUNTY, 2016, 2014]])


def _gbk_csv(folder: Path) -> Path:
    return csv_file(folder, "households.csv", HOUSEHOLD_HEADER_ZH,
                    household_rows([915, 916], status="已脱贫"), encoding="gbk")


def _undecodable_cell(folder: Path) -> Path:
    """UTF-8, but a cell past the first megabyte holds bytes that are not text: that row alone is refused."""
    pads = 10  # ten cells of 110k characters: each under the csv module's field limit
    head = "code,name," + ",".join(f"padding{i}" for i in range(pads)) + "\n"
    rows = (f"{VILLAGE},石门村," + ",".join("x" * 110_000 for _ in range(pads)) + "\n").encode()
    bad = f"{VILLAGE[:9]}202,".encode() + b"\xff\xfe\xfd" + b"," * pads + b"\n"
    path = folder / "regions.csv"
    path.write_bytes(head.encode() + rows + bad)
    return path


def _xlsx_extra_sheets(folder: Path) -> Path:
    return xlsx_file(folder, "households.xlsx", HOUSEHOLD_HEADER, household_rows([917, 918]),
                     extra_sheets={"说明": [["本表说明"], ["请勿修改表头"]]})


def _chinese_headers(folder: Path) -> Path:
    parent = factories.uscc(919)
    return csv_file(folder, "orgs.csv", ORG_HEADER_ZH, [[parent, "中央单位甲", "中央单位", "110101", ""],
                                                        [factories.uscc(920), "机关服务中心", "预算单位", "110101", parent]])


BAD_INPUTS = [
    BadInput("invalid_credit_code", "organisations", _bad_credit_code, row_error=(3, "credit_code", "bad_credit_code"),
             accepted=1),
    BadInput("unknown_region_code", "organisations", _unknown_region, row_error=(3, "region_code", "unknown_region"),
             accepted=1),
    BadInput("duplicate_code", "entities", _duplicate, row_error=(3, "credit_code", "duplicate"), accepted=1),
    BadInput("missing_required_column", "households", _missing_column, file_error="missing_columns"),
    BadInput("wrong_year", "households", _wrong_year, row_error=(3, "lifted_year", "bad_year"), accepted=1),
    BadInput("end_year_before_start", "relations", _wrong_relation_year, row_error=(3, "year_to", "bad_year"),
             accepted=1),
    BadInput("gbk_csv", "households", _gbk_csv, warning="GBK", accepted=2),
    BadInput("undecodable_cell", "regions", _undecodable_cell, row_error=(3, "name", "bad_encoding"), accepted=0,
             warning="padding"),
    BadInput("xlsx_extra_sheets", "households", _xlsx_extra_sheets, warning="2", accepted=2),
    BadInput("chinese_headers", "organisations", _chinese_headers, accepted=2),
]
