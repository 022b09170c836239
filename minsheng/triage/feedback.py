"""Staff corrections as labelled training items."""

from __future__ import annotations


def feedback_items() -> list[dict]:
    """One corpus item per demand whose category, urgency or place staff corrected (latest values)."""
    from minsheng.demands.models import Demand, DemandEvent

    codes = DemandEvent.objects.filter(action="classify").values_list("demand_id", flat=True).distinct()
    items = []
    for d in Demand.objects.filter(pk__in=codes).select_related("community", "grid", "place"):
        items.append({
            "id": f"feedback-{d.code}", "text": d.text, "channel": d.channel, "category": d.category,
            "urgent": d.urgent, "community": d.community.name if d.community else None,
            "grid": d.grid.name if d.grid else None, "place": d.place.name if d.place else None,
            "dup_group": None, "register": "staff-feedback",
        })
    return items
