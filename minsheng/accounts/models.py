"""Roles scoped to a territory node, API tokens, and sign-in attempts (for throttling)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from minsheng.territory.models import Community, Grid, Town
from minsheng.territory.selectors import district


class Role(models.TextChoices):
    DISTRICT_ADMIN = "district_admin", _("区级管理员")
    TOWN_ADMIN = "town_admin", _("镇级管理员")
    COMMUNITY_SECRETARY = "community_secretary", _("党总支书记")
    COMMUNITY_STAFF = "community_staff", _("社区两委/社工")
    GRID_WORKER = "grid_worker", _("网格员")
    GROUP_LEADER = "group_leader", _("居民组长")
    BUILDING_LEADER = "building_leader", _("楼道长")
    HANDLER = "handler", _("承办人")
    INSPECTOR = "inspector", _("验收人")
    RESIDENT = "resident", _("居民")


# Roles that see everything inside their territory node.
TERRITORIAL_ROLES = frozenset({
    Role.DISTRICT_ADMIN, Role.TOWN_ADMIN, Role.COMMUNITY_SECRETARY, Role.COMMUNITY_STAFF, Role.GRID_WORKER,
})
# Roles that manage demands and projects inside their node (staff of the community or town).
STAFF_ROLES = frozenset({Role.DISTRICT_ADMIN, Role.TOWN_ADMIN, Role.COMMUNITY_SECRETARY, Role.COMMUNITY_STAFF})


class Membership(models.Model):
    """One role of one user on exactly one territory node; a district administrator's membership is on
    no node: it covers the whole install (the district or city that runs its towns on it)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("用户")
    )
    role = models.CharField(_("角色"), max_length=24, choices=Role.choices)
    town = models.ForeignKey(Town, null=True, blank=True, on_delete=models.CASCADE, verbose_name=_("镇/街道"))
    community = models.ForeignKey(
        Community, null=True, blank=True, on_delete=models.CASCADE, verbose_name=_("社区")
    )
    grid = models.ForeignKey(Grid, null=True, blank=True, on_delete=models.CASCADE, verbose_name=_("网格"))
    created_at = models.DateTimeField(auto_now_add=True)

    # A membership row belongs to the node it is scoped to.
    scope_paths = {"town": "town", "community": "community", "grid": "grid"}

    class Meta:
        verbose_name = _("角色授权")
        verbose_name_plural = _("角色授权")
        constraints = [
            models.CheckConstraint(
                condition=(
                    ~models.Q(role="district_admin") & (
                        models.Q(town__isnull=False, community__isnull=True, grid__isnull=True)
                        | models.Q(town__isnull=True, community__isnull=False, grid__isnull=True)
                        | models.Q(town__isnull=True, community__isnull=True, grid__isnull=False))
                    | models.Q(role="district_admin", town__isnull=True, community__isnull=True, grid__isnull=True)
                ),
                name="membership_exactly_one_node",
            ),
            models.UniqueConstraint(
                fields=["user", "role"], condition=models.Q(town__isnull=True, community__isnull=True,
                                                            grid__isnull=True),
                name="membership_unique_district",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "town"], condition=models.Q(town__isnull=False), name="membership_unique_town"
            ),
            models.UniqueConstraint(
                fields=["user", "role", "community"], condition=models.Q(community__isnull=False),
                name="membership_unique_community",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "grid"], condition=models.Q(grid__isnull=False), name="membership_unique_grid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.node}"

    @property
    def node(self):
        if self.level == "district":
            return district()
        return self.town or self.community or self.grid

    @property
    def level(self) -> str:
        if self.town_id:
            return "town"
        return "community" if self.community_id else "grid" if self.grid_id else "district"


class ApiToken(models.Model):
    """A bearer token; only its SHA-256 is stored. Revoking deletes the row."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(_("失效时间"), db_index=True)

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"


class LoginFailure(models.Model):
    """A failed sign-in, kept for the throttling window (database-backed so every worker agrees)."""

    key = models.CharField(max_length=200, db_index=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"{self.key} @ {self.at:%Y-%m-%d %H:%M}"


class PersonalDataRead(models.Model):
    """Audit log: every read of an unmasked record of personal data (domain.md §7)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    subject = models.CharField(_("对象"), max_length=60, help_text=_("如 demand:CL-2026-00042"))
    fields = models.CharField(_("字段"), max_length=120)
    via = models.CharField(_("途径"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("个人信息查看记录")
        verbose_name_plural = _("个人信息查看记录")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.user_id} {self.subject} {self.at:%Y-%m-%d %H:%M}"
