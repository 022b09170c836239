"""Triage of a batch (``minsheng triage FILE.jsonl``): the complete assessment of every item — fast
heads, then the meaning vectors and full heads in bulk, then duplicate clusters over the whole batch
(candidates blocked by community and nearest neighbours, so the cost grows linearly with the items)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from minsheng.territory.models import Town

from .engine import Triage, load_default
from .engine.duplicates import cluster
from .services import engine_for

CHUNK = 256  # meaning vectors are computed this many texts at a time


class BatchTriage:
    def __init__(self, engine: Triage, full: bool = True):
        self.engine = engine
        self.full = full

    @classmethod
    def for_town(cls, town_name: str | None = None, full: bool = True) -> BatchTriage:
        """The town's own gazetteer; the demo gazetteer when the database has no town."""

        towns = Town.objects.all()
        if town_name:
            town = towns.filter(name=town_name).first()
            if town is None:
                from django.core.management.base import CommandError

                raise CommandError(f"没有名为“{town_name}”的镇")
        else:
            town = towns.first() if towns.count() == 1 else None
        if town is None:

            return cls(load_default(), full=full)
        return cls(engine_for(town)[0], full=full)

    def assess(self, items: list[dict]) -> list:
        results = [self.engine.predict(it.get("text") or "", channel=it.get("channel")) for it in items]
        if self.full:
            for s in range(0, len(results), CHUNK):
                self.engine.assess(results[s:s + CHUNK])
        for r in results:
            for attr in ("_analysis", "_sparse"):  # what the assessment needed, not the clustering
                r.__dict__.pop(attr, None)
        return results

    def run_all(self, items: Iterable[dict]) -> Iterator[dict]:
        items = list(items)
        results = self.assess(items)
        labels = cluster(results, model=self.engine.pairs)
        for it, r, label in zip(items, results, labels, strict=True):
            yield self.row(it, r, label)

    @staticmethod
    def row(item: dict, r, label: int) -> dict:
        return {
            "id": item.get("id"),
            "category": r.category,
            "urgent": bool(r.urgent),
            "community": r.community,
            "grid": r.grid,
            "confidence": round(float(r.confidence), 3),
            "cluster": label,
            "possibly_urgent": bool(r.possibly_urgent),
            "situation": r.situation,
            "place": r.place,
            "assessed_by": r.assessed_by,
        }

    def run(self, item: dict) -> dict:
        """One item alone (its own cluster)."""
        return next(self.run_all([item]))
