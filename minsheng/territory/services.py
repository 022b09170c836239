"""Writes to the territory: idempotent upserts used by admin, the demo loader and importers."""

from __future__ import annotations

from django.db import transaction

from minsheng.core.errors import InvalidInput

from .models import Building, Community, Grid, Place, ResidentGroup, Town


def validate_polygon(polygon: dict | None) -> dict | None:
    """A GeoJSON Polygon with at least one closed ring of (lon, lat) pairs, or None."""
    if polygon is None:
        return None
    from shapely.geometry import shape

    if not isinstance(polygon, dict) or polygon.get("type") not in {"Polygon", "MultiPolygon"}:
        raise InvalidInput("polygon: 需要 GeoJSON Polygon 或 MultiPolygon", field="polygon")
    try:
        geom = shape(polygon)
    except Exception as exc:  # shapely raises several types for malformed input
        raise InvalidInput(f"polygon: 无法解析 ({exc})", field="polygon") from exc
    if geom.is_empty or not geom.is_valid:
        raise InvalidInput("polygon: 多边形为空或自相交", field="polygon")
    return polygon


def _upsert(model, lookup: dict, values: dict):
    """Create the row or update only the fields that differ (so a re-run writes nothing)."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        return model.objects.create(**lookup, **values), True
    changed = [k for k, v in values.items() if getattr(obj, k) != v]
    if changed:
        for k in changed:
            setattr(obj, k, values[k])
        obj.save(update_fields=changed)
    return obj, False


@transaction.atomic
def upsert_town(*, name: str, code: str, population: int = 0) -> Town:
    return _upsert(Town, {"name": name}, {"code": code, "population": population})[0]


@transaction.atomic
def upsert_community(*, town: Town, name: str, code: str, population: int = 0) -> Community:
    return _upsert(Community, {"town": town, "name": name}, {"code": code, "population": population})[0]


@transaction.atomic
def upsert_grid(
    *, community: Community, name: str, kind: str = Grid.Kind.BASIC, polygon: dict | None = None,
    unit: str = "", households: int = 0,
) -> Grid:
    if kind not in Grid.Kind.values:
        raise InvalidInput(f"kind: 须为 {'/'.join(Grid.Kind.values)}", field="kind")
    values = {"kind": kind, "polygon": validate_polygon(polygon), "unit": unit, "households": households}
    return _upsert(Grid, {"community": community, "name": name}, values)[0]


@transaction.atomic
def set_grid_worker(*, grid: Grid, user) -> Grid:
    if grid.worker_id != (user.pk if user else None):
        grid.worker = user
        grid.save(update_fields=["worker"])
    return grid


@transaction.atomic
def upsert_resident_group(*, community: Community, number: int, name: str | None = None) -> ResidentGroup:
    return _upsert(
        ResidentGroup, {"community": community, "number": number}, {"name": name or f"第{number}居民小组"}
    )[0]


@transaction.atomic
def upsert_place(
    *, community: Community, name: str, aliases: list[str] | None = None, grid: Grid | None = None,
    kind: str = "", lon: float | None = None, lat: float | None = None,
) -> Place:
    if grid is not None and grid.community_id != community.pk:
        raise InvalidInput("grid: 网格不属于该社区", field="grid")
    if lon is not None and not -180 <= lon <= 180:
        raise InvalidInput("lon: 经度须在 -180 与 180 之间", field="lon")
    if lat is not None and not -90 <= lat <= 90:
        raise InvalidInput("lat: 纬度须在 -90 与 90 之间", field="lat")
    clean_aliases = sorted({a.strip() for a in (aliases or []) if a and a.strip() and a.strip() != name})
    values = {"aliases": clean_aliases, "grid": grid, "kind": kind, "lon": lon, "lat": lat}
    return _upsert(Place, {"community": community, "name": name}, values)[0]


@transaction.atomic
def upsert_building(*, grid: Grid, name: str, compound: Place | None = None, households: int = 0) -> Building:
    return _upsert(Building, {"grid": grid, "name": name}, {"compound": compound, "households": households})[0]
