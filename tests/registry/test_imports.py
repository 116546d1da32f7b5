"""Registry imports through the service: every bad-input case, idempotency, dry runs, atomicity, audit, scope."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage

from fupin.core.errors import AccessDenied, InvalidInput
from fupin.core.models import AuditEntry, ImportRun
from fupin.core.tabular import TableError
from fupin.registry import imports, services
from fupin.registry.models import (
    AssistanceRelation,
    Household,
    MarketEntity,
    Organisation,
    Region,
    RegionCodeChange,
)
from tests import factories
from tests.registry import factories as rf

pytestmark = pytest.mark.django_db

MODELS = (Region, Organisation, MarketEntity, Household, AssistanceRelation, AuditEntry)


def counts() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in MODELS}


@pytest.fixture
def world(db):
    rf.regions()


@pytest.mark.parametrize("case", rf.BAD_INPUTS, ids=lambda c: c.name)
def test_bad_input_through_the_service(world, tmp_path, case):
    path = case.build(tmp_path)
    if case.file_error:
        before = counts()
        with pytest.raises(TableError) as exc:
            imports.registry_import(kind=case.kind, path=path, actor="test")
        assert exc.value.code == case.file_error
        assert "village_code (村代码)" in str(exc.value.message)
        assert counts() == before
        return
    report = imports.registry_import(kind=case.kind, path=path, actor="test")
    found = {(e.line, e.column, e.code) for e in report.errors}
    if case.row_error:
        assert case.row_error in found, report.as_dict()
        assert report.rejected == 1
        assert report.extra["rejected_file"]
    else:
        assert not report.errors, report.as_dict()
    if case.warning:
        assert any(case.warning in w for w in report.warnings), report.warnings
    assert report.accepted == case.accepted
    assert report.accepted + report.unchanged + report.rejected == report.total


def test_good_rows_are_imported_and_rejected_rows_are_not_written_at_all(world, tmp_path):
    rows = rf.household_rows([1, 2]) + [[factories.resident_id(3), rf.VILLAGE, "已脱贫", 3, "1999", "坏年份", "1"]]
    path = rf.csv_file(tmp_path, "h.csv", rf.HOUSEHOLD_HEADER, rows)
    report = imports.registry_import(kind="households", path=path, actor="test")
    assert (report.total, report.accepted, report.rejected) == (3, 2, 1)
    assert Household.objects.count() == 2
    assert not Household.objects.filter(id_hash=services.resident_id_hash(factories.resident_id(3))).exists()
    created = Household.objects.get(id_hash=services.resident_id_hash(factories.resident_id(1)))
    assert created.village.code == rf.VILLAGE and created.status == "lifted_out" and created.lifted_year == 2019
    assert created.size == 3 and created.head_name == "户主1"
    entry = AuditEntry.objects.get(action="household:create", object_id=str(created.pk))
    assert entry.after["head_name"] == "户**" and entry.after["village_id"] == created.village_id
    assert entry.before is None and entry.object_repr == created.registry_code and entry.actor_name == "test"
    # the identity number itself is nowhere in the database
    assert not Household.objects.filter(id_hash__contains=factories.resident_id(1)[:10]).exists()
    assert factories.resident_id(1) not in str(list(AuditEntry.objects.values_list("after", flat=True)))


def test_the_same_file_twice_changes_nothing(world, tmp_path):
    path = rf.csv_file(tmp_path, "h.csv", rf.HOUSEHOLD_HEADER, rf.household_rows([1, 2, 3]))
    first = imports.registry_import(kind="households", path=path, actor="test")
    assert first.accepted == 3
    before = counts()
    again = imports.registry_import(kind="households", path=path, actor="test")
    assert (again.accepted, again.unchanged, again.rejected) == (0, 3, 0)
    after = counts()
    assert after["AuditEntry"] == before["AuditEntry"] + 1  # only the run's own record
    assert {k: v for k, v in after.items() if k != "AuditEntry"} == {k: v for k, v in before.items() if k != "AuditEntry"}


@pytest.mark.parametrize("kind,header,rows", [
    ("organisations", rf.ORG_HEADER, lambda: [[factories.uscc(41), "甲", "budget_unit", rf.COUNTY, factories.uscc(42)],
                                            [factories.uscc(42), "乙", "central_unit", rf.COUNTY, ""]]),
    ("entities", rf.ENTITY_HEADER, lambda: [[factories.uscc(43), "合作社", "合作社", rf.COUNTY, "加工、电商", ""]]),
    ("regions", ["code", "name", "poor_village"], lambda: [[rf.VILLAGE[:9] + "209", "新村", "是"],
                                                          [rf.VILLAGE, "", "是"]]),
    ("relations", ["kind", "helper_region_code", "helped_region_code", "year_from"],
     lambda: [["东西部扶贫协作", "110101", rf.COUNTY, 2016]]),
])
def test_every_kind_is_idempotent(world, tmp_path, kind, header, rows):
    path = rf.csv_file(tmp_path, f"{kind}.csv", header, rows())
    first = imports.registry_import(kind=kind, path=path, actor="test")
    assert first.rejected == 0 and first.accepted == len(rows()), first.as_dict()
    before = counts()
    again = imports.registry_import(kind=kind, path=path, actor="test")
    assert (again.accepted, again.unchanged) == (0, len(rows())), again.as_dict()
    assert counts()["AuditEntry"] == before["AuditEntry"] + 1


def test_a_dry_run_reports_the_same_and_writes_nothing(world, tmp_path):
    rows = rf.household_rows([1, 2]) + [["110105194912310021", rf.VILLAGE, "lifted_out", 3, 2019, "", ""]]
    path = rf.csv_file(tmp_path, "h.csv", rf.HOUSEHOLD_HEADER, rows)
    before = counts()
    dry = imports.registry_import(kind="households", path=path, actor="test", dry_run=True)
    assert counts() == before
    assert dry.dry_run and (dry.accepted, dry.rejected) == (2, 1)
    assert ImportRun.objects.get(pk=dry.run_id).dry_run
    real = imports.registry_import(kind="households", path=path, actor="test")
    assert (real.accepted, real.rejected) == (dry.accepted, dry.rejected)
    assert [e.as_dict() for e in real.errors] == [e.as_dict() for e in dry.errors]


def test_updates_are_audited_before_and_after(world, tmp_path):
    path = rf.csv_file(tmp_path, "h.csv", rf.HOUSEHOLD_HEADER, rf.household_rows([1]))
    imports.registry_import(kind="households", path=path, actor="test")
    household = Household.objects.get()
    assert AuditEntry.objects.filter(action="household:create", object_id=str(household.pk)).exists()
    changed = rf.household_rows([1], status="monitored")
    changed[0][3] = 5
    path = rf.csv_file(tmp_path, "h2.csv", rf.HOUSEHOLD_HEADER, changed)
    report = imports.registry_import(kind="households", path=path, actor="test")
    assert report.extra["updated"] == 1
    household.refresh_from_db()
    assert household.status == "monitored" and household.size == 5
    status = AuditEntry.objects.get(action="household:monitor", object_id=str(household.pk))
    assert status.before["status"] == "lifted_out" and status.after["status"] == "monitored"
    detail = AuditEntry.objects.get(action="household:update", object_id=str(household.pk))
    assert detail.before == {"size": 3} and detail.after == {"size": 5}
    assert AuditEntry.objects.filter(action="import:registry_households").count() == 2


def test_a_forbidden_status_change_is_a_row_error(world, tmp_path):
    """Lifted out → registered poor again is not a transition: a household at risk is monitored first."""
    def run(name, status, year):
        path = rf.csv_file(tmp_path, name, rf.HOUSEHOLD_HEADER, rf.household_rows([1], status=status, year=year))
        return imports.registry_import(kind="households", path=path, actor="test")

    run("h1.csv", "registered_poor", "")
    run("h2.csv", "lifted_out", 2019)
    refused = run("h3.csv", "registered_poor", "")
    assert [(e.line, e.column, e.code) for e in refused.errors] == [(2, "status", "transition_not_allowed")]
    assert Household.objects.get().status == "lifted_out"
    run("h4.csv", "monitored", "")
    back = run("h5.csv", "registered_poor", "")
    assert back.extra["updated"] == 1
    household = Household.objects.get()
    assert household.status == "registered_poor" and household.lifted_year is None
    actions = list(AuditEntry.objects.filter(object_type="registry.household", object_id=str(household.pk)).order_by("id").values_list("action", flat=True))
    assert actions == ["household:create", "household:lift_out", "household:monitor", "household:register_poor"]
    wrong = run("h6.csv", "registered_poor", 2018)
    assert [(e.column, e.code) for e in wrong.errors] == [("lifted_year", "bad_year")]


def test_a_failure_while_writing_writes_nothing(world, tmp_path, monkeypatch):
    path = rf.csv_file(tmp_path, "h.csv", rf.HOUSEHOLD_HEADER, rf.household_rows([1, 2]))
    before = counts()

    real_insert = imports.insert_rows

    def broken(model, rows, **kwargs):
        if model is AuditEntry:  # the households are in; their audit entries fail
            raise RuntimeError("disk full")
        return real_insert(model, rows, **kwargs)

    monkeypatch.setattr(imports, "insert_rows", broken)
    with pytest.raises(RuntimeError):
        imports.registry_import(kind="households", path=path, actor="test")
    assert counts() == before


def test_old_region_codes_are_resolved_through_the_crosswalk(world, tmp_path):
    RegionCodeChange.objects.create(old_code="522621", new_code=rf.COUNTY, year=2010)
    path = rf.csv_file(tmp_path, "o.csv", rf.ORG_HEADER, [[factories.uscc(51), "旧代码单位", "budget_unit", "522621", ""]])
    report = imports.registry_import(kind="organisations", path=path, actor="test")
    assert report.accepted == 1, report.as_dict()
    assert Organisation.objects.get(name="旧代码单位").region.code == rf.COUNTY


def test_a_county_clerk_imports_only_inside_the_county(world, tmp_path, county_clerk):
    rows = rf.household_rows([1]) + rf.household_rows([2], village=rf.OTHER_VILLAGE)
    path = rf.csv_file(tmp_path, "h.csv", rf.HOUSEHOLD_HEADER, rows)
    report = imports.registry_import(kind="households", path=path, actor=county_clerk)
    assert report.accepted == 1
    assert [(e.line, e.column, e.code) for e in report.errors] == [(3, "village_code", "out_of_scope")]
    assert ImportRun.objects.get(pk=report.run_id).actor == county_clerk


def test_viewers_cannot_import(world, tmp_path, national_viewer):
    path = rf.csv_file(tmp_path, "h.csv", rf.HOUSEHOLD_HEADER, rf.household_rows([1]))
    with pytest.raises(AccessDenied):
        imports.registry_import(kind="households", path=path, actor=national_viewer)


def test_clerks_flag_poor_villages_but_not_poverty_counties(world, tmp_path, county_clerk):
    path = rf.csv_file(tmp_path, "r.csv", ["区划代码", "贫困村", "贫困县"],
                       [[rf.VILLAGE, "是", ""], [rf.COUNTY, "", "是"]])
    report = imports.registry_import(kind="regions", path=path, actor=county_clerk)
    assert Region.objects.get(code=rf.VILLAGE).is_poor_village
    assert not Region.objects.get(code=rf.COUNTY).is_poverty_county
    assert [(e.line, e.code) for e in report.errors] == [(3, "not_allowed")]
    entry = AuditEntry.objects.get(action="region:update")
    assert entry.before == {"is_poor_village": False} and entry.after == {"is_poor_village": True}


def test_new_villages_need_an_existing_or_imported_parent(world, tmp_path):
    rows = [["522627101", "新镇", ""], ["522627101201", "新镇一村", "是"], ["522627999201", "孤村", ""]]
    path = rf.csv_file(tmp_path, "r.csv", ["code", "name", "poor_village"], rows)
    report = imports.registry_import(kind="regions", path=path, actor="test")
    assert report.accepted == 2
    assert Region.objects.get(code="522627101201").parent.code == "522627101"
    assert [(e.line, e.code) for e in report.errors] == [(4, "unknown_region")]


def test_poor_household_sellers_link_their_household(world, tmp_path):
    services.household_create(resident_id=factories.resident_id(7), village_code=rf.VILLAGE, status="lifted_out",
                              lifted_year=2019, actor="test")
    rows = [["", "脱贫户张三", "贫困户", "", "", factories.resident_id(7)],
            [factories.uscc(61), "脱贫户李四", "poor_household", "", "", factories.resident_id(8)],
            ["", "无证企业", "enterprise", rf.COUNTY, "", ""]]
    path = rf.csv_file(tmp_path, "e.csv", rf.ENTITY_HEADER, rows)
    report = imports.registry_import(kind="entities", path=path, actor="test")
    seller = MarketEntity.objects.get()
    assert seller.household.village.code == rf.VILLAGE and seller.region.code == rf.VILLAGE and seller.credit_code is None
    assert {(e.line, e.column, e.code) for e in report.errors} == {
        (3, "credit_code", "bad_credit_code"), (3, "id_number", "unknown_household"), (4, "credit_code", "required")}
    again = imports.registry_import(kind="entities", path=path, actor="test")
    assert again.unchanged == 1


def test_organisation_cycles_in_a_file_are_refused(world, tmp_path):
    a, b = factories.uscc(71), factories.uscc(72)
    path = rf.csv_file(tmp_path, "o.csv", rf.ORG_HEADER, [[a, "甲", "budget_unit", rf.COUNTY, b],
                                                         [b, "乙", "budget_unit", rf.COUNTY, a]])
    report = imports.registry_import(kind="organisations", path=path, actor="test")
    assert report.accepted == 0 and report.rejected == 2
    assert Organisation.objects.count() == 0


def test_the_rejected_rows_file_has_line_and_reason(world, tmp_path):
    path = rf._bad_credit_code(tmp_path)
    report = imports.registry_import(kind="organisations", path=path, actor="test")
    content = default_storage.open(report.extra["rejected_file"]).read().decode("utf-8-sig")
    lines = content.strip().splitlines()
    assert lines[0] == "credit_code,name,kind,region_code,parent_credit_code,active,line,reason"
    assert lines[1].startswith(report.rejected_rows[0][1]["credit_code"])
    assert ",3," in lines[1] and "check character" in lines[1]
    assert ImportRun.objects.get(pk=report.run_id).rejected_file == report.extra["rejected_file"]


def test_unknown_kind_and_unsupported_files_are_refused(world, tmp_path):
    path = rf.csv_file(tmp_path, "h.csv", rf.HOUSEHOLD_HEADER, [])
    with pytest.raises(InvalidInput):
        imports.registry_import(kind="purchases", path=path, actor="test")
    bad = tmp_path / "h.pdf"
    bad.write_bytes(b"%PDF-1.4")
    with pytest.raises(TableError):
        imports.registry_import(kind="households", path=bad, actor="test")


def test_empty_cells_keep_what_is_stored(world, tmp_path):
    org = factories.organisation("中央单位", kind="central_unit", credit_code=factories.uscc(81))
    services.relation_create(kind="designated_assistance", helper_org=org, helped_region_code=rf.COUNTY,
                             year_from=2015, year_to=2020, note="责任书", actor="test")
    services.entity_create(name="合作社", kind="cooperative", region_code=rf.COUNTY, credit_code=factories.uscc(82),
                           sectors=["processing"], actor="test")
    relations = rf.csv_file(tmp_path, "r.csv", ["kind", "helper_credit_code", "helped_region_code", "year_from",
                                                "year_to", "note"],
                            [["designated_assistance", org.credit_code, rf.COUNTY, 2015, "", ""]])
    entities = rf.csv_file(tmp_path, "e.csv", rf.ENTITY_HEADER,
                           [[factories.uscc(82), "合作社", "cooperative", rf.COUNTY, "", ""]])
    assert imports.registry_import(kind="relations", path=relations, actor="test").unchanged == 1
    assert imports.registry_import(kind="entities", path=entities, actor="test").unchanged == 1
    assert AssistanceRelation.objects.get().year_to == 2020
    assert MarketEntity.objects.get().sectors == ",processing,"
