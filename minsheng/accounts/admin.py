from django import forms
from django.contrib import admin
from django.utils.translation import gettext as _

from minsheng.core.admin import ScopedAdmin

from . import scope
from .models import ApiToken, Membership, Role


class MembershipForm(forms.ModelForm):
    """A role is granted only inside the granter's own territory; the district role only by a superuser."""

    granter = None

    class Meta:
        model = Membership
        fields = ["user", "role", "town", "community", "grid"]

    def clean(self):
        data = super().clean()
        granter = self.granter
        if granter is None or granter.is_superuser:
            return data
        if data.get("role") == Role.DISTRICT_ADMIN:
            self.add_error("role", _("只有系统管理员可以授予区级管理员"))
            return data
        node = data.get("town") or data.get("community") or data.get("grid")
        if node is not None and not scope.reaches(granter, scope.node_place(node), "manage"):
            self.add_error(None, _("只能在自己负责的范围内授予角色"))
        return data


@admin.register(Membership)
class MembershipAdmin(ScopedAdmin):
    form = MembershipForm
    list_display = ["user", "role", "town", "community", "grid", "created_at"]
    list_filter = ["role"]
    list_select_related = ["user", "town", "community", "grid"]
    raw_id_fields = ["user"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.granter = request.user
        return form


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["user", "prefix", "created_at", "last_used_at", "expires_at"]
    readonly_fields = ["user", "digest", "prefix", "created_at", "last_used_at", "expires_at"]

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return False
