"""Reads of the territory."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Prefetch

from minsheng.core.errors import InvalidInput, NotFound

from .models import Community, Grid, Place, Town


@dataclass(frozen=True)
class District:
    """The whole install: the district (or city) whose towns run on it. Not a table: there is one, and
    its figures are the sums of its towns'."""

    name: str
    pk: None = None


def district() -> District:
    return District(settings.MINSHENG_DISTRICT_NAME)


@dataclass(frozen=True)
class Node:
    """A territory node: a town, a community or a grid."""

    level: str  # "district" | "town" | "community" | "grid"
    obj: District | Town | Community | Grid

    @property
    def name(self) -> str:
        return self.obj.name


SOLE_TOWN_KEY = "territory:sole-town"
SOLE_TOWN_SECONDS = 5


def sole_town() -> Town | None:
    """The install's town when it has exactly one (a demand that names no place then belongs to it),
    else None. Every registration asks, so the answer is kept a few seconds per process, as the
    gazetteer is: a town added elsewhere counts within seconds, one added here at once."""
    hit = cache.get(SOLE_TOWN_KEY)
    if hit is None:
        towns = list(Town.objects.all()[:2])
        hit = (towns[0],) if len(towns) == 1 else ()
        cache.set(SOLE_TOWN_KEY, hit, SOLE_TOWN_SECONDS)
    return hit[0] if hit else None


def forget_sole_town(**_signal) -> None:
    """A town saved or deleted in this process: ask again (connected in apps.py)."""
    cache.delete(SOLE_TOWN_KEY)


def territory_tree() -> list[Town]:
    """Every town with its communities, grids and places, in a fixed number of queries."""
    communities = Community.objects.annotate(n_groups=Count("resident_groups")).prefetch_related(
        Prefetch("grids", queryset=Grid.objects.order_by("id")),
        Prefetch("places", queryset=Place.objects.select_related("grid").order_by("name")),
    )
    return list(Town.objects.prefetch_related(Prefetch("communities", queryset=communities)))


def find_node(name: str) -> Node:
    """The town, community or grid called `name` (the most general level wins on a tie)."""
    name = (name or "").strip()
    if not name:
        raise InvalidInput("scope: 不能为空", field="scope")
    if name == district().name:
        return Node("district", district())
    if town := Town.objects.filter(name=name).first():
        return Node("town", town)
    matches = list(Community.objects.filter(name=name).select_related("town"))
    if len(matches) > 1:
        raise InvalidInput(f"scope: “{name}”在多个镇重名，请写作 镇名/社区名", field="scope")
    if matches:
        return Node("community", matches[0])
    if "/" in name:
        town_name, _, rest = name.partition("/")
        community = Community.objects.filter(town__name=town_name, name=rest).first()
        if community:
            return Node("community", community)
    grids = list(Grid.objects.filter(name=name).select_related("community__town"))
    if len(grids) == 1:
        return Node("grid", grids[0])
    if len(grids) > 1:
        raise InvalidInput(f"scope: 网格“{name}”重名", field="scope")
    raise NotFound(f"scope: 没有名为“{name}”的镇、社区或网格", field="scope")


def grid_for_point(lon: float, lat: float, *, community: Community | None = None) -> Grid | None:
    """The grid whose polygon contains the point, or None."""
    from shapely.geometry import Point, shape

    point = Point(lon, lat)
    grids = Grid.objects.exclude(polygon=None).select_related("community")
    if community is not None:
        grids = grids.filter(community=community)
    for grid in grids:
        if shape(grid.polygon).covers(point):
            return grid
    return None


def outlines(named_polygons) -> list[dict]:
    """GeoJSON features, one per name: the union of the polygons given under that name, from (name,
    polygon) pairs — so a map without a base layer still shows whose area is whose."""
    from shapely.geometry import mapping, shape
    from shapely.ops import unary_union

    parts: dict[str, list] = {}
    for name, polygon in named_polygons:
        if polygon:
            parts.setdefault(name, []).append(shape(polygon).buffer(0))
    return [{"type": "Feature", "geometry": mapping(unary_union(shapes)), "properties": {"name": name}}
            for name, shapes in parts.items()]


def community_outlines(grids) -> list[dict]:
    """One outline per community, from `grids` (which carry `community` and `polygon`)."""
    return outlines((g.community.name, g.polygon) for g in grids)


def town_outlines() -> list[dict]:
    """One outline per town, the union of its grids (the district's map)."""
    return outlines(Grid.objects.exclude(polygon=None).order_by("pk").values_list("community__town__name", "polygon"))
