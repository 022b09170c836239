"""What the dashboard shows for one territory node, read from the KPI counters and bounded
aggregates (a fixed window or a LIMIT), so the cost does not grow with the history."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from django.core.cache import cache
from django.db.models import Count, Q, Sum
from django.utils import timezone

from minsheng.accounts import scope
from minsheng.accounts.selectors import home_node
from minsheng.core.errors import NotAllowed, NotFound
from minsheng.demands.models import ACTIVE_TERM, OPEN_STATES, Category, Channel, Demand, Status
from minsheng.facilities.models import Condition, Facility
from minsheng.kpis import periods
from minsheng.kpis.counters import COUNT_FIELDS
from minsheng.kpis.engine import Counts, figures
from minsheng.kpis.models import KpiCounter
from minsheng.kpis.selectors import counter_filter, counts_from_counters, node_filter, node_town
from minsheng.projects.models import ENDED, FUNDED, Project
from minsheng.services_activities.models import Activity, ActivityServed
from minsheng.territory.models import Community, Grid, Town
from minsheng.territory.selectors import (
    District,
    Node,
    community_outlines,
    district,
    find_node,
    town_outlines,
)

MAP_DAYS = 90
MAP_CAP = 2000
# The district's parts that read raw rows across every town (the channel mix and the map: a 90-day
# window of the whole install, the outlines of every grid) are kept this long in the cache; its KPI
# figures come from the counters and are always current.
DISTRICT_CACHE_SECONDS = 300


def _district_cached(node: Node, part: str, build):
    if node.level != "district":
        return build()
    return cache.get_or_set(f"minsheng:dashboard:district:{part}", build, DISTRICT_CACHE_SECONDS)


def may_open_dashboard(user, obj) -> bool:
    """The user holds a dashboard role on this node or above it: the whole node is theirs. Unlike
    `accounts.selectors.can_see_node` (the node touches the user's territory), a grid worker may not
    open the dashboard of their community."""
    return scope.reaches(user, scope.node_place(obj), "dashboard")


def node_of(obj) -> Node:
    level = {District: "district", Town: "town", Community: "community", Grid: "grid"}[type(obj)]
    return Node(level, obj)


def resolve(user, scope: str | None) -> Node:
    if scope:
        node = find_node(scope)
        if not may_open_dashboard(user, node.obj):
            raise NotAllowed("您无权查看该范围")
        return node
    obj = home_node(user)
    if obj is None:
        towns = list(Town.objects.order_by("id")[:2]) if getattr(user, "is_superuser", False) else []
        if len(towns) > 1:  # an install of several towns opens on the district
            return Node("district", district())
        if towns:
            return Node("town", towns[0])
        raise NotFound("您没有工作范围")
    return node_of(obj)


def _month_start(d: date, back: int = 0) -> date:
    y, m = d.year, d.month - back
    while m <= 0:
        y, m = y - 1, m + 12
    return date(y, m, 1)


def _month_period(first: date) -> periods.Period:
    return periods.parse(f"{first.year}-{first.month:02d}")


def _counters(node: Node):
    return KpiCounter.objects.filter(counter_filter(node), granularity="m")


def trend(node: Node, today: date) -> list[dict]:
    months = [_month_start(today, i) for i in range(11, -1, -1)]
    rows = {r["day"]: r for r in _counters(node).filter(category="", day__in=months).values("day")
            .annotate(**{f: Sum(f) for f in COUNT_FIELDS}).order_by()}  # a district: its towns' rows summed
    out = []
    for m in months:
        r = rows.get(m)
        c = Counts() if r is None else Counts(**{f: r[f] for f in COUNT_FIELDS if f != "close_us"},
                                              close_seconds=r["close_us"] / 1_000_000)
        f = figures(c)
        out.append({"month": f"{m:%Y-%m}", "received": f["received"], "response_rate": f["response_rate"],
                    "resolution_rate": f["resolution_rate"], "satisfaction_rate": f["satisfaction_rate"],
                    "composite": f["composite"]})
    return out


def category_mix(node: Node, today: date) -> list[dict]:
    first = _month_start(today, 11)
    labels = dict(Category.choices)
    rows = (_counters(node).exclude(category="").filter(day__gte=first).values("category")
            .annotate(n=Sum("received")).order_by("-n"))
    return [{"name": str(labels.get(r["category"], r["category"])), "value": r["n"]} for r in rows if r["n"]]


def _demands(node: Node):
    return Demand.objects.filter(node_filter(node))


def channel_mix(node: Node, since) -> list[dict]:
    labels = dict(Channel.choices)

    def build():
        rows = _demands(node).filter(received_at__gte=since).values("channel").annotate(n=Count("id")).order_by("-n")
        return [(r["channel"], r["n"]) for r in rows]

    return [{"name": str(labels.get(ch, ch)), "value": n} for ch, n in _district_cached(node, "channels", build)]


def overdue(node: Node, now) -> list[dict]:
    qs = (_demands(node).filter(status__in=OPEN_STATES, due_at__lt=now).filter(ACTIVE_TERM)  # the open index
          .select_related("community", "grid")
          .order_by("due_at")[:20])
    return [{"code": d.code, "category": d.get_category_display(), "status": d.get_status_display(),
             "community": d.community.name if d.community else "", "grid": d.grid.name if d.grid else "",
             "days": (now - d.due_at).days, "url": f"/desk/demands/{d.code}/"} for d in qs]


def _communities_q(node: Node, prefix: str = "") -> Q:
    if node.level == "district":
        return Q()
    if node.level == "town":
        return Q(**{f"{prefix}town_id": node.obj.pk})
    if node.level == "community":
        return Q(**{f"{prefix}community_id": node.obj.pk})
    return Q(**{f"{prefix}place__grid_id": node.obj.pk})


def projects(node: Node) -> dict:
    qs = Project.objects.filter(_communities_q(node)).select_related("community", "place")
    pipeline = (qs.values("status").annotate(n=Count("id"), budget=Sum("budget"), spent=Sum("spent")))
    labels = dict(Project._meta.get_field("status").choices)
    funded = qs.filter(status__in=FUNDED).aggregate(budget=Sum("budget"), spent=Sum("spent"))
    active = qs.exclude(status__in=ENDED).order_by("-created_at")[:30]
    return {
        "pipeline": [{"status": r["status"], "name": str(labels[r["status"]]), "count": r["n"],
                      "budget": float(r["budget"] or 0), "spent": float(r["spent"] or 0)} for r in pipeline],
        "budget": float(funded["budget"] or 0), "spent": float(funded["spent"] or 0),
        "execution": (float(funded["spent"]) / float(funded["budget"])) if funded["budget"] else None,
        "active": [{"id": p.pk, "title": p.title, "community": p.community.name, "status": p.get_status_display(),
                    "budget": float(p.budget), "spent": float(p.spent), "progress": float(p.progress),
                    "lat": p.place.lat if p.place else None, "lon": p.place.lon if p.place else None}
                   for p in active],
    }


def facilities(node: Node) -> dict:
    q = node_filter(node)
    labels = dict(Condition.choices)
    rows = Facility.objects.filter(q).values("condition").annotate(n=Count("id"))
    points = (Facility.objects.filter(q, place__lat__isnull=False).select_related("place")
              .only("name", "condition", "place__lat", "place__lon")[:500])
    return {"conditions": [{"condition": r["condition"], "name": str(labels[r["condition"]]), "value": r["n"]}
                           for r in rows],
            "points": [{"name": f.name, "condition": f.get_condition_display(), "lat": f.place.lat,
                        "lon": f.place.lon} for f in points]}


def activities(node: Node, today: date) -> dict:
    if node.level == "grid":
        acts = Activity.objects.filter(community_id=node.obj.community_id)
    else:
        acts = Activity.objects.filter(node_filter(node))
    acts = acts.filter(cancelled=False, date__year=today.year)
    agg = acts.aggregate(n=Count("id"), extra=Sum("extra_headcount"))
    served = ActivityServed.objects.filter(activity__in=acts).count()
    return {"year": today.year, "count": agg["n"], "served": served + (agg["extra"] or 0)}


def _map_points(node: Node, since) -> list[tuple]:
    return list(_demands(node).filter(received_at__gte=since)
                .filter(Q(lat__isnull=False) | Q(place__lat__isnull=False))
                .order_by("-received_at")
                .values_list("code", "status", "category", "lat", "lon", "place__lat", "place__lon")[:MAP_CAP])


def _outlines(node: Node) -> tuple[list[dict], list[dict]]:
    """(grid features, outlines of the node's parts). A district draws its towns' outlines only: its
    thousands of grids would be unreadable at that zoom and heavy on a phone."""
    if node.level == "district":
        return [], town_outlines()
    if node.level == "town":
        grids = Grid.objects.filter(community__town_id=node.obj.pk)
    elif node.level == "community":
        grids = Grid.objects.filter(community_id=node.obj.pk)
    else:
        grids = Grid.objects.filter(pk=node.obj.pk)
    located = list(grids.exclude(polygon=None).select_related("community"))
    features = [{"type": "Feature", "geometry": g.polygon,
                 "properties": {"name": g.name, "community": g.community.name, "kind": g.kind}}
                for g in located]
    return features, community_outlines(located)


def map_data(node: Node, since) -> dict:
    features, outlines = _district_cached(node, "outlines", lambda: _outlines(node))
    pts = _district_cached(node, "points", lambda: _map_points(node, since))
    # labels translated once, not per point (up to MAP_CAP of them)
    statuses = {k: str(v) for k, v in Status.choices}
    categories = {k: str(v) for k, v in Category.choices}
    demands = []
    for code, status, category, lat, lon, place_lat, place_lon in pts:
        if lat is None:
            lat, lon = place_lat, place_lon
        demands.append({"code": code, "open": status in OPEN_STATES, "status": statuses.get(status, status),
                        "category": categories.get(category, category), "lat": round(lat, 5), "lon": round(lon, 5)})
    return {"grids": {"type": "FeatureCollection", "features": features},
            "communities": {"type": "FeatureCollection", "features": outlines},
            "demands": demands}


def children(user, node: Node) -> list[dict]:
    if node.level == "district":
        objs = Town.objects.order_by("id")
    elif node.level == "town":
        objs = Community.objects.filter(town_id=node.obj.pk).order_by("id")
    elif node.level == "community":
        objs = Grid.objects.filter(community_id=node.obj.pk).select_related("community").order_by("id")
    else:
        return []
    return [{"name": o.name} for o in objs if may_open_dashboard(user, o)]


def parent(user, node: Node) -> str | None:
    if node.level == "town":
        up = district()
    elif node.level == "community":
        up = node.obj.town
    elif node.level == "grid":
        up = node.obj.community
    else:
        return None
    return up.name if may_open_dashboard(user, up) else None


def dashboard(user, scope: str | None) -> dict:
    node = resolve(user, scope)
    tz = ZoneInfo(node_town(node).time_zone)
    now = timezone.now()
    today = now.astimezone(tz).date()
    this_m, last_m = _month_start(today), _month_start(today, 1)
    since = now - timedelta(days=MAP_DAYS)
    data = {
        "scope": node.name, "level": node.level, "parent": parent(user, node), "children": children(user, node),
        "kpis": {
            "this_month": {"period": f"{this_m:%Y-%m}", **figures(counts_from_counters(node, _month_period(this_m)))},
            "last_month": {"period": f"{last_m:%Y-%m}", **figures(counts_from_counters(node, _month_period(last_m)))},
        },
        "trend": trend(node, today),
        "categories": category_mix(node, today),
        "channels": channel_mix(node, since),
        "overdue": overdue(node, now),
        "projects": projects(node),
        "facilities": facilities(node),
        "activities": activities(node, today),
    }
    m = map_data(node, since)
    m["projects"] = [p for p in data["projects"]["active"] if p["lat"] is not None]
    m["facilities"] = data["facilities"].pop("points")
    data["map"] = m
    return data
