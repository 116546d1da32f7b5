"""Core's import skeleton (`fupin.core.imports`), driven by a small importer of policy parameters: the plan of each
row, the report and the rejected-rows file, dry runs, idempotence, and the two transaction modes."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import openpyxl
import pytest
from django.core.files.storage import default_storage
from django.db import transaction

from fupin.core.errors import InvalidInput
from fupin.core.imports import (
    Action,
    Atomic,
    Column,
    Importer,
    Plan,
    Row,
    RowError,
    rejected_file_content,
    run_import,
)
from fupin.core.models import AuditEntry, ImportRun, PolicyParameter
from fupin.core.tabular import TableError, csv_bytes
from tests.assertions import nonempty

pytestmark = pytest.mark.django_db

KIND = "test_parameters"
HEADER = ["key", "valid_from", "value"]


class ParameterImport(Importer):
    """key, valid_from → value (an integer). 13 is refused by the write step (in its savepoint, as a service
    refuses a row); 666 breaks the write step (an unexpected failure)."""

    kind = KIND
    columns = (Column("key", "键"), Column("valid_from", "起始日期"), Column("value", "值"))

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.batches: list[list[int]] = []
        self.events: list[str] = []

    def prefetch(self, rows: list[Row]) -> None:
        self.stored = {(p.key, p.valid_from): p for p in PolicyParameter.objects.filter(
            key__in={r.get("key") for r in rows})}

    def plan(self, row: Row, errors: list[RowError]) -> Plan:
        key = row.get("key").strip()
        if not key:
            errors.append(RowError(row.line, "key", "required", "a key is required"))
        try:
            start = dt.date.fromisoformat(row.get("valid_from"))
        except ValueError:
            errors.append(RowError(row.line, "valid_from", "bad_date", "not a date"))
            start = None
        value = int(row.get("value")) if row.get("value").lstrip("-").isdigit() else None
        if value is None:
            errors.append(RowError(row.line, "value", "bad_value", "not a whole number"))
        if errors:
            return Plan(row.line, Action.REJECT)
        earlier = self.first_seen((key, start))
        if earlier is not None:
            if earlier[1] == value:
                return Plan(row.line, Action.DUPLICATE)
            return Plan(row.line, Action.REJECT, errors=[RowError(row.line, "value", "duplicate_in_file",
                                                                  f"differs from line {earlier[0]}")])
        self.remember((key, start), row.line, value)
        stored = self.stored.get((key, start))
        if stored is None:
            return Plan(row.line, Action.CREATE, key=(key, start), values={"value": value})
        if stored.value == value:
            return Plan(row.line, Action.UNCHANGED)
        return Plan(row.line, Action.UPDATE, key=(key, start), values={"value": value}, obj=stored)

    def write(self, plans: list[Plan]) -> None:
        self.batches.append([p.line for p in plans])
        self.events.append(f"write {[p.line for p in plans]}")
        transaction.on_commit(lambda: self.events.append("commit"))
        for p in plans:
            if p.values["value"] == 666:
                raise RuntimeError("disk full")
            try:
                with transaction.atomic():
                    if p.values["value"] == 13:
                        raise InvalidInput("unlucky", code="unlucky")
                    if p.obj is None:
                        PolicyParameter.objects.create(key=p.key[0], valid_from=p.key[1], value=p.values["value"])
                    else:
                        PolicyParameter.objects.filter(pk=p.obj.pk).update(value=p.values["value"])
            except InvalidInput as exc:
                p.reject([RowError(p.line, "value", exc.code, str(exc.message))])

    def report_fields(self, tally):
        return {"skipped": tally[Action.SKIP]}


class PerBatch(ParameterImport):
    atomic = Atomic.BATCH
    batch_size = 2


class WholeFileInBatches(ParameterImport):
    batch_size = 2


class DryRunWrites(ParameterImport):
    dry_run_writes = True


@pytest.fixture(autouse=True)
def _private_storage(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path / "files")}}}


def csv_file(tmp_path, rows, name="parameters.csv", header=HEADER):
    path = tmp_path / name
    path.write_bytes(csv_bytes(rows, header=header))
    return path


def xlsx_file(tmp_path, rows, name="parameters.xlsx"):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER)
    for r in rows:
        ws.append(r)
    path = tmp_path / name
    wb.save(path)
    return path


def run(cls, path, *, dry_run=False, actor="test"):
    importer = cls(actor=actor, dry_run=dry_run)
    return importer, run_import(importer, path=path, file_name=path.name)


def stored() -> dict[str, Any]:
    return {p.key: p.value for p in PolicyParameter.objects.filter(key__startswith="k")}


def state() -> tuple[Any, ...]:
    return (stored(), AuditEntry.objects.count())


@pytest.fixture
def existing(db):
    PolicyParameter.objects.create(key="k_same", valid_from=dt.date(2024, 1, 1), value=1)
    PolicyParameter.objects.create(key="k_changed", valid_from=dt.date(2024, 1, 1), value=1)


ROWS = [
    ["k_new", "2024-01-01", "5"],        # 2 create
    ["k_same", "2024-01-01", "1"],       # 3 unchanged
    ["k_changed", "2024-01-01", "2"],    # 4 update
    ["k_new", "2024-01-01", "5"],        # 5 the same row again: a duplicate
    ["k_new", "2024-01-01", "6"],        # 6 the same key with another value: rejected
    ["", "2024-13-01", "x"],             # 7 three errors
    ["k_unlucky", "2024-01-01", "13"],   # 8 refused by the write step
]


# -- the plan of each row, the report, the run -----------------------------------------------------------------
def test_each_row_is_planned_and_the_report_counts_each_action(existing, tmp_path):
    _imp, report = run(ParameterImport, csv_file(tmp_path, ROWS))
    assert (report.total, report.accepted, report.unchanged, report.duplicates, report.rejected) == (7, 2, 1, 1, 3)
    assert (report.extra["created"], report.extra["updated"], report.extra["skipped"]) == (1, 1, 0)
    assert [(e.line, e.column, e.code) for e in report.errors] == [
        (6, "value", "duplicate_in_file"), (7, "key", "required"), (7, "valid_from", "bad_date"),
        (7, "value", "bad_value"), (8, "value", "unlucky")]
    assert all(e.message for e in nonempty(report.errors))
    assert stored() == {"k_same": 1, "k_changed": 2, "k_new": 5}
    run_row = ImportRun.objects.get(pk=report.run_id)
    assert (run_row.kind, run_row.status, run_row.dry_run, run_row.accepted, run_row.rejected) == (KIND, "done", False, 2, 3)
    assert run_row.rejected_file == report.extra["rejected_file"] and run_row.report["rejected"] == 3
    entry = AuditEntry.objects.get(action=f"import:{KIND}")
    assert entry.after == {"total": 7, "created": 1, "updated": 1, "unchanged": 1, "rejected": 3}
    assert "parameters.csv" in entry.reason


def test_rejected_rows_file_keeps_the_original_cells_with_line_and_reason(existing, tmp_path):
    rows = [*ROWS, ["=HYPERLINK(1)", "2024-01-01", "x"]]
    _imp, report = run(ParameterImport, csv_file(tmp_path, rows))
    text = rejected_file_content(name=report.extra["rejected_file"]).decode("utf-8-sig").splitlines()
    assert text[0] == "key,valid_from,value,line,reason"
    assert text[1] == "k_new,2024-01-01,6,6,value: differs from line 2"
    assert text[2] == ",2024-13-01,x,7,key: a key is required; valid_from: not a date; value: not a whole number"
    assert text[3] == "k_unlucky,2024-01-01,13,8,value: unlucky"
    assert text[4].startswith("'=HYPERLINK(1),2024-01-01,x,9,")  # neutralised, like every export
    assert len(text) == 5


def test_a_spreadsheet_gets_its_rejected_rows_as_a_spreadsheet(existing, tmp_path):
    _imp, report = run(ParameterImport, xlsx_file(tmp_path, ROWS))
    assert report.extra["rejected_file"].endswith(".xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(rejected_file_content(name=report.extra["rejected_file"]))).active
    got = list(sheet.values)
    assert got[0] == ("key", "valid_from", "value", "line", "reason")
    assert [r[3] for r in got[1:]] == [6, 7, 8] and got[3][:3] == ("k_unlucky", "2024-01-01", "13")


def test_nothing_rejected_keeps_no_file(tmp_path):
    _imp, report = run(ParameterImport, csv_file(tmp_path, ROWS[:1]))
    assert report.extra["rejected_file"] == "" and ImportRun.objects.get().rejected_file == ""


def test_a_file_level_problem_refuses_the_file_and_keeps_nothing(tmp_path):
    path = csv_file(tmp_path, [["k", "2024-01-01"]], header=["key", "valid_from"])
    with pytest.raises(TableError) as exc:
        run(ParameterImport, path)
    assert exc.value.code == "missing_columns"
    assert not ImportRun.objects.exists() and not PolicyParameter.objects.filter(key="k").exists()


# -- dry runs and idempotence ------------------------------------------------------------------------------------
def comparable(report) -> dict[str, Any]:
    return {k: v for k, v in report.as_dict().items() if k not in ("dry_run", "run_id")}


@pytest.mark.parametrize("cls", [ParameterImport, DryRunWrites, PerBatch], ids=["no-write", "rolled-back", "batches"])
def test_a_dry_run_writes_nothing_and_reports_the_same(existing, tmp_path, cls):
    path = csv_file(tmp_path, ROWS[:-1])  # (the row refused by the write step: see the test after this one)
    before = state()
    imp, dry = run(cls, path, dry_run=True)
    assert state() == before
    assert dry.dry_run and ImportRun.objects.get(pk=dry.run_id).dry_run
    assert imp.batches == ([] if cls is not DryRunWrites else [[2, 4]])  # only the rolled-back dry run writes
    _imp, real = run(cls, path)
    assert comparable(real) == comparable(dry) and not real.dry_run
    # the rejected rows of the dry run are the file of the import after it: fix them before importing
    assert dry.extra["rejected_file"] and dry.extra["rejected_file"] == real.extra["rejected_file"]


def test_a_dry_run_that_writes_to_check_still_reports_rows_refused_by_the_write(existing, tmp_path):
    _imp, dry = run(DryRunWrites, csv_file(tmp_path, ROWS), dry_run=True)
    assert (8, "unlucky") in {(e.line, e.code) for e in dry.errors}
    _imp, without = run(ParameterImport, csv_file(tmp_path, ROWS), dry_run=True)
    assert (8, "unlucky") not in {(e.line, e.code) for e in without.errors}  # why such importers write in dry runs


def test_the_same_file_twice_creates_nothing(existing, tmp_path):
    path = csv_file(tmp_path, ROWS)
    run(ParameterImport, path)
    params, audits = state()
    _imp, again = run(ParameterImport, path)
    assert (again.accepted, again.unchanged, again.duplicates, again.rejected) == (0, 3, 1, 3)
    assert (again.extra["created"], again.extra["updated"]) == (0, 0)
    assert state() == (params, audits + 1)  # only the run's own audit entry


# -- transactions ------------------------------------------------------------------------------------------------
FIVE = [[f"k{i}", "2024-01-01", str(i)] for i in range(1, 6)]


@pytest.mark.django_db(transaction=True)
def test_per_batch_writes_commit_batch_by_batch(tmp_path):
    imp, report = run(PerBatch, csv_file(tmp_path, FIVE))
    assert imp.events == ["write [2, 3]", "commit", "write [4, 5]", "commit", "write [6]", "commit"]
    assert report.accepted == 5


@pytest.mark.django_db(transaction=True)
def test_whole_file_writes_commit_once_even_when_checked_in_batches(tmp_path):
    imp, report = run(WholeFileInBatches, csv_file(tmp_path, FIVE))
    assert imp.events == ["write [2, 3, 4, 5, 6]", "commit"]
    assert report.accepted == 5


def test_a_failure_in_batch_two_keeps_batch_one_when_per_batch(tmp_path):
    rows = [*FIVE[:2], ["k666", "2024-01-01", "666"], *FIVE[2:]]
    with pytest.raises(RuntimeError):
        run(PerBatch, csv_file(tmp_path, rows))
    assert stored() == {"k1": 1, "k2": 2}
    failed = ImportRun.objects.get()
    assert (failed.status, failed.accepted, failed.rejected) == ("failed", 2, 0)


def test_a_failure_in_batch_two_writes_nothing_when_whole_file(tmp_path):
    rows = [*FIVE[:2], ["k666", "2024-01-01", "666"], *FIVE[2:]]
    before = state()
    with pytest.raises(RuntimeError):
        run(WholeFileInBatches, csv_file(tmp_path, rows))
    assert state() == before and not ImportRun.objects.exists()


def test_a_row_refused_by_the_write_leaves_nothing_and_the_others_are_written(tmp_path):
    rows = [["k1", "2024-01-01", "1"], ["k13", "2024-01-01", "13"], ["k2", "2024-01-01", "2"]]
    _imp, report = run(PerBatch, csv_file(tmp_path, rows))
    assert stored() == {"k1": 1, "k2": 2}
    assert [(e.line, e.code) for e in report.errors] == [(3, "unlucky")]
    assert default_storage.exists(report.extra["rejected_file"])


# -- reading -----------------------------------------------------------------------------------------------------
def test_undecodable_text_rejects_the_row_only_in_the_columns_read(tmp_path):
    path = tmp_path / "broken.csv"
    path.write_bytes("key,valid_from,value,note\nk1,2024-01-01,1,ok\nk2,2024-01-01,2,\ufffd\nk\ufffd,2024-01-01,3,\n"
                     .encode("utf-8"))

    class WithNote(ParameterImport):
        columns = (*ParameterImport.columns, Column("note", "备注", required=False))
        read_columns = frozenset({"key", "valid_from", "value"})

    _imp, report = run(WithNote, path)
    assert [(e.line, e.column, e.code) for e in report.errors] == [(4, "key", "bad_encoding")]
    assert report.accepted == 2
