"""Loads the 湖塘镇 demo territory through the territory services (idempotent)."""

from __future__ import annotations

from . import demo_town as D
from .models import Town
from .services import (
    upsert_building,
    upsert_community,
    upsert_grid,
    upsert_place,
    upsert_resident_group,
    upsert_town,
)


def load(*, territory_only: bool = False) -> Town:
    town = upsert_town(name=D.TOWN["name"], code=D.TOWN["code"], population=D.TOWN["population"])
    grids = {}
    for c in D.COMMUNITIES:
        community = upsert_community(town=town, name=c["name"], code=c["code"], population=c["population"])
        for number in range(1, c["resident_groups"] + 1):
            upsert_resident_group(community=community, number=number)
        for i, (gname, kind) in enumerate(c["grids"]):
            unit = gname.removesuffix("专属网格") if kind == "dedicated" else ""
            grids[gname] = upsert_grid(
                community=community, name=gname, kind=kind, polygon=D.grid_polygon(c["row"], i), unit=unit,
                households=0 if kind == "dedicated" else 380 + 17 * i,
            )
    places = {}
    communities = {c.name: c for c in town.communities.all()}
    for p in D.PLACES:
        lon, lat = D.place_point(p)
        places[p["name"]] = upsert_place(
            community=communities[p["community"]], name=p["name"], aliases=p["aliases"], grid=grids[p["grid"]],
            kind=p["kind"], lon=lon, lat=lat,
        )
    for compound, count in D.BUILDINGS.items():
        place = places[compound]
        for n in range(1, count + 1):
            upsert_building(grid=place.grid, name=f"{compound}{n}幢", compound=place, households=24 + (n % 5) * 6)
    return town
