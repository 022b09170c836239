"""WeChat group exports imported at /desk/intake/chat/: the export as uploaded, and one fingerprint per
message so that re-importing an overlapping export creates nothing twice."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from minsheng.territory.models import Community


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

    scope_paths = {"town": "community__town", "community": "community"}

    class Meta:
        ordering = ["export", "line"]
        constraints = [models.UniqueConstraint(fields=["export", "line"], name="intake_chatmessage_export_line")]
        indexes = [models.Index(fields=["community", "fingerprint"], name="intake_chat_fingerprint")]
        verbose_name = _("群聊消息")
        verbose_name_plural = _("群聊消息")

    def __str__(self) -> str:
        return f"{self.export_id}:{self.line}"
