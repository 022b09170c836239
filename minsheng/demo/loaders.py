"""The order in which each app loads its part of the demo town. Each entry is a module with
`load(territory_only=...)`; an app adds itself here when it has demo data."""

from __future__ import annotations

from importlib import import_module

LOADERS = [
    "minsheng.territory.demo",
    "minsheng.accounts.demo",
    "minsheng.demands.demo",
    # The register first: the demo projects name the facilities they repair.
    "minsheng.facilities.demo",
    "minsheng.projects.demo",
    "minsheng.services_activities.demo",
    "minsheng.publishing.demo",
]

# Loaders that only make sense with the full demo (demands, projects, activities…).
FULL_ONLY: set[str] = {
    "minsheng.demands.demo", "minsheng.projects.demo", "minsheng.facilities.demo",
    "minsheng.services_activities.demo",
}


def load_all(*, territory_only: bool = False) -> None:
    for name in LOADERS:
        if territory_only and name in FULL_ONLY:
            continue
        import_module(name).load(territory_only=territory_only)
