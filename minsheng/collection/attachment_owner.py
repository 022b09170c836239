"""Visits own attachments (photos taken on the spot): where they go and who may see them."""

from __future__ import annotations

from django.http import HttpRequest

from minsheng.accounts.selectors import visible
from minsheng.attachments.owners import register_owner

from .models import Visit


def may_see_attachments(request: HttpRequest, visit: Visit) -> bool:
    """Whoever may see the visit (staff whose territory covers its grid)."""
    return visible(request.user, Visit.objects.filter(pk=visit.pk)).exists()


def register() -> None:
    register_owner(Visit, folder=lambda v: f"visits/{v.pk}", may_see=may_see_attachments)
