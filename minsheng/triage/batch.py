"""Triage of a stream of items with incremental duplicate clustering (for `minsheng triage` and the
chat extractor): each item joins the cluster of the most similar earlier item of the same community,
or starts its own."""

from __future__ import annotations

from minsheng.territory.models import Town

from .engine import Triage
from .engine.duplicates import DEFAULT_THRESHOLD, similarity


class BatchTriage:
    def __init__(self, engine: Triage):
        self.engine = engine
        self.members: dict[str | None, list[tuple[object, int]]] = {}
        self.next_cluster = 0

    @classmethod
    def for_town(cls, town_name: str | None = None) -> BatchTriage:
        """The town's own gazetteer; the demo gazetteer when the database has no town."""
        from .services import engine_for

        towns = Town.objects.all()
        if town_name:
            town = towns.filter(name=town_name).first()
            if town is None:
                from django.core.management.base import CommandError

                raise CommandError(f"没有名为“{town_name}”的镇")
        else:
            town = towns.first() if towns.count() == 1 else None
        if town is None:
            from .engine import load_default

            return cls(load_default())
        return cls(engine_for(town)[0])

    def cluster_of(self, result) -> int:
        best, best_score = None, 0.0
        for other, label in self.members.get(result.community, []):
            if result.community is None:
                break
            score = similarity(result, other)
            if score >= DEFAULT_THRESHOLD and score > best_score:
                best, best_score = label, score
        if best is None:
            best = self.next_cluster
            self.next_cluster += 1
        self.members.setdefault(result.community, []).append((result, best))
        return best

    def run(self, item: dict) -> dict:
        text = item.get("text") or ""
        r = self.engine.predict(text, channel=item.get("channel"))
        return {
            "id": item.get("id"),
            "category": r.category,
            "urgent": bool(r.urgent),
            "community": r.community,
            "grid": r.grid,
            "confidence": round(float(r.confidence), 3),
            "cluster": self.cluster_of(r),
        }
