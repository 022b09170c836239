from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """One message to one recipient through one channel."""

    class ChannelKind(models.TextChoices):
        IN_APP = "in_app", _("站内消息")
        EMAIL = "email", _("电子邮件")
        SMS = "sms", _("短信")
        WECHAT = "wechat", _("微信模板消息")

    class State(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    address = models.CharField(_("地址"), max_length=120, blank=True, help_text=_("手机号或邮箱（无账号的诉求人）"))
    channel = models.CharField(_("渠道"), max_length=10, choices=ChannelKind.choices)
    subject = models.CharField(_("标题"), max_length=120)
    body = models.TextField(_("内容"))
    link = models.CharField(_("链接"), max_length=300, blank=True)
    demand_code = models.CharField(max_length=32, blank=True, db_index=True)
    state = models.CharField(_("状态"), max_length=8, choices=State.choices, default=State.PENDING)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notif_recipient_unread")]

    def __str__(self) -> str:
        return f"{self.channel}:{self.subject}"
