"""Writes of the KPI app: sense surveys (open, close, answers online and on paper) and the monthly
ranking's publication. The counters behind the three rates are written by `counters`, in the same
transaction as each demand change (see `receivers`)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.utils import timezone

from minsheng.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from minsheng.territory.models import Community, Town

from . import periods
from .engine import weights
from .models import Ranking, SenseSurvey, SurveyResponse
from .rankings import community_rows, parse_month, town_rows
from .surveys import DIMENSIONS, LABELS, can_enter, can_manage

MAX_COMMENT = 500


def clean_ratings(data: dict) -> dict[str, int | None]:
    """Each dimension 1–5 or blank; at least one given."""
    out: dict[str, int | None] = {}
    for code in DIMENSIONS:
        raw = data.get(code)
        raw = "" if raw is None else str(raw).strip()
        if raw == "":
            out[code] = None
            continue
        if raw not in {"1", "2", "3", "4", "5"}:
            raise InvalidInput(f"{code}: {LABELS[code]}须为 1 到 5 的整数", field=code)
        out[code] = int(raw)
    if all(v is None for v in out.values()):
        raise InvalidInput(f"{DIMENSIONS[0]}: 请至少评价一项", field=DIMENSIONS[0])
    return out


def clean_comment(comment: str | None) -> str:
    value = (comment or "").strip()
    if len(value) > MAX_COMMENT:
        raise InvalidInput(f"comment: 意见不能超过 {MAX_COMMENT} 个字符", field="comment")
    if "\x00" in value:
        raise InvalidInput("comment: 含有非法字符", field="comment")
    return value


def create_survey(user, *, community: Community, period: str, title: str = "") -> SenseSurvey:
    if not can_manage(user, community):
        raise NotAllowed(f"无权为{community.name}发起调查")
    p = periods.parse(period)
    title = (title or "").strip()[:120] or f"{community.name}{p.label}群众获得感幸福感安全感归属感认同感调查"
    try:
        with transaction.atomic():
            return SenseSurvey.objects.create(community=community, period=p.label, first_day=p.first,
                                              last_day=p.last, title=title, created_by=user)
    except IntegrityError:
        raise Conflict(f"{community.name}已有 {p.label} 的调查") from None


def set_survey_status(user, survey: SenseSurvey, status: str) -> SenseSurvey:
    if status not in SenseSurvey.Status.values:
        raise InvalidInput("status: 须为 open 或 closed", field="status")
    if not can_manage(user, survey.community):
        raise NotAllowed("无权更改该调查")
    survey.status = status
    survey.closed_at = timezone.now() if status == SenseSurvey.Status.CLOSED else None
    survey.save(update_fields=["status", "closed_at"])
    return survey


def answer_survey(survey: SenseSurvey, *, ratings: dict, comment: str = "", respondent=None) -> SurveyResponse:
    """A resident's online answer: the survey must be open; one answer per signed-in user."""
    values = clean_ratings(ratings)
    comment = clean_comment(comment)
    user = respondent if getattr(respondent, "is_authenticated", False) else None
    with transaction.atomic():
        locked = SenseSurvey.objects.select_for_update().filter(pk=survey.pk).first()
        if locked is None:
            raise NotFound("没有这项调查")
        if locked.status != SenseSurvey.Status.OPEN:
            raise Conflict("该调查已结束，感谢关注")
        if user is not None and SurveyResponse.objects.filter(survey=locked, respondent=user).exists():
            raise Conflict("您已参与过本次调查，感谢您的参与")
        try:
            with transaction.atomic():
                return SurveyResponse.objects.create(survey=locked, comment=comment, respondent=user,
                                                     source=SurveyResponse.Source.ONLINE, **values)
        except IntegrityError:
            raise Conflict("您已参与过本次调查，感谢您的参与") from None


def enter_paper(user, survey: SenseSurvey, *, ratings: dict, comment: str = "") -> SurveyResponse:
    """Staff enter one paper sheet (also after the survey is closed: sheets collected in time)."""
    if not can_enter(user, survey.community):
        raise NotAllowed("无权录入该调查的问卷")
    values = clean_ratings(ratings)
    comment = clean_comment(comment)
    return SurveyResponse.objects.create(survey=survey, comment=comment, entered_by=user,
                                         source=SurveyResponse.Source.PAPER, **values)


def _check_over(p: periods.Period, town: Town | None, now: datetime) -> None:
    """Only a month that has ended (in the town's local time) can be published."""
    tz = ZoneInfo(town.time_zone) if town is not None else timezone.get_current_timezone()
    if timezone.localtime(now, tz).date() <= p.last:
        raise InvalidInput(f"month: {p.label} 尚未结束，不能发布", field="month")


def _snapshot(level: str, town: Town | None, p: periods.Period, now: datetime, *,
              skip_empty: bool = False) -> tuple[Ranking | None, bool]:
    existing = Ranking.objects.filter(level=level, town=town, month=p.first).select_related("town").first()
    if existing is not None:
        return existing, False
    rows = community_rows(town, p) if level == Ranking.Level.COMMUNITY else town_rows(p)
    if skip_empty and not any(r["received"] for r in rows):
        return None, False
    try:
        with transaction.atomic():
            created = Ranking.objects.create(level=level, town=town, month=p.first, rows=rows, weights=weights(),
                                             published_at=now)
    except IntegrityError:  # published by someone else in the meantime: theirs stands
        return Ranking.objects.select_related("town").get(level=level, town=town, month=p.first), False
    return created, True


def publish_ranking_of(level: str, town: Town | None, month: str, *, now: datetime | None = None,
                skip_empty: bool = False) -> tuple[Ranking | None, bool]:
    """Publish one snapshot (a town's communities, or the towns with `town` None). Returns it and whether
    it was created now (False: it had been published before and is left as it was). `skip_empty`: publish
    nothing (None) when no demand at all was received that month (e.g. a new install)."""
    now = now or timezone.now()
    p = parse_month(month)
    _check_over(p, town, now)
    return _snapshot(level, town, p, now, skip_empty=skip_empty)


def publish_ranking(month: str, *, town: Town | None = None, now: datetime | None = None) -> tuple[list[Ranking], list[Ranking]]:
    """Publish the month's ranking of the communities of `town` (or of every town, and the ranking of the
    towns). A snapshot already published is left as it was. Returns (all snapshots, newly created)."""
    now = now or timezone.now()
    p = parse_month(month)
    towns = [town] if town is not None else list(Town.objects.order_by("name"))
    for t in towns:
        _check_over(p, t, now)
    if town is None:
        _check_over(p, None, now)
    jobs = [(Ranking.Level.COMMUNITY, t) for t in towns] + ([(Ranking.Level.TOWN, None)] if town is None else [])
    result, created = [], []
    for level, t in jobs:
        r, new = _snapshot(level, t, p, now)
        result.append(r)
        if new:
            created.append(r)
    return result, created
