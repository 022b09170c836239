from django.contrib import admin

from minsheng.core.admin import ScopedAdmin

from .models import Facility, MaintenancePlan, MaintenanceTask


@admin.register(Facility)
class FacilityAdmin(ScopedAdmin):
    list_display = ["name", "kind", "community", "place", "quantity", "unit", "condition"]
    list_filter = ["kind", "condition", "community"]
    list_select_related = ["community", "place"]
    search_fields = ["name"]
    raw_id_fields = ["parent", "place", "grid"]


@admin.register(MaintenancePlan)
class MaintenancePlanAdmin(ScopedAdmin):
    list_display = ["title", "community", "frequency", "due_time", "assignee", "active"]
    list_filter = ["frequency", "active"]
    list_select_related = ["community", "assignee"]
    raw_id_fields = ["assignee", "created_by"]
    filter_horizontal = ["facilities"]


@admin.register(MaintenanceTask)
class MaintenanceTaskAdmin(ScopedAdmin):
    list_display = ["plan", "facility", "due_at", "status", "assignee", "demand_code"]
    list_filter = ["status"]
    list_select_related = ["plan", "facility", "assignee"]
    raw_id_fields = ["plan", "facility", "assignee", "done_by"]

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser  # tasks change through the desk (events are written there)
