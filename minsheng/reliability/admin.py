from django.contrib import admin

from .models import DeletionRequest


@admin.register(DeletionRequest)
class DeletionRequestAdmin(admin.ModelAdmin):
    """Read-only for superusers; staff decide on /desk/privacy/ (scoped there)."""

    list_display = ["user", "state", "requested_at", "decided_by", "decided_at", "demands_blanked"]
    list_filter = ["state"]
    readonly_fields = [f.name for f in DeletionRequest._meta.fields]

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
