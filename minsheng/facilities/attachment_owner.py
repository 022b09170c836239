"""Facilities own attachments (photos of the facility and of its maintenance tasks, the task being the
attachment's `part`): where they go and who may see them."""

from __future__ import annotations

from django.http import HttpRequest

from minsheng.attachments.owners import register_owner

from .models import Facility
from .selectors import visible_facilities


def may_see_attachments(request: HttpRequest, facility: Facility) -> bool:
    """Staff who may see the facility."""
    return visible_facilities(request.user).filter(pk=facility.pk).exists()


def register() -> None:
    register_owner(Facility, folder=lambda f: f"facilities/{f.pk}", may_see=may_see_attachments)
