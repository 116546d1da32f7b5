"""Purchase file imports: every row validated and reported; duplicates stored once; dry runs write nothing;
rejected rows kept as a file to fix and re-import."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation
from openpyxl import Workbook, load_workbook

from fupin.core.errors import InvalidInput
from fupin.core.models import AuditEntry, ImportRun
from fupin.ledger import rollups, services
from fupin.ledger.models import PurchaseEntry, PurchaseImport
from tests import factories
from tests.assertions import nonempty
from tests.ledger import factories as lf

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return lf.world()


def _import(tmp_path, rows, name="p.csv", **kw):
    path = lf.write_csv(tmp_path / name, rows, header=kw.pop("header", None), encoding=kw.pop("encoding", "utf-8"))
    return services.purchase_import_file(path=path, actor=kw.pop("actor", "cli"), **kw)


def _codes(job):
    return {(e["line"], e["column"], e["code"]) for e in job.report["errors"]}


def test_good_rows_are_booked_counted_attributed_and_audited(w, tmp_path):
    job = _import(tmp_path, [
        lf.row(external_id="A", seller_code=w.seller.credit_code, buyer_code=w.unit.credit_code, quantity="2.5",
               unit="kg", amount_yuan="123.45"),
        lf.row(external_id="B", seller_code=w.household.registry_code, kind="帮助销售", channel="专柜"),
    ])
    assert job.status == "done" and job.accepted == 2 and job.rejected == 0 and job.duplicates == 0
    a = PurchaseEntry.objects.get(external_id="A")
    assert a.amount_fen == 12345 and a.quantity_milli == 2500 and a.counted and a.basis == "poverty_county"
    assert a.buyer_id == w.unit.pk and a.buyer_category == "budget_unit" and a.county_code == lf.POOR_COUNTY
    assert a.rel_designated_id == w.rel_designated.pk and a.rule_version_id is not None
    assert a.import_job_id == job.pk
    b = PurchaseEntry.objects.get(external_id="B")
    assert b.kind == "helped_sale" and b.channel == "special_counter" and b.basis == "poor_household"
    assert b.buyer_id is None and b.buyer_category == "public" and b.origin.code == lf.POOR_VILLAGE
    run = ImportRun.objects.get(pk=job.run_id)
    assert run.kind == "purchases" and run.accepted == 2
    assert AuditEntry.objects.filter(action="purchase:import_batch", object_id=str(job.pk)).exists()
    assert all(d.ok for d in nonempty(rollups.check()))


BAD = [
    ({"amount_yuan": "-5"}, "amount_yuan", "amount_not_positive"),
    ({"amount_yuan": "0"}, "amount_yuan", "amount_not_positive"),
    ({"amount_yuan": "1.005"}, "amount_yuan", "too_many_decimals"),
    ({"amount_yuan": "ten"}, "amount_yuan", "invalid_amount"),
    ({"amount_yuan": "10,00"}, "amount_yuan", "invalid_amount"),   # was read as 1,000.00 yuan (issue #9)
    ({"amount_yuan": "0,5"}, "amount_yuan", "invalid_amount"),     # was read as 5.00 yuan
    ({"buyer_code": "91110000MA0000000X"}, "buyer_code", "invalid_credit_code"),
    ({"buyer_code": "UNKNOWN"}, "buyer_code", "invalid_credit_code"),
    ({"seller_code": "91522627MA00000001"}, "seller_code", "invalid_credit_code"),
    ({"seller_code": "H999"}, "seller_code", "unknown_seller"),
    ({"product_code": "P-NOPE"}, "product_code", "unknown_product"),
    ({"origin_code": "999999"}, "origin_code", "unknown_region"),
    ({"origin_code": "52-26"}, "origin_code", "invalid_region_code"),
    ({"origin_code": "520000"}, "origin_code", "origin_not_county"),
    ({"purchase_date": "2099-01-01"}, "purchase_date", "future_date"),
    ({"purchase_date": "2012-06-30"}, "purchase_date", "date_too_early"),
    ({"purchase_date": "yesterday"}, "purchase_date", "invalid_date"),
    ({"kind": "barter"}, "kind", "unknown_kind"),
    ({"channel": "pigeon"}, "channel", "unknown_channel"),
    ({"status": "maybe"}, "status", "unknown_status"),
    ({"external_id": ""}, "external_id", "required"),
    ({"source": "", "external_id": "S"}, "source", "required"),
]


@pytest.mark.parametrize("change, column, code", BAD)
def test_each_kind_of_bad_cell_is_rejected_with_line_column_and_code(w, tmp_path, change, column, code):
    good = lf.row(external_id="OK", seller_code=w.seller.credit_code)
    bad = lf.row(**{"external_id": "BAD", "seller_code": w.seller.credit_code, **change})
    job = _import(tmp_path, [good, bad])
    assert job.accepted == 1 and job.rejected == 1
    assert (3, column, code) in _codes(job)
    assert all(e["message"] for e in nonempty(job.report["errors"]))
    assert not PurchaseEntry.objects.filter(external_id="BAD").exists()


def test_unknown_buyer_with_a_valid_code(w, tmp_path):
    job = _import(tmp_path, [lf.row(seller_code=w.seller.credit_code, buyer_code=factories.uscc(987654))])
    assert (2, "buyer_code", "unknown_buyer") in _codes(job)


def test_several_errors_of_one_row_are_all_reported(w, tmp_path):
    job = _import(tmp_path, [lf.row(seller_code="", amount_yuan="x", kind="", channel="?")])
    assert {c for (_l, c, _k) in _codes(job)} >= {"seller_code", "amount_yuan", "kind", "channel"}


def test_duplicated_ids_inside_one_file_are_stored_once(w, tmp_path):
    rows = [lf.row(external_id="X", seller_code=w.seller.credit_code),
            lf.row(external_id="X", seller_code=w.seller.credit_code, amount_yuan="999")]
    job = _import(tmp_path, rows)
    assert job.accepted == 1 and job.duplicates == 1
    assert job.report["duplicate_lines"] == [{"line": 3, "source": "test", "external_id": "X",
                                              "code": "duplicate_in_file"}]
    assert PurchaseEntry.objects.get(external_id="X").amount_fen == 10000


def test_duplicates_across_batches_of_one_file_are_reported_as_in_file(w, tmp_path):
    rows = [lf.row(external_id=f"E{i}", seller_code=w.seller.credit_code) for i in range(5)]
    rows.append(lf.row(external_id="E1", seller_code=w.seller.credit_code))
    path = lf.write_csv(tmp_path / "b.csv", rows)
    job = services.purchase_import_file(path=path, actor="cli", batch_size=2)
    assert job.accepted == 5 and job.duplicates == 1
    assert job.report["duplicate_lines"][0]["code"] == "duplicate_in_file"


def test_many_small_batches_keep_line_order_language_and_totals(w, tmp_path):
    """The next batch is validated in a helper thread while the previous one is written: rejected rows stay in
    line order, messages stay in the caller's language, and the result equals one big batch."""
    rows = []
    for i in range(14):
        bad = i % 4 == 1
        rows.append(lf.row(external_id=f"M{i}", seller_code=w.seller.credit_code,
                           amount_yuan="-1" if bad else f"{i + 1}.50"))
    path = lf.write_csv(tmp_path / "m.csv", rows)
    with translation.override("zh-hans"):
        small = services.purchase_import_file(path=path, actor="cli", batch_size=3)
    lines = [e["line"] for e in small.report["errors"]]
    assert lines == sorted(lines) == [3, 7, 11, 15]
    assert all("金额" in e["message"] or "大于" in e["message"] for e in nonempty(small.report["errors"]))
    assert (small.accepted, small.rejected) == (10, 4)
    booked = {e.external_id: e.amount_fen for e in PurchaseEntry.objects.all()}
    assert booked == {f"M{i}": (i + 1) * 100 + 50 for i in range(14) if i % 4 != 1}
    with open(small.rejected_path, encoding="utf-8") as fh:
        assert [r["external_id"] for r in csv.DictReader(fh)] == ["M1", "M5", "M9", "M13"]
    assert all(d.ok for d in nonempty(rollups.check()))


def test_the_same_file_twice_and_overlapping_files_change_nothing(w, tmp_path):
    rows = [lf.row(external_id=f"E{i}", seller_code=w.seller.credit_code) for i in range(4)]
    first = _import(tmp_path, rows)
    total = PurchaseEntry.objects.count()
    again = _import(tmp_path, rows, name="again.csv")
    assert again.accepted == 0 and again.duplicates == 4
    assert {d["code"] for d in again.report["duplicate_lines"]} == {"duplicate"}
    overlap = _import(tmp_path, rows[2:] + [lf.row(external_id="E9", seller_code=w.seller.credit_code)], name="o.csv")
    assert overlap.accepted == 1 and overlap.duplicates == 2
    assert PurchaseEntry.objects.count() == total + 1 and first.accepted == 4
    assert all(d.ok for d in nonempty(rollups.check()))


def test_dry_run_reports_the_same_and_writes_nothing(w, tmp_path):
    rows = [lf.row(external_id="A", seller_code=w.seller.credit_code),
            lf.row(external_id="A", seller_code=w.seller.credit_code),
            lf.row(external_id="B", seller_code=w.seller.credit_code, amount_yuan="-1")]
    dry = _import(tmp_path, rows, dry_run=True)
    assert (dry.accepted, dry.duplicates, dry.rejected) == (1, 1, 1) and dry.dry_run
    assert PurchaseEntry.objects.count() == 0
    assert not any(m.objects.exists() for m in (c.model for c in rollups.CUBES))
    real = _import(tmp_path, rows)
    assert (real.accepted, real.duplicates, real.rejected) == (1, 1, 1)
    assert {k: v for k, v in dry.report.items() if k in ("accepted", "rejected", "duplicates", "counted")} == \
        {k: v for k, v in real.report.items() if k in ("accepted", "rejected", "duplicates", "counted")}


def test_dry_run_sees_duplicates_across_its_own_batches(w, tmp_path):
    rows = [lf.row(external_id=f"E{i % 3}", seller_code=w.seller.credit_code) for i in range(6)]
    path = lf.write_csv(tmp_path / "d.csv", rows)
    job = services.purchase_import_file(path=path, actor="cli", dry_run=True, batch_size=2)
    assert job.accepted == 3 and job.duplicates == 3 and PurchaseEntry.objects.count() == 0


def test_chinese_headers_and_the_default_source(w, tmp_path):
    header = ["外部编号", "采购日期", "购买方代码", "销售方代码", "产品代码", "产地代码", "数量", "单位", "金额(元)", "类型",
              "渠道", "状态"]
    path = tmp_path / "zh.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        cw = csv.writer(fh)
        cw.writerow(header)
        cw.writerow(["Z1", "2023-05-10", "", w.seller.credit_code, "", "", "3", "箱", "45.60", "直接采购", "832平台", "已完成"])
    job = services.purchase_import_file(path=path, actor="cli", source="county-counter")
    assert job.accepted == 1, job.report
    e = PurchaseEntry.objects.get()
    assert (e.source, e.amount_fen, e.channel, e.kind) == ("county-counter", 4560, "platform_832", "direct_purchase")


def test_missing_required_columns_fail_the_import_clearly(w, tmp_path):
    job = _import(tmp_path, [lf.row(seller_code=w.seller.credit_code)],
                  header=["source", "external_id", "purchase_date", "seller_code", "kind", "channel"])
    assert job.status == "failed" and "amount_yuan" in job.error
    assert job.report["error"]["code"] == "missing_columns"


def test_a_gbk_csv_is_accepted_with_a_warning(w, tmp_path):
    rows = [lf.row(external_id="G1", seller_code=w.seller.credit_code, kind="帮助销售", unit="公斤")]
    job = _import(tmp_path, rows, encoding="gbk")
    assert job.accepted == 1 and any("GBK" in warning for warning in job.report["warnings"])
    assert PurchaseEntry.objects.get().unit == "公斤"


def test_a_truncated_xlsx_fails_with_a_clear_reason(w, tmp_path):
    wb = Workbook()
    wb.active.append(lf.HEADER)
    wb.active.append(list(lf.row(seller_code=w.seller.credit_code).values()))
    buf = io.BytesIO()
    wb.save(buf)
    path = tmp_path / "cut.xlsx"
    path.write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    job = services.purchase_import_file(path=path, actor="cli")
    assert job.status == "failed" and job.report["error"]["code"] == "unreadable_file"
    assert PurchaseEntry.objects.count() == 0


def test_an_xlsx_file_imports_and_its_rejects_come_back_as_xlsx(w, tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(lf.HEADER)
    ws.append([*lf.row(external_id="X1", seller_code=w.seller.credit_code, amount_yuan="12.5").values()])
    ws.append([*lf.row(external_id="X2", seller_code=w.seller.credit_code, amount_yuan="1.001",
                       unit="+cmd|calc").values()])
    path = tmp_path / "p.xlsx"
    wb.save(path)
    job = services.purchase_import_file(path=path, actor="cli")
    assert job.accepted == 1 and job.rejected == 1
    assert job.rejected_path.endswith(".xlsx")
    rows = list(load_workbook(job.rejected_path).active.values)
    assert rows[0][-2:] == ("line", "reason") and rows[1][1] == "X2"
    assert rows[1][lf.HEADER.index("unit")] == "'+cmd|calc"  # neutralised: never a live formula
    assert "amount_yuan" in rows[1][-1]


def test_rejected_rows_file_fixes_and_reimports(w, tmp_path):
    rows = [lf.row(external_id="R1", seller_code=w.seller.credit_code, amount_yuan="-3"),
            lf.row(external_id="R2", seller_code=w.seller.credit_code, unit="@SUM(A1)")]
    job = _import(tmp_path, [*rows[:1], lf.row(external_id="R2", seller_code=w.seller.credit_code, amount_yuan="x",
                                               unit="@SUM(A1)")])
    assert job.rejected == 2 and job.rejected_path.endswith(".csv")
    with open(job.rejected_path, encoding="utf-8-sig", newline="") as fh:
        got = list(csv.DictReader(fh))
    assert [g["external_id"] for g in got] == ["R1", "R2"]
    assert got[0]["line"] == "2" and "amount_yuan" in got[0]["reason"]
    assert got[1]["unit"] == "'@SUM(A1)"
    fixed = tmp_path / "fixed.csv"
    with open(fixed, "w", encoding="utf-8", newline="") as fh:
        cw = csv.DictWriter(fh, fieldnames=list(got[0].keys()))
        cw.writeheader()
        for g in got:
            cw.writerow({**g, "amount_yuan": "3.00", "unit": "kg"})
    again = services.purchase_import_file(path=fixed, actor="cli")
    assert again.accepted == 2 and again.rejected == 0 and "line" in "".join(again.report["warnings"])


def test_a_scoped_clerk_books_only_inside_its_scope(w, tmp_path, county_clerk, other_county_clerk):
    rows = [lf.row(external_id="IN", seller_code=w.seller.credit_code)]
    ok = _import(tmp_path, rows, actor=county_clerk)
    assert ok.accepted == 1
    out = _import(tmp_path, [lf.row(external_id="OUT", seller_code=w.seller.credit_code)], name="o.csv",
                  actor=other_county_clerk)
    assert out.accepted == 0 and (2, "origin_code", "out_of_scope") in _codes(out)


def test_viewers_cannot_import(w, tmp_path, national_viewer):
    path = lf.write_csv(tmp_path / "v.csv", [lf.row(seller_code=w.seller.credit_code)])
    with pytest.raises(Exception) as exc:
        services.purchase_import_file(path=path, actor=national_viewer)
    assert getattr(exc.value, "code", "") == "permission_denied"
    assert not PurchaseImport.objects.exists()


def test_unsupported_file_types_are_refused(w, tmp_path):
    path = tmp_path / "p.pdf"
    path.write_bytes(b"%PDF")
    with pytest.raises(InvalidInput) as exc:
        services.purchase_import_file(path=path, actor="cli")
    assert exc.value.code == "unsupported_file_type"


def test_cli_import_dry_run_and_report(w, tmp_path, capsys):
    path = lf.write_csv(tmp_path / "c.csv", [lf.row(external_id="C1", seller_code=w.seller.credit_code),
                                            lf.row(external_id="C2", seller_code=w.seller.credit_code, kind="?")])
    call_command("import_purchases", str(path), "--dry-run")
    out = capsys.readouterr()
    assert "DRY RUN" in out.out and "accepted 1" in out.out and "unknown_kind" in out.out
    assert PurchaseEntry.objects.count() == 0
    call_command("import_purchases", str(path), "--source", "cli")
    assert PurchaseEntry.objects.count() == 1
    with pytest.raises(CommandError):
        call_command("import_purchases", str(tmp_path / "missing.csv"))
