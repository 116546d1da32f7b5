"""Imports of contracts and payments: row-level report, rejects kept, idempotent, dry run, Chinese headers."""

import csv
import datetime as dt
import io

import pytest
from openpyxl import Workbook

from fupin.core.models import ImportRun
from fupin.linkage import imports
from fupin.linkage.models import BenefitPayment, Contract
from tests import factories
from tests.linkage import factories as lf

pytestmark = pytest.mark.django_db


def write_csv(tmp_path, name, header, rows):
    path = tmp_path / name
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([header, *rows])   # quoted: "1,200" stays one cell
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


@pytest.fixture
def setup():
    clerk = lf.writer(scope_code="522627")
    entity = factories.entity(region_code="522627")
    hs = [factories.household() for _ in range(3)]
    return clerk, entity, hs


def test_contract_import_report_and_idempotence(tmp_path, setup):
    clerk, entity, (h1, h2, h3) = setup
    header = ["contract_no", "entity", "mechanism", "start_date", "end_date", "households", "rent_per_mu_yuan",
              "wage_basis", "wage_yuan", "status"]
    rows = [
        ["C-1", entity.credit_code, "土地流转", "2024-01-01", "", f"{h1.registry_code}:2;{h2.registry_code}:1.5", "600", "", "", "active"],
        ["C-2", entity.credit_code, "employment", "2024-01-01", "2024-12-31", h3.registry_code, "", "month", "2500", ""],
        ["C-3", entity.credit_code, "employment", "2024-01-01", "", h1.registry_code, "", "day", "", ""],   # missing terms
        ["C-4", entity.credit_code, "land_lease", "2024-06-01", "", f"{h1.registry_code}:1", "500", "", "", ""],  # overlap
        ["C-5", "NOPE", "land_lease", "2024-13-01", "", "HXXX:1", "500", "", "", ""],  # unknown entity, bad date, unknown household
        ["C-2", entity.credit_code, "employment", "2024-01-01", "2024-12-31", h3.registry_code, "", "month", "2500", ""],  # repeated line
    ]
    path = write_csv(tmp_path, "contracts.csv", header, rows)
    dry = imports.contract_import(path=path, file_name="contracts.csv", actor=clerk, dry_run=True)
    assert (dry.accepted, dry.rejected, dry.duplicates) == (2, 3, 1)
    assert Contract.objects.count() == 0
    report = imports.contract_import(path=path, file_name="contracts.csv", actor=clerk)
    assert (report.accepted, report.rejected, report.duplicates) == (2, 3, 1)
    codes = {(e.line, e.column, e.code) for e in report.errors}
    assert (4, "days_per_month", "missing_term") in codes
    assert (5, "households", "overlapping_contract") in codes
    assert {(6, "entity", "unknown_entity"), (6, "start_date", "bad_date"), (6, "households", "unknown_household")} <= codes
    assert Contract.objects.get(code="C-1").status == "active"
    assert Contract.objects.get(code="C-1").terms == {"rent_per_mu_fen": 60000}
    assert Contract.objects.get(code="C-2").status == "draft"
    run = ImportRun.objects.filter(dry_run=False).get()
    assert run.rejected == 3 and run.rejected_file
    again = imports.contract_import(path=path, file_name="contracts.csv", actor=clerk)
    assert (again.accepted, again.unchanged) == (0, 2)
    assert Contract.objects.count() == 2


def test_contract_import_accepts_chinese_headers_and_xlsx(tmp_path, setup):
    clerk, entity, (h1, _h2, _h3) = setup
    wb = Workbook()
    ws = wb.active
    ws.append(["合同编号", "经营主体代码", "联结方式", "开始日期", "农户", "每亩年租金(元)"])
    ws.append(["Z-1", entity.credit_code, "土地流转", "2024-01-01", f"{h1.registry_code}:3", "450.50"])
    buf = io.BytesIO()
    wb.save(buf)
    path = tmp_path / "合同.xlsx"
    path.write_bytes(buf.getvalue())
    report = imports.contract_import(path=path, file_name="合同.xlsx", actor=clerk)
    assert report.accepted == 1, report.as_dict()
    assert Contract.objects.get(code="Z-1").terms == {"rent_per_mu_fen": 45050}


def test_payment_import_bad_rows_and_idempotence(tmp_path, setup):
    clerk, entity, (h1, h2, h3) = setup
    c = lf.contract(actor=clerk, entity=entity, households=[h1, h2], start=dt.date(2024, 1, 1), end=dt.date(2024, 12, 31),
                    code="PAY-1")
    header = ["external_id", "contract_no", "household", "paid_on", "amount_yuan", "evidence_ref"]
    rows = [
        ["E1", "PAY-1", h1.registry_code, "2024-03-01", "1200.00", "V1"],
        ["E2", "PAY-1", h2.registry_code, "2024/03/01", "1,200", "V2"],
        ["E3", "PAY-1", h3.registry_code, "2024-03-01", "100", ""],         # not linked
        ["E4", "PAY-1", "H-UNKNOWN", "2024-03-01", "100", ""],              # unknown household
        ["E5", "PAY-1", h1.registry_code, "2024-03-01", "-5", ""],          # negative
        ["E6", "PAY-1", h1.registry_code, "2025-03-01", "5", ""],           # outside the contract
        ["E7", "NO-SUCH", h1.registry_code, "2024-03-01", "5", ""],         # unknown contract
        ["E1", "PAY-1", h1.registry_code, "2024-03-01", "1200.00", "V1"],   # duplicated line
        ["E8", "PAY-1", h1.registry_code, "2024-03-01", "0,5", ""],          # not 5 yuan: refused (issue #9)
    ]
    path = write_csv(tmp_path, "payments.csv", header, rows)
    report = imports.payment_import(path=path, file_name="payments.csv", actor=clerk)
    assert (report.accepted, report.rejected, report.duplicates) == (2, 6, 1)
    by_line = {e.line: (e.column, e.code) for e in report.errors}
    assert by_line[4] == ("household", "not_linked")
    assert by_line[5] == ("household", "unknown_household")
    assert by_line[6] == ("amount_yuan", "amount_not_positive")
    assert by_line[10] == ("amount_yuan", "invalid_amount")
    assert by_line[7] == ("paid_on", "outside_contract")
    assert by_line[8] == ("contract_no", "unknown_contract")
    assert BenefitPayment.objects.filter(contract=c).count() == 2
    assert BenefitPayment.objects.get(external_id="E2").amount_fen == 120000   # "1,200": exact thousands grouping
    again = imports.payment_import(path=path, file_name="payments.csv", actor=clerk)
    assert (again.accepted, again.unchanged) == (0, 2)
    assert BenefitPayment.objects.count() == 2
    changed = write_csv(tmp_path, "changed.csv", header, [["E1", "PAY-1", h1.registry_code, "2024-03-01", "999", "V1"]])
    r = imports.payment_import(path=changed, file_name="changed.csv", actor=clerk)
    assert r.rejected == 1 and r.errors[0].code == "duplicate_external_id"


def test_export_round_trips(tmp_path, setup):
    clerk, entity, (h1, h2, _h3) = setup
    lf.contract(actor=clerk, entity=entity, households=[h1, h2], code="RT-1")
    content = imports.contracts_export(contracts=Contract.objects.prefetch_related("parties__household"), fmt="csv")
    path = tmp_path / "export.csv"
    path.write_bytes(content)
    report = imports.contract_import(path=path, file_name="export.csv", actor=clerk)
    assert report.unchanged == 1 and report.rejected == 0, report.as_dict()
