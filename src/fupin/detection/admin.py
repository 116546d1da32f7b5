"""Admin: flags are read-only here — they are created by detection runs and decided only through the services
(audited transitions). The dated thresholds (`detection.parameters`) are edited as policy parameters in core's
admin."""

from django.contrib import admin

from fupin.core.admin import ReadOnlyAdmin

from .models import Flag


@admin.register(Flag)
class FlagAdmin(ReadOnlyAdmin):
    list_display = ("id", "kind", "period", "buyer", "seller", "amount_fen", "status", "decided_by_name", "created_at")
    list_filter = ("status", "kind", "year")
    search_fields = ("key", "buyer__name", "seller__name")
    list_select_related = ("buyer", "seller")
