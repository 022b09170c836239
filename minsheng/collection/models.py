"""The collection channels that yield many demands from one record (domain.md §2): meetings and their
minutes, grid workers' visits, opinion forms (民情征求意见表), imports of the 民情台账 and WeChat
group exports.

Each demand registered from one of these keeps its source: `source_ref` names the record
(`meeting:12`, `visit:7`, `form:3`) and `source_line` the line (minute line, visit line, answer id).
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from minsheng.demands.models import Category, Demand
from minsheng.territory.models import Building, Community, Grid, ResidentGroup

# ---------------------------------------------------------------------------------------------
# Meetings


class MeetingKind(models.TextChoices):
    GROUP_MEETING = "group_meeting", _("每月居民组长会议")
    FORUM = "forum", _("半年度民情恳谈会")
    SERVICE_FORUM = "service_forum", _("为民办实事座谈会")
    COMMITTEE = "committee", _("两委会议")


# The demand channel (domain.md §2) of what a meeting of each kind raises. A 两委会议 is not a channel
# of its own; what it raises is recorded like a forum's (协商/座谈).
KIND_CHANNEL = {
    MeetingKind.GROUP_MEETING: "group_meeting",
    MeetingKind.FORUM: "forum",
    MeetingKind.SERVICE_FORUM: "forum",
    MeetingKind.COMMITTEE: "forum",
}


class Recurrence(models.TextChoices):
    MONTHLY_WEEKDAY = "monthly_weekday", _("每月第几个星期几")
    MONTHLY_DAY = "monthly_day", _("每月几号")
    HALF_YEARLY = "half_yearly", _("每半年")


class Attendance(models.Model):
    """Who is invited: roles (in the meeting's community), resident groups (their leaders), users."""

    attendee_roles = models.JSONField(_("参会角色"), default=list, blank=True)
    attendee_groups = models.ManyToManyField(ResidentGroup, blank=True, related_name="+", verbose_name=_("居民小组"))
    attendee_users = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+",
                                            verbose_name=_("参会人员"))

    class Meta:
        abstract = True


class MeetingSeries(Attendance):
    """A recurring meeting: monthly on a weekday or a day of the month, or half-yearly."""

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="meeting_series",
                                  verbose_name=_("社区"))
    kind = models.CharField(_("类型"), max_length=16, choices=MeetingKind.choices)
    title = models.CharField(_("名称"), max_length=120)
    location = models.CharField(_("地点"), max_length=120, blank=True)
    recurrence = models.CharField(_("重复"), max_length=16, choices=Recurrence.choices)
    week_of_month = models.SmallIntegerField(_("第几周"), null=True, blank=True, help_text=_("1–4，-1 为最后一周"))
    weekday = models.PositiveSmallIntegerField(_("星期"), null=True, blank=True, help_text=_("0 为星期一"))
    day_of_month = models.PositiveSmallIntegerField(_("日"), null=True, blank=True)
    time = models.TimeField(_("时间"))
    starts_on = models.DateField(_("开始日期"))
    until = models.DateField(_("结束日期"), null=True, blank=True)
    active = models.BooleanField(_("有效"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    scope_paths = {"town": "community__town", "community": "community"}

    class Meta:
        verbose_name = _("例会")
        verbose_name_plural = _("例会")
        ordering = ["community__name", "id"]

    def __str__(self) -> str:
        return self.title


class Meeting(Attendance):
    class State(models.TextChoices):
        SCHEDULED = "scheduled", _("待召开")
        HELD = "held", _("已召开")
        CANCELLED = "cancelled", _("已取消")

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="meetings", verbose_name=_("社区"))
    series = models.ForeignKey(MeetingSeries, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="meetings", verbose_name=_("例会"))
    kind = models.CharField(_("类型"), max_length=16, choices=MeetingKind.choices)
    title = models.CharField(_("名称"), max_length=120)
    location = models.CharField(_("地点"), max_length=120, blank=True)
    starts_at = models.DateTimeField(_("时间"), db_index=True)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.SCHEDULED)
    minutes = models.TextField(_("会议纪要"), blank=True)
    minutes_updated_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(_("提醒时间"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    scope_paths = {"town": "community__town", "community": "community"}

    class Meta:
        verbose_name = _("会议")
        verbose_name_plural = _("会议")
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["series", "starts_at"], condition=models.Q(series__isnull=False),
                                    name="meeting_unique_occurrence"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def channel(self) -> str:
        return KIND_CHANNEL[self.kind]

    @property
    def source_ref(self) -> str:
        return f"meeting:{self.pk}"


class MeetingItem(models.Model):
    """One issue raised in a meeting, extracted from its minutes; staff confirm it into a demand."""

    class State(models.TextChoices):
        PROPOSED = "proposed", _("待确认")
        REGISTERED = "registered", _("已登记")
        DISMISSED = "dismissed", _("已忽略")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="items")
    line = models.PositiveIntegerField(_("纪要行号"))
    part = models.PositiveSmallIntegerField(default=1, help_text=_("同一行中的第几条"))
    speaker = models.CharField(_("发言人"), max_length=40, blank=True)
    text = models.TextField(_("内容"))
    extracted = models.TextField(_("纪要原文"), blank=True, help_text=_("提取时的原文（工作人员可能修改了内容）"))
    category = models.CharField(_("分类"), max_length=20, choices=Category.choices, default=Category.OTHER)
    urgent = models.BooleanField(_("紧急"), default=False)
    place_text = models.CharField(_("地点"), max_length=200, blank=True)
    grid = models.ForeignKey(Grid, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.PROPOSED)
    demand = models.OneToOneField(Demand, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="+")
    registered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("会议反映问题")
        verbose_name_plural = _("会议反映问题")
        ordering = ["line", "part"]
        constraints = [models.UniqueConstraint(fields=["meeting", "line", "part"], name="meetingitem_unique_line")]

    def __str__(self) -> str:
        return f"{self.meeting_id}:{self.line}.{self.part}"


# ---------------------------------------------------------------------------------------------
# Grid visits (网格员走访)


class Visit(models.Model):
    photos = GenericRelation("attachments.Attachment", content_type_field="owner_type", object_id_field="owner_id")
    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, related_name="visits", verbose_name=_("网格"))
    building = models.ForeignKey(Building, on_delete=models.PROTECT, related_name="visits", verbose_name=_("楼幢"))
    household = models.CharField(_("走访户"), max_length=60, blank=True, help_text=_("如 2单元301"))
    worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="visits",
                               verbose_name=_("走访人"))
    visited_at = models.DateTimeField(_("走访时间"), db_index=True)
    notes = models.TextField(_("走访记录"), blank=True)
    # The phone's idempotency key (a UUID made when the visit was saved, online or not): a resend after a
    # lost answer finds this visit instead of making a second one.
    client_key = models.CharField(max_length=36, blank=True, default="", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    scope_paths = {"town": "grid__community__town", "community": "grid__community", "grid": "grid"}

    class Meta:
        verbose_name = _("走访记录")
        verbose_name_plural = _("走访记录")
        ordering = ["-visited_at", "-id"]
        indexes = [models.Index(fields=["grid", "visited_at"], name="visit_grid_time")]
        constraints = [models.UniqueConstraint(fields=["worker", "client_key"], condition=~models.Q(client_key=""),
                                               name="visit_client_key_once")]

    def __str__(self) -> str:
        return f"{self.building} {self.visited_at:%Y-%m-%d}"

    @property
    def source_ref(self) -> str:
        return f"visit:{self.pk}"


def visit_photo_path(instance: models.Model, filename: str) -> str:
    """Used by the historical migrations only (photos are attachments.Attachment now)."""
    return f"visits/{instance.visit_id}/{instance.stored_name}"


# ---------------------------------------------------------------------------------------------
# 民情征求意见表 (opinion forms)


class OpinionForm(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("草稿")
        OPEN = "open", _("征求中")
        CLOSED = "closed", _("已结束")

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="opinion_forms",
                                  verbose_name=_("社区"))
    title = models.CharField(_("标题"), max_length=120)
    intro = models.TextField(_("说明"), blank=True)
    state = models.CharField(_("状态"), max_length=8, choices=State.choices, default=State.DRAFT)
    token = models.CharField(max_length=24, unique=True, help_text=_("填写链接中的标识"))
    allow_anonymous = models.BooleanField(_("允许匿名填写"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    scope_paths = {"town": "community__town", "community": "community"}

    class Meta:
        verbose_name = _("民情征求意见表")
        verbose_name_plural = _("民情征求意见表")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def source_ref(self) -> str:
        return f"form:{self.pk}"


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("单选")
    MULTI = "multi", _("多选")
    RATING = "rating", _("评分（1–5）")
    TEXT = "text", _("填空")


class Question(models.Model):
    form = models.ForeignKey(OpinionForm, on_delete=models.CASCADE, related_name="questions")
    order = models.PositiveSmallIntegerField(_("序号"), default=0)
    kind = models.CharField(_("题型"), max_length=8, choices=QuestionKind.choices)
    text = models.CharField(_("题目"), max_length=300)
    required = models.BooleanField(_("必答"), default=False)

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.text

    @property
    def has_options(self) -> bool:
        return self.kind in (QuestionKind.SINGLE, QuestionKind.MULTI)


class Option(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="options")
    order = models.PositiveSmallIntegerField(default=0)
    label = models.CharField(_("选项"), max_length=120)

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.label


class FormResponse(models.Model):
    class Source(models.TextChoices):
        ONLINE = "online", _("线上填写")
        PAPER = "paper", _("纸质录入")

    form = models.ForeignKey(OpinionForm, on_delete=models.CASCADE, related_name="responses")
    respondent = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    respondent_name = models.CharField(_("称呼"), max_length=60, blank=True)
    anonymous = models.BooleanField(_("匿名"), default=True)
    source = models.CharField(_("来源"), max_length=8, choices=Source.choices, default=Source.ONLINE)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("意见表答卷")
        verbose_name_plural = _("意见表答卷")
        ordering = ["-created_at", "-id"]
        constraints = [
            # One online answer per signed-in resident.
            models.UniqueConstraint(fields=["form", "respondent"],
                                    condition=models.Q(respondent__isnull=False, source="online"),
                                    name="formresponse_one_per_user"),
        ]

    def __str__(self) -> str:
        return f"{self.form_id}#{self.pk}"


class FormAnswer(models.Model):
    response = models.ForeignKey(FormResponse, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    option = models.ForeignKey(Option, null=True, blank=True, on_delete=models.CASCADE, related_name="answers")
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    text = models.TextField(blank=True)
    demand = models.OneToOneField(Demand, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["question", "option"], name="formanswer_question_option")]

    def __str__(self) -> str:
        return f"{self.response_id}:{self.question_id}"


# ---------------------------------------------------------------------------------------------
# 民情台账 from the web


def ledger_path(instance: LedgerImport, filename: str) -> str:
    return f"ledgers/{instance.stored_name}"


class LedgerImport(models.Model):
    """One uploaded ledger: its preview, and the progress of its import (polled by the page)."""

    class State(models.TextChoices):
        INVALID = "invalid", _("有错误")
        READY = "ready", _("待确认")
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("导入中")
        DONE = "done", _("已导入")
        FAILED = "failed", _("导入失败")

    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    file = models.FileField(upload_to=ledger_path)
    stored_name = models.CharField(max_length=80)
    original_name = models.CharField(_("文件名"), max_length=200)
    state = models.CharField(_("状态"), max_length=8, choices=State.choices, default=State.READY)
    rows = models.PositiveIntegerField(_("行数"), default=0)
    new_rows = models.PositiveIntegerField(_("可新建"), default=0)
    errors = models.JSONField(_("错误行"), default=list, blank=True)
    preview = models.JSONField(default=list, blank=True)
    created = models.PositiveIntegerField(_("新建"), default=0)
    existing = models.PositiveIntegerField(_("已存在"), default=0)
    progress = models.PositiveSmallIntegerField(_("进度"), default=0)
    message = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("台账导入")
        verbose_name_plural = _("台账导入")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def busy(self) -> bool:
        return self.state in (self.State.QUEUED, self.State.RUNNING)


# ---------------------------------------------------------------------------------------------
# WeChat group exports


class ChatExport(models.Model):
    """One uploaded or pasted group chat export (民情收集 · 微信群). Its text holds residents'
    nicknames: personal data, shown only to staff of its community."""

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="chat_exports",
                                  verbose_name=_("社区"))
    group_name = models.CharField(_("群名称"), max_length=100, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                    related_name="+", verbose_name=_("上传人"))
    sha256 = models.CharField(_("文件摘要"), max_length=64, db_index=True)
    text = models.TextField(_("聊天记录"))
    created_at = models.DateTimeField(_("上传时间"), default=timezone.now)
    registered_at = models.DateTimeField(_("登记时间"), null=True, blank=True)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                      related_name="+", verbose_name=_("登记人"))

    scope_paths = {"town": "community__town", "community": "community"}

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("微信群聊天记录")
        verbose_name_plural = _("微信群聊天记录")

    def __str__(self) -> str:
        return f"{self.community.name} {self.group_name or ''} #{self.pk}".strip()

    @property
    def source_ref(self) -> str:
        return f"chat:{self.pk}"


def fingerprint(community_id: int, time_key: str, sender_hash: str, text_hash: str) -> str:
    return hashlib.sha256(f"{community_id}|{time_key}|{sender_hash}|{text_hash}".encode()).hexdigest()


class ChatMessage(models.Model):
    """A message of an export: where it is, and a fingerprint (time + sender hash + text hash within
    the community) to recognise it in a later, overlapping export. No nickname, no text."""

    export = models.ForeignKey(ChatExport, on_delete=models.CASCADE, related_name="messages")
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    line = models.PositiveIntegerField(_("行号"))
    time = models.DateTimeField(_("消息时间"), null=True, blank=True)
    sender_hash = models.CharField(max_length=64)
    text_hash = models.CharField(max_length=64)
    fingerprint = models.CharField(max_length=64)
    is_demand = models.BooleanField(_("是诉求"), default=False)
    demand = models.ForeignKey("demands.Demand", on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="chat_messages", verbose_name=_("诉求"))
    # p(demand) read from the message's meaning vector by background work (``read_meaning``); the
    # extractor uses it as one feature. Null until read.
    meaning = models.FloatField(_("语义判断"), null=True, blank=True)

    scope_paths = {"town": "community__town", "community": "community"}

    class Meta:
        ordering = ["export", "line"]
        constraints = [models.UniqueConstraint(fields=["export", "line"], name="intake_chatmessage_export_line")]
        indexes = [models.Index(fields=["community", "fingerprint"], name="intake_chat_fingerprint")]
        verbose_name = _("群聊消息")
        verbose_name_plural = _("群聊消息")

    def __str__(self) -> str:
        return f"{self.export_id}:{self.line}"
