"""Signals other apps may listen to. Receivers call their own app's services.

project_in_service: sent (after commit) when a micro-project passes inspection and enters service.
    kwargs: project_id: int, title: str, town_id: int, community_id: int, place_id: int | None,
            kind: "works" | "goods" | "services", items: list[{"name": str, "quantity": float, "unit": str}],
            facility_kind: str | None (a hint such as "fitness_point", "drainage_station", "toilet").
    What the project builds or repairs is stated in its work items (`WorkItem.facility_kind`,
    `facility_work`, `facility`); the facilities receiver reads those by `project_id`, not the hints.
"""

from django.dispatch import Signal

project_in_service = Signal()
