"""Reads of attachments: one attachment as its owner's scope allows (an owner lists its own through
its generic relation, e.g. `demand.attachments`)."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.http import HttpRequest

from .models import Attachment
from .owners import owner_of


def visible_attachment(request: HttpRequest, owner_model: type[models.Model], pk: int,
                       owner_filter: dict | None = None) -> Attachment | None:
    """The attachment `pk` of an `owner_model` (whose owner also matches `owner_filter`, e.g. {"code": …}) if the
    owner's registered check lets the caller see it; else None (the caller answers 404 either way)."""
    a = Attachment.objects.filter(pk=pk, owner_type=ContentType.objects.get_for_model(owner_model)).first()
    if a is None:
        return None
    owner = owner_model._default_manager.filter(pk=a.owner_id).filter(**(owner_filter or {})).first()
    if owner is None or not owner_of(owner_model).may_see(request, owner):
        return None
    return a
