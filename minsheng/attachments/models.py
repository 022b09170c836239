"""The one attachment model: every photo of every owner (a demand, a visit, a facility, an activity, a
project) is a row here.

An attachment belongs to an owner through a generic reference (owner_type + owner_id); the owner app
declares a GenericRelation (`demand.attachments`, `visit.photos`, …) and registers, in its AppConfig,
who may see its attachments (selectors.register_owner). `part` names an optional sub-object of the owner
the photo documents (a facility's maintenance task). The file stays where it was stored: `file` holds
the path under MEDIA_ROOT, `stored_name` the random name given at upload.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def attachment_path(instance: Attachment, filename: str) -> str:
    """The service passes the whole relative path (owner folder + random name)."""
    return filename


class Attachment(models.Model):
    owner_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    owner_id = models.PositiveBigIntegerField()
    owner = GenericForeignKey("owner_type", "owner_id")
    part_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    part_id = models.PositiveBigIntegerField(null=True, blank=True)
    part = GenericForeignKey("part_type", "part_id")
    kind = models.CharField(_("类别"), max_length=10, blank=True,
                            help_text=_("由所属对象定义，例如项目照片的阶段：改造前/施工中/改造后"))
    caption = models.CharField(_("说明"), max_length=120, blank=True)
    file = models.FileField(upload_to=attachment_path, max_length=200)
    stored_name = models.CharField(max_length=80)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["owner_type", "owner_id"], name="attachment_owner"),
            models.Index(fields=["part_type", "part_id"], name="attachment_part"),
        ]

    def __str__(self) -> str:
        return self.stored_name
