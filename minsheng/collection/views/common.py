"""Shared by the pages of 民情收集 (under /desk/collect/): who may collect, parsing of form values, the
home page. Pages are thin: every change goes through `collection.services`; a DomainError becomes the page
with its message and status (never a 5xx). Forms work without JavaScript."""


from __future__ import annotations

import re
from datetime import date, datetime, time
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from minsheng.accounts.models import STAFF_ROLES
from minsheng.accounts.selectors import visible
from minsheng.core.errors import DomainError, InvalidInput, NotFound
from minsheng.territory.models import Community

from ..access import can_collect
from ..models import (
    Meeting,
    OpinionForm,
    Visit,
)

PAGE_SIZE = 30
# Marked for the catalogue; the template translates them ({% translate label %}).
WEEKDAYS = [(0, gettext_noop("星期一")), (1, gettext_noop("星期二")), (2, gettext_noop("星期三")),
            (3, gettext_noop("星期四")), (4, gettext_noop("星期五")), (5, gettext_noop("星期六")),
            (6, gettext_noop("星期日"))]
WEEKS = [(1, gettext_noop("第一个")), (2, gettext_noop("第二个")), (3, gettext_noop("第三个")),
         (4, gettext_noop("第四个")), (-1, gettext_noop("最后一个"))]


def _message(exc: DomainError) -> str:
    return re.sub(r"^[A-Za-z_/\-]+:\s*", "", exc.detail)


def _page(request, title: str, text: str, status: int) -> HttpResponse:
    return render(request, "demands/message.html", {"title": title, "text": text}, status=status)


def collector_required(view):
    """Signed in (else to /login/?next=…) and territorial staff (else 403)."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        if not can_collect(request.user):
            return _page(request, _("无权访问"), _("民情收集仅供镇、社区和网格工作人员使用。"), 403)
        try:
            return never_cache(view)(request, *args, **kwargs)
        except NotFound as exc:
            return _page(request, _("未找到"), _message(exc), 404)

    return wrapped


def _int(value, field: str = "id") -> int | None:
    value = (str(value) if value is not None else "").strip()
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise InvalidInput(f"{field}: 格式不正确", field=field) from None


def _date(value: str, field: str) -> date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{field}: 日期格式应为 YYYY-MM-DD", field=field) from None


def _time(value: str, field: str) -> time | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return time.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{field}: 时间格式应为 HH:MM", field=field) from None


def _datetime(value: str, field: str) -> datetime | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{field}: 时间格式应为 YYYY-MM-DD HH:MM", field=field) from None
    return dt if timezone.is_aware(dt) else timezone.make_aware(dt)


def staff_communities(user):
    return visible(user, Community.objects.select_related("town"), role_set=STAFF_ROLES).order_by("town__name", "name")


def _community(user, value) -> Community:
    pk = _int(value, "community")
    communities = staff_communities(user)
    if pk is None:
        if communities.count() == 1:
            return communities.first()
        raise InvalidInput("community: 请选择社区", field="community")
    c = communities.filter(pk=pk).first()
    if c is None:
        raise InvalidInput("community: 您不是该社区的工作人员", field="community")
    return c


@collector_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    now = timezone.now()
    ctx = {
        "upcoming": list(visible(user, Meeting.objects.select_related("community"))
                         .filter(starts_at__gte=now, state=Meeting.State.SCHEDULED).order_by("starts_at")[:5]),
        "forms": list(visible(user, OpinionForm.objects.select_related("community"))
                      .filter(state=OpinionForm.State.OPEN)[:5]),
        "my_visits": Visit.objects.filter(worker=user, visited_at__gte=now - timezone.timedelta(days=30)).count(),
        "is_staff": staff_communities(user).exists(),
    }
    return render(request, "collection/home.html", ctx)


