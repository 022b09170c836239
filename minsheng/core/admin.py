"""Admin scoped by the same rule as every page: staff see only their territory."""

from django.contrib import admin


class ScopedAdmin(admin.ModelAdmin):
    """View for territorial staff in scope; change/add/delete for superusers and town (or district) admins."""

    def get_queryset(self, request):
        from minsheng.accounts.selectors import visible

        return visible(request.user, super().get_queryset(request))

    def _is_staff(self, request) -> bool:
        from minsheng.accounts.selectors import is_staff_member

        return request.user.is_active and is_staff_member(request.user)

    def _is_town_admin(self, request) -> bool:
        from minsheng.accounts.models import Role
        from minsheng.accounts.selectors import has_role

        return request.user.is_active and has_role(request.user, {Role.TOWN_ADMIN, Role.DISTRICT_ADMIN})

    def has_module_permission(self, request):
        return request.user.is_superuser or self._is_staff(request)

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser or self._is_staff(request)

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser or self._is_town_admin(request)

    def has_add_permission(self, request):
        return request.user.is_superuser or self._is_town_admin(request)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser
