"""The resident roster and service activities (domain.md §5, §7).

GridProfile      what the community knows about a grid for its care work (flood-prone 易涝).
Household        an address in a grid (and a building when there is one).
Member           a person of a household: name, birth date, phone, living alone, care flags. Personal data:
                 only what visits and targeted lists need (no ID number, no gender, no health details
                 beyond the care flags); shown masked by default; unmasked reads are audit-logged.
Activity         a lecture, youth event, free clinic or festival visit, with its target criteria.
ActivitySignup   a resident user who signed up.
ActivityServed   a roster member who was served (visited, attended, examined).
Its photos are attachments.Attachment rows (`activity.photos`).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.utils.translation import gettext_lazy as _

from minsheng.territory.models import Building, Community, Grid, Place, Town

# Age from which a member counts as 高龄 (derived from the birth date, never stored).
ELDERLY_AGE = 80


class GridProfile(models.Model):
    """Care-work facts about a grid that the territory does not hold."""

    grid = models.OneToOneField(Grid, on_delete=models.CASCADE, related_name="care_profile", verbose_name=_("网格"))
    flood_prone = models.BooleanField(_("易涝网格"), default=False)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope_paths = {"town": "grid__community__town", "community": "grid__community", "grid": "grid"}

    class Meta:
        verbose_name = _("网格关爱信息")
        verbose_name_plural = _("网格关爱信息")

    def __str__(self) -> str:
        return f"{self.grid}{' 易涝' if self.flood_prone else ''}"


class Household(models.Model):
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="roster_households",
                                  verbose_name=_("社区"))
    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, related_name="roster_households", verbose_name=_("网格"))
    building = models.ForeignKey(Building, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="roster_households", verbose_name=_("楼幢"))
    room = models.CharField(_("房号"), max_length=40, blank=True)
    address = models.CharField(_("地址"), max_length=200, help_text=_("楼幢+房号，或门牌地址"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Only the community (and its grids) see the roster: no town path on purpose.
    scope_paths = {"community": "community", "grid": "grid"}

    class Meta:
        verbose_name = _("户")
        verbose_name_plural = _("户")
        ordering = ["community__name", "address"]
        constraints = [models.UniqueConstraint(fields=["community", "address"], name="household_unique_address")]

    def __str__(self) -> str:
        return self.address


class Member(models.Model):
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="members", verbose_name=_("户"))
    name = models.CharField(_("姓名"), max_length=60)
    birth_date = models.DateField(_("出生日期"), db_index=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    living_alone = models.BooleanField(_("独居"), default=False)
    disabled = models.BooleanField(_("残疾"), default=False)
    low_income = models.BooleanField(_("低保"), default=False)
    active = models.BooleanField(_("在册"), default=True, help_text=_("迁出或去世后不再在册，记录保留"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope_paths = {"community": "household__community", "grid": "household__grid"}

    class Meta:
        verbose_name = _("居民")
        verbose_name_plural = _("居民")
        ordering = ["household__address", "birth_date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["household", "name", "birth_date"], name="member_unique_person"),
        ]

    def __str__(self) -> str:
        return f"member:{self.pk}"  # never the name: str() ends up in logs and admin titles


class ActivityKind(models.TextChoices):
    LECTURE = "lecture", _("培训讲座")
    YOUTH = "youth", _("青少年活动")
    CLINIC = "clinic", _("义诊")
    FESTIVAL_VISIT = "festival_visit", _("节日慰问")
    OTHER = "other", _("其他活动")


class Activity(models.Model):
    photos = GenericRelation("attachments.Attachment", content_type_field="owner_type", object_id_field="owner_id")
    town = models.ForeignKey(Town, on_delete=models.PROTECT, related_name="+", verbose_name=_("镇/街道"))
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="activities",
                                  verbose_name=_("社区"))
    kind = models.CharField(_("类型"), max_length=16, choices=ActivityKind.choices)
    title = models.CharField(_("名称"), max_length=120)
    date = models.DateField(_("日期"), db_index=True)
    start_time = models.TimeField(_("开始时间"), null=True, blank=True)
    place = models.ForeignKey(Place, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                              verbose_name=_("地点"))
    place_text = models.CharField(_("地点说明"), max_length=120, blank=True)
    organiser = models.CharField(_("主办/协办"), max_length=120, blank=True)
    description = models.TextField(_("内容"), blank=True)
    criteria = models.JSONField(_("服务对象条件"), default=dict, blank=True,
                                help_text=_("从花名册筛选服务对象：min_age、living_alone、flood_prone、flags、grid"))
    target_text = models.CharField(_("服务对象"), max_length=120, blank=True, help_text=_("公开显示的文字，不含姓名"))
    capacity = models.PositiveIntegerField(_("名额"), null=True, blank=True)
    signup_open = models.BooleanField(_("开放报名"), default=False)
    extra_headcount = models.PositiveIntegerField(_("花名册以外的参与人数"), default=0)
    cancelled = models.BooleanField(_("已取消"), default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope_paths = {"town": "town", "community": "community"}

    class Meta:
        verbose_name = _("服务活动")
        verbose_name_plural = _("服务活动")
        ordering = ["-date", "id"]
        constraints = [models.UniqueConstraint(fields=["community", "title", "date"], name="activity_unique")]

    def __str__(self) -> str:
        return self.title


class ActivitySignup(models.Model):
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="signups")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="activity_signups")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("活动报名")
        verbose_name_plural = _("活动报名")
        constraints = [models.UniqueConstraint(fields=["activity", "user"], name="signup_unique")]

    def __str__(self) -> str:
        return f"{self.activity_id}:{self.user_id}"


class ActivityServed(models.Model):
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="served")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="served_in")
    note = models.CharField(_("说明"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("服务记录")
        verbose_name_plural = _("服务记录")
        constraints = [models.UniqueConstraint(fields=["activity", "member"], name="served_unique")]

    def __str__(self) -> str:
        return f"{self.activity_id}:{self.member_id}"


def activity_photo_path(instance: models.Model, filename: str) -> str:
    """Used by the historical migrations only (photos are attachments.Attachment now)."""
    return f"activities/{instance.activity_id}/{instance.stored_name}"


