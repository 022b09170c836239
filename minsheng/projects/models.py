"""The micro-project (微实事项目) and everything recorded about it (domain.md §4).

A project's state changes only through `services.py`, one function per action, each writing a
ProjectEvent. Nothing here is deleted: a project that is not wanted is rejected or cancelled.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.utils.translation import gettext_lazy as _

from minsheng.territory.models import Community, Place, Town


class Kind(models.TextChoices):
    WORKS = "works", _("工程类")
    GOODS = "goods", _("货物类")
    SERVICES = "services", _("服务类")


class Status(models.TextChoices):
    PROPOSED = "proposed", _("提议")
    SCREENED = "screened", _("初审")
    DELIBERATING = "deliberating", _("议事")
    NOTICED = "noticed", _("公示")
    APPROVED = "approved", _("立项")
    IMPLEMENTING = "implementing", _("实施")
    INSPECTION = "inspection", _("验收")
    IN_SERVICE = "in_service", _("投用")
    EVALUATED = "evaluated", _("已测评")
    ARCHIVED = "archived", _("已归档")
    CANCELLED = "cancelled", _("已取消")
    REJECTED = "rejected", _("初审未通过")


# The order of the life, for timelines and progress steps on the board.
LIFE = [
    Status.PROPOSED, Status.SCREENED, Status.DELIBERATING, Status.NOTICED, Status.APPROVED,
    Status.IMPLEMENTING, Status.INSPECTION, Status.IN_SERVICE, Status.EVALUATED, Status.ARCHIVED,
]
# A project may be cancelled from any of these (domain.md §4: any state before implementing).
CANCELLABLE = frozenset({Status.PROPOSED, Status.SCREENED, Status.DELIBERATING, Status.NOTICED, Status.APPROVED})
# Money has been committed: approved and later.
FUNDED = frozenset({
    Status.APPROVED, Status.IMPLEMENTING, Status.INSPECTION, Status.IN_SERVICE, Status.EVALUATED, Status.ARCHIVED,
})
ENDED = frozenset({Status.ARCHIVED, Status.CANCELLED, Status.REJECTED})


class PhaseKind(models.TextChoices):
    SURVEY = "survey", _("勘查")
    DESIGN = "design", _("设计")
    CONSTRUCTION = "construction", _("施工")


PHASE_ORDER = [PhaseKind.SURVEY, PhaseKind.DESIGN, PhaseKind.CONSTRUCTION]


class BudgetCap(models.Model):
    """The most one project of a kind may cost in a town (configurable per town; defaults in rules.py)."""

    town = models.ForeignKey(Town, on_delete=models.CASCADE, related_name="project_caps", verbose_name=_("镇/街道"))
    kind = models.CharField(_("项目类别"), max_length=10, choices=Kind.choices)
    cap = models.DecimalField(_("单个项目预算上限（元）"), max_digits=12, decimal_places=2)

    scope_paths = {"town": "town"}

    class Meta:
        verbose_name = _("项目预算上限")
        verbose_name_plural = _("项目预算上限")
        constraints = [models.UniqueConstraint(fields=["town", "kind"], name="budgetcap_unique_kind")]

    def __str__(self) -> str:
        return f"{self.town} · {self.get_kind_display()} ≤ {self.cap}"


class Project(models.Model):
    photos = GenericRelation("attachments.Attachment", content_type_field="owner_type", object_id_field="owner_id")
    town = models.ForeignKey(Town, on_delete=models.PROTECT, related_name="projects", verbose_name=_("镇/街道"))
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="projects", verbose_name=_("社区")
    )
    title = models.CharField(_("项目名称"), max_length=120)
    kind = models.CharField(_("类别"), max_length=10, choices=Kind.choices)
    status = models.CharField(_("状态"), max_length=14, choices=Status.choices, default=Status.PROPOSED)
    campaign = models.CharField(_("所属活动"), max_length=60, blank=True, help_text=_("如 我为群众办实事"))
    demands = models.ManyToManyField(
        "demands.Demand", blank=True, related_name="projects", verbose_name=_("回应的诉求")
    )
    plan = models.TextField(_("整治方案"), blank=True)
    task_team = models.TextField(_("攻坚小队"), blank=True, help_text=_("每行一名成员及分工"))
    team_users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="project_teams", verbose_name=_("攻坚小队账号")
    )
    place = models.ForeignKey(
        Place, null=True, blank=True, on_delete=models.SET_NULL, related_name="projects", verbose_name=_("地点")
    )
    facility_kind = models.CharField(
        _("设施类型"), max_length=30, blank=True, help_text=_("投用后形成的设施，如 fitness_point、toilet")
    )
    contractor = models.CharField(_("施工/供货单位"), max_length=120, blank=True)
    budget = models.DecimalField(_("预算（元）"), max_digits=12, decimal_places=2)
    # Kept up to date by the services (sum of spending lines; weighted roll-up of the phases).
    spent = models.DecimalField(_("已支出（元）"), max_digits=12, decimal_places=2, default=Decimal("0"))
    progress = models.DecimalField(_("进度（%）"), max_digits=4, decimal_places=1, default=Decimal("0"))
    flags = models.JSONField(_("初审提示"), default=list, blank=True,
                             help_text=_("物业职责、可能重复等提示，由系统在提议和初审时生成"))

    notice_start = models.DateTimeField(_("公示开始"), null=True, blank=True)
    notice_days = models.PositiveSmallIntegerField(_("公示天数"), null=True, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("提议时间"), db_index=True)
    approved_at = models.DateTimeField(_("立项时间"), null=True, blank=True)
    started_at = models.DateTimeField(_("开工时间"), null=True, blank=True)
    completed_at = models.DateTimeField(_("完工时间"), null=True, blank=True)
    in_service_at = models.DateTimeField(_("投用时间"), null=True, blank=True)
    evaluated_at = models.DateTimeField(_("测评时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True, help_text=_("归档、取消或初审未通过"))
    close_reason = models.TextField(_("取消/不通过理由"), blank=True)
    score = models.DecimalField(_("绩效评分"), max_digits=5, decimal_places=1, null=True, blank=True)
    version = models.PositiveIntegerField(default=0, help_text=_("每次变化加一，用于并发检查"))
    updated_at = models.DateTimeField(auto_now=True)

    scope_paths = {"town": "town", "community": "community"}

    class Meta:
        verbose_name = _("微实事项目")
        verbose_name_plural = _("微实事项目")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["community", "status"], name="project_comm_status"),
            models.Index(fields=["town", "status"], name="project_town_status"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def notice_end(self):
        if self.notice_start is None or self.notice_days is None:
            return None
        return self.notice_start + timedelta(days=self.notice_days)

    @property
    def execution_rate(self) -> float | None:
        """Budget execution rate 预算执行率 = spent ÷ budget (0–1), None without a budget."""
        if not self.budget:
            return None
        return round(float(self.spent / self.budget), 4)


class FacilityWork(models.TextChoices):
    """What a work item does to the facility register."""

    BUILD = "build", _("新建")
    ADD = "add", _("增加数量")
    REPAIR = "repair", _("维修更换")


class WorkItem(models.Model):
    """One line of what the project delivers: 100 个不锈钢晾衣架, 500 ㎡ 塑胶地面."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="items")
    name = models.CharField(_("名称"), max_length=80)
    quantity = models.DecimalField(_("数量"), max_digits=12, decimal_places=2)
    unit = models.CharField(_("单位"), max_length=12)
    unit_price = models.DecimalField(_("单价（元）"), max_digits=12, decimal_places=2, null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    # What the line does to the facility register when the project enters service (blank: nothing).
    facility_kind = models.CharField(
        _("设施类型"), max_length=30, blank=True, help_text=_("这一项建成或维修的设施类型，如 fitness_point；不涉及设施则留空"),
    )
    facility_work = models.CharField(_("设施工作"), max_length=10, choices=FacilityWork.choices, blank=True)
    facility = models.ForeignKey(
        "facilities.Facility", null=True, blank=True, on_delete=models.SET_NULL, related_name="work_items",
        verbose_name=_("已有设施"), help_text=_("增加或维修的已有设施；新建部件时为其所属的设施"),
    )

    class Meta:
        verbose_name = _("工作量")
        verbose_name_plural = _("工作量")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.name} {self.quantity:g}{self.unit}"

    @property
    def amount(self) -> Decimal | None:
        return None if self.unit_price is None else (self.quantity * self.unit_price).quantize(Decimal("0.01"))


class Phase(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="phases")
    kind = models.CharField(_("阶段"), max_length=14, choices=PhaseKind.choices)
    weight = models.PositiveSmallIntegerField(_("权重"), default=1)
    planned_start = models.DateField(_("计划开始"), null=True, blank=True)
    planned_end = models.DateField(_("计划完成"), null=True, blank=True)
    actual_start = models.DateField(_("实际开始"), null=True, blank=True)
    actual_end = models.DateField(_("实际完成"), null=True, blank=True)
    percent = models.PositiveSmallIntegerField(_("完成百分比"), default=0)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("阶段")
        verbose_name_plural = _("阶段")
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "kind"], name="phase_unique_kind"),
            models.CheckConstraint(condition=models.Q(percent__lte=100), name="phase_percent_max_100"),
        ]

    def __str__(self) -> str:
        return f"{self.project_id} {self.kind} {self.percent}%"


class ProgressNote(models.Model):
    """A progress report (monthly, or whenever a phase moves)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="progress_notes")
    phase = models.CharField(_("阶段"), max_length=14, choices=PhaseKind.choices, blank=True)
    percent = models.PositiveSmallIntegerField(_("阶段完成百分比"), null=True, blank=True)
    note = models.TextField(_("进展说明"), blank=True)
    at = models.DateTimeField(_("时间"), db_index=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("进展")
        verbose_name_plural = _("进展")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.project_id} {self.phase} {self.percent}"


class Spending(models.Model):
    """A payment out of the project's budget."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="spendings")
    date = models.DateField(_("日期"))
    amount = models.DecimalField(_("金额（元）"), max_digits=12, decimal_places=2)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(_("记录时间"))

    class Meta:
        verbose_name = _("支出")
        verbose_name_plural = _("支出")
        ordering = ["date", "id"]

    def __str__(self) -> str:
        return f"{self.project_id} {self.date} {self.amount}"


class Vote(models.Model):
    """One vote of the deliberation (两委协商/居民议事会): tally, quorum, minutes."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="votes")
    round = models.PositiveSmallIntegerField(_("轮次"))
    votes_for = models.PositiveSmallIntegerField(_("赞成"))
    votes_against = models.PositiveSmallIntegerField(_("反对"))
    votes_abstain = models.PositiveSmallIntegerField(_("弃权"))
    members = models.PositiveSmallIntegerField(_("应到人数"))
    quorum = models.PositiveSmallIntegerField(_("法定人数"))
    quorum_met = models.BooleanField(_("达到法定人数"))
    passed = models.BooleanField(_("通过"))
    minutes = models.TextField(_("会议纪要"), blank=True)
    at = models.DateTimeField(_("时间"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("表决")
        verbose_name_plural = _("表决")
        ordering = ["round", "id"]

    def __str__(self) -> str:
        return f"{self.project_id} #{self.round} {self.votes_for}/{self.votes_against}/{self.votes_abstain}"

    @property
    def cast(self) -> int:
        return self.votes_for + self.votes_against + self.votes_abstain


class Objection(models.Model):
    """An objection raised during the public notice (公示), and the community's answer."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="objections")
    text = models.TextField(_("异议内容"))
    # Who objected stays private: only an account link, never shown publicly.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(_("提出时间"))
    answer = models.TextField(_("答复"), blank=True)
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("公示异议")
        verbose_name_plural = _("公示异议")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.project_id} {self.text[:20]}"


class Support(models.Model):
    """A resident's online support (one per resident account)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="supports")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="project_supports")
    at = models.DateTimeField()

    class Meta:
        verbose_name = _("居民支持")
        verbose_name_plural = _("居民支持")
        constraints = [models.UniqueConstraint(fields=["project", "user"], name="support_once_per_user")]

    def __str__(self) -> str:
        return f"{self.project_id} ← {self.user_id}"


class Inspection(models.Model):
    """One round of acceptance inspection (验收): checklist, result pass or rectify (整改)."""

    class Result(models.TextChoices):
        PASS = "pass", _("通过")
        RECTIFY = "rectify", _("整改")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="inspections")
    round = models.PositiveSmallIntegerField(_("轮次"))
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    inspector_label = models.CharField(_("验收人"), max_length=60, blank=True)
    checklist = models.JSONField(_("验收清单"), default=list, blank=True, help_text=_("[{item, passed}]"))
    note = models.TextField(_("验收意见"), blank=True)
    result = models.CharField(_("结论"), max_length=8, choices=Result.choices)
    at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("验收记录")
        verbose_name_plural = _("验收记录")
        ordering = ["round", "id"]

    def __str__(self) -> str:
        return f"{self.project_id} #{self.round} {self.result}"


class Evaluation(models.Model):
    """Residents' satisfaction survey (满意度测评) and the performance score (绩效评价)."""

    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="evaluation")
    surveyed = models.PositiveIntegerField(_("调查人数"), default=0)
    satisfied = models.PositiveIntegerField(_("满意"), default=0)
    basically = models.PositiveIntegerField(_("基本满意"), default=0)
    dissatisfied = models.PositiveIntegerField(_("不满意"), default=0)
    satisfaction_rate = models.FloatField(_("满意率"), null=True, blank=True)
    score = models.DecimalField(_("绩效评分"), max_digits=5, decimal_places=1)
    note = models.TextField(_("说明"), blank=True)
    at = models.DateTimeField(_("时间"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("测评")
        verbose_name_plural = _("测评")

    def __str__(self) -> str:
        return f"{self.project_id} {self.score}"


def photo_path(instance: models.Model, filename: str) -> str:
    """Used by the historical migrations only (photos are attachments.Attachment now)."""
    return f"projects/{instance.project_id}/{instance.stored_name}"


class PhotoStage(models.TextChoices):
    """The `kind` of a project's photo (attachments.Attachment)."""

    BEFORE = "before", _("改造前")
    PROGRESS = "progress", _("施工中")
    AFTER = "after", _("改造后")


class ProjectEvent(models.Model):
    """One step in a project's life: who, when, from, to, and a note. Never edited or deleted."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("时间"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(_("操作人"), max_length=60, blank=True)
    # What the public sees instead of a name: 社区、镇、验收人、居民.
    actor_role = models.CharField(_("操作方"), max_length=20, blank=True)
    action = models.CharField(_("动作"), max_length=20)
    from_status = models.CharField(max_length=14, blank=True)
    to_status = models.CharField(max_length=14, blank=True)
    note = models.TextField(_("说明"), blank=True)
    public = models.BooleanField(_("公开"), default=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("项目事件")
        verbose_name_plural = _("项目事件")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.project_id} {self.action} {self.at:%Y-%m-%d %H:%M}"
