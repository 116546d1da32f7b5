"""Django admin for certification: read-only inspection for administrators. Every change (products, applications,
decisions, batches, suspensions...) goes through the services from the portal or the API, where it is checked,
guarded by the state machine and audited; the admin therefore neither adds, changes nor deletes — except supplier
authorisations, which it grants and revokes through the same services (checked and audited)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from fupin.core.errors import FupinError

from . import policy, services
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
    SupplierAuthorisation,
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


@admin.register(SupplierAuthorisation)
class SupplierAuthorisationAdmin(admin.ModelAdmin):
    """Grant (add) and revoke (the list action) through the services; a grant is never edited or deleted."""

    list_display = ["organisation", "entity", "valid_from", "valid_to", "granted_by_name", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["organisation__name", "entity__name", "entity__credit_code"]
    list_select_related = ["organisation", "entity"]
    raw_id_fields = ["organisation", "entity"]
    fields = ["organisation", "entity", "valid_from", "valid_to", "reason"]
    actions = ["revoke"]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def get_form(self, request, obj=None, change=False, **kwargs):
        base = super().get_form(request, obj, change=change, **kwargs)

        class GrantForm(base):  # type: ignore[valid-type,misc]
            def clean(self) -> dict:
                d = super().clean()
                entity, organisation = d.get("entity"), d.get("organisation")
                if entity is None or organisation is None or not d.get("valid_from"):
                    return d
                if policy.grant_refusal(request.user, entity) is not None:
                    raise forms.ValidationError(_("Only the market entity itself, an approver of its county office "
                                                  "or an administrator may authorise others to act for it."))
                try:
                    services.supplier_authorisation_check(organisation=organisation, entity=entity,
                                                          valid_from=d["valid_from"], valid_to=d.get("valid_to"))
                except FupinError as exc:
                    raise forms.ValidationError(str(exc.message)) from None
                return d

        return GrantForm

    def save_model(self, request, obj, form, change):
        d = form.cleaned_data
        saved = services.supplier_authorisation_grant(
            organisation=d["organisation"], entity=d["entity"], valid_from=d["valid_from"], valid_to=d.get("valid_to"),
            reason=d.get("reason", ""), actor=request.user)
        obj.pk = saved.pk
        obj.refresh_from_db()

    @admin.action(description=_l("Revoke the selected authorisations"))
    def revoke(self, request, queryset):
        for grant in queryset.filter(revoked_at__isnull=True).select_related("entity", "entity__region"):
            try:
                services.supplier_authorisation_revoke(authorisation=grant, actor=request.user,
                                                       reason=_("Revoked in the administration."))
            except FupinError as exc:
                self.message_user(request, f"{grant}: {exc.message}", messages.ERROR)
