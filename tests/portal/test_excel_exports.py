"""Spreadsheets that work in Excel (issue #14): the .xlsx exports are read back with openpyxl — money cells are
numbers with a yuan format, percentages are percentage-formatted numbers, headers and codes are in the viewer's
language, the header row is frozen and filtered, internal ids and fen only with `?ids=1`; the CSV keeps its
machine layout. (LibreOffice is not installed on the test machines, so no conversion test: see docs/exports.md.)"""

from __future__ import annotations

import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse
from django.utils import translation

from fupin.core import xlsx
from fupin.ledger.enums import Channel
from fupin.portal.views.ledger.exports import ENTRY_FIELDS
from tests.portal import test_ledger_pages as pages

# the ledger pages' world, clock and file folder
ledger_world, frozen_clock, files_in_tmp = pages.ledger_world, pages.frozen_clock, pages.files_in_tmp

pytestmark = pytest.mark.django_db


def book(response) -> openpyxl.Workbook:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return openpyxl.load_workbook(io.BytesIO(response.content))


def header(ws) -> list[str]:
    return [c.value for c in ws[1]]


def column(ws, name: str) -> list:
    i = header(ws).index(name)
    return [row[i] for row in ws.iter_rows(min_row=2)]


def assert_table_shape(ws) -> None:
    """A frozen header row and an autofilter over the whole table."""
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:{ws.cell(1, ws.max_column).column_letter}{ws.max_row}"


# -- the writer ----------------------------------------------------------------------------------------------------
def test_fields_write_numbers_with_formats_and_labels():
    fields = [xlsx.Field("id", "Id", xlsx.Kind.INT, internal=True), xlsx.Field("code", "Code"),
              xlsx.Field("amount", "Amount", xlsx.Kind.YUAN), xlsx.Field("wan", "Amount (万元)", xlsx.Kind.WAN),
              xlsx.Field("share", "Share", xlsx.Kind.PERCENT), xlsx.Field("text_share", "Text share", xlsx.Kind.PERCENT),
              xlsx.Field("channel", "Channel", choices=Channel), xlsx.Field("formula", "Note")]
    rows = [{"id": 7, "code": "0522627", "amount": 9936, "wan": 123_456_789, "share": Decimal("0.1"),
             "text_share": "12.5%", "channel": "platform_832", "formula": "=1+1"}]
    ws = openpyxl.load_workbook(io.BytesIO(xlsx.workbook(rows, fields=fields, language="zh-hans"))).active
    assert header(ws) == ["Code", "Amount", "Amount (万元)", "Share", "Text share", "Channel", "Note"]
    code, amount, wan, share, text_share, channel, formula = ws[2]
    assert code.value == "0522627" and code.data_type == "s"  # codes keep their leading zeros
    assert isinstance(amount.value, float) and amount.value == 99.36 and amount.number_format == xlsx.YUAN_FORMAT
    assert wan.value == pytest.approx(123.45678_9) and wan.number_format == xlsx.WAN_FORMAT
    assert share.value == 0.1 and share.number_format == "0.00%"
    assert text_share.value == 0.125 and text_share.number_format == "0.00%"
    assert channel.value == "832平台"  # the code in the viewer's language
    assert formula.value == "'=1+1"  # neutralised
    assert_table_shape(ws)
    with_ids = openpyxl.load_workbook(io.BytesIO(xlsx.workbook(rows, fields=fields, with_internal=True))).active
    assert header(with_ids)[0] == "Id" and with_ids["A2"].value == 7 and with_ids["A2"].data_type == "n"
    assert with_ids["G2"].value == "832 platform"


def test_every_table_export_has_a_frozen_filtered_header():
    """The plain writer every other export uses (`tabular.xlsx_bytes`) freezes and filters too."""
    from fupin.core.tabular import xlsx_bytes

    ws = openpyxl.load_workbook(io.BytesIO(xlsx_bytes([["a", 1], ["b", 2]], header=["x", "y"]))).active
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:B3"


# -- the ledger pages ------------------------------------------------------------------------------------------------
def test_entry_export_in_english_and_chinese(ledger_world, national_viewer, client_for):
    url = reverse("portal:ledger_entries") + "?export=xlsx"
    ws = book(client_for(national_viewer).get(url)).active
    names = header(ws)
    assert "Amount (yuan)" in names and "Purchase date" in names
    assert not {"amount_fen", "Amount (fen)", "Entry id", "Buyer id", "Seller id"} & set(names)
    amounts = column(ws, "Amount (yuan)")
    assert all(isinstance(c.value, (int, float)) and c.number_format == xlsx.YUAN_FORMAT for c in amounts)
    assert sorted(c.value for c in amounts) == sorted([1000, 2500.5, 300, 45, 777, 99])
    assert {c.value for c in column(ws, "Channel")} >= {"832 platform", "E-commerce"}
    assert all(c.is_date for c in column(ws, "Purchase date"))
    assert_table_shape(ws)

    zh = book(client_for(national_viewer, "zh-hans").get(url)).active
    with translation.override("zh-hans"):
        expected = [str(f.label) for f in xlsx.visible(ENTRY_FIELDS)]
    assert header(zh) == expected and "金额（元）" in header(zh)
    assert not any(h.isascii() for h in header(zh)), header(zh)
    assert "832平台" in {c.value for c in column(zh, header(zh)[header(ws).index("Channel")])}

    with_ids = book(client_for(national_viewer).get(url + "&ids=1")).active
    assert {"Entry id", "Amount (fen)"} <= set(header(with_ids))
    assert all(c.data_type == "n" for c in column(with_ids, "Amount (fen)"))


def test_entry_csv_keeps_its_machine_layout(ledger_world, national_viewer, client_for):
    text = client_for(national_viewer, "zh-hans").get(reverse("portal:ledger_entries") + "?export=csv").content
    first = text.decode("utf-8-sig").splitlines()[0]
    assert first.startswith("id,source,external_id,revision,purchase_date,buyer_id") and "amount_fen" in first


def test_dashboard_totals_in_yuan_and_in_wan(ledger_world, national_viewer, client_for):
    client = client_for(national_viewer)
    ws = book(client.get(reverse("portal:ledger_dashboard") + "?group_by=channel&export=xlsx")).active
    assert header(ws) == ["Channel", "Amount (yuan)", "Quantity", "Entries"]
    by_channel = {r[0].value: r[1] for r in ws.iter_rows(min_row=2)}
    assert by_channel["832 platform"].value == 1000 and by_channel["832 platform"].number_format == xlsx.YUAN_FORMAT
    assert all(r[3].data_type == "n" for r in ws.iter_rows(min_row=2))
    assert_table_shape(ws)
    wan = book(client.get(reverse("portal:ledger_dashboard") + "?group_by=channel&export=xlsx&unit=wan")).active
    cells = {r[0].value: r[1] for r in wan.iter_rows(min_row=2)}
    assert cells["832 platform"].value == 0.1 and cells["832 platform"].number_format == xlsx.WAN_FORMAT
    zh = book(client_for(national_viewer, "zh-hans").get(
        reverse("portal:ledger_dashboard") + "?group_by=channel&export=xlsx")).active
    assert "832平台" in {r[0].value for r in zh.iter_rows(min_row=2)}
    assert not any(h.isascii() for h in header(zh)), header(zh)


def test_the_buyers_account_page_exports_a_workbook(ledger_world, national_viewer, client_for):
    w = ledger_world
    client = client_for(national_viewer)
    html = client.get(reverse("portal:ledger_buyer", args=[w.zj.pk])).content.decode()
    assert 'id="account-export"' in html
    wb = book(client.get(reverse("portal:ledger_buyer", args=[w.zj.pk]) + "?export=xlsx"))
    years = wb.worksheets[0]
    assert header(years) == ["Year", "Amount (yuan)", "Direct purchase (yuan)", "Helped sale (yuan)", "Entries"]
    totals = {r[0].value: r[1] for r in years.iter_rows(min_row=2)}
    assert totals[2024].value == 300 and totals[2024].number_format == xlsx.YUAN_FORMAT
    assert_table_shape(years)
    assert len(wb.worksheets) > 1 and all(ws.freeze_panes == "A2" for ws in wb.worksheets)
    zh = book(client_for(national_viewer, "zh-hans").get(reverse("portal:ledger_buyer", args=[w.zj.pk])
                                                         + "?export=xlsx")).worksheets[0]
    assert header(zh)[0] == "年份" or header(zh)[0] == "年度"


def test_reserved_share_export_has_percentages_and_yuan(ledger_world, admin_user, client_for):
    w = ledger_world
    client = client_for(admin_user)
    r = client.post(reverse("portal:ledger_reserved_share_declare"), {
        "organisation": w.unit.pk, "year": 2025, "canteen_food_yuan": "10000.00", "farm_produce_yuan": "",
        "exempt_reason": "", "note": ""})
    assert r.status_code == 302
    ws = book(client.get(reverse("portal:ledger_reserved_share") + "?year=2025&export=xlsx")).active
    names = header(ws)
    assert "Required share" in names and "Organisation id" not in names and "Rule version id" not in names
    row = next(r for r in ws.iter_rows(min_row=2) if r[names.index("Unit")].value == w.unit.name)
    required = row[names.index("Required share")]
    assert required.value == 0.1 and required.number_format == "0.00%"  # 10%, a number
    achieved = row[names.index("Achieved share")]
    assert achieved.value == pytest.approx(0.1) and achieved.data_type == "n"  # 1,000 of 10,000
    food = row[names.index("Canteen food procurement (yuan)")]
    assert food.value == 10000 and food.number_format == xlsx.YUAN_FORMAT
    assert row[names.index("Status")].value == "Compliant"
    assert_table_shape(ws)
    zh = book(client_for(admin_user, "zh-hans").get(
        reverse("portal:ledger_reserved_share") + "?year=2025&export=xlsx")).active
    assert not any(h.isascii() for h in header(zh)), header(zh)
    csv_head = client.get(reverse("portal:ledger_reserved_share") + "?year=2025&export=csv").content
    assert csv_head.decode("utf-8-sig").startswith("credit_code,organisation_name")


# -- exports that build their rows under machine keys ----------------------------------------------------------------
def test_table_workbook_types_and_translates_keyed_columns():
    fields = {"body_id": xlsx.Field("body_id", "Body id", xlsx.Kind.INT, internal=True),
              "score": xlsx.Field("score", "Score", xlsx.Kind.NUMBER),
              "channel": xlsx.Field("channel", "Channel", choices=Channel)}
    content = xlsx.table_workbook(["body_id", "score", "channel", "points:X"], [[3, 87.5, "ecommerce", 4.25]],
                                  fields=fields, default=lambda k: xlsx.Field(k, k.upper(), xlsx.Kind.NUMBER))
    ws = openpyxl.load_workbook(io.BytesIO(content)).active
    assert header(ws) == ["Score", "Channel", "POINTS:X"]
    assert ws["A2"].value == 87.5 and ws["A2"].data_type == "n" and ws["B2"].value == "E-commerce"
    assert ws["C2"].value == 4.25 and ws["C2"].number_format == xlsx.NUMBER_FORMAT
    assert_table_shape(ws)


def test_linkage_contracts_xlsx_is_typed_and_still_imports(tmp_path):
    import datetime as dt

    from fupin.linkage import imports as linkage_imports
    from fupin.linkage.models import Contract
    from tests import factories
    from tests.linkage import factories as linkage_factories

    clerk = linkage_factories.writer(scope_code="522627")
    entity = factories.entity(region_code="522627")
    household = factories.household()
    linkage_factories.contract(actor=clerk, entity=entity, households=[household], code="XL-1")
    content = linkage_imports.contracts_export(contracts=Contract.objects.prefetch_related("parties__household"),
                                               fmt="xlsx", language="zh-hans")
    ws = openpyxl.load_workbook(io.BytesIO(content)).active
    assert header(ws)[:3] == ["合同编号", "经营主体代码", "联结方式"]
    start = column(ws, "开始日期")[0]
    assert start.is_date and start.value.date() == dt.date(2024, 1, 1)
    rent = column(ws, "每亩年租金(元)")[0]
    assert rent.data_type == "n" and rent.number_format == xlsx.YUAN_FORMAT
    assert_table_shape(ws)
    path = tmp_path / "contracts.xlsx"
    path.write_bytes(content)
    report = linkage_imports.contract_import(path=path, file_name="contracts.xlsx", actor=clerk)
    assert report.unchanged == 1 and report.rejected == 0, report.as_dict()
