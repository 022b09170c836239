"""The one entry point every channel uses to understand a demand's text.

This first version resolves places by exact gazetteer match (names and aliases) and points by
grid polygon; it does not classify: category stays `other` and the demand waits in the
"to classify" queue for staff.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from minsheng.territory.models import Community, Grid, Place, Town
from minsheng.territory.selectors import grid_for_point


@dataclass
class Analysis:
    category: str = "other"
    category_confidence: float = 0.0
    urgent: bool = False
    urgent_confidence: float = 0.0
    kind: str | None = None
    community: Community | None = None
    grid: Grid | None = None
    place: Place | None = None
    building: str | None = None
    confidence: float = 0.0
    evidence: list[str] = field(default_factory=list)
    engine: str = "gazetteer-exact"

    @property
    def needs_classification(self) -> bool:
        return self.category == "other" or self.confidence < 0.5

    def as_json(self) -> dict:
        return {
            "engine": self.engine,
            "category": self.category,
            "category_confidence": round(self.category_confidence, 3),
            "urgent": self.urgent,
            "urgent_confidence": round(self.urgent_confidence, 3),
            "place": self.place.name if self.place else None,
            "community": self.community.name if self.community else None,
            "grid": self.grid.name if self.grid else None,
            "building": self.building,
            "confidence": round(self.confidence, 3),
            "evidence": self.evidence,
        }


_CACHE: dict[int, tuple[float, list[tuple[str, Place]]]] = {}
_TTL = 60.0


def _gazetteer(town: Town) -> list[tuple[str, Place]]:
    """(word, place) pairs, longest word first, cached per process for a minute."""
    now = time.monotonic()
    hit = _CACHE.get(town.pk)
    if hit and now - hit[0] < _TTL:
        return hit[1]
    pairs: list[tuple[str, Place]] = []
    for place in Place.objects.filter(community__town=town).select_related("community", "grid"):
        for word in [place.name, *place.aliases]:
            if len(word) >= 2:
                pairs.append((word, place))
    pairs.sort(key=lambda p: -len(p[0]))
    _CACHE[town.pk] = (now, pairs)
    return pairs


def clear_cache() -> None:
    _CACHE.clear()


def analyse(text: str, *, town: Town, place_text: str = "", lat: float | None = None,
            lon: float | None = None, channel: str | None = None) -> Analysis:
    """Understand one demand: place → community/grid (category is left to staff for now)."""
    result = Analysis()
    haystack = f"{place_text} {text}"
    for word, place in _gazetteer(town):
        if word in haystack:
            result.place, result.community, result.grid = place, place.community, place.grid
            result.confidence = 1.0
            result.evidence.append(f"地名“{word}”→{place.name}（{place.community.name}）")
            break
    if result.community is None:
        for community in Community.objects.filter(town=town):
            short = community.name.removesuffix("社区")
            if community.name in haystack or (len(short) >= 2 and f"{short}社区" in haystack):
                result.community = community
                result.evidence.append(f"社区名“{community.name}”")
                break
    if lat is not None and lon is not None:
        grid = grid_for_point(lon, lat, community=result.community)
        if grid is not None and result.grid is None:
            result.grid, result.community = grid, grid.community
            result.evidence.append(f"坐标落在{grid.name}")
    return result
