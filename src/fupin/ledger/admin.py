"""Admin: the ledger is read-only here (entries are written by the services: imports, API, corrections)."""

from django.contrib import admin

from fupin.core.admin import ReadOnlyAdmin

from .models import (
    DuplicateReview,
    OriginException,
    PeriodLock,
    PurchaseEntry,
    PurchaseImport,
    ReportingRight,
)


@admin.register(PurchaseEntry)
class PurchaseEntryAdmin(ReadOnlyAdmin):
    list_display = ("id", "source", "external_id", "revision", "purchase_date", "buyer_category", "county_code",
                    "amount_fen", "kind", "channel", "status", "counted", "basis")
    list_filter = ("counted", "kind", "channel", "status", "basis", "year")
    search_fields = ("source", "external_id", "county_code")
    list_select_related = False
    show_full_result_count = False


@admin.register(PurchaseImport)
class PurchaseImportAdmin(ReadOnlyAdmin):
    list_display = ("id", "file_name", "status", "dry_run", "actor_name", "created_at", "accepted", "duplicates",
                    "rejected")
    list_filter = ("status", "dry_run")


@admin.register(PeriodLock)
class PeriodLockAdmin(ReadOnlyAdmin):
    list_display = ("year", "month", "region_code", "status", "reason", "updated_at")
    list_filter = ("status", "year")


@admin.register(ReportingRight)
class ReportingRightAdmin(ReadOnlyAdmin):
    """Read-only: rights are granted and revoked through `services.reporting_right_grant` / `_revoke` (the API
    `/api/v1/ledger/reporting-rights`, or `fupin reporting_right_grant` / `reporting_right_revoke`), audited."""

    list_display = ("id", "reporter", "source", "status", "organisations", "buyer_region_code", "buyer_kinds",
                    "public_sales", "valid_from", "valid_to", "granted_by_name", "revoked_at")
    list_filter = ("status", "public_sales", "organisations")
    search_fields = ("source", "reporter__name", "reporter__credit_code", "reason")
    list_select_related = ("reporter",)


@admin.register(OriginException)
class OriginExceptionAdmin(ReadOnlyAdmin):
    """Read-only: exceptions are granted and revoked through `services.origin_exception_grant` / `_revoke` (the
    API `/api/v1/ledger/origin-exceptions`), by reviewers, audited."""

    list_display = ("id", "seller", "region_code", "status", "valid_from", "valid_to", "granted_by_name", "revoked_at")
    list_filter = ("status",)
    search_fields = ("region_code", "seller__name", "seller__credit_code", "reason")
    list_select_related = ("seller",)


@admin.register(DuplicateReview)
class DuplicateReviewAdmin(ReadOnlyAdmin):
    """Read-only: reviewers decide through `services.duplicate_confirm` / `duplicate_release` (the API)."""

    list_display = ("id", "entry_id", "decision", "released_as_id", "decided_by_name", "created_at")
    list_filter = ("decision",)
