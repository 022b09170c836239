"""Background work for satisfaction: 未评价 after the callback wait, and the monthly ranking."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from minsheng.accounts.models import STAFF_ROLES
from minsheng.core.errors import InvalidInput
from minsheng.notifications.services import notify_users
from minsheng.territory.models import Town


@task()
def callback_no_answer() -> int:
    """Record 未评价 on demands whose reporter has not rated within the configured days."""
    from .callbacks import record_no_answers

    return record_no_answers()


def ranking_recipients(town):
    """Staff told about a published ranking: town administrators, secretaries and community staff of
    the town (and of its communities)."""
    from django.contrib.auth import get_user_model
    from django.db.models import Q

    where = Q(memberships__town=town) | Q(memberships__community__town=town)
    return list(get_user_model().objects.filter(Q(memberships__role__in=STAFF_ROLES) & where, is_active=True)
                .distinct().order_by("username"))


def publish_last_month(now=None) -> int:
    """Publish last month's ranking unless it already is, and tell each town's staff once. Returns the
    number of snapshots newly published."""
    from urllib.parse import urlencode

    from .models import Ranking
    from .rankings import previous_month
    from .services import publish_ranking_of

    now = now or timezone.now()
    month = previous_month(timezone.localtime(now).date())
    created = []
    jobs = [(Ranking.Level.COMMUNITY, t) for t in Town.objects.order_by("name")] + [(Ranking.Level.TOWN, None)]
    for level, town in jobs:
        try:
            snapshot, new = publish_ranking_of(level, town, month, now=now, skip_empty=True)
        except InvalidInput:  # the month has not ended yet in that town's time zone: next run
            continue
        if new:
            created.append(snapshot)
    towns = {r.town_id: r.town for r in created if r.town_id}
    label = f"{month[:4]}年{int(month[5:])}月"
    for town in towns.values():
        link = "/rankings/?" + urlencode({"month": month, "town": town.name})
        notify_users(ranking_recipients(town), subject=f"{label}社区三率排名已发布",
                     body=f"{town.name}{label}各社区综合得分排名已发布，请查看。", link=link)
    return len(created)


@task()
def publish_monthly_ranking() -> int:
    """Runs every morning at 09:00 local time; publishes on the 1st (or on the first run after it, if the
    worker was down), and does nothing once last month is published."""
    return publish_last_month()
