"""Reserved share: declarations (form/API/import services) and the computed list against the ledger."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from fupin.core.errors import AccessDenied, InvalidInput, NotFound
from fupin.core.models import AuditEntry, ImportRun, PolicyParameter
from fupin.core.tabular import csv_bytes
from fupin.ledger import reserved_share_services as services
from fupin.ledger.models_reserved import CanteenDeclaration
from tests import factories

pytestmark = pytest.mark.django_db

TODAY = dt.datetime(2026, 3, 1, 10, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture(autouse=True)
def files_in_tmp(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path / "files")}}}


@pytest.fixture
def hubei_clerk(db):
    return factories.user("clerk42", roles="clerk", scope_level="province", scope_code="420000")


def test_seeded_parameters_are_in_the_database():
    keys = set(PolicyParameter.objects.filter(key__startswith="ledger.reserved_share").values_list("key", "region_prefix"))
    assert {("ledger.reserved_share.required", ""), ("ledger.reserved_share.required", "42"),
            ("ledger.reserved_share.required", "45"), ("ledger.reserved_share.counting", ""),
            ("ledger.reserved_share.obliged_kinds", "")} <= keys


def test_submit_creates_then_updates_with_audit_and_ignores_repeats(hubei_clerk):
    unit = factories.organisation("武汉某局", region_code="420102")
    decl = services.canteen_declaration_submit(organisation_id=unit.pk, year=2025, canteen_food_fen=500_000_00,
                                               actor=hubei_clerk)
    assert (decl.canteen_food_fen, decl.exempt_reason, decl.declared_by) == (500_000_00, "", hubei_clerk)
    services.canteen_declaration_submit(organisation_id=unit.pk, year=2025, canteen_food_fen=500_000_00,
                                        actor=hubei_clerk)
    services.canteen_declaration_submit(organisation_id=unit.pk, year=2025, canteen_food_fen=None,
                                        exempt_reason="outsourced_canteen", note="外包给餐饮公司", actor=hubei_clerk)
    assert CanteenDeclaration.objects.count() == 1
    decl.refresh_from_db()
    assert (decl.canteen_food_fen, decl.exempt_reason) == (None, "outsourced_canteen")
    actions = list(AuditEntry.objects.filter(object_type="ledger.canteendeclaration").values_list("action", flat=True))
    assert sorted(actions) == ["canteen_declaration:create", "canteen_declaration:update"]
    update = AuditEntry.objects.get(action="canteen_declaration:update")
    assert update.before["canteen_food_fen"] == 500_000_00 and update.after["exempt_reason"] == "outsourced_canteen"


@pytest.mark.parametrize(("kwargs", "code"), [
    ({"year": 2027, "canteen_food_fen": 100}, "bad_year"),
    ({"year": 2012, "canteen_food_fen": 100}, "bad_year"),
    ({"year": 2025, "canteen_food_fen": None}, "missing_amount"),
    ({"year": 2025, "canteen_food_fen": -5}, "bad_amount"),
    ({"year": 2025, "canteen_food_fen": 100, "exempt_reason": "no_canteen"}, "exempt_with_amount"),
    ({"year": 2025, "canteen_food_fen": None, "exempt_reason": "closed"}, "bad_exempt_reason"),
    ({"year": 2025, "canteen_food_fen": 100, "farm_produce_fen": 200}, "farm_produce_exceeds_total"),
])
def test_submit_refuses_bad_declarations_with_codes(hubei_clerk, kwargs, code):
    unit = factories.organisation(region_code="420102")
    with pytest.raises(InvalidInput) as exc:
        services.canteen_declaration_submit(organisation_id=unit.pk, actor=hubei_clerk, **kwargs)
    assert code in [d["code"] for d in exc.value.details]
    assert not CanteenDeclaration.objects.exists()


def test_submit_needs_a_declaring_role_and_the_unit_in_scope(hubei_clerk):
    viewer = factories.user("v42", roles="viewer", scope_level="province", scope_code="420000")
    hubei_unit = factories.organisation(region_code="420102")
    beijing_unit = factories.organisation(region_code="110101")
    with pytest.raises(AccessDenied):
        services.canteen_declaration_submit(organisation_id=hubei_unit.pk, year=2025, canteen_food_fen=1, actor=viewer)
    with pytest.raises(NotFound):
        services.canteen_declaration_submit(organisation_id=beijing_unit.pk, year=2025, canteen_food_fen=1,
                                            actor=hubei_clerk)
    assert not CanteenDeclaration.objects.exists()


# -- import ----------------------------------------------------------------------------------------------------------
def write_csv(tmp_path, rows, header=("单位代码", "年度", "食堂食材采购额(元)", "其中农副产品(元)", "免予预留原因", "备注"),
              name="declarations.csv"):
    path = tmp_path / name
    path.write_bytes(csv_bytes(rows, header=list(header)))
    return path


def test_import_validates_every_row_keeps_rejects_and_is_idempotent(tmp_path, hubei_clerk):
    a = factories.organisation("单位甲", region_code="420102")
    b = factories.organisation("单位乙", region_code="420103")
    outside = factories.organisation("北京单位", region_code="110101")
    rows = [
        [a.credit_code, "2025", "1,000,000.00", "400000", "", "正常"],
        [b.credit_code, "2025", "", "", "无食堂", ""],
        [a.credit_code, "2025", "1,000,000.00", "400000", "", "正常"],        # same row again: a duplicate
        [a.credit_code, "2025", "999.00", "", "", ""],                         # same unit and year, different
        [outside.credit_code, "2025", "100", "", "", ""],                      # out of scope
        ["91110000XXXXXXXXXX", "2025", "100", "", "", ""],                    # bad credit code
        [b.credit_code, "2024", "12.345", "", "", ""],                         # three decimals
        [b.credit_code, "二〇二四", "100", "", "", ""],                         # not a year
        [b.credit_code, "2023", "100", "", "关门", ""],                         # unknown reason (and an amount)
        [b.credit_code, "2027", "100", "", "", ""],                            # future year
        [b.credit_code, "2022", "100", "200", "", ""],                         # farm produce above total
    ]
    path = write_csv(tmp_path, rows)
    dry = services.canteen_declaration_import(path=path, file_name="declarations.csv", actor=hubei_clerk, dry_run=True)
    assert (dry.accepted, dry.duplicates, dry.rejected) == (2, 1, 8)
    assert not CanteenDeclaration.objects.exists()

    report = services.canteen_declaration_import(path=path, file_name="declarations.csv", actor=hubei_clerk)
    assert (report.total, report.accepted, report.unchanged, report.duplicates, report.rejected) == (11, 2, 0, 1, 8)
    errors = {(e.line, e.column, e.code) for e in report.errors}
    assert {(5, "buyer_code", "duplicate_in_file"), (6, "buyer_code", "unknown_buyer"),
            (7, "buyer_code", "bad_credit_code"), (8, "canteen_food_yuan", "bad_amount"), (9, "year", "bad_year"),
            (10, "exempt_reason", "bad_exempt_reason"), (11, "year", "bad_year"),
            (12, "farm_produce_yuan", "farm_produce_exceeds_total")} == errors
    decl_a = CanteenDeclaration.objects.get(organisation=a)
    assert (decl_a.canteen_food_fen, decl_a.farm_produce_fen, decl_a.source) == (1_000_000_00, 400_000_00, "import")
    assert CanteenDeclaration.objects.get(organisation=b).exempt_reason == "no_canteen"
    run = ImportRun.objects.get(pk=report.run_id)
    assert run.kind == "canteen_declarations" and run.rejected == 8 and run.rejected_file

    # the rejected rows come back as a file in the same format, with line and reason, ready to fix
    from django.core.files.storage import default_storage

    with default_storage.open(run.rejected_file) as fh:
        text = fh.read().decode("utf-8-sig")
    assert text.splitlines()[0] == "buyer_code,year,canteen_food_yuan,farm_produce_yuan,exempt_reason,note,line,reason"
    assert len(text.strip().splitlines()) == 1 + 8

    again = services.canteen_declaration_import(path=path, file_name="declarations.csv", actor=hubei_clerk)
    assert (again.accepted, again.unchanged) == (0, 2)
    assert AuditEntry.objects.filter(object_type="ledger.canteendeclaration").count() == 2


def test_import_accepts_english_headers_and_xlsx(tmp_path, hubei_clerk):
    from fupin.core.tabular import xlsx_bytes

    unit = factories.organisation(region_code="420102")
    path = tmp_path / "d.xlsx"
    path.write_bytes(xlsx_bytes([[unit.credit_code, 2024, 2500.5, None, "", ""]],
                                header=["buyer_code", "year", "canteen_food_yuan", "farm_produce_yuan",
                                        "exempt_reason", "note"]))
    report = services.canteen_declaration_import(path=path, file_name="d.xlsx", actor=hubei_clerk)
    assert report.accepted == 1, report.as_dict()
    assert CanteenDeclaration.objects.get().canteen_food_fen == 2500_50


def test_import_refuses_a_file_without_the_required_columns(tmp_path, hubei_clerk):
    path = write_csv(tmp_path, [["x"]], header=("名称",))
    with pytest.raises(InvalidInput) as exc:
        services.canteen_declaration_import(path=path, file_name="declarations.csv", actor=hubei_clerk)
    assert exc.value.code == "missing_columns"
