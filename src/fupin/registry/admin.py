"""Django admin for the registry. Every save goes through the registry services, so it is checked and audited
like any other change; nothing is deleted here (deactivate instead)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import admin
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from fupin.core.errors import FupinError

from . import services
from .models import (
    AssistanceRelation,
    Household,
    MarketEntity,
    Organisation,
    OrganisationParentPeriod,
    Region,
    RegionCodeChange,
)


class ServiceAdmin(admin.ModelAdmin):
    """The form's validation calls the service (`create()` / `update()`) inside the admin's transaction: a domain
    error becomes a form error and nothing is written; `save_model` only takes over what the service saved."""

    def has_delete_permission(self, request, obj=None):
        return False

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        admin_self = self

        class ServiceForm(form_class):  # type: ignore[misc, valid-type]  # a base the admin makes at run time
            saved: Any = None

            def _post_clean(self) -> None:  # replaces model validation: the service validates
                try:
                    with transaction.atomic():
                        if self.instance.pk is None:
                            self.saved = admin_self.create(request, self)
                        else:
                            self.saved = admin_self.update(request, self.instance, self)
                except FupinError as exc:
                    self.add_error(None, str(exc.message))

        return ServiceForm

    def save_model(self, request, obj, form, change):
        saved = form.saved
        for f in obj._meta.concrete_fields:
            setattr(obj, f.attname, getattr(saved, f.attname))
        obj._state.adding = False

    def changed(self, form: forms.ModelForm, names: list[str]) -> dict[str, Any]:
        return {n: form.cleaned_data[n] for n in names if n in form.changed_data}

    def fresh(self, obj: Any) -> Any:
        return type(obj)._base_manager.get(pk=obj.pk)

    def create(self, request, form):  # pragma: no cover - each admin defines it
        raise NotImplementedError

    def update(self, request, obj, form):  # pragma: no cover
        raise NotImplementedError


@admin.register(Region)
class RegionAdmin(ServiceAdmin):
    list_display = ("code", "name", "level", "zone", "is_poverty_county", "poverty_exit_year", "is_poor_village", "active")
    list_filter = ("level", "zone", "is_poverty_county", "is_poor_village", "active")
    search_fields = ("code", "name")
    raw_id_fields = ("parent",)
    readonly_fields = ("level", "parent", "zone")
    fields = ("code", "name", "is_poverty_county", "poverty_exit_year", "is_poor_village", "active", "level", "parent",
              "zone")

    def get_readonly_fields(self, request, obj=None):
        return (*self.readonly_fields, "code") if obj else self.readonly_fields

    def create(self, request, form):
        d = form.cleaned_data
        return services.region_create(code=d["code"], name=d["name"], is_poverty_county=d["is_poverty_county"],
                                      poverty_exit_year=d["poverty_exit_year"], is_poor_village=d["is_poor_village"],
                                      active=d["active"], actor=request.user)

    def update(self, request, obj, form):
        return services.region_update(region=self.fresh(obj), actor=request.user, **self.changed(
            form, ["name", "is_poverty_county", "poverty_exit_year", "is_poor_village", "active"]))


@admin.register(RegionCodeChange)
class RegionCodeChangeAdmin(admin.ModelAdmin):
    """The crosswalk is reference data (loaded by `load_reference`); read-only here."""

    list_display = ("old_code", "old_name", "new_code", "year", "note")
    search_fields = ("old_code", "old_name", "new_code")
    list_filter = ("year",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OrganisationParentPeriod)
class OrganisationParentPeriodAdmin(admin.ModelAdmin):
    """The organisations' supervising units over time (issue #10 §6): written by `services.organisation_update`
    when a parent changes (a change made in the organisation admin takes effect today; the API takes
    `parent_from`), read-only here."""

    list_display = ("organisation", "parent", "valid_from", "valid_to", "reason")
    search_fields = ("organisation__name", "organisation__credit_code")
    raw_id_fields = ("organisation", "parent")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Organisation)
class OrganisationAdmin(ServiceAdmin):
    list_display = ("name", "credit_code", "kind", "region", "parent", "active")
    list_filter = ("kind", "active")
    search_fields = ("name", "credit_code")
    raw_id_fields = ("region", "parent")
    fields = ("name", "credit_code", "kind", "region", "parent", "active")

    def create(self, request, form):
        d = form.cleaned_data
        return services.organisation_create(name=d["name"], kind=d["kind"], region_code=d["region"].code,
                                            credit_code=d["credit_code"] or None, parent=d["parent"],
                                            active=d["active"], actor=request.user)

    def update(self, request, obj, form):
        changes = self.changed(form, ["name", "kind", "credit_code", "parent", "active"])
        if "credit_code" in changes:
            changes["credit_code"] = changes["credit_code"] or None
        if "region" in form.changed_data:
            changes["region_code"] = form.cleaned_data["region"].code
        return services.organisation_update(organisation=self.fresh(obj), actor=request.user, **changes)


class EntityForm(forms.ModelForm):
    sector_codes = forms.MultipleChoiceField(label=_("sectors"), required=False, choices=(),
                                             widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = MarketEntity
        fields = ("name", "kind", "credit_code", "region", "household", "active")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from .enums import Sector

        cast(forms.ChoiceField, self.fields["sector_codes"]).choices = Sector.choices
        if self.instance.pk:
            self.fields["sector_codes"].initial = self.instance.sector_list
            for name in ("kind", "household"):
                self.fields[name].disabled = True


@admin.register(MarketEntity)
class MarketEntityAdmin(ServiceAdmin):
    form = EntityForm
    list_display = ("name", "kind", "credit_code", "region", "sectors", "active")
    list_filter = ("kind", "active")
    search_fields = ("name", "credit_code")
    raw_id_fields = ("region", "household")
    fields = ("name", "kind", "credit_code", "region", "sector_codes", "household", "active")

    def create(self, request, form):
        d = form.cleaned_data
        return services.entity_create(name=d["name"], kind=d["kind"], region_code=d["region"].code,
                                      credit_code=d["credit_code"] or None, sectors=d["sector_codes"],
                                      household=d["household"], active=d["active"], actor=request.user)

    def update(self, request, obj, form):
        changes = self.changed(form, ["name", "credit_code", "active"])
        if "credit_code" in changes:
            changes["credit_code"] = changes["credit_code"] or None
        if "region" in form.changed_data:
            changes["region_code"] = form.cleaned_data["region"].code
        if "sector_codes" in form.changed_data:
            changes["sectors"] = form.cleaned_data["sector_codes"]
        return services.entity_update(entity=self.fresh(obj), actor=request.user, **changes)


class HouseholdForm(forms.ModelForm):
    resident_id = forms.CharField(label=_("resident identity number"), max_length=18, required=False,
                                  help_text=_("Only a keyed hash is stored; the number itself is not kept."))

    class Meta:
        model = Household
        fields = ("registry_code", "village", "size", "status", "lifted_year", "head_name", "phone")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["resident_id"]
        else:
            self.fields["resident_id"].required = True
            self.fields["registry_code"].required = False


@admin.register(Household)
class HouseholdAdmin(ServiceAdmin):
    form = HouseholdForm
    list_display = ("registry_code", "village", "status", "lifted_year", "size")
    list_filter = ("status",)
    search_fields = ("registry_code",)
    raw_id_fields = ("village",)
    readonly_fields = ("id_hash",)

    def get_readonly_fields(self, request, obj=None):
        return ("id_hash", "registry_code") if obj else ()

    def get_fields(self, request, obj=None):
        base = ["registry_code", "village", "size", "status", "lifted_year", "head_name", "phone"]
        return [*base, "id_hash"] if obj else ["resident_id", *base]

    def create(self, request, form):
        d = form.cleaned_data
        return services.household_create(resident_id=d["resident_id"], village_code=d["village"].code,
                                         status=d["status"], size=d["size"], lifted_year=d["lifted_year"],
                                         head_name=d["head_name"], phone=d["phone"],
                                         registry_code=d["registry_code"] or "", actor=request.user)

    def update(self, request, obj, form):
        household = self.fresh(obj)
        d = form.cleaned_data
        changes = self.changed(form, ["size", "head_name", "phone"])
        if "village" in form.changed_data:
            changes["village_code"] = d["village"].code
        if "status" in form.changed_data:
            household = services.household_status_change(household=household, to=d["status"], actor=request.user,
                                                         lifted_year=d["lifted_year"], reason="admin")
        elif "lifted_year" in form.changed_data:
            changes["lifted_year"] = d["lifted_year"]
        return services.household_update(household=household, actor=request.user, **changes)


@admin.register(AssistanceRelation)
class AssistanceRelationAdmin(ServiceAdmin):
    list_display = ("kind", "helper_org", "helper_region", "helped_region", "year_from", "year_to")
    list_filter = ("kind", "year_from")
    search_fields = ("helper_org__name", "helper_region__name", "helped_region__name", "helped_region__code", "note")
    raw_id_fields = ("helper_org", "helper_region", "helped_region")

    def get_readonly_fields(self, request, obj=None):
        return ("kind", "helper_org", "helper_region", "helped_region", "year_from") if obj else ()

    def create(self, request, form):
        d = form.cleaned_data
        return services.relation_create(
            kind=d["kind"], helped_region_code=d["helped_region"].code, year_from=d["year_from"],
            helper_org=d["helper_org"], helper_region_code=d["helper_region"].code if d["helper_region"] else None,
            year_to=d["year_to"], note=d["note"], actor=request.user)

    def update(self, request, obj, form):
        return services.relation_update(relation=self.fresh(obj), actor=request.user,
                                        **self.changed(form, ["year_to", "note"]))
