from django.http import HttpRequest
from ninja import Router, Schema

from .selectors import territory_tree

router = Router(tags=["territory"])


class GridOut(Schema):
    name: str
    kind: str


class PlaceOut(Schema):
    name: str
    aliases: list[str]
    community: str
    grid: str | None


class CommunityOut(Schema):
    name: str
    code: str
    resident_groups: int
    grids: list[GridOut]
    places: list[PlaceOut]


class TownOut(Schema):
    name: str
    code: str
    communities: list[CommunityOut]


class TerritoryOut(Schema):
    towns: list[TownOut]


@router.get("", response=TerritoryOut, auth=None)
def territory(request: HttpRequest):
    """The public tree: towns, communities (with the number of resident groups), grids and places."""
    towns = []
    for town in territory_tree():
        communities = []
        for c in town.communities.all():
            communities.append({
                "name": c.name,
                "code": c.code,
                "resident_groups": c.n_groups,
                "grids": [{"name": g.name, "kind": g.kind} for g in c.grids.all()],
                "places": [
                    {"name": p.name, "aliases": p.aliases, "community": c.name, "grid": p.grid.name if p.grid else None}
                    for p in c.places.all()
                ],
            })
        towns.append({"name": town.name, "code": town.code, "communities": communities})
    return {"towns": towns}
