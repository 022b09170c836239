"""Town 镇/街道 → Community 社区 → Grid 网格 → Building 楼幢; ResidentGroup 居民小组; Place 地点.

`scope_paths` tells the one scope rule (accounts.selectors.visible) how each model reaches its
town, community and grid.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Town(models.Model):
    name = models.CharField(_("名称"), max_length=60, unique=True)
    code = models.CharField(_("代码"), max_length=8, unique=True)
    population = models.PositiveIntegerField(_("常住人口"), default=0)
    time_zone = models.CharField(_("时区"), max_length=40, default="Asia/Shanghai")

    scope_paths = {"town": ""}

    class Meta:
        verbose_name = _("镇/街道")
        verbose_name_plural = _("镇/街道")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Community(models.Model):
    town = models.ForeignKey(Town, on_delete=models.PROTECT, related_name="communities", verbose_name=_("镇/街道"))
    name = models.CharField(_("名称"), max_length=60)
    code = models.CharField(_("代码"), max_length=8, help_text=_("诉求编号前缀，如 CL"))
    population = models.PositiveIntegerField(_("常住人口"), default=0)

    scope_paths = {"town": "town", "community": ""}

    class Meta:
        verbose_name = _("社区")
        verbose_name_plural = _("社区")
        ordering = ["town__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["town", "name"], name="community_unique_name"),
            models.UniqueConstraint(fields=["town", "code"], name="community_unique_code"),
        ]

    def __str__(self) -> str:
        return self.name


class Grid(models.Model):
    class Kind(models.TextChoices):
        BASIC = "basic", _("基础网格")
        DEDICATED = "dedicated", _("专属网格")

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="grids", verbose_name=_("社区"))
    name = models.CharField(_("名称"), max_length=60)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.BASIC)
    unit = models.CharField(_("专属单位"), max_length=80, blank=True, help_text=_("专属网格覆盖的单位，如市场、学校"))
    polygon = models.JSONField(_("范围 (GeoJSON)"), null=True, blank=True)
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="worker_grids", verbose_name=_("网格员"),
    )
    households = models.PositiveIntegerField(_("户数"), default=0)

    scope_paths = {"town": "community__town", "community": "community", "grid": ""}

    class Meta:
        verbose_name = _("网格")
        verbose_name_plural = _("网格")
        ordering = ["community__name", "id"]
        constraints = [models.UniqueConstraint(fields=["community", "name"], name="grid_unique_name")]

    def __str__(self) -> str:
        return self.name


class ResidentGroup(models.Model):
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="resident_groups", verbose_name=_("社区")
    )
    number = models.PositiveIntegerField(_("组号"))
    name = models.CharField(_("名称"), max_length=60)
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="led_groups", verbose_name=_("居民组长"),
    )

    scope_paths = {"town": "community__town", "community": "community"}

    class Meta:
        verbose_name = _("居民小组")
        verbose_name_plural = _("居民小组")
        ordering = ["community__name", "number"]
        constraints = [models.UniqueConstraint(fields=["community", "number"], name="group_unique_number")]

    def __str__(self) -> str:
        return f"{self.community.name}{self.name}"


class Place(models.Model):
    """A gazetteer entry: the words residents use for a place, and where it is."""

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="places", verbose_name=_("社区"))
    grid = models.ForeignKey(
        Grid, null=True, blank=True, on_delete=models.SET_NULL, related_name="places", verbose_name=_("网格")
    )
    name = models.CharField(_("名称"), max_length=80)
    aliases = models.JSONField(_("别名"), default=list, blank=True)
    kind = models.CharField(_("类型"), max_length=30, blank=True)
    lon = models.FloatField(_("经度"), null=True, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)

    scope_paths = {"town": "community__town", "community": "community", "grid": "grid"}

    class Meta:
        verbose_name = _("地点")
        verbose_name_plural = _("地点")
        ordering = ["community__name", "name"]
        constraints = [models.UniqueConstraint(fields=["community", "name"], name="place_unique_name")]

    def __str__(self) -> str:
        return self.name


class Building(models.Model):
    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, related_name="buildings", verbose_name=_("网格"))
    compound = models.ForeignKey(
        Place, null=True, blank=True, on_delete=models.SET_NULL, related_name="buildings", verbose_name=_("小区")
    )
    name = models.CharField(_("名称"), max_length=80, help_text=_("如 采菱家园一期3幢"))
    households = models.PositiveIntegerField(_("户数"), default=0)

    scope_paths = {"town": "grid__community__town", "community": "grid__community", "grid": "grid"}

    class Meta:
        verbose_name = _("楼幢")
        verbose_name_plural = _("楼幢")
        ordering = ["grid__id", "id"]
        constraints = [models.UniqueConstraint(fields=["grid", "name"], name="building_unique_name")]

    def __str__(self) -> str:
        return self.name
