"""Admin: leadership's audited objects are read-only here — implementation plans with their objectives and tasks,
cases and their photos change only through the services (audited transitions). The dated parameters (photo limits,
the public minimum of households) are edited as policy parameters in core's admin."""

from django.contrib import admin

from fupin.core.admin import ReadOnlyAdmin

from .models import Case, CasePhoto, ImplementationPlan, Objective, PlanTask


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ObjectiveInline(_ReadOnlyInline):
    model = Objective
    fields = ("kind", "figure", "target", "description")
    readonly_fields = fields


class TaskInline(_ReadOnlyInline):
    model = PlanTask
    fields = ("title", "owner", "measure", "deadline", "figure", "target", "status")
    readonly_fields = fields


class PhotoInline(_ReadOnlyInline):
    model = CasePhoto
    fields = ("content_type", "size", "width", "height", "caption")
    readonly_fields = fields


@admin.register(ImplementationPlan)
class ImplementationPlanAdmin(ReadOnlyAdmin):
    list_display = ("body", "year", "orientation", "title", "status", "updated_at")
    list_filter = ("status", "orientation", "year")
    search_fields = ("body__name", "title")
    list_select_related = ("body",)
    inlines = [ObjectiveInline, TaskInline]


@admin.register(PlanTask)
class PlanTaskAdmin(ReadOnlyAdmin):
    list_display = ("title", "plan", "owner", "measure", "deadline", "status")
    list_filter = ("status", "measure")
    search_fields = ("title", "owner__name")
    list_select_related = ("plan", "plan__body", "owner")


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = ("title", "kind", "region", "submitted_by", "status", "featured", "published_at")
    list_filter = ("status", "kind", "featured")
    search_fields = ("title", "summary", "tag_text", "submitted_by__name")
    list_select_related = ("region", "submitted_by")
    exclude = ("tag_text",)
    inlines = [PhotoInline]
