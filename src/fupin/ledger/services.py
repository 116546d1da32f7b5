"""Ledger writes. Keyword-only, typed, audited; every entry goes through the one pipeline (validation, counting,
attribution) and the one writer (entries and rollups in one transaction).

Public functions (used by the API, the portal, the CLI and the demo):
- `purchase_record(*, data, actor, source)`: one purchase (a dict of the import columns) → PurchaseEntry
- `purchase_record_batch(*, rows, actor, source)`: many purchases → PurchaseReport (accepted, duplicates, errors)
- `purchase_import_create(*, upload | path, file_name, source, dry_run, actor, origin)` → PurchaseImport (queued)
- `purchase_import_run(*, job)`: run a queued import now (the job worker and the CLI call it)
- `purchase_import_file(*, path, source, dry_run, actor)`: create and run (the CLI)
- `purchase_reverse(*, entry, reason, actor)`: a reversing entry → PurchaseEntry
- `purchase_amend(*, entry, changes, reason, actor)`: reversal + corrected entry → PurchaseEntry (the new one)
- `period_lock(*, year, month, region_code, reason, actor)` / `period_unlock(*, lock, reason, actor)`
- `reporting_right_grant(*, reporter, source, …, reason, actor)` / `reporting_right_revoke(*, right, reason, actor)`:
  who may book purchases for buyers other than its own organisation (administrators only)
- `origin_exception_grant(*, seller, region_code, reason, actor, valid_from, valid_to)` /
  `origin_exception_revoke(*, exception, reason, actor)`: a documented exception to the origin rule (reviewers)
- `duplicate_confirm(*, entry, reason, actor)` / `duplicate_release(*, entry, reason, actor)`: a reviewer's
  decision on an entry the cross-source match marked as another source's report of a booked order
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fupin.core import audit
from fupin.core.access import ANYWHERE, authorise
from fupin.core.enums import Role
from fupin.core.errors import Conflict, FupinError, InvalidInput, NotFound, PeriodLocked, TransitionNotAllowed
from fupin.core.services import file_sha256, import_run_record
from fupin.core.tabular import CSV_EXTS, SPREADSHEET_EXTS, TableError, save_upload
from fupin.registry import rules as registry_rules
from fupin.registry import selectors as registry
from fupin.registry.enums import OrganisationKind

from . import heartbeat, policy, rules, selectors, writer
from .enums import JobStatus, LockStatus, MatchDecision, RightStatus
from .imports import PurchaseTable, RejectedRows, storage_dir
from .lookups import seller_area
from .models import (
    DuplicateReview,
    OriginException,
    PeriodLock,
    PurchaseEntry,
    PurchaseImport,
    ReportingRight,
)
from .pipeline import NAMES, ImportStopped, Pipeline, PurchaseReport

IMPORT_KIND = "purchases"
WRITE_ROLES = (Role.CLERK, Role.ADMINISTRATOR)
CORRECT_ROLES = policy.CORRECT_ROLES
LOCK_ROLES = (Role.APPROVER, Role.ADMINISTRATOR)
MAX_BATCH_ROWS = 5000
# Rows per transaction of a file import: larger batches amortise the commit (SQLite writes every index and rollup
# page a batch dirtied), smaller ones show progress sooner. 20,000 rows hold ~40 MB.
FILE_BATCH_ROWS = 20_000


def _scope(actor: Any) -> str:
    return getattr(actor, "scope_prefix", "") or ""


def _cells(data: Mapping[str, Any]) -> list[str]:
    unknown = set(data) - set(NAMES)
    if unknown:
        raise InvalidInput(_("Unknown field(s): %(f)s.") % {"f": ", ".join(sorted(unknown))},
                           details={"unknown": sorted(unknown)})
    out = []
    for name in NAMES:
        value = data.get(name)
        if value is None:
            out.append("")
        elif isinstance(value, bool):
            out.append("true" if value else "false")
        elif isinstance(value, dt.date):
            out.append(value.isoformat())
        else:
            out.append(str(value))
    return out


# -- single entries and API batches --------------------------------------------------------------------------------
def purchase_record_batch(*, rows: Iterable[Mapping[str, Any]], actor: Any, source: str = "",
                          dry_run: bool = False) -> PurchaseReport:
    """Book purchases given as dicts of the import columns. Every row is validated; good rows are booked (one
    transaction with the rollups), rejected rows are reported with their position (line = 1-based index)."""
    authorise(actor, roles=WRITE_ROLES, what="purchase booking")
    rows = list(rows)
    if len(rows) > MAX_BATCH_ROWS:
        raise InvalidInput(_("At most %(n)d rows per request; import a file for more.") % {"n": MAX_BATCH_ROWS},
                           code="too_many_rows")
    report = PurchaseReport(kind=IMPORT_KIND, file_name="api", dry_run=dry_run)
    records = [(i, _cells(r)) for i, r in enumerate(rows, start=1)]
    Pipeline(report=report, actor=actor, default_source=source, dry_run=dry_run, scope_prefix=_scope(actor)).feed(records)
    return report


def purchase_record(*, data: Mapping[str, Any], actor: Any, source: str = "") -> PurchaseEntry:
    """Book one purchase. Raises InvalidInput (with the row's errors) or Conflict (already booked)."""
    report = purchase_record_batch(rows=[data], actor=actor, source=source)
    if report.errors:
        raise InvalidInput(_("The purchase is not valid."), details={"errors": [e.as_dict() for e in report.errors]})
    if report.duplicates:
        raise Conflict(_("This purchase (source and external id) is already in the ledger."), code="duplicate",
                       details={"duplicates": report.duplicate_lines})
    return PurchaseEntry.objects.get(pk=report.entry_ids[0])


# -- file imports ----------------------------------------------------------------------------------------------------
def _check_ext(file_name: str) -> str:
    ext = Path(file_name).suffix.lower()
    if ext not in SPREADSHEET_EXTS | CSV_EXTS:
        raise InvalidInput(_("Unsupported file type “%(ext)s”: use .csv or .xlsx.") % {"ext": ext or "?"},
                           code="unsupported_file_type")
    return ext


def default_source(actor: Any) -> str:
    """The source of an upload that names none: the uploader's organisation (its unified social credit code, else
    `org-<id>`); '' for an account that acts for no organisation (its file must then have a source column)."""
    org = getattr(actor, "organisation", None) if getattr(actor, "pk", None) else None
    if org is None:
        return ""
    return (org.credit_code or f"org-{org.pk}")[:60]


def _require_source_column(path: Path, *, file_name: str, keep: bool) -> None:
    """Before any row is read: a file without a source column needs the import's source (issue #14). A file the
    header check cannot read is left to the job, which reports why."""
    try:
        table = PurchaseTable(path, file_name=file_name)
    except TableError:
        return
    table.close()
    if not table.has_column("source"):
        if not keep:
            Path(path).unlink(missing_ok=True)
        raise InvalidInput(
            _("Name the source of the rows (the system or platform they come from): the file has no source "
              "column (来源) and your account acts for no organisation whose code could be the source."),
            code="source_required", details={"field": "source"})


@transaction.atomic
def purchase_import_create(*, file_name: str, actor: Any, upload: Any = None, path: str | Path | None = None,
                           source: str = "", dry_run: bool = False, origin: str = "file",
                           keep_in_place: bool = False) -> PurchaseImport:
    """Register an import (queued). An upload (or, unless `keep_in_place`, a path) is copied to the data folder."""
    authorise(actor, roles=WRITE_ROLES, what="purchase import")
    ext = _check_ext(file_name)
    import_jobs_fail_stopped()
    source = source.strip() or default_source(actor)
    if len(source) > 60:
        raise InvalidInput(_("The source name is at most 60 characters."), code="too_long")
    if upload is not None:
        stored = save_upload(upload, suffix=ext)
        target = storage_dir("uploads") / f"{uuid.uuid4().hex}{ext}"
        shutil.move(str(stored), target)
    elif path is not None:
        if not Path(path).is_file():
            raise InvalidInput(_("No such file: %(path)s") % {"path": path}, code="file_not_found")
        if keep_in_place:
            target = Path(path)
        else:
            target = storage_dir("uploads") / f"{uuid.uuid4().hex}{ext}"
            shutil.copyfile(path, target)
    else:
        raise InvalidInput(_("No file was given."), code="required")
    if not source:
        _require_source_column(target, file_name=file_name, keep=keep_in_place and upload is None)
    user = actor if getattr(actor, "pk", None) else None
    job = PurchaseImport.objects.create(
        status=JobStatus.QUEUED, origin=origin, file_name=file_name[:255], file_path=str(target),
        file_size=os.path.getsize(target), default_source=source, dry_run=dry_run, actor=user,
        actor_name=audit.actor_of(actor)[1],
    )
    audit.record(actor=actor, action="purchase_import:create", obj=job,
                 after={"file_name": job.file_name, "dry_run": dry_run, "source": source, "size": job.file_size})
    return job


def _job_actor(job: PurchaseImport) -> Any:
    return job.actor if job.actor_id else (job.actor_name or "system")


def purchase_import_run(*, job: PurchaseImport, batch_size: int | None = None) -> PurchaseImport:
    """Run a queued import to the end (in this thread). File-level problems fail the job with the reason."""
    actor = _job_actor(job)
    audit.transition(job, to=JobStatus.RUNNING, allowed_from=[JobStatus.QUEUED], actor=actor,
                     changes={"started_at": timezone.now(), **heartbeat.this_worker()})
    rejects = RejectedRows(job_id=job.pk, fmt=Path(job.file_name).suffix.lower().lstrip("."))
    report = PurchaseReport(kind=IMPORT_KIND, file_name=job.file_name, dry_run=job.dry_run, sink=rejects)
    try:
        table = PurchaseTable(job.file_path, file_name=job.file_name)
        report.warnings.extend(table.warnings)
        report.headers = dict(table.header_names)  # errors name the columns as the file does (issue #14)
        pipeline = Pipeline(report=report, actor=actor, job=job, default_source=job.default_source,
                            dry_run=job.dry_run, scope_prefix=_scope(job.actor) if job.actor_id else "",
                            batch_size=batch_size or FILE_BATCH_ROWS)

        def progress(p: Pipeline) -> None:
            p.bytes_hint = int(table.avg_row_bytes * p.rows_seen)

        pipeline.on_batch = progress
        with heartbeat.Ticker(job.pk):
            pipeline.feed(table.records())
        report.extra["seconds"] = {k: round(v, 3) for k, v in pipeline.timings.items()}
        report.warnings.extend(w for w in table.warnings if w not in report.warnings)
    except ImportStopped:  # marked failed while it ran (taken for a stopped worker): the failure stands
        rejects.finish()
        job.refresh_from_db()
        return job
    except FupinError as exc:
        rejects.finish()
        return _job_fail(job, actor, exc.as_dict())
    except DatabaseError as exc:
        rejects.finish()
        if not _database_back():  # still gone: the job stays running until it is taken for a stopped worker
            raise
        return _job_fail(job, actor, {"code": "database_unavailable", "message": _(
            "The connection to the database was lost during the import (%(error)s). The batches committed before "
            "it are stored; import the same file again: rows already stored are not stored twice.")
            % {"error": str(exc).strip()[:300]}})
    except Exception as exc:  # noqa: BLE001 - a job must end in a state, whatever happened
        rejects.finish()
        return _job_fail(job, actor, {"code": "server_error", "message": str(exc)[:500]})
    rejected_path = rejects.finish()
    try:
        with transaction.atomic():
            run = import_run_record(report=report, file_sha256=file_sha256(job.file_path), actor=job.actor,
                                    rejected_file=rejected_path)
            PurchaseImport.objects.filter(pk=job.pk).update(report=report.as_dict(), rejected_path=rejected_path,
                                                            run=run, bytes_processed=job.file_size)
            audit.transition(job, to=JobStatus.DONE, allowed_from=[JobStatus.RUNNING], actor=actor, changes={
                "finished_at": timezone.now(), "rows_processed": report.total, "accepted": report.accepted,
                "duplicates": report.duplicates, "rejected": report.rejected, "heartbeat_at": timezone.now(),
            })
    except TransitionNotAllowed:  # marked failed after its last batch (taken for a stopped worker)
        pass
    job.refresh_from_db()
    return job


def _database_back(wait_seconds: float = 30.0) -> bool:
    """After a database error: whether this thread's connection works, reconnecting (a server restart or a network
    fault closes it for good) until `wait_seconds` have passed. Inside an atomic block (a caller's transaction) the
    connection is not replaced."""
    if connection.is_usable():
        return True
    if connection.in_atomic_block:
        return False
    deadline = time.monotonic() + wait_seconds
    while True:
        connection.close()
        try:
            connection.ensure_connection()
            return True
        except DatabaseError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.5)


def _job_fail(job: PurchaseImport, actor: Any, error: dict[str, Any]) -> PurchaseImport:
    job.refresh_from_db()
    with transaction.atomic():
        PurchaseImport.objects.filter(pk=job.pk).update(report={"error": error})
        audit.transition(job, to=JobStatus.FAILED, allowed_from=[JobStatus.QUEUED, JobStatus.RUNNING], actor=actor,
                         reason=str(error.get("message", ""))[:1000],
                         changes={"finished_at": timezone.now(), "error": str(error.get("message", ""))})
    job.refresh_from_db()
    return job


def purchase_import_file(*, path: str | Path, actor: Any, source: str = "", dry_run: bool = False,
                         file_name: str | None = None, batch_size: int | None = None) -> PurchaseImport:
    """Import a file from disk now (the CLI): the file is read where it is."""
    job = purchase_import_create(file_name=file_name or Path(path).name, path=path, actor=actor, source=source,
                                 dry_run=dry_run, origin="cli", keep_in_place=True)
    return purchase_import_run(job=job, batch_size=batch_size)


def _worker_stopped_message(*, pid: int | None, host: str, seconds: int) -> str:
    if pid is not None:
        return _("Worker stopped: the process %(pid)s on %(host)s that ran this import no longer exists. Import the "
                 "same file again: rows already stored are not stored twice.") % {"pid": pid, "host": host}
    return _("Worker stopped: no sign of life from the import for more than %(seconds)d seconds. Import the same "
             "file again: rows already stored are not stored twice.") % {"seconds": seconds}


def import_jobs_fail_stopped(*, stale_after: dt.timedelta | None = None) -> int:
    """Mark failed every running import whose worker stopped: its process is gone from this host, or its last sign
    of life (the heartbeat, else the last progress) is older than `stale_after` (the setting
    FUPIN_LEDGER_WORKER_STALE_SECONDS, 60 s). Called before imports are listed or shown and when one is created;
    audited transitions with the reason. Importing the same file again completes it (idempotent). Returns how many
    jobs were marked."""
    bound = stale_after if stale_after is not None else dt.timedelta(seconds=heartbeat.stale_seconds())
    cutoff = timezone.now() - bound
    n = 0
    running = PurchaseImport.objects.filter(status=JobStatus.RUNNING).only(
        "id", "status", "heartbeat_at", "updated_at", "worker_pid", "worker_host")
    for job in running:
        last = job.heartbeat_at or job.updated_at
        gone = heartbeat.worker_gone(pid=job.worker_pid, host=job.worker_host)
        if not gone and last is not None and last >= cutoff:
            continue
        message = _worker_stopped_message(pid=job.worker_pid if gone else None, host=job.worker_host,
                                          seconds=int(bound.total_seconds()))
        try:
            _job_fail(job, "system", {"code": "worker_stopped", "message": message})
        except (TransitionNotAllowed, Conflict):  # it ended meanwhile
            continue
        n += 1
    return n


# -- corrections -------------------------------------------------------------------------------------------------
def _check_lock(entry: PurchaseEntry) -> None:
    for prefix in PeriodLock.objects.filter(year=entry.year, month=entry.month, status=LockStatus.LOCKED
                                            ).values_list("region_prefix", flat=True):
        if entry.county_code.startswith(prefix):
            raise PeriodLocked(_("%(month)s is locked for this region: book a prior-period adjustment in the "
                                 "current month instead (or ask for an unlock).")
                               % {"month": rules.month_key(entry.year, entry.month)},
                               details={"year": entry.year, "month": entry.month, "region_prefix": prefix})


def _check_correctable(entry: PurchaseEntry, actor: Any) -> None:
    # a scoped corrector needs the origin or the buyer's home region in its scope (the region that decides)
    policy.authorise_correction(actor, county_code=entry.county_code, buyer_region=entry.buyer_region)
    if entry.reverses_id is not None:
        raise InvalidInput(_("A reversal cannot be reversed; book the purchase again instead."), code="is_reversal")
    if PurchaseEntry.objects.filter(reverses=entry).exists():
        raise Conflict(_("This entry has already been reversed."), code="already_reversed")
    if (entry.year, entry.month) != (entry.purchase_date.year, entry.purchase_date.month):
        raise InvalidInput(_("This entry is a prior-period adjustment of a locked month: correct it with another "
                             "prior-period adjustment."), code="prior_period_entry")
    _check_lock(entry)


def _reversal_row(entry: PurchaseEntry, *, reason: str, actor: Any, created_at: Any) -> writer.EntryRow:
    values = {f.attname: getattr(entry, f.attname) for f in PurchaseEntry._meta.concrete_fields}
    values.update({
        "amount_fen": -entry.amount_fen, "quantity_milli": -entry.quantity_milli if entry.quantity_milli else
        entry.quantity_milli, "sign": -1, "reverses_id": entry.pk, "amends_id": None, "reason": reason,
        "import_job_id": None, "created_by_id": actor.pk if getattr(actor, "pk", None) else None,
        "created_at": created_at, "purchase_date": writer.date_value(entry.purchase_date),
    })
    return writer.EntryRow(**{c: values[c] for c in writer.ENTRY_COLUMNS})


def purchase_reverse(*, entry: PurchaseEntry, reason: str, actor: Any) -> PurchaseEntry:
    """Cancel an entry with a reversing entry (negative amount, same date and attribution), audited."""
    if not reason.strip():
        raise InvalidInput(_("A reversal needs a reason."), code="reason_required")
    with transaction.atomic(), connection.cursor() as cur:
        writer.lock_writers(cur)
        entry = PurchaseEntry.objects.get(pk=entry.pk)
        _check_correctable(entry, actor)
        ids = writer.insert(cur, [_reversal_row(entry, reason=reason, actor=actor, created_at=writer.now_value())])
        reversal = PurchaseEntry.objects.get(pk=ids[0])
        audit.record(actor=actor, action="purchase:reverse", obj=reversal, reason=reason,
                     before={"entry": entry.pk, "amount_fen": entry.amount_fen},
                     after={"reversal": reversal.pk, "amount_fen": reversal.amount_fen})
    return reversal


def purchase_amend(*, entry: PurchaseEntry, changes: Mapping[str, Any], reason: str, actor: Any) -> PurchaseEntry:
    """Correct an entry: reverse it and book the corrected purchase (revision + 1), in one transaction. The
    corrected row is validated, counted and attributed like any new row."""
    if not reason.strip():
        raise InvalidInput(_("An amendment needs a reason."), code="reason_required")
    for key in ("source", "external_id"):
        if key in changes and str(changes[key]) != getattr(entry, key):
            raise InvalidInput(_("The source and external id of an entry cannot change."), code="key_immutable")
    with transaction.atomic():
        original = PurchaseEntry.objects.select_related("buyer", "seller__household", "product", "origin").get(pk=entry.pk)
        data = _entry_as_row(original)
        data.update({k: v for k, v in changes.items()})
        purchase_reverse(entry=original, reason=reason, actor=actor)
        report = PurchaseReport(kind=IMPORT_KIND, file_name="amendment")
        revision = (PurchaseEntry.objects.filter(source=original.source, external_id=original.external_id,
                                                 reverses__isnull=True).order_by("-revision")
                    .values_list("revision", flat=True).first() or 0) + 1
        Pipeline(report=report, actor=actor, scope_prefix=_scope(actor), revision=revision, amends_id=original.pk,
                 reason=reason, mandate=_amendment_mandate(actor, original),
                 match=not _released(original)).feed([(1, _cells(data))])
        if report.errors or not report.entry_ids:
            raise InvalidInput(_("The corrected purchase is not valid."),
                               details={"errors": [e.as_dict() for e in report.errors]})
        amended = PurchaseEntry.objects.get(pk=report.entry_ids[0])
        audit.record(actor=actor, action="purchase:amend", obj=amended, reason=reason,
                     before={"entry": original.pk}, after={"entry": amended.pk, "changes": dict(changes)})
    return amended


def _released(entry: PurchaseEntry, *, depth: int = 50) -> bool:
    """Whether a reviewer released this entry or one it amends from a cross-source match: its corrections are
    not matched again (the reviewer found it a different order)."""
    ids: list[int] = []
    current: int | None = entry.pk
    while current is not None and len(ids) < depth:
        ids.append(current)
        current = PurchaseEntry.objects.filter(pk=current).values_list("amends_id", flat=True).first()
    return DuplicateReview.objects.filter(released_as_id__in=ids).exists()


def _amendment_mandate(actor: Any, original: PurchaseEntry) -> rules.Mandate:
    """A correction may keep the original's buyer (or keep it a public sale) whoever corrects it; a changed buyer
    is checked like any new booking."""
    mandate = selectors.booking_mandate(actor=actor)
    if mandate.unrestricted:
        return mandate
    if original.buyer_id is None:
        return replace(mandate, public=True)
    return replace(mandate, own=mandate.own | {original.buyer_id})


def _entry_as_row(e: PurchaseEntry) -> dict[str, Any]:
    from .rules import quantity_text

    seller_code = e.seller.credit_code or (e.seller.household.registry_code if e.seller.household is not None else "")
    return {
        "source": e.source, "external_id": e.external_id, "purchase_date": e.purchase_date.isoformat(),
        "buyer_code": e.buyer.credit_code if e.buyer is not None else "", "seller_code": seller_code,
        "product_code": e.product.code if e.product is not None else "", "origin_code": e.origin.code,
        "quantity": quantity_text(e.quantity_milli), "unit": e.unit,
        "amount_yuan": f"{e.amount_fen // 100}.{e.amount_fen % 100:02d}", "kind": e.kind, "channel": e.channel,
        "status": e.status, "evaluated": "true" if e.evaluated else "false", "order_number": e.order_number,
        "invoice_number": e.invoice_number, "evidence": e.evidence,
    }


# -- period locks ----------------------------------------------------------------------------------------------------
def period_lock(*, year: int, month: int, region_code: str, reason: str, actor: Any) -> PeriodLock:
    """Close a month for a region (and everything below it); re-locking an unlocked month is a transition."""
    authorise(actor, roles=LOCK_ROLES, region_code=region_code or None, what="period lock")
    if not (1 <= month <= 12) or year < rules.EARLIEST_DATE.year or year > 2100:
        raise InvalidInput(_("No such month."), code="invalid_period")
    if region_code and registry_rules.level_of(region_code) is None:
        raise InvalidInput(_("“%(code)s” is not a region code.") % {"code": region_code}, code="invalid_region_code")
    prefix = registry_rules.subtree_prefix(region_code) if region_code else ""
    with transaction.atomic():
        lock, created = PeriodLock.objects.get_or_create(
            year=year, month=month, region_code=region_code,
            defaults={"region_prefix": prefix, "status": LockStatus.LOCKED, "reason": reason},
        )
        if created:
            audit.record(actor=actor, action="period:lock", obj=lock, after=audit.snapshot(lock), reason=reason)
            return lock
        if lock.status == LockStatus.LOCKED:
            raise Conflict(_("This period is already locked."), code="already_locked")
        audit.transition(lock, to=LockStatus.LOCKED, allowed_from=[LockStatus.UNLOCKED], actor=actor, reason=reason,
                         action="period:lock", changes={"reason": reason})
        return lock


def period_unlock(*, lock: PeriodLock, reason: str, actor: Any) -> PeriodLock:
    """Reopen a locked month (administrators; the reason is audited)."""
    authorise(actor, roles=(Role.ADMINISTRATOR,), what="period unlock")
    if not reason.strip():
        raise InvalidInput(_("Unlocking needs a reason."), code="reason_required")
    audit.transition(lock, to=LockStatus.UNLOCKED, allowed_from=[LockStatus.LOCKED], actor=actor, reason=reason,
                     action="period:unlock", changes={"reason": reason})
    return lock


def period_lock_get(*, pk: int) -> PeriodLock:
    lock = PeriodLock.objects.filter(pk=pk).first()
    if lock is None:
        raise NotFound(details={"lock": pk})
    return lock


# -- reporting rights ------------------------------------------------------------------------------------------------
RIGHT_ROLES = (Role.ADMINISTRATOR,)
RIGHT_REGION_LEVELS = ("province", "prefecture", "county")


def require_right_admin(actor: Any, *, region_code: Any = ANYWHERE) -> None:
    """Reporting rights are granted and revoked by administrators (the role or a superuser) or the system; a
    scoped administrator grants rights only for buyers of its region."""
    authorise(actor, roles=RIGHT_ROLES, region_code=region_code, what="reporting right")


def reporting_right_grant(*, reporter: Any, source: str, reason: str, actor: Any,
                          valid_from: dt.date | None = None, valid_to: dt.date | None = None,
                          organisations: bool = True, buyer_region_code: str = "",
                          buyer_kinds: Sequence[str] = (), public_sales: bool = False) -> ReportingRight:
    """Let `reporter` (an Organisation) book purchases under `source` for buyers other than itself and its units:
    every registered buyer, or those registered in `buyer_region_code` (province, prefecture or county) and/or of
    `buyer_kinds`; and sales to members of the public if `public_sales`. Covers purchases dated `valid_from`
    (default: the earliest date the ledger takes) … `valid_to` (open-ended). Administrators only; audited."""
    require_right_admin(actor, region_code=(buyer_region_code or "").strip() or None)
    source = (source or "").strip()
    if not source:
        raise InvalidInput(_("A reporting right needs the source name its rows carry."), code="required",
                           details={"field": "source"})
    if len(source) > 60:
        raise InvalidInput(_("The source name is at most 60 characters."), code="too_long", details={"field": "source"})
    if not (reason or "").strip():
        raise InvalidInput(_("A reporting right needs a reason."), code="reason_required")
    if not organisations and not public_sales:
        raise InvalidInput(_("A reporting right must cover registered organisations, sales to the public, or both."),
                           code="empty_right")
    kinds = sorted({k.strip() for k in buyer_kinds if k and k.strip()})
    unknown = [k for k in kinds if k not in OrganisationKind.values]
    if unknown:
        raise InvalidInput(_("Unknown organisation kind(s): %(kinds)s.") % {"kinds": ", ".join(unknown)},
                           code="unknown_kind", details={"unknown": unknown, "allowed": list(OrganisationKind.values)})
    if (kinds or buyer_region_code) and not organisations:
        raise InvalidInput(_("Buyer kinds and a buyers' region only apply to a right for registered organisations."),
                           code="invalid_input")
    region_code = (buyer_region_code or "").strip()
    if region_code:
        if registry_rules.level_of(region_code) not in RIGHT_REGION_LEVELS:
            raise InvalidInput(_("“%(code)s” is not a province, prefecture or county code.") % {"code": region_code[:20]},
                               code="invalid_region_code")
        if not registry.regions_by_codes(codes={region_code}):
            raise InvalidInput(_("No region has the code “%(code)s”.") % {"code": region_code}, code="unknown_region")
    start = valid_from or rules.EARLIEST_DATE
    if valid_to is not None and valid_to < start:
        raise InvalidInput(_("The right ends before it starts."), code="invalid_period")
    if reporter is None or not getattr(reporter, "pk", None):
        raise InvalidInput(_("No such organisation."), code="unknown_organisation")
    user, name = audit.actor_of(actor)
    with transaction.atomic():
        right = ReportingRight.objects.create(
            reporter=reporter, source=source, organisations=organisations, buyer_region_code=region_code,
            buyer_region_prefix=registry_rules.subtree_prefix(region_code) if region_code else "",
            buyer_kinds=",".join(kinds), public_sales=public_sales, valid_from=start, valid_to=valid_to,
            granted_by=user, granted_by_name=name, reason=reason.strip(),
        )
        audit.record(actor=actor, action="reporting_right:grant", obj=right, reason=right.reason,
                     after=audit.snapshot(right, ["reporter_id", "source", "organisations", "buyer_region_code",
                                                  "buyer_kinds", "public_sales", "valid_from", "valid_to",
                                                  "status"]))
    return right


def reporting_right_revoke(*, right: ReportingRight, reason: str, actor: Any) -> ReportingRight:
    """End a reporting right now (administrators; the reason is audited). Entries it let in stay booked; later
    rows under it are refused (`buyer_not_yours`)."""
    require_right_admin(actor)
    if not (reason or "").strip():
        raise InvalidInput(_("Revoking needs a reason."), code="reason_required")
    user, name = audit.actor_of(actor)
    audit.transition(right, to=RightStatus.REVOKED, allowed_from=[RightStatus.ACTIVE], actor=actor,
                     reason=reason.strip(), action="reporting_right:revoke", changes={
                         "revoked_at": timezone.now(), "revoked_by": user, "revoked_by_name": name,
                         "revoke_reason": reason.strip()})
    right.refresh_from_db()
    return right


def reporting_right_ref(*, pk: int) -> ReportingRight:
    """A reporting right to change, found whatever the actor (the service then refuses non-administrators)."""
    right = ReportingRight.objects.select_related("reporter").filter(pk=pk).first()
    if right is None:
        raise NotFound(details={"reporting_right": pk})
    return right


# -- origin exceptions (issue #10 §3) ----------------------------------------------------------------------------------
ORIGIN_LEVELS = ("county", "township", "village")


def origin_exception_grant(*, seller: Any, region_code: str, reason: str, actor: Any,
                           valid_from: dt.date | None = None, valid_to: dt.date | None = None) -> OriginException:
    """Let `seller` (a MarketEntity) report goods originating in `region_code` (a county, township or village, and
    everything below it) although the place is neither its product's registered origin nor inside its registered
    county, for purchases dated `valid_from` (default: the earliest date the ledger takes) … `valid_to` (open).
    A documented exception (e.g. a cooperative selling a member village's produce across a county line): the
    reason is required and audited. Reviewers of an office over the origin region (`policy`)."""
    region_code = (region_code or "").strip()
    if registry_rules.level_of(region_code) not in ORIGIN_LEVELS:
        raise InvalidInput(_("“%(code)s” is not a county, township or village code.") % {"code": region_code[:20]},
                           code="invalid_region_code", details={"field": "region_code"})
    policy.authorise_origin_exception(actor, region_code=region_code)
    if not (reason or "").strip():
        raise InvalidInput(_("An origin exception needs a reason (the documents that show where the goods come "
                             "from)."), code="reason_required")
    if seller is None or not getattr(seller, "pk", None):
        raise InvalidInput(_("No such seller."), code="unknown_seller")
    found = registry.regions_by_codes(codes={region_code})
    if not found:
        raise InvalidInput(_("No region has the code “%(code)s”.") % {"code": region_code}, code="unknown_region")
    region_code = next(iter(found.values())).code  # an old code: its current code
    area = seller_area(seller.region.code) if seller.region_id else ""
    if area and region_code.startswith(area):
        raise InvalidInput(_("“%(code)s” lies in the seller's registered county: the rule already lets it in; no "
                             "exception is needed.") % {"code": region_code}, code="exception_not_needed")
    start = valid_from or rules.EARLIEST_DATE
    if valid_to is not None and valid_to < start:
        raise InvalidInput(_("The exception ends before it starts."), code="invalid_period")
    user, name = audit.actor_of(actor)
    with transaction.atomic():
        exception = OriginException.objects.create(
            seller=seller, region_code=region_code, region_prefix=registry_rules.subtree_prefix(region_code),
            reason=reason.strip(), valid_from=start, valid_to=valid_to, granted_by=user, granted_by_name=name)
        audit.record(actor=actor, action="origin_exception:grant", obj=exception, reason=exception.reason,
                     after=audit.snapshot(exception, ["seller_id", "region_code", "valid_from", "valid_to", "status"]))
    return exception


def origin_exception_revoke(*, exception: OriginException, reason: str, actor: Any) -> OriginException:
    """End an origin exception now (reviewers over its region; the reason is audited). Entries it let in stay
    booked and keep pointing at it; later rows from that origin are refused (`origin_mismatch`)."""
    policy.authorise_origin_exception(actor, region_code=exception.region_code)
    if not (reason or "").strip():
        raise InvalidInput(_("Revoking needs a reason."), code="reason_required")
    _user, name = audit.actor_of(actor)
    audit.transition(exception, to=RightStatus.REVOKED, allowed_from=[RightStatus.ACTIVE], actor=actor,
                     reason=reason.strip(), action="origin_exception:revoke", changes={
                         "revoked_at": timezone.now(), "revoked_by_name": name, "revoke_reason": reason.strip()})
    exception.refresh_from_db()
    return exception


def origin_exception_ref(*, pk: int) -> OriginException:
    """An origin exception to change, found whatever the actor (the service then checks who may)."""
    found = OriginException.objects.select_related("seller").filter(pk=pk).first()
    if found is None:
        raise NotFound(details={"origin_exception": pk})
    return found


# -- cross-source matches (issue #10 §5) -------------------------------------------------------------------------------
def _reviewable(entry: PurchaseEntry, actor: Any) -> PurchaseEntry:
    entry = PurchaseEntry.objects.select_related("buyer", "seller__household", "product", "origin").get(pk=entry.pk)
    policy.authorise_match_review(actor, county_code=entry.county_code)
    if entry.duplicate_of_id is None or entry.sign != 1:
        raise InvalidInput(_("This entry is not marked as the duplicate of another source's entry."),
                           code="not_a_duplicate")
    if DuplicateReview.objects.filter(entry=entry).exists():
        raise Conflict(_("This match has already been decided."), code="already_reviewed")
    if PurchaseEntry.objects.filter(reverses=entry).exists():
        raise Conflict(_("This entry has already been reversed."), code="already_reversed")
    return entry


def duplicate_confirm(*, entry: PurchaseEntry, reason: str, actor: Any) -> DuplicateReview:
    """A reviewer confirms that the entry reports an order another source already booked: it stays booked and
    not counted; the decision is final and audited."""
    if not (reason or "").strip():
        raise InvalidInput(_("A decision needs a reason."), code="reason_required")
    user, name = audit.actor_of(actor)
    with transaction.atomic():
        entry = _reviewable(entry, actor)
        review = DuplicateReview.objects.create(entry=entry, decision=MatchDecision.CONFIRMED, reason=reason.strip(),
                                                decided_by=user, decided_by_name=name)
        audit.record(actor=actor, action="purchase:duplicate_confirm", obj=entry, reason=review.reason,
                     after={"entry": entry.pk, "duplicate_of": entry.duplicate_of_id, "decision": review.decision})
    return review


def duplicate_release(*, entry: PurchaseEntry, reason: str, actor: Any) -> DuplicateReview:
    """A reviewer finds that the entry is a different order from the one it was matched to: the entry is reversed
    and booked again as a new revision without the match, counted as the rules say (the figures of its month
    change by that amount, like any correction; a locked month refuses it). Audited; the decision points at the new
    booking, whose later corrections are not matched again."""
    if not (reason or "").strip():
        raise InvalidInput(_("A decision needs a reason."), code="reason_required")
    user, name = audit.actor_of(actor)
    with transaction.atomic():
        entry = _reviewable(entry, actor)
        data = _entry_as_row(entry)
        purchase_reverse(entry=entry, reason=reason, actor=actor)
        revision = (PurchaseEntry.objects.filter(source=entry.source, external_id=entry.external_id,
                                                 reverses__isnull=True).order_by("-revision")
                    .values_list("revision", flat=True).first() or 0) + 1
        report = PurchaseReport(kind=IMPORT_KIND, file_name="duplicate release")
        Pipeline(report=report, actor=actor, revision=revision, amends_id=entry.pk, reason=reason,
                 mandate=rules.UNRESTRICTED, match=False).feed([(1, _cells(data))])
        if report.errors or not report.entry_ids:
            raise InvalidInput(_("The released purchase is not valid any more."),
                               details={"errors": [e.as_dict() for e in report.errors]})
        review = DuplicateReview.objects.create(entry=entry, decision=MatchDecision.RELEASED, reason=reason.strip(),
                                                released_as_id=report.entry_ids[0], decided_by=user,
                                                decided_by_name=name)
        audit.record(actor=actor, action="purchase:duplicate_release", obj=entry, reason=review.reason,
                     before={"entry": entry.pk, "duplicate_of": entry.duplicate_of_id},
                     after={"decision": review.decision, "booked_as": review.released_as_id})
    return review


__all__ = [
    "purchase_record", "purchase_record_batch", "purchase_import_create", "purchase_import_run",
    "purchase_import_file", "import_jobs_fail_stopped", "purchase_reverse", "purchase_amend", "period_lock",
    "period_unlock", "reporting_right_grant", "reporting_right_revoke", "origin_exception_grant",
    "origin_exception_revoke", "duplicate_confirm", "duplicate_release", "TableError",
]
