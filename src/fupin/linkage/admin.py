"""Admin: read-mostly views of linkage data. Writes go through the services (portal, API, imports); the payment
ledger is append-only, so the admin never edits or deletes it."""

from django.contrib import admin

from .models import (
    BenefitPayment,
    Contract,
    ContractDocument,
    ContractParty,
    VerificationItem,
    VerificationRound,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PartyInline(admin.TabularInline):
    model = ContractParty
    extra = 0
    can_delete = False
    readonly_fields = ("household", "quantity")

    def has_add_permission(self, request, obj=None):
        return False


class DocumentInline(admin.TabularInline):
    model = ContractDocument
    extra = 0
    can_delete = False
    readonly_fields = ("title", "reference", "file", "added_by", "created_at")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Contract)
class ContractAdmin(ReadOnlyAdmin):
    list_display = ("code", "entity", "mechanism", "status", "start_date", "end_date", "schedule")
    list_filter = ("mechanism", "status", "schedule")
    search_fields = ("code", "entity__name", "entity__credit_code")
    inlines = [PartyInline, DocumentInline]


@admin.register(BenefitPayment)
class BenefitPaymentAdmin(ReadOnlyAdmin):
    list_display = ("source", "external_id", "contract", "household", "collective", "paid_on", "amount_fen", "reverses")
    list_filter = ("mechanism",)
    search_fields = ("external_id", "contract__code", "household__registry_code")
    date_hierarchy = "paid_on"


class ItemInline(admin.TabularInline):
    model = VerificationItem
    extra = 0
    can_delete = False
    readonly_fields = ("position", "household", "entity", "expected_fen", "paid_fen", "outcome", "reported_fen", "note")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(VerificationRound)
class VerificationRoundAdmin(ReadOnlyAdmin):
    list_display = ("county", "period_start", "period_end", "seed", "population", "sample_size", "status")
    list_filter = ("status",)
    inlines = [ItemInline]
