"""A resident's request to delete their personal data (domain.md §7), decided by staff."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DeletionRequest(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("待审核")
        APPROVED = "approved", _("已同意")
        REFUSED = "refused", _("不同意")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="deletion_requests",
                             verbose_name=_("居民"))
    reason = models.TextField(_("理由"), blank=True)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.PENDING)
    requested_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("审核人"))
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    note = models.TextField(_("审核说明"), blank=True)
    demands_blanked = models.PositiveIntegerField(_("已清除的诉求数"), default=0)

    class Meta:
        verbose_name = _("个人信息删除申请")
        verbose_name_plural = _("个人信息删除申请")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user"], condition=models.Q(state="pending"),
                                    name="deletion_one_pending_per_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.state} {self.requested_at:%Y-%m-%d}"
