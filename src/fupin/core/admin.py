from typing import Any, cast

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.utils.translation import gettext as _

from . import audit, services
from .access import log_refusal
from .errors import AccessDenied, InvalidInput
from .models import AuditEntry, ImportRun, PolicyParameter, SecurityEvent, User


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor_name", "action", "object_type", "object_id", "object_repr", "reason")
    list_filter = ("object_type", "action")
    search_fields = ("object_id", "object_repr", "actor_name", "reason")


@admin.register(SecurityEvent)
class SecurityEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "kind", "username", "ip", "path", "detail")
    list_filter = ("kind",)
    search_fields = ("username", "path", "detail")


@admin.register(ImportRun)
class ImportRunAdmin(ReadOnlyAdmin):
    list_display = ("started_at", "kind", "file_name", "dry_run", "accepted", "unchanged", "duplicates", "rejected")
    list_filter = ("kind", "dry_run")


class PolicyParameterForm(forms.ModelForm):
    """A stored version is immutable but for its end (`valid_to`): every result that names it (`rule_version`) keeps
    its meaning. Any other change is refused here; “Save as new” makes it a new version, which closes this one."""

    class Meta:
        model = PolicyParameter
        fields = ("key", "region_prefix", "valid_from", "valid_to", "value", "source", "note")

    def clean(self) -> dict[str, Any]:
        cleaned = cast("dict[str, Any]", super().clean())  # a ModelForm returns its cleaned_data
        if self.instance.pk:
            changed = set(self.changed_data) - {"valid_to"}
            if changed:
                raise forms.ValidationError(
                    _("A parameter version is not changed in place (results name it): only its end, “valid to”, "
                      "may be set. To change %(fields)s, use “Save as new”: the new version closes this one.")
                    % {"fields": ", ".join(sorted(changed))}, code="parameter_version_immutable")
        start, end = cleaned.get("valid_from") or self.instance.valid_from, cleaned.get("valid_to")
        if start and end and end < start:
            self.add_error("valid_to", _("A version cannot end (%(to)s) before it starts (%(from)s).")
                           % {"to": end.isoformat(), "from": start.isoformat()})
        return cleaned


@admin.register(PolicyParameter)
class PolicyParameterAdmin(admin.ModelAdmin):
    form = PolicyParameterForm
    save_as = True  # “Save as new”: a new version from the edited copy (the service closes the previous one)
    list_display = ("key", "region_prefix", "valid_from", "valid_to", "value", "source")
    list_filter = ("key",)
    search_fields = ("key", "source", "note")

    def save_model(self, request, obj, form, change):
        """Through the services: a change closes the version (`valid_to` only); an addition, or “Save as new”, creates
        a version and closes the one before it. Both audited."""
        if change:
            services.policy_parameter_close(parameter=obj, valid_to=obj.valid_to, actor=request.user,
                                            reason="admin")
            return
        created = services.policy_parameter_create(
            key=obj.key, value=obj.value, valid_from=obj.valid_from, valid_to=obj.valid_to,
            region_prefix=obj.region_prefix, source=obj.source, note=obj.note, actor=request.user)
        obj.pk, obj.valid_to, obj.created_at = created.pk, created.valid_to, created.created_at

    def has_delete_permission(self, request, obj=None):
        return False  # a parameter version is closed with valid_to, never deleted


class UserAccessFormMixin:
    """The admin's user forms validate roles, scope and organisation with the one function the commands, the API and
    the services use (`services.user_access_clean`), and store its normalised values; a scoped administrator
    changes only users inside its scope (`services.user_change_authorise`)."""

    request_user: Any = None
    FIELD_OF = {"roles": "roles", "scope": "scope_code", "organisation": "organisation"}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()  # type: ignore[misc]  # a mixin of ModelForms: self is one
        if {"roles", "scope_level", "scope_code", "organisation"} & set(self.errors):  # type: ignore[attr-defined]  # (mixin)
            return cleaned
        instance = self.instance  # type: ignore[attr-defined]  # (mixin)
        try:
            access = services.user_access_clean(
                roles=cleaned.get("roles", instance.roles), scope_code=cleaned.get("scope_code", instance.scope_code),
                scope_level=cleaned.get("scope_level", instance.scope_level),
                organisation=cleaned.get("organisation", instance.organisation))
            if self.request_user is not None:
                services.user_change_authorise(actor=self.request_user, access=access,
                                               current=instance if instance.pk else None)
        except InvalidInput as exc:
            field = (exc.details or {}).get("field") if isinstance(exc.details, dict) else None
            self.add_error(self.FIELD_OF.get(field or ""), str(exc.message))  # type: ignore[attr-defined]  # (mixin)
        except AccessDenied as exc:
            log_refusal(self.request_user, exc, "admin:user")
            self.add_error(None, str(exc.message))  # type: ignore[attr-defined]  # (mixin)
        else:
            cleaned.update(roles=",".join(access.roles), scope_level=access.scope_level, scope_code=access.scope_code,
                           organisation=access.organisation)
        return cleaned


class FupinUserChangeForm(UserAccessFormMixin, UserChangeForm):
    pass


class FupinUserCreationForm(UserAccessFormMixin, AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):  # type: ignore[name-defined]  # the stubs declare no Meta on this form
        model = User
        fields = ("username", "organisation", "roles", "scope_level", "scope_code")


@admin.register(User)
class FupinUserAdmin(UserAdmin):
    form = FupinUserChangeForm
    add_form = FupinUserCreationForm
    add_fieldsets = (*(UserAdmin.add_fieldsets or ()),
                     ("Fupin", {"fields": ("organisation", "roles", "scope_level", "scope_code")}))
    fieldsets = (*(UserAdmin.fieldsets or ()), ("Fupin", {"fields": ("organisation", "roles", "scope_level", "scope_code")}))
    list_display = ("username", "organisation", "roles", "scope_level", "scope_code", "is_active")
    list_filter = ("scope_level", "is_active")
    raw_id_fields = ("organisation",)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.request_user = request.user  # type: ignore[attr-defined]  # a class made for this request by modelform_factory
        return form

    def save_model(self, request, obj, form, change):
        before = audit.snapshot(type(obj).objects.get(pk=obj.pk), ["roles", "scope_level", "scope_code", "organisation_id", "is_active"]) if change else None
        super().save_model(request, obj, form, change)
        audit.record(actor=request.user, action="user:" + ("change" if change else "create"), obj=obj, before=before,
                     after=audit.snapshot(obj, ["roles", "scope_level", "scope_code", "organisation_id", "is_active"]))
