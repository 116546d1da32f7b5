"""Reserved share: declarations (form/API/import services) and the computed list against the ledger."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from fupin.core.errors import AccessDenied, InvalidInput, NotFound
from fupin.core.models import AuditEntry, ImportRun, PolicyParameter
from fupin.core.tabular import csv_bytes
from fupin.ledger.reserved_share import services
from fupin.ledger.reserved_share.models import CanteenDeclaration
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
            (7, "buyer_code", "bad_credit_code"), (8, "canteen_food_yuan", "too_many_decimals"), (9, "year", "bad_year"),
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


# -- the computed list against the ledger ---------------------------------------------------------------------------
def book(w, rows):
    from fupin.ledger import services as ledger_services

    report = ledger_services.purchase_record_batch(rows=rows, actor="test")
    assert not report.errors, [e.as_dict() for e in report.errors]
    return report


def platform_row(n, *, buyer, date="2025-05-10", amount="100.00", channel="platform_832", kind="direct_purchase",
                 seller=None, w=None, **kw):
    from tests.ledger import factories as lf

    # the buyer evaluated the order (Guangxi's buyers' 832 orders count only then: ledger.evaluation_requirement)
    return {**lf.row(external_id=f"RS{n}", purchase_date=date, buyer_code=buyer.credit_code, amount_yuan=amount,
                     channel=channel, kind=kind, seller_code=(seller or w.seller).credit_code, **kw), "evaluated": "是"}


@pytest.fixture
def share_world(db):
    from tests.ledger import factories as lf

    w = lf.world()
    w.hubei = factories.organisation("湖北某厅", kind="government_department", region_code="420102")
    w.union = factories.organisation("湖北某厅工会", kind="trade_union", region_code="420102", parent=w.hubei)
    w.company = factories.organisation("湖北某公司", kind="private_enterprise", region_code="420102")
    return w


def verdicts(viewer, year, **kw):
    from fupin.ledger.reserved_share import selectors as sel

    return {r.organisation.pk: r for r in sel.reserved_share_list(viewer=viewer, year=year, **kw)}


def test_share_is_computed_from_counted_platform_purchases_of_the_unit_and_its_union(share_world, admin_user):
    w = share_world
    book(w, [
        platform_row(1, buyer=w.hubei, amount="10000.00", w=w),                      # counts
        platform_row(2, buyer=w.union, amount="2000.00", w=w),                       # the union's: counts toward the unit
        platform_row(3, buyer=w.hubei, amount="50000.00", channel="special_counter", w=w),  # not the platform
        platform_row(4, buyer=w.hubei, amount="50000.00", kind="helped_sale", w=w),  # not a direct purchase
        platform_row(5, buyer=w.hubei, amount="50000.00", status="pending", w=w),    # does not count
        platform_row(6, buyer=w.hubei, amount="50000.00", seller=w.plain_seller, w=w),  # no basis: does not count
        platform_row(7, buyer=w.hubei, amount="50000.00", date="2024-05-10", w=w),   # another year
    ])
    services.canteen_declaration_submit(organisation_id=w.hubei.pk, year=2025, canteen_food_fen=100_000_00,
                                        actor=admin_user)
    row = verdicts(admin_user, 2025)[w.hubei.pk]
    assert row.result.platform_fen == 12_000_00
    # Hubei requires 15%: 15,000.00 yuan of 100,000.00; 12,000.00 bought: short by 3,000.00
    assert (row.status, row.result.required_bp, row.result.required_fen, row.result.gap_fen) == (
        "short", 1500, 15_000_00, 3_000_00)
    assert row.member_ids == (w.union.pk,)
    assert row.result.param_version_id == PolicyParameter.objects.get(
        key="ledger.reserved_share.required", region_prefix="42").pk
    # the same purchases meet the national 10% for a Beijing unit of the same size
    services.canteen_declaration_submit(organisation_id=w.central.pk, year=2025, canteen_food_fen=100_000_00,
                                        actor=admin_user)
    book(w, [platform_row(8, buyer=w.central, amount="10000.00", w=w)])
    assert verdicts(admin_user, 2025)[w.central.pk].status == "compliant"


def test_across_years_and_regions(share_world, admin_user):
    w = share_world
    for year in (2020, 2021):
        services.canteen_declaration_submit(organisation_id=w.gx.pk, year=year, canteen_food_fen=100_000_00,
                                            farm_produce_fen=40_000_00, actor=admin_user)
    book(w, [platform_row(1, buyer=w.gx, amount="8000.00", date="2021-03-01", w=w),
             platform_row(2, buyer=w.gx, amount="1.00", date="2020-03-01", w=w)])
    assert verdicts(admin_user, 2020)[w.gx.pk].status == "not_required"  # before 财库〔2021〕19号
    gx = verdicts(admin_user, 2021)[w.gx.pk]  # Guangxi: 20% of 40,000.00 farm produce = 8,000.00
    assert (gx.status, gx.result.base_fen, gx.result.required_fen) == ("compliant", 40_000_00, 8_000_00)
    # an administrator raises the national share from 2025: 2024 keeps the old rule
    from fupin.core.services import policy_parameter_create

    policy_parameter_create(key="ledger.reserved_share.required", value={"percent": "12", "base": "canteen_food"},
                            valid_from=dt.date(2025, 1, 1), actor=admin_user)
    for year in (2024, 2025):
        services.canteen_declaration_submit(organisation_id=w.central.pk, year=year, canteen_food_fen=100_000_00,
                                            actor=admin_user)
    book(w, [platform_row(10 + y, buyer=w.central, amount="11000.00", date=f"{y}-06-01", w=w) for y in (2024, 2025)])
    v24, v25 = verdicts(admin_user, 2024)[w.central.pk], verdicts(admin_user, 2025)[w.central.pk]
    assert (v24.status, v24.result.required_bp) == ("compliant", 1000)
    assert (v25.status, v25.result.required_bp, v25.result.gap_fen) == ("short", 1200, 1_000_00)
    assert v24.result.param_version_id != v25.result.param_version_id


def test_exempt_and_undeclared_units_are_listed_and_companies_are_not(share_world, admin_user):
    w = share_world
    services.canteen_declaration_submit(organisation_id=w.hubei.pk, year=2025, canteen_food_fen=None,
                                        exempt_reason="no_canteen", actor=admin_user)
    rows = verdicts(admin_user, 2025)
    assert rows[w.hubei.pk].status == "exempt"
    assert rows[w.central.pk].status == "undeclared"  # a central unit must declare
    assert w.company.pk not in rows and w.union.pk not in rows
    short_only = verdicts(admin_user, 2025, status="exempt")
    assert set(short_only) == {w.hubei.pk}


def test_the_list_is_scoped_to_the_viewers_region(share_world, hubei_clerk):
    w = share_world
    rows = verdicts(hubei_clerk, 2025)
    assert w.hubei.pk in rows
    assert w.central.pk not in rows and w.gx.pk not in rows


# -- API -------------------------------------------------------------------------------------------------------------
def test_api_declare_list_get_export_and_import(share_world, api_as, admin_user, tmp_path):
    w = share_world
    api = api_as(admin_user)
    r = api.post("/reserved-share/declarations", {"organisation_id": w.hubei.pk, "year": 2025,
                                                  "canteen_food_yuan": "100000.00"})
    assert r.status_code == 200, r.json()
    assert (r.json()["canteen_food_fen"], r.json()["canteen_food_yuan"]) == (100_000_00, "100000.00")
    assert CanteenDeclaration.objects.get(organisation=w.hubei).source == "api"
    book(w, [platform_row(1, buyer=w.hubei, amount="16000.00", w=w)])
    r = api.get("/reserved-share", year=2025, status="compliant")
    assert r.status_code == 200
    body = r.json()
    assert body["count"] == 1 and body["items"][0]["organisation_id"] == w.hubei.pk
    assert body["items"][0]["required_percent"] == "15%" and body["items"][0]["platform_fen"] == 16_000_00
    one = api.get(f"/reserved-share/{w.hubei.pk}/2025").json()
    assert one["status"] == "compliant" and one["param_version_id"]
    r = api.get("/reserved-share/export", year=2025, format="csv")
    assert r.status_code == 200 and w.hubei.credit_code in r.content.decode("utf-8-sig")
    csv_path = write_csv(tmp_path, [[w.central.credit_code, "2025", "", "", "食堂外包", ""]])
    with open(csv_path, "rb") as fh:
        r = api.post("/reserved-share/declarations/imports", files={"file": fh})
    assert r.status_code == 200 and r.json()["accepted"] == 1
    assert CanteenDeclaration.objects.get(organisation=w.central).exempt_reason == "outsourced_canteen"


@pytest.mark.parametrize(("payload", "code"), [
    ({"year": 2025, "canteen_food_yuan": "12.345"}, "too_many_decimals"),
    ({"year": 2025, "canteen_food_yuan": "lots"}, "invalid_amount"),
    ({"year": 2025, "canteen_food_yuan": "1,000,00"}, "invalid_amount"),
    ({"year": 2025, "canteen_food_yuan": "-5"}, "amount_not_positive"),
    ({"year": 2099, "canteen_food_yuan": "5"}, "invalid_input"),
    ({"year": "soon", "canteen_food_yuan": "5"}, "invalid_input"),
    ({"year": 2025, "exempt_reason": "closed"}, "invalid_input"),
])
def test_api_refuses_bad_declarations_with_json_errors(share_world, api_as, admin_user, payload, code):
    r = api_as(admin_user).post("/reserved-share/declarations", {"organisation_id": share_world.hubei.pk, **payload})
    assert r.status_code == 422
    assert r.json()["code"] == code
    assert not CanteenDeclaration.objects.exists()


def test_api_is_scoped_and_needs_a_declaring_role(share_world, api_as, hubei_clerk, national_viewer):
    w = share_world
    r = api_as(hubei_clerk).post("/reserved-share/declarations", {"organisation_id": w.central.pk, "year": 2025,
                                                                  "canteen_food_yuan": "5"})
    assert r.status_code == 404
    r = api_as(national_viewer).post("/reserved-share/declarations", {"organisation_id": w.central.pk, "year": 2025,
                                                                      "canteen_food_yuan": "5"})
    assert r.status_code == 403
    ids = {i["organisation_id"] for i in api_as(hubei_clerk).get("/reserved-share", year=2025).json()["items"]}
    assert w.hubei.pk in ids and w.central.pk not in ids
    assert api_as(hubei_clerk).get(f"/reserved-share/{w.central.pk}/2025").status_code == 404
    assert api_as(hubei_clerk).get("/reserved-share", year=1800).status_code == 422
    assert api_as(hubei_clerk).get("/reserved-share", status="weird").status_code == 422
    assert api_as().get("/reserved-share").status_code == 401


# -- demo ------------------------------------------------------------------------------------------------------------
def test_demo_step_declares_units_into_every_verdict(share_world, admin_user):
    from fupin.demo.world import World
    from fupin.ledger.reserved_share import demo as reserved_share_demo

    w = share_world
    extra = [factories.organisation(f"预算单位{i}", kind="budget_unit", region_code="110105") for i in range(8)]
    book(w, [platform_row(100 + i, buyer=org, amount=f"{1000 + 100 * i}.00", w=w)
             for i, org in enumerate([w.hubei, w.central, *extra])])
    world = World(seed=1, scale="small", today=dt.date(2026, 11, 29))
    world.users["admin"] = admin_user
    reserved_share_demo.build(world)
    statuses = {r.status for r in verdicts(admin_user, 2025).values()}
    assert {"compliant", "short", "exempt", "undeclared"} <= statuses
    assert any("reserved share" in n for n in world.notes)
    before = CanteenDeclaration.objects.count()
    reserved_share_demo.build(world)  # building again changes nothing
    assert CanteenDeclaration.objects.count() == before


def test_a_unit_declares_for_itself_and_its_sub_units_only(tmp_path):
    """For whom (issue #16): a budget unit's clerk declares its own and its sub-units' canteen food, not another
    unit's — by the form service and by an import alike."""
    unit = factories.organisation("中央某部", kind="central_unit", region_code="110101")
    sub = factories.organisation("中央某部机关服务中心", region_code="110101", parent=unit)
    other = factories.organisation("另一个部", kind="central_unit", region_code="110101")
    clerk = factories.user("unit_clerk", roles="clerk", organisation=unit)
    services.canteen_declaration_submit(organisation_id=sub.pk, year=2025, canteen_food_fen=100_00, actor=clerk)
    with pytest.raises(AccessDenied):
        services.canteen_declaration_submit(organisation_id=other.pk, year=2025, canteen_food_fen=100_00, actor=clerk)
    path = write_csv(tmp_path, [[unit.credit_code, "2025", "100", "", "", ""],
                                [other.credit_code, "2025", "100", "", "", ""]])
    report = services.canteen_declaration_import(path=path, file_name="d.csv", actor=clerk)
    assert report.accepted == 1
    assert [(e.line, e.column, e.code) for e in report.errors] == [(3, "buyer_code", "not_yours")]
    assert not CanteenDeclaration.objects.filter(organisation=other).exists()
