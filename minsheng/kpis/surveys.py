"""Community sense surveys (获得感 · 幸福感 · 安全感 · 归属感 · 认同感, domain.md §6).

A `SenseSurvey` asks one community's residents, for one period, to rate each of the five senses from 1
to 5 (a dimension may be left blank) with an optional comment. Residents answer online (one answer per
signed-in user and survey; anonymous answers are rate-limited per address); staff enter paper sheets.

The index of a dimension is its mean rating mapped linearly from 1–5 onto 0–100, i.e.
(mean − 1) × 25, given with the number of ratings it rests on; the overall index is the mean of the
dimension indices that exist. Only these aggregates are public; comments are for staff.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Avg, Count, QuerySet

from minsheng.accounts import scope
from minsheng.accounts.models import STAFF_ROLES
from minsheng.accounts.selectors import visible
from minsheng.core.errors import InvalidInput, NotFound
from minsheng.territory.models import Community

from .models import SENSE_DIMENSIONS, SenseSurvey, SurveyResponse

DIMENSIONS = [code for code, _label in SENSE_DIMENSIONS]
LABELS = dict(SENSE_DIMENSIONS)


# ---------------------------------------------------------------------------------------------
# Who may do what


def can_manage(user, community: Community) -> bool:
    """Create, close and reopen surveys: the community's staff and the town."""
    return scope.reaches(user, scope.place_of(community), "manage")


def can_enter(user, community: Community) -> bool:
    """Enter paper sheets and read results: anyone working in the community's territory (incl. grid workers)."""
    return scope.reaches(user, scope.place_of(community), "see")


def visible_surveys(user) -> QuerySet:
    return visible(user, SenseSurvey.objects.all())


def manageable_communities(user) -> QuerySet:
    return visible(user, Community.objects.select_related("town"), role_set=STAFF_ROLES).order_by("town__name", "name")


# ---------------------------------------------------------------------------------------------
# Reads


def index_of(mean: float | None) -> float | None:
    return None if mean is None else round((float(mean) - 1) * 25, 1)


def indices(survey_ids: Iterable[int]) -> dict[int, dict]:
    """For each survey: `responses`, `indices` {dimension: {label, index, mean, count}} and `overall`,
    in one query."""
    ids = list(survey_ids)
    agg: dict = {f"n_{c}": Count(c) for c in DIMENSIONS}
    agg.update({f"avg_{c}": Avg(c) for c in DIMENSIONS})
    rows = {r["survey_id"]: r for r in SurveyResponse.objects.filter(survey_id__in=ids).values("survey_id")
            .annotate(responses=Count("id"), **agg).order_by()}
    out = {}
    for sid in ids:
        r = rows.get(sid, {})
        dims = {}
        for c in DIMENSIONS:
            mean = r.get(f"avg_{c}")
            dims[c] = {"label": LABELS[c], "index": index_of(mean),
                       "mean": None if mean is None else round(float(mean), 3), "count": r.get(f"n_{c}", 0)}
        present = [(float(r[f"avg_{c}"]) - 1) * 25 for c in DIMENSIONS if r.get(f"avg_{c}") is not None]
        out[sid] = {"responses": r.get("responses", 0), "indices": dims,
                    "overall": round(sum(present) / len(present), 1) if present else None}
    return out


def find_community(name: str) -> Community:
    """`采菱社区`, or `湖塘镇/采菱社区` when the name is used in more than one town."""
    name = (name or "").strip()
    if not name:
        raise InvalidInput("community: 不能为空", field="community")
    if "/" in name:
        town_name, _, rest = name.partition("/")
        c = Community.objects.select_related("town").filter(town__name=town_name, name=rest).first()
        if c is None:
            raise NotFound(f"community: 没有“{name}”", field="community")
        return c
    matches = list(Community.objects.select_related("town").filter(name=name)[:2])
    if not matches:
        raise NotFound(f"community: 没有名为“{name}”的社区", field="community")
    if len(matches) > 1:
        raise InvalidInput(f"community: “{name}”在多个镇重名，请写作 镇名/社区名", field="community")
    return matches[0]


def trend(community: Community) -> list[dict]:
    """Every survey of the community, oldest period first, with its indices (two queries)."""
    surveys = list(SenseSurvey.objects.filter(community=community).order_by("first_day", "id"))
    figures = indices(s.pk for s in surveys)
    return [{"survey": s, **figures[s.pk]} for s in surveys]


def public_trend(community: Community) -> dict:
    return {
        "community": community.name, "town": community.town.name,
        "surveys": [
            {"id": t["survey"].pk, "period": t["survey"].period, "title": t["survey"].title,
             "status": t["survey"].status, "first_day": t["survey"].first_day.isoformat(),
             "last_day": t["survey"].last_day.isoformat(), "responses": t["responses"],
             "indices": t["indices"], "overall": t["overall"]}
            for t in trend(community)
        ],
    }


def comments(survey: SenseSurvey, limit: int = 200) -> QuerySet:
    return survey.responses.exclude(comment="").order_by("-created_at", "-id")[:limit]


def chart(points: list[dict], *, width: int = 560, height: int = 220) -> dict:
    """Geometry for a simple server-rendered SVG line chart of the five indices over the periods."""
    left, right, top, bottom = 36, 32, 12, 28
    n = len(points)
    span_x = width - left - right
    span_y = height - top - bottom

    def x(i: int) -> float:
        return round(left + (span_x / 2 if n == 1 else span_x * i / (n - 1)), 1)

    def y(v: float) -> float:
        return round(top + span_y * (1 - v / 100), 1)

    colours = ["#c8102e", "#0b5cad", "#2e7d32", "#e65100", "#6a1b9a"]
    series = []
    for code, colour in zip(DIMENSIONS, colours, strict=True):
        dots = [(x(i), y(p["indices"][code]["index"]), p["indices"][code]["index"])
                for i, p in enumerate(points) if p["indices"][code]["index"] is not None]
        series.append({"code": code, "label": LABELS[code], "colour": colour, "dots": dots,
                       "polyline": " ".join(f"{a},{b}" for a, b, _v in dots)})
    grid = [{"y": y(v), "label": v} for v in (0, 25, 50, 75, 100)]
    ticks = [{"x": x(i), "label": p["survey"].period} for i, p in enumerate(points)]
    return {"width": width, "height": height, "left": left, "right": width - right, "bottom": height - bottom,
            "series": series, "grid": grid, "ticks": ticks}


def survey_or_404(pk: int) -> SenseSurvey:
    s = SenseSurvey.objects.select_related("community__town").filter(pk=pk).first()
    if s is None:
        raise NotFound("没有这项调查")
    return s
