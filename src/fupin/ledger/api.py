"""Ledger API: purchases (one, a batch, a file import as a background job), corrections, the account totals
with CSV/.xlsx export, account summaries of a buyer, a seller and a region, and period locks. Thin: every route
calls a service or a selector with the signed-in user. Numbers, dates, choices and the comma-separated filter
lists are bounded by `fupin.core.api_types`."""

import datetime as dt
from pathlib import Path
from typing import Any, Literal

from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.pagination import paginate

from fupin.certification.enums import ProductCategory
from fupin.core import xlsx
from fupin.core.api_types import (
    Id,
    IdList,
    Month,
    QueryDate,
    RecordDate,
    Year,
    YearList,
    choice,
    choice_list,
    file_download,
    listed,
)
from fupin.core.downloads import attachment
from fupin.core.errors import InvalidInput, NotFound
from fupin.core.money import fen_to_yuan
from fupin.core.pagination import Page
from fupin.core.services import export_log
from fupin.core.tabular import CONTENT_TYPES, table_bytes
from fupin.registry import selectors as registry
from fupin.registry.enums import OrganisationKind

from . import adjustments, jobs, rules, selectors, services
from .enums import (
    PUBLIC,
    Basis,
    Channel,
    EntryStatus,
    JobStatus,
    Kind,
    LockStatus,
    MatchDecision,
    NotCounted,
    RightStatus,
    Scheme,
)
from .models import (
    DuplicateReview,
    OriginException,
    PeriodLock,
    PurchaseEntry,
    PurchaseImport,
    ReportingRight,
)

router = Router(tags=["ledger"])

Side = Literal[selectors.SIDES]
KIND_DOC: dict[str, Any] = {"enum": Kind.values}
CHANNEL_DOC: dict[str, Any] = {"enum": Channel.values}
STATUS_DOC: dict[str, Any] = {"enum": ["", *EntryStatus.values]}
NONE = selectors.NONE


# -- schemas ---------------------------------------------------------------------------------------------------------
class PurchaseIn(Schema):
    """One purchase, with the columns of the import file (amount in yuan, at most two decimals)."""

    source: str = ""
    external_id: str
    purchase_date: str
    buyer_code: str = ""
    seller_code: str
    product_code: str = ""
    origin_code: str = ""
    quantity: str = ""
    unit: str = ""
    amount_yuan: str | float | int
    kind: str = Field(..., max_length=40, json_schema_extra=KIND_DOC,
                      description="the value, or its Chinese name as in the import file")
    channel: str = Field(..., max_length=40, json_schema_extra=CHANNEL_DOC,
                         description="the value, or its Chinese name as in the import file")
    status: str = Field("", max_length=40, json_schema_extra=STATUS_DOC, description="empty: completed")
    evaluated: bool | str = False
    order_number: str = Field("", max_length=64, description="订单号: the same order from another source counts once")
    invoice_number: str = Field("", max_length=64, description="发票号码 (e.g. an e-invoice number)")
    evidence: str = Field("", max_length=2000, description="what documents the purchase (invoice, delivery note, "
                                                          "attachments)")


class PurchaseBatchIn(Schema):
    rows: list[PurchaseIn] = Field(..., max_length=services.MAX_BATCH_ROWS)
    source: str = ""
    dry_run: bool = False


class LedgerReasonIn(Schema):
    reason: str = Field(..., min_length=1, max_length=2000)


class AmendIn(Schema):
    reason: str = Field(..., min_length=1, max_length=2000)
    changes: dict[str, str | float | int | bool]


class AdjustIn(Schema):
    reason: str = Field(..., min_length=1, max_length=2000)
    changes: dict[str, str | float | int | bool] | None = Field(
        None, description="the corrected columns (an amendment); none: a reversal")


class EntryOut(Schema):
    id: int
    source: str
    external_id: str
    revision: int
    purchase_date: dt.date
    buyer_id: int | None
    buyer_category: str
    buyer_region: str
    seller_id: int
    product_id: int | None
    product_category: str
    origin_id: int
    county_code: str
    quantity: str
    unit: str
    amount_fen: int
    amount_yuan: str
    kind: choice(Kind)
    channel: choice(Channel)
    status: choice(EntryStatus)
    evaluated: bool
    counted: bool
    basis: choice(Basis, "")
    bases: list[choice(Basis)]
    not_counted_reason: choice(NotCounted, "")
    rule_version_id: int | None
    schemes: dict[str, int | None]
    reverses_id: int | None
    amends_id: int | None
    reason: str
    order_number: str
    invoice_number: str
    evidence: str
    duplicate_of_id: int | None = Field(None, description="the entry of another source that reports the same order "
                                                          "(this one does not count)")
    duplicate_review: choice(MatchDecision, "") = Field("", description="a reviewer's decision on the match")
    origin_exception_id: int | None = Field(None, description="the documented origin exception that let the "
                                                              "origin in")
    import_id: int | None
    created_at: dt.datetime
    booked_period: str = Field("", description="the month the entry is booked (reported) in, YYYY-MM: its purchase "
                                               "date's, or for a prior-period adjustment the month it was booked in")
    prior_period_adjustment: bool = Field(False, description="a correction of a locked month booked in a later "
                                                             "month (issue #10 §6)")

    @staticmethod
    def resolve_booked_period(obj: PurchaseEntry) -> str:
        return rules.month_key(obj.year, obj.month)

    @staticmethod
    def resolve_prior_period_adjustment(obj: PurchaseEntry) -> bool:
        return (obj.year, obj.month) != (obj.purchase_date.year, obj.purchase_date.month)

    @staticmethod
    def resolve_duplicate_review(obj: PurchaseEntry) -> str:
        if obj.duplicate_of_id is None:
            return ""
        review = selectors.entry_review(obj)
        return review.decision if review is not None else ""

    @staticmethod
    def resolve_quantity(obj: PurchaseEntry) -> str:
        return rules.quantity_text(obj.quantity_milli)

    @staticmethod
    def resolve_amount_yuan(obj: PurchaseEntry) -> str:
        return fen_to_yuan(obj.amount_fen)

    @staticmethod
    def resolve_bases(obj: PurchaseEntry) -> list[str]:
        return rules.bases_of(obj.bases)

    @staticmethod
    def resolve_schemes(obj: PurchaseEntry) -> dict[str, int | None]:
        return {"designated_assistance": obj.rel_designated_id, "east_west": obj.rel_east_west_id,
                "counterpart_support": obj.rel_counterpart_id}

    @staticmethod
    def resolve_import_id(obj: PurchaseEntry) -> int | None:
        return obj.import_job_id


class ErrorRow(Schema):
    line: int
    column: str
    code: str
    message: str


class ReportOut(Schema):
    total: int
    accepted: int
    duplicates: int
    rejected: int
    dry_run: bool
    counted: int
    errors: list[ErrorRow]
    duplicate_lines: list[dict[str, Any]]
    entry_ids: list[int]


class PurchaseImportOut(Schema):
    id: int
    status: choice(JobStatus)
    file_name: str
    dry_run: bool
    default_source: str
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    rows_processed: int
    accepted: int
    duplicates: int
    rejected: int
    progress: float | None
    report: dict[str, Any]
    error: str
    rejected_url: str | None
    heartbeat_at: dt.datetime | None = Field(None, description="the worker's last sign of life while it runs")

    @staticmethod
    def resolve_rejected_url(obj: PurchaseImport) -> str | None:
        return f"/api/v1/purchases/imports/{obj.pk}/rejected" if obj.rejected_path else None


class LockIn(Schema):
    year: Year
    month: Month
    region_code: str = ""
    reason: str = ""


class LockOut(Schema):
    id: int
    year: int
    month: int
    region_code: str
    status: choice(LockStatus)
    reason: str
    updated_at: dt.datetime


class ReportingRightIn(Schema):
    """A reporting right: `reporter_code` (credit code) or `reporter_id` names the organisation; empty
    `buyer_region_code` and `buyer_kinds` cover every registered buyer (both given: both must hold)."""

    reporter_id: Id | None = None
    reporter_code: str = Field("", max_length=18)
    source: str = Field(..., min_length=1, max_length=60)
    organisations: bool = True
    buyer_region_code: str = Field("", max_length=12)
    buyer_kinds: list[choice(OrganisationKind)] = []
    public_sales: bool = False
    valid_from: RecordDate | None = None
    valid_to: RecordDate | None = None
    reason: str = Field(..., min_length=1, max_length=2000)


class ReportingRightOut(Schema):
    id: int
    reporter_id: int
    reporter_name: str
    source: str
    status: choice(RightStatus)
    organisations: bool
    buyer_region_code: str
    buyer_kinds: list[choice(OrganisationKind)]
    public_sales: bool
    valid_from: dt.date
    valid_to: dt.date | None
    granted_by_name: str
    reason: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None
    revoked_by_name: str
    revoke_reason: str

    @staticmethod
    def resolve_reporter_name(obj: ReportingRight) -> str:
        return obj.reporter.name

    @staticmethod
    def resolve_buyer_kinds(obj: ReportingRight) -> list[str]:
        return obj.buyer_kind_list


class OriginExceptionIn(Schema):
    """A documented exception to the origin rule: `seller_code` (credit code) or `seller_id` names the market
    entity; `region_code` the county, township or village its goods may come from."""

    seller_id: Id | None = None
    seller_code: str = Field("", max_length=18)
    region_code: str = Field(..., pattern="^(?:[0-9]{6}|[0-9]{9}|[0-9]{12})$")
    valid_from: RecordDate | None = None
    valid_to: RecordDate | None = None
    reason: str = Field(..., min_length=1, max_length=2000)


class OriginExceptionOut(Schema):
    id: int
    seller_id: int
    seller_name: str
    region_code: str
    status: choice(RightStatus)
    valid_from: dt.date
    valid_to: dt.date | None
    reason: str
    granted_by_name: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None
    revoked_by_name: str
    revoke_reason: str

    @staticmethod
    def resolve_seller_name(obj: OriginException) -> str:
        return obj.seller.name


class DuplicateReviewOut(Schema):
    id: int
    entry_id: int
    decision: choice(MatchDecision)
    reason: str
    released_as_id: int | None = Field(None, description="the new booking of a released entry (counted)")
    decided_by_name: str
    created_at: dt.datetime


REGION = Field(None, pattern="^(?:[0-9]{2}|[0-9]{4}|[0-9]{6}|[0-9]{9}|[0-9]{12})$",
               description="a region code or prefix (2, 4, 6, 9 or 12 digits)")
BUYER = Field(None, pattern=f"^(?:{PUBLIC}|{NONE}|[0-9]{{1,18}}(?: *, *[0-9]{{1,18}})*)$",
              description="comma-separated buyer ids (with the units they supervise), or public / none / 0")
MONTHS = Field(None, pattern="^(?:[0-9]{4}-(?:0?[1-9]|1[0-2])|(?:0?[1-9]|1[0-2])(?: *, *(?:0?[1-9]|1[0-2]))*)$",
               description="comma-separated months 1 … 12, or one YYYY-MM")


class LedgerFilters(Schema):
    """The filters of the account (docs/domain/ledger.md); each list is comma-separated, `none` selects entries
    without a value."""

    side: Side = "origin"
    year: YearList | None = None
    quarter: listed("[1-4]", "comma-separated quarters 1 … 4") | None = None
    month: str | None = MONTHS
    region: str | None = REGION
    buyer: str | None = BUYER
    buyer_only: IdList | None = None
    seller: IdList | None = None
    buyer_category: choice_list(OrganisationKind, PUBLIC, NONE) | None = None
    product_category: choice_list(ProductCategory, NONE) | None = None
    channel: choice_list(Channel) | None = None
    kind: choice_list(Kind) | None = None
    basis: choice_list(Basis, NONE) | None = None
    scheme: choice_list(Scheme, NONE) | None = None
    relation: str | None = Field(None, pattern=f"^(?:{NONE}|[0-9]{{1,18}}(?: *, *[0-9]{{1,18}})*)$",
                                 description="comma-separated assistance relation ids, or none")
    counted: Literal["true", "false", "1", "0", "yes", "no"] | None = None
    buyer_region: str | None = REGION
    date_from: QueryDate | None = None
    date_to: QueryDate | None = None
    status: choice_list(EntryStatus) | None = None


class TotalsQuery(LedgerFilters):
    group_by: str = Field("", max_length=500,
                          description="comma-separated groupings: " + ", ".join(selectors.GROUPINGS))
    counted_only: bool = True
    order_by: str = Field("", max_length=100)
    limit: int | None = Field(None, ge=1, le=100_000)
    format: Literal["json", "csv", "xlsx"] = "json"
    ids: bool = Field(False, description="xlsx: add the internal columns (amount_fen)")
    view: Literal["as_reported", "as_corrected"] = Field(
        "as_reported", description="as_reported (default): each month as it was reported and locked, prior-period "
                                   "adjustments counted in the month they were booked in; as_corrected: adjustments "
                                   "counted in the month they correct. Both agree where nothing was adjusted.")
    province: str | None = REGION
    prefecture: str | None = REGION
    county: str | None = REGION
    buyers: IdList | None = None


class EntryQuery(LedgerFilters):
    source: str | None = Field(None, max_length=60, description="the reporter's source name (with external_id: "
                                                                  "find your own order to reverse or amend it)")
    external_id: str | None = Field(None, max_length=100)


def _filters(q: Schema) -> dict[str, Any]:
    return {k: v for k, v in q.dict().items() if k in selectors.FILTERS and v not in (None, "")}


def _report(report: Any) -> dict[str, Any]:
    return {"total": report.total, "accepted": report.accepted, "duplicates": report.duplicates,
            "rejected": report.rejected, "dry_run": report.dry_run, "counted": report.counted,
            "errors": [e.as_dict() for e in report.errors], "duplicate_lines": report.duplicate_lines,
            "entry_ids": report.entry_ids}


def _row(p: PurchaseIn) -> dict[str, Any]:
    return p.dict()


# -- purchases -------------------------------------------------------------------------------------------------------
@router.post("/purchases/imports", response={200: PurchaseImportOut, 202: PurchaseImportOut})
def purchase_import(request, file: File[UploadedFile], source: Form[str] = "", dry_run: Form[bool] = False,
                    background: Form[bool | None] = None):
    """Upload a purchase file (.csv or .xlsx). Small files are imported in the request (200, with the report);
    larger ones (or `background=true`) run as a job (202): poll `GET /purchases/imports/{id}`."""
    job = services.purchase_import_create(upload=file, file_name=Path(file.name or "upload.csv").name, source=source,
                                          dry_run=dry_run, actor=request.user, origin="api")
    job = jobs.start(job, background=background)
    if job.status == JobStatus.FAILED and job.report.get("error"):
        err = job.report["error"]
        raise InvalidInput(err.get("message"), code=err.get("code", "invalid_input"),
                           details={"import_id": job.pk, **({"details": err["details"]} if err.get("details") else {})})
    return (202 if job.status in (JobStatus.QUEUED, JobStatus.RUNNING) else 200), job


@router.get("/purchases/imports", response=list[PurchaseImportOut])
@paginate(Page)
def purchase_import_list(request):
    """The viewer's imports; a running job whose worker stopped is shown failed ("worker stopped")."""
    services.import_jobs_fail_stopped()
    return selectors.purchase_imports(viewer=request.user)


@router.get("/purchases/imports/{int:import_id}", response=PurchaseImportOut)
def purchase_import_detail(request, import_id: Id):
    """One import with its progress and heartbeat, or its report; failed with "worker stopped" when its worker
    stopped (killed, or the server restarted): import the same file again."""
    services.import_jobs_fail_stopped()
    return selectors.purchase_import_get(viewer=request.user, pk=import_id)


@router.get("/purchases/imports/{int:import_id}/rejected",
            openapi_extra=file_download("csv", "xlsx", description="the rejected rows, with line and reason"))
def purchase_import_rejected(request, import_id: Id):
    """The rejected rows in the upload's format, with `line` and `reason` columns: fix them and import again."""
    job = selectors.purchase_import_get(viewer=request.user, pk=import_id)
    if not job.rejected_path or not Path(job.rejected_path).is_file():
        raise NotFound(_("This import has no rejected rows."))
    ext = Path(job.rejected_path).suffix.lstrip(".")
    export_log(user=request.user, what=f"rejected rows of purchase import {job.pk}", rows=job.rejected,
               path=request.path)
    return attachment(open(job.rejected_path, "rb"),  # noqa: SIM115 - closed by Django
                      filename=f"rejected-{job.pk}.{ext}", content_type=CONTENT_TYPES.get(ext, "text/csv"))


@router.post("/purchases", response={201: EntryOut})
def purchase_create(request, payload: PurchaseIn):
    """Book one purchase (validated, counted and attributed like an imported row)."""
    return 201, services.purchase_record(data=_row(payload), actor=request.user)


@router.post("/purchases/batch", response=ReportOut)
def purchase_batch(request, payload: PurchaseBatchIn):
    """Book up to 5,000 purchases; `line` in errors is the row's position (1-based)."""
    report = services.purchase_record_batch(rows=[_row(r) for r in payload.rows], actor=request.user,
                                            source=payload.source, dry_run=payload.dry_run)
    return _report(report)


@router.get("/purchases", response=list[EntryOut])
@paginate(Page)
def purchase_list(request, q: Query[EntryQuery]):
    return selectors.entries_for(viewer=request.user, filters=_filters(q), side=q.side, source=q.source,
                                 external_id=q.external_id)


@router.get("/purchases/{int:entry_id}", response=EntryOut)
def purchase_detail(request, entry_id: Id):
    return selectors.entry_get(viewer=request.user, pk=entry_id)


@router.get("/purchases/{int:entry_id}/history", response=list[EntryOut])
def purchase_history(request, entry_id: Id):
    entry = selectors.entry_get(viewer=request.user, pk=entry_id)
    return selectors.entry_chain(viewer=request.user, entry=entry)


@router.post("/purchases/{int:entry_id}/reverse", response={201: EntryOut})
def purchase_reverse(request, entry_id: Id, payload: LedgerReasonIn):
    entry = selectors.entry_get(viewer=request.user, pk=entry_id)
    return 201, services.purchase_reverse(entry=entry, reason=payload.reason, actor=request.user)


@router.post("/purchases/{int:entry_id}/amend", response={201: EntryOut})
def purchase_amend(request, entry_id: Id, payload: AmendIn):
    entry = selectors.entry_get(viewer=request.user, pk=entry_id)
    return 201, services.purchase_amend(entry=entry, changes=payload.changes, reason=payload.reason,
                                       actor=request.user)


@router.post("/purchases/{int:entry_id}/adjust", response={201: EntryOut})
def purchase_adjust(request, entry_id: Id, payload: AdjustIn):
    """A prior-period adjustment: correct an entry of a locked month in the current open month (a reversal, or with
    `changes` an amendment), so that the locked month's figures stay as approved. Returns the reversal, or the
    corrected entry. 404: no such entry (or outside your scope); 409 `already_corrected`, or the current month is
    locked too (`period_locked`); 422 `reason_required`, `period_open` (reverse or amend it instead), `is_reversal`,
    the corrected row's errors."""
    entry = selectors.entry_get(viewer=request.user, pk=entry_id)
    return 201, adjustments.purchase_adjust(entry=entry, changes=payload.changes, reason=payload.reason,
                                            actor=request.user)


# -- statistics --------------------------------------------------------------------------------------------------------
@router.get("/account/totals", openapi_extra=file_download("csv", "xlsx", json=True,
                                                          description="the totals (JSON, or a csv/xlsx file)"))
def account_totals(request, q: Query[TotalsQuery]):
    """Totals grouped by `group_by` (comma-separated) and filtered by any filter parameter; `format=csv|xlsx`
    exports. Rows: the groupings, amount_fen, amount_yuan, quantity (decimal), entries (net)."""
    group_by = [g.strip() for g in q.group_by.split(",") if g.strip()]
    rows = selectors.account_totals(viewer=request.user, group_by=group_by, filters=_filters(q),
                                    counted_only=q.counted_only, side=q.side, order_by=q.order_by, limit=q.limit,
                                    view=q.view)
    out = [{**r, "amount_yuan": fen_to_yuan(r["amount_fen"]), "quantity": rules.quantity_text(r["quantity_milli"])}
           for r in rows]
    if q.format == "json":
        return {"group_by": group_by, "view": q.view, "source": rows.source, "count": len(out), "rows": out}
    header = [*group_by, "amount_fen", "amount_yuan", "quantity", "entries"]
    if q.format == "xlsx":  # for people: yuan and quantities as numbers, translated headers; fen with `ids=true`
        fields = [*[xlsx.Field(g, g) for g in group_by],
                  xlsx.Field("amount_fen", _("Amount (fen)"), xlsx.Kind.INT, internal=True),
                  xlsx.Field("amount_fen_yuan", _("Amount (yuan)"), xlsx.Kind.YUAN),
                  xlsx.Field("quantity", _("Quantity"), xlsx.Kind.NUMBER),
                  xlsx.Field("entries", _("Entries"), xlsx.Kind.INT)]
        content = xlsx.workbook(({**r, "amount_fen_yuan": r["amount_fen"]} for r in out), fields=fields,
                                sheet_title=_("Totals"), with_internal=q.ids)
    else:
        content = table_bytes(([r.get(h) for h in header] for r in out), header=header, fmt=q.format,
                              sheet_title="account totals")
    export_log(user=request.user, what=f"account totals by {'+'.join(group_by) or 'total'}", rows=len(out),
               path=request.path)
    return attachment(content, filename=f"account-totals.{q.format}", fmt=q.format)


@router.get("/account/buyers/{int:buyer_id}")
def account_buyer(request, buyer_id: Id, year: Year | None = None):
    """A buyer's account (with the units it supervises): years by kind, by scheme, relation, province, channel."""
    return selectors.buyer_summary(viewer=request.user, buyer_id=buyer_id, year=year)


@router.get("/account/sellers/{int:seller_id}")
def account_seller(request, seller_id: Id, year: Year | None = None):
    return selectors.seller_summary(viewer=request.user, seller_id=seller_id, year=year)


@router.get("/account/regions/{code}")
def account_region(request, code: str, year: Year | None = None):
    """Money flowing into a region (county, prefecture or province code)."""
    return selectors.county_summary(viewer=request.user, region_code=code, year=year)


# -- period locks ------------------------------------------------------------------------------------------------------
@router.get("/ledger/locks", response=list[LockOut])
@paginate(Page)
def lock_list(request, year: Year | None = None):
    return selectors.period_locks(viewer=request.user, year=year)


@router.post("/ledger/locks", response={201: LockOut})
def lock_create(request, payload: LockIn):
    return 201, services.period_lock(year=payload.year, month=payload.month, region_code=payload.region_code,
                                     reason=payload.reason, actor=request.user)


@router.post("/ledger/locks/{int:lock_id}/unlock", response=LockOut)
def lock_unlock(request, lock_id: Id, payload: LedgerReasonIn):
    lock: PeriodLock = services.period_lock_get(pk=lock_id)
    return services.period_unlock(lock=lock, reason=payload.reason, actor=request.user)


# -- reporting rights (administrators) -------------------------------------------------------------------------------
def _reporter(payload: ReportingRightIn) -> Any:
    if payload.reporter_code:
        found = registry.organisations_by_credit_codes(codes={payload.reporter_code.strip().upper()})
        if not found:
            raise InvalidInput(_("No organisation has the credit code “%(code)s”.") % {"code": payload.reporter_code[:30]},
                               code="unknown_organisation")
        return found[0]
    if payload.reporter_id is None:
        raise InvalidInput(_("Name the reporting organisation (reporter_code or reporter_id)."), code="required")
    return registry.organisation_ref(pk=payload.reporter_id)


@router.get("/ledger/reporting-rights", response=list[ReportingRightOut])
@paginate(Page)
def reporting_right_list(request, reporter_id: Id | None = None, source: str = "",
                         status: choice(RightStatus, "") = ""):
    """Reporting rights: which organisations may book purchases of buyers other than their own units, under which
    source (administrators only)."""
    return selectors.reporting_rights(viewer=request.user, reporter_id=reporter_id, source=source, status=status)


@router.post("/ledger/reporting-rights", response={201: ReportingRightOut})
def reporting_right_create(request, payload: ReportingRightIn):
    """Grant a reporting right (administrators only; audited)."""
    services.require_right_admin(request.user)
    return 201, services.reporting_right_grant(
        reporter=_reporter(payload), source=payload.source, organisations=payload.organisations,
        buyer_region_code=payload.buyer_region_code, buyer_kinds=payload.buyer_kinds,
        public_sales=payload.public_sales, valid_from=payload.valid_from, valid_to=payload.valid_to,
        reason=payload.reason, actor=request.user)


@router.post("/ledger/reporting-rights/{int:right_id}/revoke", response=ReportingRightOut)
def reporting_right_revoke(request, right_id: Id, payload: LedgerReasonIn):
    """Revoke a reporting right now (administrators only; audited): later rows under it are refused."""
    services.require_right_admin(request.user)
    right = services.reporting_right_ref(pk=right_id)
    return services.reporting_right_revoke(right=right, reason=payload.reason, actor=request.user)


# -- origin exceptions (reviewers) ------------------------------------------------------------------------------------
def _seller(payload: OriginExceptionIn) -> Any:
    if payload.seller_code:
        found = registry.entities_by_credit_codes(codes={payload.seller_code.strip().upper()})
        if not found:
            raise InvalidInput(_("No market entity has the credit code “%(code)s”.") % {"code": payload.seller_code[:30]},
                               code="unknown_seller")
        return found[0]
    if payload.seller_id is None:
        raise InvalidInput(_("Name the seller (seller_code or seller_id)."), code="required")
    return registry.entity_ref(pk=payload.seller_id)


@router.get("/ledger/origin-exceptions", response=list[OriginExceptionOut])
@paginate(Page)
def origin_exception_list(request, seller_id: Id | None = None, status: choice(RightStatus, "") = ""):
    """Documented exceptions to the origin rule whose origin lies in your scope."""
    return selectors.origin_exceptions(viewer=request.user, seller_id=seller_id, status=status)


@router.post("/ledger/origin-exceptions", response={201: OriginExceptionOut})
def origin_exception_create(request, payload: OriginExceptionIn):
    """Let a seller report goods from a place outside its county and its products' origins (reviewers of an office
    over that place; audited)."""
    return 201, services.origin_exception_grant(
        seller=_seller(payload), region_code=payload.region_code, valid_from=payload.valid_from,
        valid_to=payload.valid_to, reason=payload.reason, actor=request.user)


@router.post("/ledger/origin-exceptions/{int:exception_id}/revoke", response=OriginExceptionOut)
def origin_exception_revoke(request, exception_id: Id, payload: LedgerReasonIn):
    """End an origin exception now (audited): entries it let in stay; later rows are refused."""
    exception = services.origin_exception_ref(pk=exception_id)
    return services.origin_exception_revoke(exception=exception, reason=payload.reason, actor=request.user)


# -- cross-source matches (reviewers) ---------------------------------------------------------------------------------
@router.get("/purchases/duplicates", response=list[EntryOut])
@paginate(Page)
def duplicate_list(request, reviewed: bool | None = None, decision: choice(MatchDecision, "") = ""):
    """Entries stored as another source's report of an order already booked (not counted), newest first;
    `reviewed=false`: those waiting for a reviewer."""
    return selectors.duplicates(viewer=request.user, reviewed=reviewed, decision=decision)


@router.post("/purchases/{int:entry_id}/duplicate/confirm", response={201: DuplicateReviewOut})
def duplicate_confirm(request, entry_id: Id, payload: LedgerReasonIn):
    """Confirm the match: the entry stays uncounted (reviewers; audited; final)."""
    entry = selectors.entry_get(viewer=request.user, pk=entry_id)
    review: DuplicateReview = services.duplicate_confirm(entry=entry, reason=payload.reason, actor=request.user)
    return 201, review


@router.post("/purchases/{int:entry_id}/duplicate/release", response={201: DuplicateReviewOut})
def duplicate_release(request, entry_id: Id, payload: LedgerReasonIn):
    """Release the match (a different order): the entry is reversed and booked again, counted as the rules say
    (reviewers; audited; `released_as_id` is the new booking)."""
    entry = selectors.entry_get(viewer=request.user, pk=entry_id)
    return 201, services.duplicate_release(entry=entry, reason=payload.reason, actor=request.user)
