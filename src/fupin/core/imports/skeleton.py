"""The one import skeleton (DESIGN rule 11, ADR 0015). An import is an `Importer` (its columns and four steps) run
by `run_import`:

1. read: the file through `tabular.TableReader` (file-level problems raise `TableError` before anything else);
2. check: in batches of `batch_size` rows, each batch's codes looked up together (`prefetch`);
3. plan: each row becomes a `Plan` — create, update, unchanged, duplicate, skip (nothing to do), or reject with
   its errors (line, column, code, translated message); `settle` checks what needs several rows (references to
   other rows of the file);
4. write: the creates and updates, in one transaction per batch (`Atomic.BATCH`) or the whole file in one
   (`Atomic.FILE`, all or nothing); the write may still reject a row (a service refuses it in its savepoint);
5. record: the report (counts per action, rejected rows), the rejected-rows file and the `ImportRun`, with an
   audit entry of the run.

A dry run does the same check and plan, writes nothing and returns the same report but for its `dry_run` flag:
the write step is skipped, or — for an importer whose writes check what its plan cannot (`dry_run_writes`) — run
in one transaction that is rolled back. Importing the same file again plans every row as unchanged.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, ClassVar

from django.db import transaction
from django.utils.translation import gettext as _

from .. import audit
from ..batching import batches
from ..models import ImportRun
from ..services import file_sha256, import_run_record
from ..tabular import Column, Row, RowError, TableReader
from .rejected import RejectedFile
from .report import ImportReport

log = logging.getLogger("fupin.imports")


class Action(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"    # stored as the row says: nothing to write
    DUPLICATE = "duplicate"    # repeats an earlier row of the same file: counted once
    SKIP = "skip"              # nothing to do for this row (e.g. a household not visited yet)
    REJECT = "reject"


WRITES = (Action.CREATE, Action.UPDATE)


class Atomic(StrEnum):
    FILE = "file"     # the whole file is written in one transaction: a failure writes nothing
    BATCH = "batch"   # each batch in its own transaction: a failure keeps the batches written before it


@dataclass(eq=False)
class Plan:
    """What one row will do. `values` and `obj` are the importer's (the values to write, the stored object);
    `cells` keeps the row's own cells while it may still be rejected (the rejected-rows file needs them)."""

    line: int
    action: Action
    key: Any = None
    values: dict[str, Any] = field(default_factory=dict)
    obj: Any = None
    changes: dict[str, Any] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    cells: dict[str, str] | None = None
    duplicate: bool = False  # a rejected repeat of an earlier row: counted among the duplicates as well

    def reject(self, errors: Sequence[RowError]) -> None:
        self.action = Action.REJECT
        self.errors = list(errors)


class Importer:
    """One kind of import. Subclasses set `kind` (the `ImportRun.kind`) and `columns`, implement `plan` and
    `write`, and may implement `start`, `prefetch`, `settle` and `report_fields`."""

    kind: ClassVar[str]
    columns: Sequence[Column] = ()
    batch_size: ClassVar[int] = 2000
    atomic: ClassVar[Atomic] = Atomic.FILE
    dry_run_writes: ClassVar[bool] = False   # a dry run runs `write` too, in a transaction rolled back at the end
    read_columns: ClassVar[frozenset[str] | None] = None  # where undecodable text rejects a row (None: every column)
    keep_cells: ClassVar[bool] = True        # False: planned writes drop their cells (a `write` that never rejects)

    def __init__(self, *, actor: Any, dry_run: bool = False) -> None:
        self.actor = actor
        self.dry_run = dry_run
        self.reason = ""  # the audit reason of the import's writes ("import of FILE (SHA)"), set before `start`
        self._seen: dict[Any, tuple[int, Any]] = {}

    # -- the steps ------------------------------------------------------------------------------------------------
    def start(self) -> None:
        """Whole-file checks and locks, inside the file's transaction (`Atomic.FILE`); raise to refuse the file."""

    def prefetch(self, rows: list[Row]) -> None:
        """Look up together what the rows of one batch refer to (no query per row in `plan`)."""

    def plan(self, row: Row, errors: list[RowError]) -> Plan:
        """The plan of one row. Append problems to `errors` (it holds the row's encoding errors): a row with
        errors is rejected whatever the plan says."""
        raise NotImplementedError

    def settle(self, plans: list[Plan]) -> None:
        """Checks over the planned writes of one transaction (a batch, or the file): reject with `Plan.reject`."""

    def write(self, plans: list[Plan]) -> None:
        """Write the creates and updates (inside the transaction). A row refused now: `plan.reject(errors)` (run
        it in a savepoint, `transaction.atomic()`, so that nothing of it stays)."""
        raise NotImplementedError

    def report_fields(self, tally: Mapping[Action, int]) -> dict[str, Any]:
        """Fields the report adds to its counts (`created` and `updated` are always there)."""
        return {}

    # -- helpers ------------------------------------------------------------------------------------------------
    def first_seen(self, key: Any) -> tuple[int, Any] | None:
        """(line, content) of the row of this file remembered under `key`, if any."""
        return self._seen.get(key)

    def remember(self, key: Any, line: int, content: Any = None) -> None:
        self._seen.setdefault(key, (line, content))


def run_import(importer: Importer, *, path: str | Path, file_name: str | None = None) -> ImportReport:
    """Run `importer` over the file at `path` (named `file_name` by the user) and return its report (also kept as
    an `ImportRun`, whose id is `report.run_id`). File-level problems raise `TableError` and nothing is kept."""
    path = Path(path)
    file_name = file_name or path.name
    reader = TableReader(path, columns=importer.columns, file_name=file_name)
    sha = file_sha256(path)
    importer.reason = _("import of %(file)s (%(sha)s)") % {"file": file_name, "sha": sha[:12]}
    report = ImportReport(kind=importer.kind, file_name=file_name, dry_run=importer.dry_run,
                          warnings=list(reader.warnings), headers=dict(reader.header_names))
    return _Run(importer, reader, report, sha).execute()


class _RollBack(Exception):
    pass


class _Run:
    def __init__(self, importer: Importer, reader: TableReader, report: ImportReport, sha: str) -> None:
        self.importer, self.reader, self.report, self.sha = importer, reader, report, sha
        self.tally: Counter[Action] = Counter()
        self.committed = False  # a batch was committed (Atomic.BATCH): a failure after it still records the run
        self.run: ImportRun | None = None

    def execute(self) -> ImportReport:
        imp = self.importer
        try:
            if imp.atomic == Atomic.FILE or (imp.dry_run and imp.dry_run_writes):
                try:
                    with transaction.atomic():
                        self.check_and_write()
                        if imp.dry_run:
                            raise _RollBack
                        self.record()
                except _RollBack:
                    self.record()
            else:
                self.check_and_write()
                with transaction.atomic():
                    self.record()
        except Exception:
            if self.committed and self.run is None:
                self.record_failure()
            raise
        return self.report

    def record_failure(self) -> None:
        """Batches were committed before the failure: keep the run (status "failed") with what was done."""
        try:
            with transaction.atomic():
                self.record(status="failed")
        except Exception:  # noqa: BLE001 - the import's own error is the one to raise
            log.exception("could not record the failed %s import of %s", self.report.kind, self.report.file_name)

    def check_and_write(self) -> None:
        imp = self.importer
        imp.start()
        held: list[Plan] = []
        for rows in batches(self.reader, imp.batch_size):
            imp.prefetch(rows)
            todo = []
            for row in rows:
                plan = self.plan(row)
                if plan.action in WRITES:
                    todo.append(plan)
                else:
                    self.account(plan, row.values)
            if imp.atomic == Atomic.BATCH:
                self.write(todo)
            else:
                held.extend(todo)
        if imp.atomic == Atomic.FILE:
            self.write(held)

    def plan(self, row: Row) -> Plan:
        imp = self.importer
        self.report.total += 1
        errors = row.encoding_errors()
        if imp.read_columns is not None:
            errors = [e for e in errors if e.column in imp.read_columns]
        plan = imp.plan(row, errors)
        if errors or plan.action == Action.REJECT:
            plan.reject([*errors, *(plan.errors if plan.action == Action.REJECT else ())])
        elif plan.action in WRITES and plan.cells is None and imp.keep_cells:
            plan.cells = dict(row.values)
        return plan

    def write(self, plans: list[Plan]) -> None:
        imp = self.importer
        imp.settle(plans)
        todo = [p for p in plans if p.action in WRITES]
        if todo and (not imp.dry_run or imp.dry_run_writes):
            with transaction.atomic():
                imp.write(todo)
            if imp.atomic == Atomic.BATCH and not imp.dry_run:
                self.committed = True
        for p in plans:
            self.account(p, p.cells or {})

    def account(self, plan: Plan, cells: dict[str, str]) -> None:
        self.tally[plan.action] += 1
        if plan.action == Action.REJECT:
            self.report.reject(Row(plan.line, cells), plan.errors)
            if plan.duplicate:
                self.report.duplicates += 1
        elif plan.action == Action.DUPLICATE:
            self.report.duplicates += 1
        elif plan.action == Action.UNCHANGED:
            self.report.unchanged += 1
        plan.cells = None

    def record(self, status: str = "done") -> None:
        """The report's totals, the rejected-rows file, the `ImportRun` and (unless dry) its audit entry."""
        imp, report, tally = self.importer, self.report, self.tally
        report.accepted = tally[Action.CREATE] + tally[Action.UPDATE]
        report.sort()
        report.warnings.extend(w for w in self.reader.warnings if w not in report.warnings)
        report.extra.update(created=tally[Action.CREATE], updated=tally[Action.UPDATE], **imp.report_fields(tally))
        rejects = RejectedFile(columns=[c.name for c in imp.columns], file_name=report.file_name)
        for line, cells, reason in report.rejected_rows:
            rejects(line, cells, reason)
        report.extra["rejected_file"] = rejects.store(kind=report.kind)
        self.run = import_run_record(report=report, file_sha256=self.sha, actor=imp.actor,
                                     rejected_file=report.extra["rejected_file"], status=status)
        if not imp.dry_run:
            audit.record(actor=imp.actor, action=f"import:{report.kind}", obj=self.run, reason=imp.reason,
                         after={"total": report.total, "created": tally[Action.CREATE],
                                "updated": tally[Action.UPDATE], "unchanged": report.unchanged,
                                "rejected": report.rejected})
