"""Signals other apps may listen to. Receivers call their own app's services.

project_in_service: sent (after commit) when a micro-project passes inspection and enters service.
    kwargs: project_id: int, title: str, town_id: int, community_id: int, place_id: int | None,
            kind: "works" | "goods" | "services", items: list[{"name": str, "quantity": float, "unit": str}],
            facility_kind: str | None (a hint such as "fitness_point", "drainage_station", "toilet").
"""

from django.dispatch import Signal

project_in_service = Signal()
