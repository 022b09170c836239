"""Admin: projects are read-only here (every change goes through the services and leaves an event);
town administrators set the budget caps of their town."""

from django.contrib import admin

from minsheng.accounts.selectors import staff_towns
from minsheng.core.admin import ScopedAdmin

from .models import BudgetCap, Project, ProjectEvent


class ReadOnlyScopedAdmin(ScopedAdmin):
    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class EventInline(admin.TabularInline):
    model = ProjectEvent
    extra = 0
    can_delete = False
    fields = ["at", "actor_label", "action", "from_status", "to_status", "note"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Project)
class ProjectAdmin(ReadOnlyScopedAdmin):
    list_display = ["title", "community", "kind", "status", "budget", "spent", "progress", "created_at"]
    list_filter = ["status", "kind", "community"]
    search_fields = ["title"]
    list_select_related = ["community"]
    exclude = ["demands", "team_users"]
    inlines = [EventInline]


@admin.register(BudgetCap)
class BudgetCapAdmin(ScopedAdmin):
    list_display = ["town", "kind", "cap"]
    list_filter = ["town"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "town":
            kwargs["queryset"] = staff_towns(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
