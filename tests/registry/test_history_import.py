"""Loading what existed before go-live (issue #10 §7): historical household status periods and historical region set
memberships, on core's import skeleton — row errors with line, column and code, dry runs that write nothing,
idempotent re-imports, the rejected-rows file, one transaction per file, English and Chinese headers, the API and
the command."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from fupin.core.imports import rejected_file_content
from fupin.core.models import AuditEntry, ImportRun
from fupin.registry import history_import, region_sets, rules, selectors, services
from fupin.registry.models import HouseholdStatusPeriod, RegionSetMembership
from fupin.registry.rules import StatusPeriod
from tests import factories
from tests.conftest import ApiClient
from tests.registry import factories as rf

pytestmark = pytest.mark.django_db
D = dt.date
STATUS_HEADER = ["registry_code", "status", "valid_from", "valid_to", "reason"]
STATUS_HEADER_ZH = ["户编号", "状态", "起始日期", "截止日期", "原因"]
SET_HEADER = ["set_kind", "region_code", "valid_from", "valid_to", "source", "note"]
SET_HEADER_ZH = ["区域名单", "区划代码", "起始日期", "截止日期", "来源", "备注"]


@pytest.fixture
def household(db):
    """Lifted out in 2019, registered without a history: inferred registered poor 2013–2018, lifted out from 2019."""
    rf.regions()
    return services.household_create(resident_id=factories.resident_id(7), village_code=rf.VILLAGE,
                                     status="lifted_out", lifted_year=2019, registry_code="H-HIST-1", actor="test")


@pytest.fixture
def office(db):
    return factories.user("county_office", roles="clerk", scope_level="county", scope_code=rf.COUNTY)


def _periods(h):
    return selectors.household_status_periods(household_ids=[h.pk])[h.pk]


def _sources(h):
    return [p["source"] for p in selectors.household_history(viewer=None, household=h)]


def _import_statuses(tmp_path, rows, *, actor="test", header=STATUS_HEADER, name="history.csv", dry_run=False):
    path = rf.csv_file(tmp_path, name, header, rows)
    return history_import.household_history_import(path=path, actor=actor, dry_run=dry_run)


def _codes(report):
    return {(e.line, e.column, e.code) for e in report.errors}


HISTORY = [["H-HIST-1", "registered_poor", "2014-03-01", "2019-06-30", "建档立卡"],
           ["H-HIST-1", "脱贫户", "2019-07-01", "", "2019年脱贫"]]


# -- household status history ---------------------------------------------------------------------------------------
def test_a_history_replaces_the_inferred_periods_and_counting_reads_it(household, tmp_path):
    report = _import_statuses(tmp_path, HISTORY)
    assert (report.total, report.extra["created"], report.rejected) == (2, 2, 0), report.as_dict()
    periods = _periods(household)
    assert periods == (StatusPeriod("registered_poor", D(2014, 3, 1), D(2019, 6, 30)),
                       StatusPeriod("lifted_out", D(2019, 7, 1), None))
    assert _sources(household) == ["historical", "historical"]
    # across the boundary the file gives (the inferred history said lifted out from 2019-01-01)
    assert rules.status_on(periods, D(2019, 3, 1)) == "registered_poor"
    assert rules.status_on(periods, D(2019, 7, 1)) == "lifted_out"
    assert rules.status_on(periods, D(2013, 6, 1)) == ""  # not registered before 2014-03-01
    entry = AuditEntry.objects.get(action="household:history_import")
    assert [p["source"] for p in entry.before["periods"]] == ["inferred", "inferred"]
    assert entry.after["periods"][0] == {"status": "registered_poor", "valid_from": "2014-03-01",
                                         "valid_to": "2019-06-30", "source": "historical"}
    assert AuditEntry.objects.filter(action="import:registry_status_history").count() == 1


def test_the_same_file_twice_changes_nothing_and_a_corrected_file_replaces_the_import(household, tmp_path):
    _import_statuses(tmp_path, HISTORY)
    again = _import_statuses(tmp_path, HISTORY, name="again.csv")
    assert (again.unchanged, again.accepted, again.rejected) == (2, 0, 0)
    assert AuditEntry.objects.filter(action="household:history_import").count() == 1
    corrected = [["H-HIST-1", "registered_poor", "2014-03-01", "2019-09-30", ""],
                 ["H-HIST-1", "lifted_out", "2019-10-01", "", ""]]
    report = _import_statuses(tmp_path, corrected, name="corrected.csv")
    assert (report.extra["updated"], report.rejected) == (2, 0)
    assert _periods(household)[0].valid_to == D(2019, 9, 30)
    assert HouseholdStatusPeriod.objects.filter(household=household).count() == 2


def test_a_dry_run_writes_nothing_and_reports_the_same(household, tmp_path):
    bad = [*HISTORY, ["H-NOPE", "lifted_out", "2019-01-01", "", ""]]
    dry = _import_statuses(tmp_path, bad, dry_run=True)
    assert _sources(household) == ["inferred", "inferred"]
    assert not AuditEntry.objects.filter(action="household:history_import").exists()
    real = _import_statuses(tmp_path, bad)
    assert {k: v for k, v in dry.as_dict().items() if k not in ("dry_run", "run_id")} == \
           {k: v for k, v in real.as_dict().items() if k not in ("dry_run", "run_id")}
    assert _sources(household) == ["historical", "historical"]


def test_recorded_changes_are_kept_and_an_overlap_with_them_is_an_error(household, tmp_path):
    services.household_status_change(household=household, to="monitored_unstable", effective_date=D(2022, 3, 1),
                                     reason="因病", actor="test")
    overlapping = [["H-HIST-1", "registered_poor", "2014-03-01", "2019-06-30", ""],
                   ["H-HIST-1", "lifted_out", "2019-07-01", "2022-05-31", ""]]
    report = _import_statuses(tmp_path, overlapping)
    assert (3, "valid_from", "overlaps_recorded") in _codes(report)
    assert (2, "registry_code", "household_refused") in _codes(report)  # the household is refused whole
    assert report.accepted == 0
    fitting = [["H-HIST-1", "registered_poor", "2014-03-01", "2019-06-30", ""],
               ["H-HIST-1", "lifted_out", "2019-07-01", "2022-02-28", ""]]
    report = _import_statuses(tmp_path, fitting, name="fitting.csv")
    assert report.accepted == 2, report.as_dict()
    assert _periods(household) == (StatusPeriod("registered_poor", D(2014, 3, 1), D(2019, 6, 30)),
                                   StatusPeriod("lifted_out", D(2019, 7, 1), D(2022, 2, 28)),
                                   StatusPeriod("monitored_unstable", D(2022, 3, 1), None))
    assert _sources(household) == ["historical", "historical", "recorded"]


@pytest.mark.parametrize("rows,where", [
    ([["H-HIST-1", "registered_poor", "2014-03-01", "2019-08-31", ""],
      ["H-HIST-1", "lifted_out", "2019-07-01", "", ""]], (3, "valid_from", "overlap")),
    ([["H-HIST-1", "registered_poor", "2019-06-30", "2014-03-01", ""],
      ["H-HIST-1", "lifted_out", "2019-07-01", "", ""]], (2, "valid_to", "reversed_dates")),
    ([["H-HIST-1", "spaceship", "2014-03-01", "2019-06-30", ""],
      ["H-HIST-1", "lifted_out", "2019-07-01", "", ""]], (2, "status", "unknown_status")),
    ([["H-HIST-1", "registered_poor", "2014-03-01", "", ""]], (2, "status", "current_status_mismatch")),
    ([["H-HIST-1", "registered_poor", "2014-03-01", "2019-06-30", ""],
      ["H-HIST-1", "lifted_out", "2019-07-01", "2020-12-31", ""]], (3, "status", "current_status_mismatch")),
    ([["H-HIST-1", "registered_poor", "2012-03-01", "2019-06-30", ""],
      ["H-HIST-1", "lifted_out", "2019-07-01", "", ""]], (2, "valid_from", "date_too_early")),
    ([["H-HIST-1", "registered_poor", "2014-03-01", "2019-06-30", ""],
      ["H-HIST-1", "lifted_out", "2099-07-01", "", ""]], (3, "valid_from", "future_date")),
    ([["H-HIST-1", "registered_poor", "2014-03-01", "2019-06-31", ""],
      ["H-HIST-1", "lifted_out", "2019-07-01", "", ""]], (2, "valid_to", "bad_date")),
    ([["H-NOPE", "lifted_out", "2019-07-01", "", ""]], (2, "registry_code", "unknown_household")),
])
def test_a_wrong_history_refuses_the_household_and_keeps_what_was_stored(household, tmp_path, rows, where):
    report = _import_statuses(tmp_path, rows)
    assert where in _codes(report), report.as_dict()
    assert report.accepted == 0 and report.rejected == len(rows)
    assert _sources(household) == ["inferred", "inferred"]


def test_rejected_rows_are_kept_with_line_and_reason_and_other_households_go_in(household, tmp_path):
    other = services.household_create(resident_id=factories.resident_id(8), village_code=rf.VILLAGE,
                                      status="registered_poor", registry_code="H-HIST-2", actor="test")
    rows = [["H-HIST-2", "registered_poor", "2015-01-01", "", ""],
            ["H-HIST-1", "registered_poor", "2014-03-01", "2019-08-31", ""],
            ["H-HIST-1", "lifted_out", "2019-07-01", "", ""]]
    report = _import_statuses(tmp_path, rows)
    assert (report.accepted, report.rejected) == (1, 2)
    assert _periods(other) == (StatusPeriod("registered_poor", D(2015, 1, 1), None),)
    content = rejected_file_content(name=report.extra["rejected_file"]).decode("utf-8-sig")
    got = list(csv.DictReader(io.StringIO(content)))
    assert [r["line"] for r in got] == ["3", "4"]
    assert got[1]["registry_code"] == "H-HIST-1" and got[1]["reason"].startswith("valid_from: The period overlaps")
    run = ImportRun.objects.get(pk=report.run_id)
    assert run.kind == "registry_status_history" and run.rejected == 2


def test_chinese_headers_and_messages(household, tmp_path):
    rows = [["H-HIST-1", "建档立卡贫困户", "2014年3月1日", "2019/6/30", ""], ["H-HIST-1", "已脱贫", "20190701", "", ""],
            ["H-NOPE", "脱贫户", "2019-07-01", "", ""]]
    with translation.override("zh-hans"):
        report = _import_statuses(tmp_path, rows, header=STATUS_HEADER_ZH)
    assert report.accepted == 2
    assert report.errors[0].message == "没有户编号为 H-NOPE 的农户。"


def test_only_the_county_office_of_the_household_writes_its_history(household, office, tmp_path):
    other_office = factories.user("other_office", roles="clerk", scope_level="county", scope_code="130631")
    refused = _import_statuses(tmp_path, HISTORY, actor=other_office)
    assert {e.code for e in refused.errors} == {"out_of_scope"} and (refused.accepted, refused.rejected) == (0, 2)
    assert _import_statuses(tmp_path, HISTORY, actor=office, name="ok.csv").accepted == 2


def test_the_api_takes_an_upload_from_the_county_office_only(household, office, tmp_path):
    path = rf.csv_file(tmp_path, "history.csv", STATUS_HEADER, HISTORY)
    viewer = factories.user("viewer_hist", roles="viewer", scope_level="county", scope_code=rf.COUNTY)
    with open(path, "rb") as fh:
        assert ApiClient(viewer).post("/registry/history/household-statuses", files={"file": fh}).status_code == 403
    with open(path, "rb") as fh:
        dry = ApiClient(office).post("/registry/history/household-statuses", {"dry_run": "true"}, files={"file": fh})
    assert dry.status_code == 200, dry.content
    assert dry.json()["dry_run"] is True and dry.json()["created"] == 2
    assert _sources(household) == ["inferred", "inferred"]
    with open(path, "rb") as fh:
        body = ApiClient(office).post("/registry/history/household-statuses", files={"file": fh}).json()
    assert (body["created"], body["rejected"], body["rejected_url"]) == (2, 0, None)
    assert _sources(household) == ["historical", "historical"]


def test_the_command_prints_the_report(household, office, tmp_path):
    path = rf.csv_file(tmp_path, "history.csv", STATUS_HEADER, [*HISTORY, ["H-NOPE", "lifted_out", "2019-07-01"]])
    out = io.StringIO()
    call_command("import_history", "household_statuses", str(path), "--user", office.username, stdout=out)
    text = out.getvalue()
    assert "3 rows; 2 created" in text and "line 4, column registry_code" in text and "[unknown_household]" in text
    with pytest.raises(CommandError, match="no active user"):
        call_command("import_history", "household_statuses", str(path), "--user", "nobody", stdout=out)


# -- region set memberships -----------------------------------------------------------------------------------------
@pytest.fixture
def regions(db):
    factories.region("520425", "紫云县")
    factories.region("522630", "台江县")
    factories.region("522627", "天柱县", is_poverty_county=True, poverty_exit_year=2019)
    factories.region("522627100201", "高酿村")
    region_sets.region_sets_sync(actor="test")


def _import_sets(tmp_path, rows, *, actor="test", header=SET_HEADER, name="sets.csv", dry_run=False):
    path = rf.csv_file(tmp_path, name, header, rows)
    return history_import.region_membership_history_import(path=path, actor=actor, dry_run=dry_run)


def _in(code, kind, day):
    return rules.in_set_on(selectors.region_set_periods(set_kinds=[kind]).get(code, {}).get(kind, ()), day)


SETS = [["key_county", "522630", "2021-08-27", "", "国乡振发〔2021〕号", ""],
        ["脱贫村", "522627100201", "2019-01-01", "", "黔府函〔2019〕", "出列"],
        ["provincial_key_county", "522627", "2021-09-01", "2025-12-31", "省级文件", ""]]


def test_memberships_are_added_with_their_dates_and_the_same_file_twice_adds_nothing(regions, admin_user, tmp_path):
    report = _import_sets(tmp_path, SETS, actor=admin_user)
    assert (report.extra["created"], report.rejected) == (3, 0), report.as_dict()
    assert _in("522630", "key_county", D(2021, 8, 27)) and not _in("522630", "key_county", D(2021, 8, 26))
    assert _in("522627", "provincial_key_county", D(2025, 12, 31))
    assert not _in("522627", "provincial_key_county", D(2026, 1, 1))
    assert _in("522627100201", "lifted_village", D(2019, 1, 1))
    m = RegionSetMembership.objects.get(set_kind="key_county")
    assert m.source.startswith("admin:admin1") and m.source.endswith("国乡振发〔2021〕号") and not m.is_sample
    assert AuditEntry.objects.filter(action="region_set:historical_import").count() == 3
    again = _import_sets(tmp_path, SETS, actor=admin_user, name="again.csv")
    assert (again.unchanged, again.accepted) == (3, 0)
    # a later reference load keeps them (they are administrators' memberships)
    region_sets.region_sets_sync(actor="test", key_county_file=region_sets.SAMPLE_FILE, lenient=True)
    assert _in("522630", "key_county", D(2021, 8, 27)) and _in("520425", "key_county", D(2021, 8, 27))


@pytest.mark.parametrize("row,where", [
    (["key_county", "999999", "2021-08-27", "", "doc", ""], (2, "region_code", "unknown_region")),
    (["spaceship", "520425", "2021-08-27", "", "doc", ""], (2, "set_kind", "bad_set")),
    (["key_county", "520425", "2021-08-27", "2021-01-01", "doc", ""], (2, "valid_to", "reversed_dates")),
    (["poverty_county", "522627", "2015-01-01", "2018-12-31", "doc", ""], (2, "valid_from", "overlap")),
    (["key_county", "522627100201", "2021-08-27", "", "doc", ""], (2, "region_code", "wrong_level")),
    (["key_county", "520425", "2099-01-01", "", "doc", ""], (2, "valid_from", "future_date")),
    (["key_county", "520425", "2021-08-27", "", "", ""], (2, "source", "required")),
])
def test_bad_membership_rows_are_row_errors(regions, admin_user, tmp_path, row, where):
    before = RegionSetMembership.objects.count()
    report = _import_sets(tmp_path, [row, ["key_county", "520425", "2022-01-01", "2022-12-31", "doc", ""]],
                          actor=admin_user)
    assert where in _codes(report), report.as_dict()
    assert (report.rejected, report.accepted) == (1, 1)  # the good row goes in
    assert RegionSetMembership.objects.count() == before + 1


def test_rows_of_one_file_that_overlap_each_other(regions, admin_user, tmp_path):
    rows = [["key_county", "520425", "2021-08-27", "", "doc", ""],
            ["key_county", "520425", "2022-01-01", "2022-12-31", "doc", ""],
            ["key_county", "520425", "2021-08-27", "", "doc", ""]]
    report = _import_sets(tmp_path, rows, actor=admin_user)
    assert _codes(report) == {(3, "valid_from", "overlap")} and report.duplicates == 1 and report.accepted == 1


def test_memberships_in_chinese_and_the_api_for_administrators_only(regions, admin_user, tmp_path):
    path = rf.csv_file(tmp_path, "名单.csv", SET_HEADER_ZH, [["国家乡村振兴重点帮扶县", "520425", "2021-08-27", "", "文件", ""]])
    clerk = factories.user("clerk_sets", roles="clerk")
    with open(path, "rb") as fh:
        assert ApiClient(clerk).post("/registry/history/region-memberships", files={"file": fh}).status_code == 403
    with open(path, "rb") as fh:
        body = ApiClient(admin_user).post("/registry/history/region-memberships", files={"file": fh}).json()
    assert (body["created"], body["rejected"]) == (1, 0), body
    assert _in("520425", "key_county", D(2022, 1, 1))


def test_the_command_imports_memberships(regions, admin_user, tmp_path):
    path = rf.csv_file(tmp_path, "sets.csv", SET_HEADER, SETS)
    out = io.StringIO()
    call_command("import_history", "region_memberships", str(path), "--user", admin_user.username, "--dry-run",
                 stdout=out)
    assert "DRY RUN" in out.getvalue() and "3 created" in out.getvalue()
    assert not RegionSetMembership.objects.filter(set_kind="key_county").exists()
