"""Listeners to other apps' signals. Each calls this app's services."""

from __future__ import annotations

from . import from_projects


def on_project_in_service(sender=None, *, project_id: int, **kwargs):
    """A project passed inspection: put on the register what its work items state (from_projects.py).

    Errors are raised, not swallowed: the sender sees them (a project whose facilities cannot be
    recorded is a fault to fix, not a log line to miss)."""
    return from_projects.record(project_id)
