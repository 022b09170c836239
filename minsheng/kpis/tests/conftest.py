"""Fixtures for the satisfaction tests: demands brought to the callback-waiting state through the
services, with the time they started waiting set by hand."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from minsheng.demands import services
from minsheng.demands.models import Demand, DemandEvent
from minsheng.territory.models import Community, Grid


def user(username: str):
    return get_user_model().objects.get(username=username)


def place(community: str, grid: str | None = None) -> dict:
    c = Community.objects.get(name=community)
    return {"community": c, "grid": Grid.objects.get(community=c, name=grid) if grid else None}


def new(text: str, community: str = "采菱社区", grid: str | None = None, phone: str = "13812345678") -> Demand:
    d, _token = services.register(text=text, channel="online", reporter_name="张三", reporter_phone=phone,
                                  run_triage=False, category="housing", **place(community, grid))
    return d


def replied(text: str, community: str = "采菱社区", grid: str | None = None, **kw) -> Demand:
    """Accepted, assigned to demo-handler, contacted, replied (办结): waiting for the callback."""
    staff, handler = user("demo-cailing"), user("demo-handler")
    d = new(text, community, grid, **kw)
    services.accept(d, staff)
    services.assign(d, staff, handler="demo-handler")
    services.contact(d, handler)
    return services.reply(d, handler, reply="已修复")


def answered(text: str, community: str = "采菱社区", grid: str | None = None, staff: str = "demo-cailing") -> Demand:
    """A consultation answered directly: waiting for the callback."""
    who = user(staff)
    d = new(text, community, grid)
    services.accept(d, who)
    return services.answer(d, who, reply="已答复")


def project_done(text: str, community: str = "采菱社区", grid: str | None = None) -> Demand:
    """Moved to callback by a project entering service (callback_at empty): waiting."""
    d = new(text, community, grid)
    services.accept(d, user("demo-cailing"))
    return services.project_in_service(d, None, project_title="晾衣架改造")


def waited(d: Demand, days: float) -> Demand:
    """Pretend the demand entered the waiting state `days` ago."""
    at = timezone.now() - timedelta(days=days)
    DemandEvent.objects.filter(demand=d, action__in=["answer", "reply", "project_done"]).update(at=at)
    return Demand.objects.get(pk=d.pk)
