"""Integrations allowed to POST to the Open311 endpoint. Only a hash of the api_key is stored."""

from __future__ import annotations

import hashlib

from django.db import models
from django.utils.translation import gettext_lazy as _


def key_digest(key: str) -> str:
    return hashlib.sha256((key or "").encode()).hexdigest()


class Open311Client(models.Model):
    name = models.CharField(_("名称"), max_length=60, unique=True, help_text=_("接入方，如 12345 平台"))
    key_digest = models.CharField(_("api_key 摘要"), max_length=64, unique=True, editable=False)
    key_hint = models.CharField(_("api_key 末四位"), max_length=8, blank=True, editable=False)
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Open311 接入方")
        verbose_name_plural = _("Open311 接入方")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def set_key(self, key: str) -> None:
        self.key_digest = key_digest(key)
        self.key_hint = key[-4:]

    @classmethod
    def for_key(cls, key: str) -> Open311Client | None:
        if not key:
            return None
        return cls.objects.filter(key_digest=key_digest(key), active=True).first()
