from django.contrib import admin

from minsheng.core.admin import ScopedAdmin

from .models import ApiToken, Membership


@admin.register(Membership)
class MembershipAdmin(ScopedAdmin):
    list_display = ["user", "role", "town", "community", "grid", "created_at"]
    list_filter = ["role"]
    list_select_related = ["user", "town", "community", "grid"]
    raw_id_fields = ["user"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["user", "prefix", "created_at", "last_used_at", "expires_at"]
    readonly_fields = ["user", "digest", "prefix", "created_at", "last_used_at", "expires_at"]

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return False
