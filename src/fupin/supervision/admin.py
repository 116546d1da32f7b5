"""Admin: supervision's audited objects are read-only here — plans, targets, approvals and their snapshots, problems,
scorecards and adjustments change only through the services (audited transitions). The dated parameters
(thresholds, methodologies, the responsibility matrix, cycle dates) are edited as policy parameters in core's admin."""

from django.contrib import admin

from fupin.core.admin import ReadOnlyAdmin

from .models import (
    Approval,
    ApprovalLock,
    Evaluation,
    Problem,
    ProblemAction,
    ScoreAdjustment,
    Scorecard,
    Snapshot,
    StatisticsFiling,
    Target,
    WorkPlan,
)


class TargetInline(admin.TabularInline):
    model = Target
    extra = 0
    can_delete = False
    fields = ("metric", "scheme", "region", "sub_unit", "value", "note")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(WorkPlan)
class WorkPlanAdmin(ReadOnlyAdmin):
    list_display = ("body", "year", "version", "status", "letter_ref", "updated_at")
    list_filter = ("status", "year")
    search_fields = ("body__name", "body__credit_code", "letter_ref")
    list_select_related = ("body",)
    inlines = [TargetInline]


@admin.register(Approval)
class ApprovalAdmin(ReadOnlyAdmin):
    list_display = ("body", "year", "period_kind", "number", "status", "level", "updated_at")
    list_filter = ("status", "period_kind", "year")
    search_fields = ("body__name",)
    list_select_related = ("body",)


@admin.register(Snapshot)
class SnapshotAdmin(ReadOnlyAdmin):
    list_display = ("approval", "version", "taken_at", "digest")
    list_select_related = ("approval__body",)


@admin.register(ApprovalLock)
class ApprovalLockAdmin(ReadOnlyAdmin):
    list_display = ("approval", "lock_id", "owned", "released")
    list_filter = ("owned", "released")


@admin.register(Problem)
class ProblemAdmin(ReadOnlyAdmin):
    list_display = ("title", "region", "category", "measure", "status", "raised_by", "due_date", "escalated_to")
    list_filter = ("status", "category", "measure")
    search_fields = ("title", "description", "region__code", "raised_by__name")
    list_select_related = ("region", "raised_by", "escalated_to")


@admin.register(ProblemAction)
class ProblemActionAdmin(ReadOnlyAdmin):
    list_display = ("problem", "at", "actor_name", "text")


@admin.register(Scorecard)
class ScorecardAdmin(ReadOnlyAdmin):
    list_display = ("body", "scheme", "year", "total_centi", "grade", "methodology_version", "snapshot")
    list_filter = ("scheme", "year", "grade")
    search_fields = ("body__name",)
    list_select_related = ("body",)


@admin.register(ScoreAdjustment)
class ScoreAdjustmentAdmin(ReadOnlyAdmin):
    list_display = ("scorecard", "at", "points_centi", "reason", "actor_name")


@admin.register(Evaluation)
class EvaluationAdmin(ReadOnlyAdmin):
    list_display = ("body", "scheme", "year", "status", "updated_at")
    list_filter = ("status", "scheme", "year")


@admin.register(StatisticsFiling)
class StatisticsFilingAdmin(ReadOnlyAdmin):
    list_display = ("body", "year", "filed_at", "digest")
    list_filter = ("year",)
