"""The one entry point every channel uses to understand a demand's text.

`analyse()` runs the engine (`minsheng.triage.engine`: jieba with the town's gazetteer as user
dictionary, a linear classifier, the urgency safety rules, place resolution) over the town's own
gazetteer, and looks for open duplicates in the same community. Staff corrections (the `classify`
transition) are kept as labelled feedback for `minsheng triage-train`.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from functools import lru_cache

from django.conf import settings
from django.db.models.fields.json import KT
from django.utils import timezone

from minsheng.territory.models import Community, Grid, Place, Town

from .engine import Gazetteer, Triage, find_duplicates
from .engine.duplicates import same_category_suffices
from .engine.model import Triage as _TriageModel


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
    concepts: list[str] = field(default_factory=list)
    duplicates: list[dict] = field(default_factory=list)
    engine: str = "minsheng-triage"
    town: Town | None = None  # the town the text was read against

    @property
    def needs_classification(self) -> bool:
        return self.category == "other" or self.category_confidence < settings.MINSHENG_TRIAGE_MIN_CONFIDENCE

    @property
    def duplicate_of(self) -> str | None:
        return self.duplicates[0]["code"] if self.duplicates else None

    def as_json(self) -> dict:
        return {
            "engine": self.engine,
            "category": self.category,
            "category_confidence": round(self.category_confidence, 3),
            "urgent": self.urgent,
            "urgent_confidence": round(self.urgent_confidence, 3),
            "kind": self.kind,
            "place": self.place.name if self.place else None,
            "community": self.community.name if self.community else None,
            "grid": self.grid.name if self.grid else None,
            "building": self.building,
            "confidence": round(self.confidence, 3),
            "evidence": self.evidence,
            "concepts": self.concepts,
            "duplicates": self.duplicates,
            "duplicate_of": self.duplicate_of,
        }


# --- the engine per town, rebuilt when the gazetteer changes -------------------------------------

_ENGINES: dict[int, tuple[float, tuple, Triage, dict]] = {}
_LOCK = threading.Lock()
_CHECK_EVERY = 60.0
_PARAMS: dict | None = None


def _params() -> dict:
    global _PARAMS
    if _PARAMS is None:
        from .engine.model import load_default

        _PARAMS = load_default().params
    return _PARAMS


def _fingerprint(town: Town) -> tuple:
    places = Place.objects.filter(community__town=town)
    grids = Grid.objects.filter(community__town=town)
    return (places.count(), max(places.values_list("pk", flat=True), default=0), grids.count(),
            sum(len(a) for a in places.values_list("aliases", flat=True)),
            Community.objects.filter(town=town).count())


def _build(town: Town) -> tuple[Triage, dict]:
    places, grids = [], []
    objects: dict = {"place": {}, "grid": {}, "community": {}}
    for c in Community.objects.filter(town=town):
        objects["community"][c.name] = c
    for g in Grid.objects.filter(community__town=town).select_related("community"):
        grids.append({"name": g.name, "community": g.community.name, "polygon": g.polygon})
        objects["grid"][g.name] = g
    for p in Place.objects.filter(community__town=town).select_related("community", "grid"):
        places.append({"name": p.name, "aliases": list(p.aliases), "community": p.community.name,
                       "grid": p.grid.name if p.grid else None, "kind": p.kind,
                       "point": (p.lon, p.lat) if p.lon is not None and p.lat is not None else None})
        objects["place"][p.name] = p
    return _TriageModel(_params(), Gazetteer(places, grids)), objects


def engine_for(town: Town) -> tuple[Triage, dict]:
    """The triage engine over this town's gazetteer (cached per process)."""
    now = time.monotonic()
    hit = _ENGINES.get(town.pk)
    if hit and now - hit[0] < _CHECK_EVERY:
        return hit[2], hit[3]
    fp = _fingerprint(town)
    if hit and hit[1] == fp:
        _ENGINES[town.pk] = (now, fp, hit[2], hit[3])
        return hit[2], hit[3]
    with _LOCK:
        engine, objects = _build(town)
        _ENGINES[town.pk] = (now, fp, engine, objects)
    return engine, objects


def clear_cache() -> None:
    _ENGINES.clear()


# --- analysis ------------------------------------------------------------------------------------


def analyse(text: str, *, town: Town, place_text: str = "", lat: float | None = None,
            lon: float | None = None, channel: str | None = None, duplicates: bool = True) -> Analysis:
    """Category, urgency, type, place → community/grid, and open duplicates, with evidence."""
    engine, objects = engine_for(town)
    words = f"{place_text} {text}".strip() if place_text and place_text not in text else text
    r = engine.predict(words, channel=channel, lat=lat, lon=lon)
    a = Analysis(
        category=r.category, category_confidence=r.category_confidence, urgent=r.urgent,
        urgent_confidence=r.urgent_confidence, kind=r.type, building=r.building,
        confidence=r.confidence, evidence=list(r.evidence), concepts=list(r.concepts),
        community=objects["community"].get(r.community) if r.community else None,
        grid=objects["grid"].get(r.grid) if r.grid else None,
        place=objects["place"].get(r.place) if r.place else None, town=town,
    )
    if a.grid is not None and a.community is None:
        a.community = a.grid.community
    if duplicates and a.community is not None:
        a.duplicates = open_duplicates(engine, r, a.community)
    return a


@lru_cache(maxsize=50_000)
def _rehydrated(engine: Triage, text: str, category: str, urgent: bool, community: str, place: str | None,
                grid: str | None, building: str | None):
    """An open demand as the duplicate finder sees it; cached, since the same open demands are
    compared with every new one."""
    return engine.rehydrate(text, category, urgent, community=community, place=place, grid=grid, building=building)


def open_duplicates(engine: Triage, result, community: Community, *, exclude_code: str | None = None) -> list[dict]:
    """Open demands of the same community within the window that report the same problem at the same
    place, best first (at most 5)."""
    from minsheng.demands.models import OPEN_STATES, Demand

    since = timezone.now() - timedelta(days=settings.MINSHENG_DUPLICATE_WINDOW_DAYS)
    rows = Demand.objects.filter(community=community, status__in=OPEN_STATES, received_at__gte=since)
    if same_category_suffices():
        # Other categories cannot score a duplicate: leave them in the database.
        rows = rows.filter(category=result.category)
    rows = (rows.exclude(code=exclude_code or "")
            .select_related("place", "grid").order_by("-received_at")
            # KT: the building as text, without decoding a JSON value per row.
            .values_list("code", "text", "category", "urgent", "place__name", "grid__name", KT("triage__building"))[:200])
    candidates, codes = [], []
    for code, text, category, urgent, place, grid, building in rows:
        candidates.append(_rehydrated(engine, text, category, urgent, community.name, place, grid, building))
        codes.append(code)
    found = find_duplicates(result, candidates)
    return [{"code": codes[i], "similarity": round(s, 3)} for i, s in found[:5]]
