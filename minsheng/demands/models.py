"""The demand (诉求) and its timeline (domain.md §3).

A demand's state changes only through `services.py`, one function per transition, each writing a
DemandEvent. Nothing is deleted. Overdue, escalated (吹哨) and supervised (督办) are flags, not states.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext_lazy as _

from minsheng.territory.models import Community, Grid, Place, Town


class Channel(models.TextChoices):
    ONLINE = "online", _("居民自助")
    WECHAT_GROUP = "wechat_group", _("微信群")
    VISIT = "visit", _("网格员走访")
    GROUP_MEETING = "group_meeting", _("居民组长会议")
    FORUM = "forum", _("民情恳谈会")
    OPINION_FORM = "opinion_form", _("民情征求意见表")
    HOTLINE = "hotline", _("12345热线")
    REFERRAL = "referral", _("上级交办")


class Category(models.TextChoices):
    DRAINAGE = "drainage", _("排水防汛")
    SANITATION = "sanitation", _("环境卫生")
    GREENERY = "greenery", _("园林绿化")
    RECREATION = "recreation", _("文体设施")
    PARKING_ROADS = "parking_roads", _("停车与道路")
    EBIKE_FIRE = "ebike_fire", _("电动车与消防")
    HOUSING = "housing", _("房屋与物业")
    HEALTH = "health", _("医疗卫生")
    ELDERLY = "elderly", _("养老助老")
    ORDER_DISPUTES = "order_disputes", _("治安与邻里")
    SERVICES = "services", _("政策咨询与办事")
    CULTURE = "culture", _("文化教育")
    OTHER = "other", _("其他")


class Kind(models.TextChoices):
    CONSULT = "consult", _("咨询")
    HELP = "help", _("求助")
    COMPLAINT = "complaint", _("投诉")
    SUGGESTION = "suggestion", _("建议")
    PRAISE = "praise", _("表扬")


class PhotoStage(models.TextChoices):
    """The `kind` of a demand's photo (attachments.Attachment): the problem as reported, or the work done.
    Rows from before stages existed have a blank kind and count as before."""

    BEFORE = "before", _("处理前")
    AFTER = "after", _("处理后")


class Complexity(models.TextChoices):
    ORDINARY = "ordinary", _("一般")
    COMPLEX = "complex", _("复杂")


class Status(models.TextChoices):
    RECEIVED = "received", _("已登记")
    REJECTED = "rejected", _("不予受理")
    MERGED = "merged", _("已合并")
    ACCEPTED = "accepted", _("已受理")
    ANSWERED = "answered", _("直接答复")
    ASSIGNED = "assigned", _("已派单")
    IN_PROGRESS = "in_progress", _("办理中")
    REPLIED = "replied", _("已办结")
    CALLBACK = "callback", _("回访")
    REOPENED = "reopened", _("重办")
    CLOSED = "closed", _("结案")
    ARCHIVED = "archived", _("已归档")


class Resolution(models.TextChoices):
    RESOLVED = "resolved", _("解决")
    PARTLY = "partly", _("部分解决")
    UNRESOLVED = "unresolved", _("未解决")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASICALLY = "basically", _("基本满意")
    DISSATISFIED = "dissatisfied", _("不满意")
    NO_ANSWER = "no_answer", _("未评价")


# States in which the demand is still being worked on (deadlines apply, duplicates may merge into it).
OPEN_STATES = frozenset({
    Status.RECEIVED, Status.ACCEPTED, Status.ASSIGNED, Status.IN_PROGRESS, Status.REOPENED,
})
# States after which only callback/close/archive remain.
WORK_STATES = frozenset({Status.ASSIGNED, Status.IN_PROGRESS, Status.REOPENED})
ENDED_STATES = frozenset({Status.REJECTED, Status.MERGED, Status.CLOSED, Status.ARCHIVED})
# A demand in these states has its result: the reports merged into it may be rated on it.
MERGE_RESULT_STATES = frozenset({Status.ANSWERED, Status.REPLIED, Status.CALLBACK, Status.CLOSED, Status.ARCHIVED})
# The states still being worked on, in a fixed order. Worklist queries always carry `status IN (these)`
# so each branch of the scope's OR (community, handler, reporter) is an index range on (…, status): the
# cost follows the open workload, not the history, which grows without bound.
ACTIVE_STATES_LIST = tuple(sorted(set(Status.values) - ENDED_STATES))
# `status IN (the active states)` as literal SQL, in place of the usual filter: SQLite matches a partial
# index's condition (the open-workload indexes below) only against a term written exactly like it, never
# against parameters. Once only: PostgreSQL multiplies the selectivities of repeated terms and, expecting
# almost no rows, walks every town's open demands instead. The values are the constants above, not input.
ACTIVE_TERM = RawSQL(
    f'"demands_demand"."status" IN ({", ".join(repr(str(v)) for v in ACTIVE_STATES_LIST)})', (),
    output_field=models.BooleanField())
# What the queue counts read besides the ordering columns (see the open indexes below).
OPEN_INDEX_EXTRA = ("status", "possibly_urgent", "needs_classification", "contacted_at", "contact_deadline",
                    "callback_at")


class Demand(models.Model):
    attachments = GenericRelation("attachments.Attachment", content_type_field="owner_type", object_id_field="owner_id")
    code = models.CharField(_("编号"), max_length=32, unique=True)
    # No single-column index on the node columns: the composite indexes below start with them, and a
    # lone (town) index tempts SQLite's planner away from the covering open-workload index for counts.
    town = models.ForeignKey(Town, on_delete=models.PROTECT, related_name="demands", verbose_name=_("镇/街道"),
                             db_index=False)
    community = models.ForeignKey(
        Community, null=True, blank=True, on_delete=models.PROTECT, related_name="demands", verbose_name=_("社区"),
        db_index=False,
    )
    grid = models.ForeignKey(
        Grid, null=True, blank=True, on_delete=models.SET_NULL, related_name="demands", verbose_name=_("网格"),
        db_index=False,
    )
    place = models.ForeignKey(
        Place, null=True, blank=True, on_delete=models.SET_NULL, related_name="demands", verbose_name=_("地点")
    )
    place_text = models.CharField(_("地点描述"), max_length=200, blank=True)
    lon = models.FloatField(_("经度"), null=True, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)

    text = models.TextField(_("诉求内容"))
    channel = models.CharField(_("渠道"), max_length=20, choices=Channel.choices)
    source_ref = models.CharField(_("来源记录"), max_length=120, blank=True, help_text=_("会议、群聊导出或表单批次"))
    source_line = models.PositiveIntegerField(_("来源行号"), null=True, blank=True)

    # Personal data (domain.md §7): shown masked unless the viewer is entitled.
    reporter_name = models.CharField(_("诉求人"), max_length=60, blank=True)
    reporter_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    reporter_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="reported_demands", verbose_name=_("诉求人账号"), db_index=False,   # (reporter_user, received_at)
    )
    tracking_digest = models.CharField(max_length=64, blank=True)

    category = models.CharField(_("分类"), max_length=20, choices=Category.choices, default=Category.OTHER)
    urgent = models.BooleanField(_("紧急"), default=False)
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices, default=Kind.HELP)
    complexity = models.CharField(_("复杂程度"), max_length=10, choices=Complexity.choices, default=Complexity.ORDINARY)
    needs_classification = models.BooleanField(_("待分类"), default=True)
    # The engine's recall-first middle ground: not sure enough to alert as urgent, too likely to leave
    # among the routine ones. Staff see these in the 可能紧急 queue until they classify the demand.
    possibly_urgent = models.BooleanField(_("可能紧急"), default=False)
    triage = models.JSONField(_("智能分拣"), default=dict, blank=True)

    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.RECEIVED)
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="handled_demands", verbose_name=_("承办人"), db_index=False,   # (handler, received_at)
    )
    handler_label = models.CharField(_("承办单位"), max_length=80, blank=True, help_text=_("导入台账时的承办人名称"))
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_demands",
        verbose_name=_("合并到"),
    )

    received_at = models.DateTimeField(_("登记时间"), db_index=True)
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    assigned_at = models.DateTimeField(_("派单时间"), null=True, blank=True)
    contact_deadline = models.DateTimeField(_("首次联系时限"), null=True, blank=True)
    due_at = models.DateTimeField(_("办结时限"), null=True, blank=True)
    contacted_at = models.DateTimeField(_("首次联系时间"), null=True, blank=True)
    completed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    reply = models.TextField(_("答复/办理结果"), blank=True)
    callback_at = models.DateTimeField(_("回访时间"), null=True, blank=True)
    resolution = models.CharField(_("解决情况"), max_length=12, choices=Resolution.choices, blank=True)
    satisfaction = models.CharField(_("满意度"), max_length=14, choices=Satisfaction.choices, blank=True)
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)

    escalated = models.BooleanField(_("已吹哨"), default=False)
    supervised = models.BooleanField(_("督办"), default=False)
    reopen_count = models.PositiveSmallIntegerField(_("重办次数"), default=0)
    reminded_at = models.DateTimeField(_("超期提醒时间"), null=True, blank=True)
    version = models.PositiveIntegerField(default=0, help_text=_("每次状态变化加一，用于并发检查"))

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope_paths = {"town": "town", "community": "community", "grid": "grid"}

    class Meta:
        verbose_name = _("诉求")
        verbose_name_plural = _("诉求")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["status", "due_at"], name="demand_status_due"),
            # The ended history, newest first, per node.
            # (with the channel: the dashboard's channel mix of the last 90 days reads only the index)
            models.Index(fields=["community", "received_at", "channel"], name="demand_comm_received"),
            models.Index(fields=["grid", "received_at", "channel"], name="demand_grid_received"),
            models.Index(fields=["town", "received_at", "channel"], name="demand_town_received"),
            models.Index(fields=["handler", "received_at"], name="demand_handler_received"),
            models.Index(fields=["reporter_user", "received_at"], name="demand_reporter_received"),
            # The duplicate search at intake: a community's recent demands of one category.
            models.Index(fields=["community", "category", "received_at"], name="demand_comm_cat_received"),
            # The open workload per node, in worklist order (earliest deadline, urgent, oldest), holding
            # every column the queue counts read: a worklist page walks it and stops after the page, and
            # the counts read only the index, so neither grows with ended history nor reads table rows.
            *[models.Index(fields=[node, "due_at", "-urgent", "received_at", *OPEN_INDEX_EXTRA],
                           condition=models.Q(status__in=ACTIVE_STATES_LIST), name=f"demand_{node[:4]}_open")
              for node in ("town", "community", "grid", "handler")],
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def awaiting_callback(self) -> bool:
        return self.status in (Status.ANSWERED, Status.REPLIED) or (
            self.status == Status.CALLBACK and self.callback_at is None
        )

    @property
    def duplicates_pending(self) -> bool:
        """Intake left the duplicate search to the background look, which has not run yet (the triage
        record's `duplicates` is null until it has)."""
        return (self.triage or {}).get("duplicates", []) is None

    @property
    def result_of_merge(self) -> Demand | None:
        """For a report merged into another: that other demand once it has its result (answered, done,
        rated, closed), else None."""
        target = self.merged_into if self.status == Status.MERGED and self.merged_into_id else None
        return target if target is not None and target.status in MERGE_RESULT_STATES else None

    @property
    def awaiting_rating(self) -> bool:
        """The reporter may rate now: the demand's own callback, or — for a report merged into another —
        the result given on that other one (once, see demands.callbacks.rate_merged)."""
        return self.awaiting_callback or (self.callback_at is None and self.result_of_merge is not None)


class DemandEvent(models.Model):
    """One step in a demand's life: who, when, from, to, and a note. Never edited or deleted."""

    demand = models.ForeignKey(Demand, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("时间"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(_("操作人"), max_length=60, blank=True)
    action = models.CharField(_("动作"), max_length=20)
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12, blank=True)
    # `note` is for staff only; what the reporter reads is `public_note` (告知诉求人), written as such.
    note = models.TextField(_("内部说明"), blank=True)
    public_note = models.TextField(_("告知诉求人"), blank=True, default="", db_default="")
    public = models.BooleanField(_("诉求人可见"), default=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("诉求事件")
        verbose_name_plural = _("诉求事件")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.demand_id} {self.action} {self.at:%Y-%m-%d %H:%M}"


class Extension(models.Model):
    demand = models.ForeignKey(Demand, on_delete=models.CASCADE, related_name="extensions")
    days = models.PositiveSmallIntegerField(_("延期天数"))
    reason = models.TextField(_("延期理由"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    old_due_at = models.DateTimeField()
    new_due_at = models.DateTimeField()
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("延期")
        verbose_name_plural = _("延期")

    def __str__(self) -> str:
        return f"{self.demand_id} +{self.days}d"


def attachment_path(instance: models.Model, filename: str) -> str:
    """Used by the historical migrations only (photos are attachments.Attachment now)."""
    return f"demands/{instance.demand.code}/{instance.stored_name}"


class CodeCounter(models.Model):
    """The last number handed out per code prefix and year (CL-2026-00042)."""

    prefix = models.CharField(max_length=8)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prefix", "year"], name="codecounter_unique")]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.year}:{self.last}"


class IdempotencyRecord(models.Model):
    """The answer given to a request with an Idempotency-Key, replayed on retries."""

    caller = models.CharField(max_length=40)
    key = models.CharField(max_length=200)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    body = models.JSONField()
    demand = models.ForeignKey(Demand, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["caller", "key"], name="idempotency_unique")]

    def __str__(self) -> str:
        return f"{self.caller}:{self.key}"


class ReporterCode(models.Model):
    """A one-time code sent by SMS to the phone the reporter gave: it proves the reporter for one action
    (rating the result). Only a keyed digest is kept; the newest unused, unexpired code is the valid one."""

    demand = models.ForeignKey(Demand, on_delete=models.CASCADE, related_name="+")
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True, help_text="used, superseded, or burnt by wrong guesses")
    failures = models.PositiveSmallIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["demand", "created_at"], name="reportercode_demand")]

    def __str__(self) -> str:
        return f"{self.demand_id}@{self.created_at:%Y-%m-%d %H:%M}"
