"""Grid workers' visits (网格员走访): the building or household visited, notes, photos, the demands
raised on the spot, and visit coverage per grid (巡查覆盖率)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone

from minsheng.accounts.selectors import visible
from minsheng.attachments import services as attachments
from minsheng.core.errors import InvalidInput, NotAllowed
from minsheng.demands import rules
from minsheng.demands.models import Demand
from minsheng.demands.services import register
from minsheng.territory.models import Building, Grid

from ..access import covers_grid
from ..models import Visit

MAX_PHOTOS = 9
MAX_DEMANDS = 20
MAX_NOTES = 5000
# A phone's clock may run a little ahead of the server's: a visit saved "now" must not be refused.
CLOCK_SKEW = timedelta(minutes=5)


def buildings_for(user):
    """Buildings the user may record visits to: those in the grids the user covers."""
    return visible(user, Building.objects.select_related("grid__community")).order_by("grid__community__name",
                                                                                      "grid__id", "id")


def demand_lines(text: str) -> list[tuple[int, str]]:
    """The demands typed on the visit page, one per line: [(line number, text)]."""
    out = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip().lstrip("-•·*").strip()
        if line:
            out.append((number, line))
    return out


@dataclass
class VisitResult:
    visit: Visit
    demands: list
    replayed: bool = False  # the visit was recorded before under the same client key


def clean_client_key(value: str) -> str:
    """The phone's idempotency key: "" (none) or a UUID, returned in its canonical lower-case form."""
    value = (value or "").strip()
    if not value:
        return ""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise InvalidInput("client_key: 离线保存编号格式不正确（应为 UUID）", field="client_key") from None


def _recorded(actor, client_key: str) -> VisitResult | None:
    if not client_key:
        return None
    visit = Visit.objects.filter(worker=actor, client_key=client_key).first()
    return VisitResult(visit, list(visit_demands(visit)), replayed=True) if visit else None


@transaction.atomic
def record_visit(actor, *, building_id, household: str = "", notes: str = "", demands_text: str = "",
                 reporter_name: str = "", reporter_phone: str = "", photos=(), visited_at: datetime | None = None,
                 urgent: bool = False, client_key: str = "") -> VisitResult:
    """Record one visit. Only in a grid the actor covers (a grid worker: their own grid) → else 403.
    Each line of `demands_text` becomes a demand (channel `visit`, source `visit:<id>`, line number).
    With a `client_key` (a phone's UUID) the visit is recorded at most once per worker and key: a repeat
    returns the first visit and its demands (`replayed`), whatever it carries."""

    client_key = clean_client_key(client_key)
    if (earlier := _recorded(actor, client_key)) is not None:
        return earlier
    try:
        building = Building.objects.select_related("grid__community__town").get(pk=int(building_id))
    except (TypeError, ValueError, Building.DoesNotExist):
        raise InvalidInput("building: 请选择走访的楼幢", field="building") from None
    if not (getattr(actor, "is_active", False) and covers_grid(actor, building.grid)):
        raise NotAllowed(f"{building.name}不在您负责的网格内")
    household = rules.clean_text(household, field="household", max_len=60, required=False)
    reporter_name = rules.clean_text(reporter_name, field="reporter_name", max_len=rules.MAX_NAME, required=False)
    reporter_phone = rules.clean_phone(reporter_phone)
    notes = rules.clean_text(notes, field="notes", max_len=MAX_NOTES, required=False)
    lines = demand_lines(demands_text)
    if len(lines) > MAX_DEMANDS:
        raise InvalidInput(f"demands: 一次最多登记 {MAX_DEMANDS} 条诉求", field="demands")
    for _n, text in lines:
        rules.clean_text(text, field="demands")
    if not notes and not lines:
        raise InvalidInput("notes: 请填写走访情况或居民反映的诉求", field="notes")
    photos = [p for p in photos if p]
    if len(photos) > MAX_PHOTOS:
        raise InvalidInput(f"photos: 最多上传 {MAX_PHOTOS} 张照片", field="photos")
    cleaned = [attachments.clean_photo(p) for p in photos]  # refuses non-images before anything is written
    now = timezone.now()
    visited_at = visited_at or now
    if visited_at > now + CLOCK_SKEW:
        raise InvalidInput("visited_at: 走访时间不能晚于现在", field="visited_at")
    visited_at = min(visited_at, now)
    try:
        with transaction.atomic():
            visit = Visit.objects.create(grid=building.grid, building=building, household=household, worker=actor,
                                         visited_at=visited_at, notes=notes, client_key=client_key)
    except IntegrityError:
        # The same key sent twice at once: the other request committed first; its visit is the answer.
        if (earlier := _recorded(actor, client_key)) is None:
            raise
        return earlier
    for photo in cleaned:
        attachments.store(visit, photo, actor=actor)
    place = f"{building.name}{household}" if household else building.name
    demands = []
    for number, text in lines:
        d, _token = register(text=text, channel="visit", actor=actor, community=building.grid.community,
                             grid=building.grid, place_text=place, reporter_name=reporter_name,
                             reporter_phone=reporter_phone, received_at=visited_at, source_ref=visit.source_ref,
                             source_line=number, urgent=True if urgent else None)
        demands.append(d)
    return VisitResult(visit, demands)


def visit_demands(visit: Visit):
    return Demand.objects.filter(source_ref=visit.source_ref).order_by("source_line", "id")


@dataclass
class Coverage:
    grid: Grid
    buildings: int
    visited: int
    visits: int

    @property
    def rate(self) -> float | None:
        return self.visited / self.buildings if self.buildings else None

    @property
    def percent(self) -> int:
        return round(100 * self.rate) if self.rate is not None else 0


def coverage(user, start: datetime, end: datetime, *, community_id: int | None = None) -> list[Coverage]:
    """巡查覆盖率 per grid the user sees: buildings visited at least once in [start, end) ÷ buildings."""
    from django.db.models import OuterRef, Subquery
    from django.db.models.functions import Coalesce

    grids = visible(user, Grid.objects.select_related("community"))
    if community_id:
        grids = grids.filter(community_id=community_id)
    in_period = Q(visited_at__gte=start, visited_at__lt=end)
    buildings = (Building.objects.filter(grid=OuterRef("pk")).order_by().values("grid")
                 .annotate(n=Count("pk")).values("n"))
    visited = (Visit.objects.filter(in_period, grid=OuterRef("pk"), building__grid=OuterRef("pk")).order_by()
               .values("grid").annotate(n=Count("building", distinct=True)).values("n"))
    visits = (Visit.objects.filter(in_period, grid=OuterRef("pk")).order_by().values("grid")
              .annotate(n=Count("pk")).values("n"))
    rows = grids.annotate(
        n_buildings=Coalesce(Subquery(buildings), 0), n_visited=Coalesce(Subquery(visited), 0),
        n_visits=Coalesce(Subquery(visits), 0),
    ).order_by("community__name", "id")
    return [Coverage(g, g.n_buildings, g.n_visited, g.n_visits) for g in rows]
