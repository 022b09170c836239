"""Demands own attachments (a resident's or a worker's photos): where they go and who may see them."""

from __future__ import annotations

from django.http import HttpRequest

from minsheng.accounts.auth import optional_user
from minsheng.attachments.owners import register_owner

from .models import Demand
from .selectors import visible_demands
from .services import check_tracking


def may_see_attachments(request: HttpRequest, demand: Demand) -> bool:
    """Staff who may see the demand, or the reporter with the tracking token (`?token=`)."""
    user = optional_user(request)
    if user is not None and visible_demands(user).filter(pk=demand.pk).exists():
        return True
    return check_tracking(demand, request.GET.get("token") or "")


def register() -> None:
    register_owner(Demand, folder=lambda d: f"demands/{d.code}", may_see=may_see_attachments)
