"""Build the engine's gazetteer input from the demo town (plain data, no Django)."""

from __future__ import annotations

from functools import lru_cache


def demo_places_and_grids() -> tuple[list[dict], list[dict]]:
    from minsheng.territory import demo_town as dt

    gi = dt.grid_index()
    grids = []
    for c in dt.COMMUNITIES:
        for i, (gname, _kind) in enumerate(c["grids"]):
            grids.append({"name": gname, "community": c["name"],
                          "polygon": dt.grid_polygon(c["row"], i)})
    places = []
    for p in dt.PLACES:
        places.append({"name": p["name"], "aliases": list(p.get("aliases", [])),
                       "community": p["community"], "grid": p.get("grid"),
                       "kind": p.get("kind"),
                       "point": dt.place_point(p) if p.get("grid") in gi else None})
    return places, grids


@lru_cache(maxsize=1)
def demo_gazetteer():
    from .gazetteer import Gazetteer

    places, grids = demo_places_and_grids()
    return Gazetteer(places, grids)
