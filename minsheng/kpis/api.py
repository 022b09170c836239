from django.http import HttpRequest
from ninja import Router, Schema

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
