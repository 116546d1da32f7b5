"""The historical national catalogue (issue #10 §7): products certified before go-live are loaded without the review
workflow, audited as a migration import, refused for future dates, unknown origins or suppliers, reversed validity and
product codes of another supplier; the ledger then counts their purchases on the certified-product basis inside the
historical periods."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io

import pytest
from django.core.management import call_command
from django.utils import translation

from fupin.certification import history_import, selectors, services
from fupin.certification.models import Application, CatalogueBatch, Certificate, CertificationPeriod, Product
from fupin.core.imports import rejected_file_content
from fupin.core.models import AuditEntry
from fupin.ledger import services as ledger_services
from fupin.ledger.models import PurchaseEntry
from tests import factories
from tests.conftest import ApiClient
from tests.ledger import factories as lf
from tests.registry import factories as rf

pytestmark = pytest.mark.django_db
D = dt.date
HEADER = ["product_code", "product_name", "category", "unit", "specification", "supplier_code", "origin_code",
          "batch_number", "batch_date", "valid_from", "valid_to"]
HEADER_ZH = ["产品编码", "产品名称", "产品类别", "计量单位", "规格", "供应商统一社会信用代码", "产地区划代码", "目录批次",
             "批次日期", "有效期起", "有效期止"]
COUNTY = "130631"          # 望都县, Hebei: not a poverty county here (only the certificate makes its products count)
VILLAGE = "130631100201"


@pytest.fixture
def world(db):
    factories.region(COUNTY, "望都县")
    factories.region(VILLAGE, "西村")
    factories.region("130000")
    supplier = factories.entity("望都辣椒合作社", kind="cooperative", region_code=COUNTY)
    other = factories.entity("望都食品公司", region_code=COUNTY)
    return supplier, other


def row(supplier, **kw):
    base = {"product_code": "P20190001", "product_name": "望都辣椒", "category": "fruit_vegetable", "unit": "kg",
            "specification": "5kg/箱", "supplier_code": supplier.credit_code, "origin_code": VILLAGE,
            "batch_number": "2019-H1", "batch_date": "2019-02-15", "valid_from": "2019-03-01",
            "valid_to": "2020-12-31"}
    base.update(kw)
    return [base[h] for h in HEADER]


def run(tmp_path, rows, *, actor="cli", name="catalogue.csv", header=HEADER, dry_run=False):
    path = rf.csv_file(tmp_path, name, header, rows)
    return history_import.catalogue_history_import(path=path, actor=actor, dry_run=dry_run), path


def codes(report):
    return {(e.line, e.column, e.code) for e in report.errors}


def test_products_are_certified_for_their_historical_periods_without_the_review(world, admin_user, tmp_path):
    supplier, _other = world
    report, path = run(tmp_path, [row(supplier), row(supplier, product_code="P20190002", product_name="辣椒酱",
                                                     category="加工食品", valid_to="2027-02-28")], actor=admin_user)
    assert (report.extra["created"], report.rejected) == (2, 0), report.as_dict()
    ended, running = Product.objects.get(code="P20190001"), Product.objects.get(code="P20190002")
    assert (ended.status, ended.certified_until) == ("expired", D(2020, 12, 31))
    assert (running.status, running.certified_until) == ("certified", D(2027, 2, 28))
    assert running.category == "processed_food" and ended.origin_region.code == VILLAGE
    assert list(CertificationPeriod.objects.filter(product=ended).values_list("start", "end")) == [
        (D(2019, 3, 1), D(2020, 12, 31))]
    batch = CatalogueBatch.objects.get(number="2019-H1")
    assert batch.historical and batch.published_on == D(2019, 2, 15) and batch.published_by == admin_user
    cert = Certificate.objects.get(product=running)
    assert cert.application is None and cert.batch == batch
    assert selectors.verify_code(code=cert.code, on=D(2026, 1, 1))["result"] == "valid"  # signed like any other
    assert not Application.objects.exists()  # no review workflow ran
    migration = AuditEntry.objects.get(action="certification:historical_import")
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    assert migration.object_id == sha and migration.actor == admin_user
    assert migration.after == {"file": "catalogue.csv", "file_sha256": sha, "administrator": admin_user.username,
                               "products_created": 2, "certificates": 2, "batches_created": ["2019-H1"]}
    assert [e.action for e in AuditEntry.objects.filter(object_id=str(ended.pk), object_type="certification.product")
            .order_by("id")] == ["product:create", "product:certify", "product:expire"]
    assert AuditEntry.objects.filter(action="batch:historical_create").count() == 1


def test_the_ledger_counts_a_2019_purchase_of_a_historical_product_as_certified(world, admin_user, tmp_path):
    supplier, _other = world
    run(tmp_path, [row(supplier)], actor=admin_user)
    seller = {"seller_code": supplier.credit_code, "product_code": "P20190001"}
    report = ledger_services.purchase_record_batch(rows=[
        lf.row(external_id="H-2019", purchase_date="2019-06-01", **seller),
        lf.row(external_id="H-2018", purchase_date="2018-06-01", **seller),   # before the certificate
        lf.row(external_id="H-2021", purchase_date="2021-06-01", **seller),   # after it ended
    ], actor="test")
    assert report.rejected == 0, report.as_dict()
    entries = {e.external_id: e for e in PurchaseEntry.objects.filter(source="test")}
    assert entries["H-2019"].counted and entries["H-2019"].basis == "certified_product"
    assert entries["H-2019"].product_category == "fruit_vegetable"
    assert not entries["H-2018"].counted and entries["H-2018"].not_counted_reason == "no_basis"
    assert not entries["H-2021"].counted and entries["H-2021"].not_counted_reason == "no_basis"


def test_the_same_file_twice_writes_nothing_and_a_dry_run_writes_nothing(world, admin_user, tmp_path):
    supplier, _other = world
    rows = [row(supplier), row(supplier, product_code="P1"), row(supplier)]  # a bad code and a repeated row
    dry, _path = run(tmp_path, rows, actor=admin_user, dry_run=True)
    assert not Product.objects.exists() and not CatalogueBatch.objects.exists()
    assert not AuditEntry.objects.filter(action="certification:historical_import").exists()
    real, _path = run(tmp_path, rows, actor=admin_user)
    same = ("total", "accepted", "unchanged", "duplicates", "rejected", "errors", "created", "rejected_file")
    assert {k: dry.as_dict()[k] for k in same} == {k: real.as_dict()[k] for k in same}
    assert (real.accepted, real.duplicates, real.rejected) == (1, 1, 1)
    again, _path = run(tmp_path, rows[:1], actor=admin_user, name="again.csv")
    assert (again.unchanged, again.accepted) == (1, 0)
    assert Certificate.objects.count() == 1 and CertificationPeriod.objects.count() == 1
    assert AuditEntry.objects.filter(action="certification:historical_import").count() == 1


def test_a_products_certificates_are_replayed_in_time(world, tmp_path):
    supplier, _other = world
    rows = [row(supplier, batch_number="2021-H1", batch_date="2021-01-05", valid_from="2021-01-01",
                valid_to="2023-12-31"), row(supplier)]
    report, _path = run(tmp_path, rows)
    assert report.accepted == 2, report.as_dict()
    product = Product.objects.get(code="P20190001")
    assert (product.status, product.certified_until) == ("expired", D(2023, 12, 31))
    # the two certificates touch: one certified period from 2019-03-01 to 2023-12-31
    assert list(product.periods.values_list("start", "end")) == [(D(2019, 3, 1), D(2023, 12, 31))]
    assert [e.action for e in AuditEntry.objects.filter(object_type="certification.product").order_by("id")] == [
        "product:create", "product:certify", "product:expire", "product:renew", "product:expire"]


def test_an_existing_product_gets_its_history_and_a_suspended_one_takes_no_running_certificate(world, tmp_path):
    supplier, _other = world
    product = services.product_create(supplier=supplier, name="望都辣椒", category="fruit_vegetable", unit="kg",
                                      origin_region=factories.region(VILLAGE), annual_capacity=0,
                                      reference_price_fen=0, price_fen=0, code="P20190001", actor="cli")
    report, _path = run(tmp_path, [row(supplier)])
    assert report.accepted == 1 and Product.objects.count() == 1
    product.refresh_from_db()
    assert product.status == "expired" and product.periods.count() == 1
    Product.objects.filter(pk=product.pk).update(status="suspended")
    report, _path = run(tmp_path, [row(supplier, batch_number="2024-H", batch_date="2024-01-02",
                                       valid_from="2024-01-02", valid_to="2027-01-01")], name="running.csv")
    assert codes(report) == {(2, "valid_to", "product_not_certifiable")}


@pytest.mark.parametrize("change,where", [
    ({"batch_date": "2099-01-01"}, (2, "batch_date", "future_date")),
    ({"valid_from": "2099-01-01", "valid_to": "2099-12-31"}, (2, "valid_from", "future_date")),
    ({"valid_from": "2012-01-01"}, (2, "valid_from", "date_too_early")),
    ({"valid_to": "2019-01-01"}, (2, "valid_to", "reversed_dates")),
    ({"valid_to": ""}, (2, "valid_to", "required")),
    ({"origin_code": "999999"}, (2, "origin_code", "unknown_origin")),
    ({"origin_code": "130000"}, (2, "origin_code", "bad_origin")),
    ({"supplier_code": factories.uscc(987654)}, (2, "supplier_code", "unknown_supplier")),
    ({"category": "spaceship"}, (2, "category", "bad_category")),
    ({"product_code": "X-1"}, (2, "product_code", "bad_code")),
    ({"product_name": ""}, (2, "product_name", "required")),
])
def test_bad_rows_are_refused_with_line_column_and_code(world, tmp_path, change, where):
    supplier, _other = world
    report, _path = run(tmp_path, [row(supplier, **change), row(supplier, product_code="P20190009")])
    assert where in codes(report), report.as_dict()
    assert (report.rejected, report.accepted) == (1, 1)
    assert list(Product.objects.values_list("code", flat=True)) == ["P20190009"]


def test_a_product_code_of_another_supplier_and_a_batch_of_another_date_are_refused(world, tmp_path):
    supplier, other = world
    run(tmp_path, [row(supplier)])
    report, _path = run(tmp_path, [
        row(other, batch_number="2020-H", batch_date="2020-03-01"),                       # stored product, other owner
        row(supplier, product_code="P20200001", batch_date="2019-02-16"),                # stored batch, other date
        row(supplier, product_code="P20200002", batch_number="2020-H2", batch_date="2020-03-01"),
        row(other, product_code="P20200002", batch_number="2020-H3", batch_date="2020-04-01"),  # in the file
        row(supplier, product_code="P20200003", batch_number="2020-H2", batch_date="2020-03-02"),  # in the file
    ], name="conflicts.csv")
    assert codes(report) == {(2, "supplier_code", "product_supplier_mismatch"),
                             (3, "batch_date", "batch_date_mismatch"),
                             (5, "supplier_code", "product_supplier_mismatch"),
                             (6, "batch_date", "batch_date_mismatch")}
    assert report.accepted == 1
    got = list(csv.DictReader(io.StringIO(rejected_file_content(name=report.extra["rejected_file"])
                                          .decode("utf-8-sig"))))
    assert [r["line"] for r in got] == ["2", "3", "5", "6"]
    assert got[0]["reason"] == "supplier_code: Product code P20190001 belongs to another supplier."


def test_chinese_headers_values_and_messages(world, tmp_path):
    supplier, _other = world
    rows = [row(supplier, category="果蔬", batch_date="2019年2月15日", valid_from="2019/3/1", valid_to="20201231"),
            row(supplier, product_code="P20190002", origin_code="999999")]
    with translation.override("zh-hans"):
        report, _path = run(tmp_path, rows, header=HEADER_ZH)
    assert report.accepted == 1
    assert [e.message for e in report.errors] == ["没有区划代码为“999999”的地区。"]


def test_the_api_is_for_administrators_and_gives_the_rejected_rows(world, admin_user, tmp_path):
    supplier, _other = world
    path = rf.csv_file(tmp_path, "catalogue.csv", HEADER, [row(supplier), row(supplier, origin_code="999999")])
    reviewer = factories.user("nation_reviewer", roles="reviewer,approver,clerk")
    with open(path, "rb") as fh:
        refused = ApiClient(reviewer).post("/certification/history/catalogue", files={"file": fh})
    assert refused.status_code == 403
    with open(path, "rb") as fh:
        body = ApiClient(admin_user).post("/certification/history/catalogue", {"dry_run": "true"},
                                          files={"file": fh}).json()
    assert body["dry_run"] and (body["created"], body["rejected"]) == (1, 1) and not Product.objects.exists()
    with open(path, "rb") as fh:
        body = ApiClient(admin_user).post("/certification/history/catalogue", files={"file": fh}).json()
    assert body["errors"][0] == {"line": 3, "column": "origin_code", "code": "unknown_origin",
                                 "message": "No region has the code “999999”."}
    rejected = ApiClient(admin_user).get(body["rejected_url"].removeprefix("/api/v1"))
    assert rejected.status_code == 200
    got = list(csv.DictReader(io.StringIO(rejected.content.decode("utf-8-sig"))))
    assert [(r["origin_code"], r["line"]) for r in got] == [("999999", "3")]
    assert ApiClient(reviewer).get(body["rejected_url"].removeprefix("/api/v1")).status_code == 404


def test_the_command_prints_the_report(world, admin_user, tmp_path):
    supplier, _other = world
    path = rf.csv_file(tmp_path, "catalogue.csv", HEADER, [row(supplier), row(supplier, batch_date="2099-01-01")])
    out = io.StringIO()
    call_command("import_historical_catalogue", str(path), "--user", admin_user.username, stdout=out)
    text = out.getvalue()
    assert "2 rows; 1 created" in text and "line 3, column batch_date" in text and "[future_date]" in text
    assert Product.objects.get().status == "expired"


@pytest.mark.parametrize("status,until,valid_to,moves", [
    ("registered", None, D(2027, 1, 1), ("certify",)),
    ("registered", None, D(2020, 1, 1), ("certify", "expire")),
    ("expired", D(2020, 1, 1), D(2023, 1, 1), ("renew", "expire")),
    ("expired", D(2023, 1, 1), D(2020, 1, 1), ()),                 # an older certificate: its period only
    ("expired", D(2020, 1, 1), D(2027, 1, 1), ("renew",)),
    ("certified", D(2026, 12, 31), D(2027, 6, 30), ("renew",)),
    ("certified", D(2027, 6, 30), D(2020, 1, 1), ()),
    ("suspended", D(2027, 6, 30), D(2020, 1, 1), ()),
    ("revoked", D(2027, 6, 30), D(2027, 1, 1), None),             # would certify it again past the revocation
])
def test_historical_moves(status, until, valid_to, moves):
    from fupin.certification.rules import historical_moves

    assert historical_moves(status, certified_until=until, valid_to=valid_to, today=D(2026, 12, 1)) == moves
