"""The facility register and its maintenance (domain.md §5).

Facility        one thing the community keeps in service, at a place, with a quantity and a condition;
                components (a drainage station's pumps, a fitness path's surface) are child facilities.
FacilityEvent   its history: registered, condition changes, projects, maintenance done or missed, reports.
FacilityProject which micro-projects built or improved it (project ids from the projects app).
Photos of a facility (`facility.photos`) or of a task (`task.photos`) are attachments.Attachment rows.
MaintenancePlan a recurring duty (daily, weekly, monthly, yearly) over one or more facilities.
MaintenanceTask one occurrence of a plan for one facility: done with notes and photos, or missed.

Rows change only through `services.py`. Nothing is deleted.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.utils.translation import gettext_lazy as _

from minsheng.territory.models import Community, Grid, Place, Town


class Kind(models.TextChoices):
    FITNESS_POINT = "fitness_point", _("健身点")
    FITNESS_EQUIPMENT = "fitness_equipment", _("健身器材")
    SURFACE = "surface", _("塑胶场地")
    DRAINAGE_STATION = "drainage_station", _("排涝站")
    PUMP = "pump", _("水泵")
    ELECTRIC_CABINET = "electric_cabinet", _("电柜")
    PUBLIC_TOILET = "public_toilet", _("公厕")
    CHARGING_SHED = "charging_shed", _("充电车棚")
    PARKING_LOT = "parking_lot", _("停车场")
    COURT = "court", _("球场")
    STREET_TREES = "street_trees", _("行道树")
    CLINIC_ROOM = "clinic_room", _("诊室")
    DRYING_RACKS = "drying_racks", _("晾衣架")
    BENCHES = "benches", _("休闲座椅")
    SEWER = "sewer", _("污水管道")
    OTHER = "other", _("其他")


# Kinds that are parts of another facility, and which parent kinds they belong to.
COMPONENT_PARENTS: dict[str, list[str]] = {
    Kind.FITNESS_EQUIPMENT: [Kind.FITNESS_POINT],
    Kind.SURFACE: [Kind.FITNESS_POINT, Kind.COURT],
    Kind.PUMP: [Kind.DRAINAGE_STATION],
    Kind.ELECTRIC_CABINET: [Kind.DRAINAGE_STATION],
}

# The unit a kind is counted in when nothing else is said.
DEFAULT_UNIT: dict[str, str] = {
    Kind.FITNESS_POINT: "件", Kind.FITNESS_EQUIPMENT: "件", Kind.SURFACE: "㎡", Kind.DRAINAGE_STATION: "座",
    Kind.PUMP: "台", Kind.ELECTRIC_CABINET: "台", Kind.PUBLIC_TOILET: "座", Kind.CHARGING_SHED: "个",
    Kind.PARKING_LOT: "个车位", Kind.COURT: "个", Kind.STREET_TREES: "株", Kind.CLINIC_ROOM: "间",
    Kind.DRYING_RACKS: "个", Kind.BENCHES: "张", Kind.SEWER: "处", Kind.OTHER: "个",
}

# The demand category (taxonomy.md) a problem with this kind of facility falls under.
DEMAND_CATEGORY: dict[str, str] = {
    Kind.FITNESS_POINT: "recreation", Kind.FITNESS_EQUIPMENT: "recreation", Kind.SURFACE: "recreation",
    Kind.DRAINAGE_STATION: "drainage", Kind.PUMP: "drainage", Kind.ELECTRIC_CABINET: "drainage",
    Kind.PUBLIC_TOILET: "sanitation", Kind.CHARGING_SHED: "ebike_fire", Kind.PARKING_LOT: "parking_roads",
    Kind.COURT: "recreation", Kind.STREET_TREES: "greenery", Kind.CLINIC_ROOM: "health",
    Kind.DRYING_RACKS: "housing", Kind.BENCHES: "recreation", Kind.SEWER: "drainage", Kind.OTHER: "other",
}


class Condition(models.TextChoices):
    GOOD = "good", _("良好")
    FAIR = "fair", _("一般")
    POOR = "poor", _("较差")
    BROKEN = "broken", _("损坏")
    OUT_OF_SERVICE = "out_of_service", _("停用")


class Facility(models.Model):
    photos = GenericRelation("attachments.Attachment", content_type_field="owner_type", object_id_field="owner_id")
    town = models.ForeignKey(Town, on_delete=models.PROTECT, related_name="facilities", verbose_name=_("镇/街道"))
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="facilities", verbose_name=_("社区")
    )
    grid = models.ForeignKey(
        Grid, null=True, blank=True, on_delete=models.SET_NULL, related_name="facilities", verbose_name=_("网格")
    )
    place = models.ForeignKey(
        Place, null=True, blank=True, on_delete=models.SET_NULL, related_name="facilities", verbose_name=_("地点")
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="components",
        verbose_name=_("所属设施"), help_text=_("部件（如排涝站的水泵、电柜）所属的设施"),
    )
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    quantity = models.DecimalField(_("数量"), max_digits=10, decimal_places=2, default=1)
    unit = models.CharField(_("单位"), max_length=12, default="个")
    condition = models.CharField(_("状况"), max_length=16, choices=Condition.choices, default=Condition.GOOD)
    condition_at = models.DateTimeField(_("状况更新时间"), null=True, blank=True)
    description = models.TextField(_("说明"), blank=True)
    in_service_since = models.DateField(_("投用日期"), null=True, blank=True)
    version = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope_paths = {"town": "town", "community": "community", "grid": "grid"}
    # For apps that reach this model through a foreign key (projects' work items) without importing it.
    component_parents = COMPONENT_PARENTS

    class Meta:
        verbose_name = _("设施")
        verbose_name_plural = _("设施")
        ordering = ["community__name", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], condition=models.Q(parent__isnull=True),
                                    name="facility_unique_name"),
            models.UniqueConstraint(fields=["parent", "name"], condition=models.Q(parent__isnull=False),
                                    name="facility_component_unique_name"),
        ]
        indexes = [models.Index(fields=["community", "kind"], name="facility_comm_kind")]

    def __str__(self) -> str:
        return self.name

    @property
    def quantity_display(self) -> str:
        q = self.quantity
        return f"{int(q)}" if q == q.to_integral_value() else f"{q.normalize()}"


class FacilityEvent(models.Model):
    class Action(models.TextChoices):
        REGISTERED = "registered", _("登记")
        UPDATED = "updated", _("修改")
        CONDITION = "condition", _("状况变更")
        PROJECT = "project", _("微实事项目")
        COMPONENT = "component", _("部件")
        MAINTENANCE = "maintenance", _("维护完成")
        MISSED = "missed", _("维护逾期")
        REPORT = "report", _("报修")
        PHOTO = "photo", _("照片")

    facility = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("时间"), db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    actor_label = models.CharField(_("操作人"), max_length=60, blank=True)
    action = models.CharField(_("动作"), max_length=16, choices=Action.choices)
    from_condition = models.CharField(max_length=16, blank=True)
    to_condition = models.CharField(max_length=16, blank=True)
    note = models.TextField(_("说明"), blank=True)
    project_id = models.PositiveIntegerField(_("项目"), null=True, blank=True)
    task = models.ForeignKey("MaintenanceTask", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    demand_code = models.CharField(_("诉求编号"), max_length=32, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("设施记录")
        verbose_name_plural = _("设施记录")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.facility_id} {self.action} {self.at:%Y-%m-%d}"

    @property
    def to_condition_label(self) -> str:
        return str(Condition(self.to_condition).label) if self.to_condition in Condition.values else ""


class FacilityProject(models.Model):
    """A micro-project that built or improved the facility."""

    class Role(models.TextChoices):
        BUILT = "built", _("新建")
        IMPROVED = "improved", _("改造维修")

    facility = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="project_links")
    project_id = models.PositiveIntegerField(_("项目编号"))
    title = models.CharField(_("项目名称"), max_length=200)
    role = models.CharField(_("作用"), max_length=10, choices=Role.choices, default=Role.BUILT)
    at = models.DateTimeField(_("投用时间"))

    class Meta:
        verbose_name = _("设施项目")
        verbose_name_plural = _("设施项目")
        ordering = ["at", "id"]
        constraints = [models.UniqueConstraint(fields=["facility", "project_id"], name="facility_project_unique")]

    def __str__(self) -> str:
        return f"{self.facility_id} ← {self.title}"


def photo_path(instance: models.Model, filename: str) -> str:
    """Used by the historical migrations only (photos are attachments.Attachment now)."""
    return f"facilities/{instance.facility_id}/{instance.stored_name}"


class Frequency(models.TextChoices):
    DAILY = "daily", _("每天")
    WEEKLY = "weekly", _("每周")
    MONTHLY = "monthly", _("每月")
    YEARLY = "yearly", _("每年")


class MaintenancePlan(models.Model):
    """A recurring duty over facilities of one community, in the town's local time."""

    town = models.ForeignKey(Town, on_delete=models.PROTECT, related_name="+", verbose_name=_("镇/街道"))
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="maintenance_plans",
                                  verbose_name=_("社区"))
    title = models.CharField(_("名称"), max_length=120)
    facilities = models.ManyToManyField(Facility, related_name="plans", verbose_name=_("设施"))
    frequency = models.CharField(_("周期"), max_length=8, choices=Frequency.choices)
    weekday = models.PositiveSmallIntegerField(_("星期"), null=True, blank=True, help_text=_("0=周一 … 6=周日"))
    day = models.PositiveSmallIntegerField(_("日"), null=True, blank=True,
                                           help_text=_("每月或每年的第几日；月末不足时取该月最后一天"))
    month = models.PositiveSmallIntegerField(_("月"), null=True, blank=True)
    due_time = models.TimeField(_("完成时限（当地时间）"))
    grace_hours = models.PositiveSmallIntegerField(_("宽限小时"), default=12)
    lead_days = models.PositiveSmallIntegerField(_("提前生成天数"), default=1)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="maintenance_plans", verbose_name=_("负责人"))
    category = models.CharField(_("逾期诉求分类"), max_length=20, default="other")
    instructions = models.TextField(_("作业要求"), blank=True)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"), null=True, blank=True)
    active = models.BooleanField(_("启用"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope_paths = {"town": "town", "community": "community"}

    class Meta:
        verbose_name = _("维护计划")
        verbose_name_plural = _("维护计划")
        ordering = ["community__name", "title", "id"]
        constraints = [models.UniqueConstraint(fields=["community", "title"], name="plan_unique_title")]

    def __str__(self) -> str:
        return self.title

    @property
    def schedule(self):
        from .schedules import Schedule

        return Schedule(self.frequency, weekday=self.weekday, day=self.day, month=self.month)


class TaskStatus(models.TextChoices):
    PENDING = "pending", _("待完成")
    DONE = "done", _("已完成")
    MISSED = "missed", _("已逾期")


class MaintenanceTask(models.Model):
    photos = GenericRelation("attachments.Attachment", content_type_field="part_type", object_id_field="part_id")
    plan = models.ForeignKey(MaintenancePlan, on_delete=models.PROTECT, related_name="tasks")
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="tasks")
    due_on = models.DateField(_("日期"))
    due_at = models.DateTimeField(_("完成时限"))
    miss_at = models.DateTimeField(_("逾期时间"), help_text=_("完成时限加宽限；过后仍未完成即生成诉求"))
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="maintenance_tasks", verbose_name=_("负责人"))
    status = models.CharField(_("状态"), max_length=8, choices=TaskStatus.choices, default=TaskStatus.PENDING)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    notes = models.TextField(_("完成情况"), blank=True)
    missed_at = models.DateTimeField(_("判定逾期时间"), null=True, blank=True)
    demand_code = models.CharField(_("逾期诉求"), max_length=32, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    scope_paths = {"town": "facility__town", "community": "facility__community", "grid": "facility__grid"}

    class Meta:
        verbose_name = _("维护任务")
        verbose_name_plural = _("维护任务")
        ordering = ["due_at", "id"]
        constraints = [models.UniqueConstraint(fields=["plan", "facility", "due_on"], name="task_unique_occurrence")]
        indexes = [
            models.Index(fields=["status", "miss_at"], name="task_status_miss"),
            models.Index(fields=["assignee", "status"], name="task_assignee_status"),
        ]

    def __str__(self) -> str:
        return f"{self.plan_id}/{self.facility_id}@{self.due_on}"
