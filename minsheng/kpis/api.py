from django.http import HttpRequest
from ninja import Router, Schema

from minsheng.core.errors import NotFound

from .selectors import kpis as compute

router = Router(tags=["kpis"])


class KpisOut(Schema):
    scope: str
    level: str
    period: str
    received: int
    assigned: int
    response_rate: float | None
    resolution_rate: float | None
    satisfaction_rate: float | None
    composite: float | None
    on_time_rate: float | None
    avg_days_to_close: float | None


class ErrorOut(Schema):
    detail: str


@router.get("", response={200: KpisOut, 404: ErrorOut, 422: ErrorOut}, auth=None)
def kpis(request: HttpRequest, scope: str, period: str):
    """The three rates for a town, community or grid over a period (same figures as `minsheng kpis`).
    Aggregates only: no personal data."""
    return compute(scope, period)


# ---------------------------------------------------------------------------------------------
# Monthly ranking (published snapshots only)

rankings_router = Router(tags=["rankings"])


class RankingRowOut(Schema):
    rank: int
    name: str
    received: int
    assigned: int
    response_rate: float | None
    resolution_rate: float | None
    satisfaction_rate: float | None
    composite: float | None
    on_time_rate: float | None
    avg_days_to_close: float | None


class RankingOut(Schema):
    level: str
    town: str | None
    month: str
    published_at: str | None
    rows: list[RankingRowOut]


class RankingsOut(Schema):
    month: str
    rankings: list[RankingOut]


@rankings_router.get("", response={200: RankingsOut, 404: ErrorOut, 422: ErrorOut}, auth=None)
def rankings(request: HttpRequest, month: str | None = None, town: str | None = None):
    """The published monthly ranking (default: the latest published month): every community of each town
    (or of `town`) and every town, ranked by the composite. Published figures never change. Names and
    figures only."""
    from . import rankings as service

    label, found = service.published(month or None, town=service.find_town(town))
    if not found:
        raise NotFound(f"{label or month} 的排名尚未发布" if (label or month) else "尚未发布任何排名")
    return {"month": label, "rankings": [service.as_json(r) for r in found]}


# ---------------------------------------------------------------------------------------------
# Community sense surveys (aggregates only)

surveys_router = Router(tags=["surveys"])


class DimensionOut(Schema):
    label: str
    index: float | None
    mean: float | None
    count: int


class SurveyIndicesOut(Schema):
    id: int
    period: str
    title: str
    status: str
    first_day: str
    last_day: str
    responses: int
    indices: dict[str, DimensionOut]
    overall: float | None


class CommunityIndicesOut(Schema):
    community: str
    town: str
    surveys: list[SurveyIndicesOut]


@surveys_router.get("/indices", response={200: CommunityIndicesOut, 404: ErrorOut, 422: ErrorOut}, auth=None)
def survey_indices(request: HttpRequest, community: str):
    """The community's sense indices (获得感 gain · 幸福感 happiness · 安全感 security · 归属感 belonging ·
    认同感 identity) per survey, oldest period first: each the mean 1–5 rating mapped onto 0–100
    ((mean − 1) × 25) with the number of ratings. Aggregates only: no answers, no comments."""
    from . import surveys as service

    return service.public_trend(service.find_community(community))
