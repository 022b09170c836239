import secrets

from django.contrib import admin, messages

from .models import Open311Client


@admin.register(Open311Client)
class Open311ClientAdmin(admin.ModelAdmin):
    """Superusers only: an api_key lets an outside system file demands."""

    list_display = ["name", "key_hint", "active", "created_at"]
    readonly_fields = ["key_hint", "created_at"]
    fields = ["name", "active", "key_hint", "created_at"]

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    has_add_permission = has_change_permission = has_delete_permission = (
        lambda self, request, obj=None: request.user.is_superuser
    )

    def save_model(self, request, obj, form, change):
        if not obj.key_digest:
            key = secrets.token_urlsafe(24)
            obj.set_key(key)
            messages.warning(request, f"新的 api_key（只显示这一次，请转交接入方）：{key}")
        super().save_model(request, obj, form, change)
