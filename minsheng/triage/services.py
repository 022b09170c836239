"""The one entry point every channel uses to understand a demand's text.

`analyse()` runs the engine's fast heads (`minsheng.triage.engine`: jieba with the town's gazetteer
as user dictionary, linear heads over words and situations, place resolution) inside the request and
looks for open duplicates. `assess_demand()` is the second look, run by the worker seconds later
(`minsheng.triage.tasks`): the meaning vector and the full heads, which may raise the demand to urgent
or flag it "possibly urgent", and duplicate suggestions by meaning. Staff corrections (the `classify`
transition) are kept as labelled feedback for `minsheng triage-train`.
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from functools import lru_cache

import numpy as np
from django.conf import settings
from django.db.models import Q
from django.db.models.fields.json import KT
from django.utils import timezone

from minsheng.territory.models import Community, Grid, Place, Town

from .engine import Gazetteer, Triage, embed, find_duplicates
from .engine.model import Triage as _TriageModel
from .models import MeaningVector


@dataclass
class Analysis:
    category: str = "other"
    category_confidence: float = 0.0
    urgent: bool = False
    urgent_confidence: float = 0.0
    possibly_urgent: bool = False
    urgency: float = 0.0
    situation: str | None = None
    kind: str | None = None
    community: Community | None = None
    grid: Grid | None = None
    place: Place | None = None
    building: str | None = None
    confidence: float = 0.0
    evidence: list[str] = field(default_factory=list)
    concepts: list[str] = field(default_factory=list)
    duplicates: list[dict] | None = field(default_factory=list)  # None: left to the background look
    engine: str = "minsheng-triage"
    assessed_by: str = "fast"
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
            "assessed_by": self.assessed_by,
            "category": self.category,
            "category_confidence": round(self.category_confidence, 3),
            "urgent": self.urgent,
            "urgent_confidence": round(self.urgent_confidence, 3),
            "possibly_urgent": self.possibly_urgent,
            "urgency": round(self.urgency, 3),
            "situation": self.situation,
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

_ENGINES: dict[int, tuple[float, str, Triage, dict]] = {}
_LOCK = threading.Lock()
_CHECK_EVERY = 5.0
_PARAMS: dict | None = None


def _params() -> dict:
    global _PARAMS
    if _PARAMS is None:
        from .engine.model import load_default

        _PARAMS = load_default().params
    return _PARAMS


def _fingerprint(town: Town) -> str:
    """A digest of everything the gazetteer is built from — every place's name, aliases, community,
    grid and point, every grid's name, community and polygon — so a rename, an alias edit or a move
    to another grid rebuilds the engine at the next check (one query each, no row is decoded)."""
    h = hashlib.blake2b(digest_size=16)
    for row in (Place.objects.filter(community__town=town).order_by("pk")
                .values_list("pk", "name", "aliases", "community__name", "grid__name", "kind", "lon", "lat")):
        h.update(repr(row).encode("utf-8"))
    for row in (Grid.objects.filter(community__town=town).order_by("pk")
                .values_list("pk", "name", "community__name", "polygon")):
        h.update(repr(row).encode("utf-8"))
    for row in Community.objects.filter(town=town).order_by("pk").values_list("pk", "name"):
        h.update(repr(row).encode("utf-8"))
    return h.hexdigest()


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
    """The triage engine over this town's gazetteer (cached per process, checked every few seconds)."""
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
        _rehydrated.cache_clear()
    return engine, objects


def clear_cache() -> None:
    _ENGINES.clear()
    _rehydrated.cache_clear()


def warm_up(meaning: bool = False) -> None:
    """Load what the first demand would otherwise wait for: the model, jieba's dictionary and each
    town's gazetteer (and, for the background worker, the meaning model)."""
    _params()
    for town in Town.objects.all():
        engine, _objects = engine_for(town)
        engine.predict("采菱家园二期13幢下水道堵了")
    if meaning:
        embed.get()


# --- analysis ------------------------------------------------------------------------------------


def _analysis(r, objects: dict, town: Town) -> Analysis:
    a = Analysis(
        category=r.category, category_confidence=r.category_confidence, urgent=r.urgent,
        urgent_confidence=r.urgent_confidence, possibly_urgent=r.possibly_urgent, urgency=r.urgency,
        situation=r.situation, kind=r.type, building=r.building, confidence=r.confidence,
        evidence=list(r.evidence), concepts=list(r.concepts), assessed_by=r.assessed_by,
        community=objects["community"].get(r.community) if r.community else None,
        grid=objects["grid"].get(r.grid) if r.grid else None,
        place=objects["place"].get(r.place) if r.place else None, town=town,
    )
    if a.grid is not None and a.community is None:
        a.community = a.grid.community
    return a


def analyse(text: str, *, town: Town, place_text: str = "", lat: float | None = None,
            lon: float | None = None, channel: str | None = None, duplicates: bool | None = None) -> Analysis:
    """Category, urgency, type, place → community/grid, and open duplicates, with evidence (fast).

    ``duplicates=None`` (intake) searches open duplicates only when no background look will: that look
    searches them again by meaning seconds later, so the request would do the same work twice (it was
    40% of a registration's CPU). The analysis then says the search is pending (``duplicates`` None)."""
    engine, objects = engine_for(town)
    r = engine.predict(_words(text, place_text), channel=channel, lat=lat, lon=lon)
    a = _analysis(r, objects, town)
    if duplicates is None:
        duplicates = not embed.available()
        if not duplicates:
            a.duplicates = None
    if duplicates:
        a.duplicates = open_duplicates(engine, r, town=town, community=a.community)
    return a


def _words(text: str, place_text: str) -> str:
    return f"{place_text} {text}".strip() if place_text and place_text not in text else text


@lru_cache(maxsize=50_000)
def _rehydrated(engine: Triage, text: str, category: str, urgent: bool, community: str | None, place: str | None,
                grid: str | None, building: str | None):
    """An open demand as the duplicate finder sees it; cached, since the same open demands are
    compared with every new one."""
    return engine.rehydrate(text, category, urgent, community=community, place=place, grid=grid, building=building)


def _candidates(engine: Triage, *, town: Town, community: Community | None, exclude_code: str | None,
                with_vectors: bool) -> tuple[list, list[str]]:
    """Open demands within the window that could report the same problem: the community's own and
    those that name no community (or, for a demand naming none, the town's), newest first."""
    from minsheng.demands.models import OPEN_STATES, Demand

    since = timezone.now() - timedelta(days=settings.MINSHENG_DUPLICATE_WINDOW_DAYS)
    where = Q(community=community) | Q(community=None, town=town) if community is not None else Q(town=town)
    rows = (Demand.objects.filter(where, status__in=OPEN_STATES, received_at__gte=since)
            .exclude(code=exclude_code or "").order_by("-received_at")
            .values_list("pk", "code", "text", "category", "urgent", "community__name", "place__name", "grid__name",
                         KT("triage__building"))[:200])
    rows = list(rows)
    vectors = {}
    if with_vectors and rows:
        vectors = dict(MeaningVector.objects.filter(demand_id__in=[r[0] for r in rows]).values_list("demand_id", "vector"))
    out, codes = [], []
    for pk, code, text, category, urgent, comm, place, grid, building in rows:
        c = _rehydrated(engine, text, category, urgent, comm, place, grid, building)
        if pk in vectors:
            c = _with_vector(c, vectors[pk])
        out.append(c)
        codes.append(code)
    return out, codes


def _with_vector(r, blob: bytes):
    from dataclasses import replace

    r2 = replace(r, vector=embed.from_bytes(bytes(blob)))
    r2.ngrams = r.ngrams
    return r2


def open_duplicates(engine: Triage, result, *, town: Town, community: Community | None,
                    exclude_code: str | None = None) -> list[dict]:
    """Open demands that report the same problem at the same place, best first (at most 5)."""
    cands, codes = _candidates(engine, town=town, community=community, exclude_code=exclude_code,
                               with_vectors=result.vector is not None)
    found = find_duplicates(result, cands, model=engine.pairs)
    return [{"code": codes[i], "similarity": round(s, 3)} for i, s in found[:5]]


def text_digest(text: str) -> str:
    return hashlib.blake2b((text or "").encode("utf-8"), digest_size=12).hexdigest()


def assess_demand(code: str) -> dict | None:
    """The second look at a registered demand, with the meaning vector and the full heads: stores the
    vector, recomputes its duplicate suggestions by meaning, and hands the verdict to the demands app
    (which may raise the demand to urgent or flag it possibly urgent). None when the demand is gone
    or the meaning model is off."""
    from minsheng.demands.models import Demand
    from minsheng.demands.services import record_assessment

    d = Demand.objects.select_related("town", "community").filter(code=code).first()
    if d is None:
        return None
    emb = embed.get()
    if emb is None:
        return None
    engine, objects = engine_for(d.town)
    words = _words(d.text, d.place_text)
    r = engine.predict(words, channel=d.channel, lat=d.lat, lon=d.lon)
    vec = emb.encode_one(engine.meaning_text(words))
    engine.assess([r], vectors=np.asarray([vec]))
    MeaningVector.objects.update_or_create(
        demand=d, defaults={"vector": embed.to_bytes(vec), "text_digest": text_digest(d.text)})
    # compared as the demand now stands (staff may have corrected its category or place)
    r.category = d.category if not d.needs_classification else r.category
    r.community = d.community.name if d.community else None
    dups = open_duplicates(engine, r, town=d.town, community=d.community, exclude_code=d.code)
    a = _analysis(r, objects, d.town)
    a.duplicates = dups
    verdict = a.as_json()
    record_assessment(d.code, assessment=verdict, urgent=r.urgent, possibly_urgent=r.possibly_urgent,
                      situation=r.situation)
    return verdict
