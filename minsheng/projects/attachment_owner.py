"""Projects own attachments (before/progress/after photos, the stage in `kind`): where they go and who
may see them."""

from __future__ import annotations

from django.http import HttpRequest

from minsheng.attachments.owners import register_owner

from .models import Project


def may_see_attachments(request: HttpRequest, project: Project) -> bool:
    """Everyone: a project's photos are public, like the project board."""
    return True


def register() -> None:
    register_owner(Project, folder=lambda p: f"projects/{p.pk}", may_see=may_see_attachments, public=True)
