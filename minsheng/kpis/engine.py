"""The three rates (三率) and friends, exactly as domain.md §6 defines them.

Each demand is attributed to the period it was received in (the town's local time). The figures
are computed from counts, so the same function serves raw rows and the daily counters.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

DEFAULT_WEIGHTS = {
    "composite": {"response": 0.30, "resolution": 0.35, "satisfaction": 0.35},
    "partly_resolved": 0.5,
    "basically_satisfied": 0.8,
}


def weights() -> dict:
    return getattr(settings, "MINSHENG_KPI_WEIGHTS", DEFAULT_WEIGHTS)


@dataclass
class Counts:
    """Additive counts for a set of demands (one day × grid × category, or any sum of those)."""

    received: int = 0
    assigned: int = 0
    responded_in_time: int = 0
    resolved: int = 0
    partly: int = 0
    unresolved: int = 0
    satisfied: int = 0
    basically: int = 0
    dissatisfied: int = 0
    no_answer: int = 0
    completed: int = 0
    completed_in_time: int = 0
    close_seconds: float = 0.0  # sum over completed demands of (completed − received)

    FIELDS = ("received", "assigned", "responded_in_time", "resolved", "partly", "unresolved", "satisfied",
              "basically", "dissatisfied", "no_answer", "completed", "completed_in_time", "close_seconds")

    def __add__(self, other: Counts) -> Counts:
        return Counts(**{f: getattr(self, f) + getattr(other, f) for f in self.FIELDS})


def _ratio(num: float, den: int) -> float | None:
    return None if den == 0 else num / den


def figures(c: Counts) -> dict:
    w = weights()
    response = _ratio(c.responded_in_time, c.assigned)
    resolution = _ratio(c.resolved + w["partly_resolved"] * c.partly, c.resolved + c.partly + c.unresolved)
    satisfaction = _ratio(c.satisfied + w["basically_satisfied"] * c.basically,
                          c.satisfied + c.basically + c.dissatisfied)
    cw = w["composite"]
    composite = (
        None if None in (response, resolution, satisfaction)
        else cw["response"] * response + cw["resolution"] * resolution + cw["satisfaction"] * satisfaction
    )
    return {
        "received": c.received,
        "assigned": c.assigned,
        "response_rate": response,
        "resolution_rate": resolution,
        "satisfaction_rate": satisfaction,
        "composite": composite,
        "on_time_rate": _ratio(c.completed_in_time, c.completed),
        "avg_days_to_close": None if c.completed == 0 else c.close_seconds / c.completed / 86400,
    }
