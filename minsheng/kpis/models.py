from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop, pgettext_lazy


class KpiCounter(models.Model):
    """Additive KPI counts for one territory node and one local day or month (and optionally one
    category), kept up to date in the same transaction as every demand change. Reads sum at most a
    few dozen rows, whatever the number of demands."""

    key = models.CharField(max_length=80, unique=True)
    level = models.CharField(max_length=10)  # town | community | grid
    node_id = models.BigIntegerField()
    granularity = models.CharField(max_length=1)  # d (day) | m (month)
    day = models.DateField()  # the day, or the first day of the month
    category = models.CharField(max_length=20, blank=True)  # "" = all categories

    received = models.BigIntegerField(default=0)
    assigned = models.BigIntegerField(default=0)
    responded_in_time = models.BigIntegerField(default=0)
    resolved = models.BigIntegerField(default=0)
    partly = models.BigIntegerField(default=0)
    unresolved = models.BigIntegerField(default=0)
    satisfied = models.BigIntegerField(default=0)
    basically = models.BigIntegerField(default=0)
    dissatisfied = models.BigIntegerField(default=0)
    no_answer = models.BigIntegerField(default=0)
    completed = models.BigIntegerField(default=0)
    completed_in_time = models.BigIntegerField(default=0)
    close_us = models.BigIntegerField(default=0)  # Σ (completed − received) in microseconds

    class Meta:
        indexes = [models.Index(fields=["level", "node_id", "granularity", "category", "day"], name="kpi_lookup")]

    def __str__(self) -> str:
        return self.key


class Ranking(models.Model):
    """A published monthly ranking (domain.md §6): every community of a town (level "community", town
    set) or every town of the install (level "town", town None), ranked by the composite. The rows are a
    snapshot taken when it was published, so the published figures never change afterwards."""

    class Level(models.TextChoices):
        COMMUNITY = "community", "社区"
        TOWN = "town", "镇/街道"

    town = models.ForeignKey("territory.Town", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="rankings", verbose_name="镇/街道")
    month = models.DateField("月份", help_text="该月第一天")
    level = models.CharField("层级", max_length=10, choices=Level.choices)
    rows = models.JSONField("排名", default=list)
    weights = models.JSONField("权重", default=dict)
    published_at = models.DateTimeField("发布时间")

    class Meta:
        verbose_name = "月度排名"
        verbose_name_plural = "月度排名"
        ordering = ["-month", "level", "town__name"]
        constraints = [
            models.UniqueConstraint(fields=["town", "month", "level"], condition=models.Q(town__isnull=False),
                                    name="ranking_unique_town_month"),
            models.UniqueConstraint(fields=["month", "level"], condition=models.Q(town__isnull=True),
                                    name="ranking_unique_install_month"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.level} {self.town or '全部'}"


# The five community sense dimensions (domain.md §6), in the order people say them. The labels are plain
# Chinese (the API and messages use them as they are); pages translate them where they show them.
SENSE_DIMENSIONS: list[tuple[str, str]] = [
    ("gain", gettext_noop("获得感")),
    ("happiness", gettext_noop("幸福感")),
    ("security", gettext_noop("安全感")),
    ("belonging", gettext_noop("归属感")),
    ("identity", gettext_noop("认同感")),
]


class SenseSurvey(models.Model):
    """A periodic questionnaire on the five community senses, for one community and one period."""

    class Status(models.TextChoices):
        OPEN = "open", _("征集中")
        CLOSED = "closed", pgettext_lazy("survey status", "已结束")

    community = models.ForeignKey("territory.Community", on_delete=models.PROTECT, related_name="sense_surveys",
                                  verbose_name="社区")
    period = models.CharField("时期", max_length=32, help_text="2026、2026-Q4、2026-10 …")
    first_day = models.DateField("开始日期")
    last_day = models.DateField("结束日期")
    title = models.CharField("标题", max_length=120)
    status = models.CharField("状态", max_length=8, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    scope_paths = {"town": "community__town", "community": "community"}

    class Meta:
        verbose_name = "群众感受调查"
        verbose_name_plural = "群众感受调查"
        ordering = ["-first_day", "community__name"]
        constraints = [models.UniqueConstraint(fields=["community", "period"], name="sensesurvey_unique_period")]

    def __str__(self) -> str:
        return self.title


class SurveyResponse(models.Model):
    """One answer sheet: each dimension rated 1–5 (blank when left out) and an optional comment.
    Online answers from a signed-in user are one per user and survey; paper sheets are entered by staff."""

    class Source(models.TextChoices):
        ONLINE = "online", _("线上填写")
        PAPER = "paper", _("纸质问卷录入")

    survey = models.ForeignKey(SenseSurvey, on_delete=models.CASCADE, related_name="responses")
    gain = models.PositiveSmallIntegerField("获得感", null=True, blank=True)
    happiness = models.PositiveSmallIntegerField("幸福感", null=True, blank=True)
    security = models.PositiveSmallIntegerField("安全感", null=True, blank=True)
    belonging = models.PositiveSmallIntegerField("归属感", null=True, blank=True)
    identity = models.PositiveSmallIntegerField("认同感", null=True, blank=True)
    comment = models.TextField("意见建议", blank=True)
    source = models.CharField("来源", max_length=8, choices=Source.choices, default=Source.ONLINE)
    respondent = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "调查答卷"
        verbose_name_plural = "调查答卷"
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "respondent"], condition=models.Q(respondent__isnull=False),
                                    name="surveyresponse_one_per_user"),
        ]

    def __str__(self) -> str:
        return f"{self.survey_id}#{self.pk}"
