"""Activities own attachments (photos published with the activity): where they go and who may see them."""

from __future__ import annotations

from django.http import HttpRequest

from minsheng.attachments.owners import register_owner

from .models import Activity


def may_see_attachments(request: HttpRequest, activity: Activity) -> bool:
    """Everyone, unless the activity was cancelled."""
    return not activity.cancelled


def register() -> None:
    register_owner(Activity, folder=lambda a: f"activities/{a.pk}", may_see=may_see_attachments, public=True)
