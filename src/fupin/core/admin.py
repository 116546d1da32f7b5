from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from . import audit
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


@admin.register(PolicyParameter)
class PolicyParameterAdmin(admin.ModelAdmin):
    list_display = ("key", "region_prefix", "valid_from", "valid_to", "value", "source")
    list_filter = ("key",)
    search_fields = ("key", "source", "note")

    def save_model(self, request, obj, form, change):
        before = audit.snapshot(type(obj).objects.get(pk=obj.pk)) if change else None
        super().save_model(request, obj, form, change)
        audit.record(actor=request.user, action="policy_parameter:" + ("change" if change else "create"), obj=obj,
                     before=before, after=audit.snapshot(obj))

    def has_delete_permission(self, request, obj=None):
        return False  # a parameter version is closed with valid_to, never deleted


@admin.register(User)
class FupinUserAdmin(UserAdmin):
    fieldsets = (*UserAdmin.fieldsets, ("Fupin", {"fields": ("organisation", "roles", "scope_level", "scope_code")}))
    list_display = ("username", "organisation", "roles", "scope_level", "scope_code", "is_active")
    list_filter = ("scope_level", "is_active")
    raw_id_fields = ("organisation",)

    def save_model(self, request, obj, form, change):
        before = audit.snapshot(type(obj).objects.get(pk=obj.pk), ["roles", "scope_level", "scope_code", "organisation_id", "is_active"]) if change else None
        super().save_model(request, obj, form, change)
        audit.record(actor=request.user, action="user:" + ("change" if change else "create"), obj=obj, before=before,
                     after=audit.snapshot(obj, ["roles", "scope_level", "scope_code", "organisation_id", "is_active"]))
