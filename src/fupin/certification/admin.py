"""Django admin for certification: read-only inspection for administrators. Every change (products, applications,
decisions, batches, suspensions...) goes through the services from the portal or the API, where it is checked,
guarded by the state machine and audited; the admin therefore neither adds, changes nor deletes."""

from __future__ import annotations

from django.contrib import admin

from .models import (
    Application,
    ApplicationItem,
    Blacklisting,
    CatalogueBatch,
    Certificate,
    CertificationPeriod,
    Decision,
    Licence,
    Objection,
    Product,
    SpotCheck,
    SpotCheckRound,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ItemInline(admin.TabularInline):
    model = ApplicationItem
    extra = 0
    can_delete = False
    readonly_fields = ["product", "supply_volume", "price_fen", "reference_price_fen"]

    def has_add_permission(self, request, obj=None):
        return False


class DecisionInline(admin.TabularInline):
    model = Decision
    extra = 0
    can_delete = False
    readonly_fields = ["at", "action", "level", "from_status", "to_status", "reviewer_name", "reason"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Product)
class ProductAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "category", "supplier", "status", "certified_until"]
    list_filter = ["status", "category"]
    search_fields = ["code", "name", "supplier__name"]
    list_select_related = ["supplier"]


@admin.register(Application)
class ApplicationAdmin(ReadOnlyAdmin):
    list_display = ["number", "supplier", "region_code", "status", "status_since", "batch"]
    list_filter = ["status", "kind"]
    search_fields = ["number", "supplier__name"]
    inlines = [ItemInline, DecisionInline]
    list_select_related = ["supplier", "batch"]


@admin.register(CatalogueBatch)
class BatchAdmin(ReadOnlyAdmin):
    list_display = ["number", "title", "published_on"]


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdmin):
    list_display = ["number", "product", "batch", "valid_from", "valid_to"]
    search_fields = ["number", "product__code"]


@admin.register(CertificationPeriod)
class PeriodAdmin(ReadOnlyAdmin):
    list_display = ["product", "start", "end"]


@admin.register(Licence)
class LicenceAdmin(ReadOnlyAdmin):
    list_display = ["supplier", "kind", "number", "product", "valid_until"]
    list_filter = ["kind"]


@admin.register(Objection)
class ObjectionAdmin(ReadOnlyAdmin):
    list_display = ["kind", "application", "product", "status", "created_at"]
    list_filter = ["kind", "status"]


@admin.register(Blacklisting)
class BlacklistingAdmin(ReadOnlyAdmin):
    list_display = ["supplier", "start", "end", "reason_kind"]


@admin.register(SpotCheckRound)
class SpotCheckRoundAdmin(ReadOnlyAdmin):
    list_display = ["period", "drawn_on", "seed", "sample_size", "population"]


@admin.register(SpotCheck)
class SpotCheckAdmin(ReadOnlyAdmin):
    list_display = ["round", "rank", "product", "risk_weight", "status"]
    list_filter = ["status"]
