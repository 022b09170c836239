"""Listeners to other apps' signals. Each calls this app's services."""

from __future__ import annotations

import logging

log = logging.getLogger("minsheng.facilities")


def on_project_in_service(sender=None, *, project_id: int, title: str, community_id: int, place_id=None,
                          kind: str = "works", items=None, facility_kind=None, **kwargs):
    """A project passed inspection: create or update the facilities it built (projects/signals.py).

    The project has already committed; a failure here is logged, never turned into the project's error.
    """
    from .services import record_project

    try:
        return record_project(project_id=project_id, title=title, community_id=community_id, place_id=place_id,
                              kind=kind, items=items, facility_kind=facility_kind)
    except Exception:
        log.exception("recording the facilities of project %s failed", project_id)
        return None
