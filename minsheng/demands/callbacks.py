"""The callback (回访) and what follows it (domain.md §3): rating by staff or the reporter, the
no-answer record, reopening (at most twice, then the town is alerted) and closing."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone, translation

from minsheng.core.errors import Conflict, InvalidInput

from . import rules
from .models import Demand, Resolution, Satisfaction, Status
from .transitions import _alert_town, _event, _lock, _transition, staff

S = Status

MAX_REOPENS = 2


@transaction.atomic
def callback(demand, actor, *, resolution: str, satisfaction: str, note: str = "", tell_reporter: str = "",
             handler_fault: bool = True, by_reporter: bool = False, expected_version: int | None = None) -> Demand:
    """Record the callback (回访). Unresolved or dissatisfied for the handler's reasons reopens the demand
    (at most twice; after that the town is alerted). `by_reporter`: the reporter rates through the
    tracking link (the caller has checked the token)."""
    if resolution not in Resolution.values:
        raise InvalidInput(f"resolution: 须为 {'/'.join(Resolution.values)}", field="resolution")
    if satisfaction not in Satisfaction.values:
        raise InvalidInput(f"satisfaction: 须为 {'/'.join(Satisfaction.values)}", field="satisfaction")
    note = rules.clean_text(note, field="note", max_len=500, required=False)
    if by_reporter and isinstance(demand, Demand) and demand.status == S.MERGED:
        return rate_merged(demand, resolution=resolution, satisfaction=satisfaction, note=note)
    bad = resolution == Resolution.UNRESOLVED or satisfaction == Satisfaction.DISSATISFIED
    alert: list[str] = []

    def may(d):
        return by_reporter or staff(actor, d)

    def change(d):
        if d.status == S.CALLBACK and d.callback_at is not None:
            raise Conflict(f"诉求 {d.code} 已回访")
        d.callback_at = timezone.now()
        d.resolution = resolution
        d.satisfaction = satisfaction
        d.status = S.CALLBACK
        if bad and handler_fault:
            if d.reopen_count < MAX_REOPENS:
                d.reopen_count += 1
                d.status = S.REOPENED
                if d.reopen_count >= MAX_REOPENS:
                    alert.append(f"诉求 {d.code} 回访不满意，已第 {d.reopen_count} 次重办")
            else:
                d.escalated = True
                alert.append(f"诉求 {d.code} 重办 {d.reopen_count} 次后回访仍不满意，请镇级督办")

    # The reporter's own words are theirs to see; a staff callback record is internal.
    public_note = note if by_reporter else rules.told(tell_reporter)
    d = _transition(demand, actor, "callback", may=may, change=change, note="" if by_reporter else note,
                    public_note=public_note, actor_label="诉求人" if by_reporter else None,
                    data={"resolution": resolution, "satisfaction": satisfaction, "by_reporter": by_reporter,
                          "handler_fault": handler_fault}, expected_version=expected_version)
    for message in alert:
        _alert_town(d, message)
    if by_reporter and resolution == Resolution.RESOLVED and satisfaction == Satisfaction.SATISFIED:
        d = _close_by_itself(d)
    return d


@transaction.atomic
def rate_merged(demand: Demand, *, resolution: str, satisfaction: str, note: str = "") -> Demand:
    """The reporter of a report merged into another rates the result given on that other one.

    Recorded on the merged report as its callback (resolution, satisfaction, time), so it counts in the
    三率 as every callback does; the merged report stays merged. It never reopens the surviving demand
    (its own callback decides that): an unresolved or dissatisfied rating is written on the surviving
    demand's staff timeline instead, for staff to weigh. Called through `callback(by_reporter=True)`."""
    rated: list[Demand] = []  # the surviving demand, as read under the lock

    def change(d):
        if d.callback_at is not None:
            raise Conflict(f"诉求 {d.code} 已评价")
        target = d.result_of_merge
        if target is None:
            raise Conflict(f"诉求 {d.code} 合并到的诉求尚未办结，办结后再评价")
        d.callback_at = timezone.now()
        d.resolution, d.satisfaction = resolution, satisfaction
        rated.append(target)

    d = _transition(demand, None, "rate_merged", may=lambda d: True, change=change, public_note=note,
                    actor_label="诉求人", data={"resolution": resolution, "satisfaction": satisfaction,
                                                 "by_reporter": True})
    target = rated[0]
    with translation.override("zh-hans"):  # the stored note is in the staff's language, whoever rated
        said = f"{Resolution(resolution).label}、{Satisfaction(satisfaction).label}"
    _event(target, None, "merged_rating", target.status, target.status, public=False, actor_label="系统",
           note=f"合并到本诉求的 {d.code}，诉求人评价：{said}",
           data={"from": d.code, "resolution": resolution, "satisfaction": satisfaction}, notify=False)
    return d


def _close_by_itself(d: Demand) -> Demand:
    """The reporter says it is solved and is satisfied: nothing is left for staff to decide, so the
    demand closes at once (every other outcome waits for staff to close or reopen it)."""

    def change(d):
        d.closed_at = timezone.now()

    return _transition(d.code, None, "close", may=lambda d: True, change=change, actor_label="系统",
                       note="诉求人评价“已解决、满意”，自动结案")


def reopen(demand, actor, *, note: str = "", tell_reporter: str = "", expected_version: int | None = None) -> Demand:
    """Reopen after callback. A third reopening is refused (409); the town is alerted instead and the
    demand flagged as escalated — that part is committed even though the reopening is refused."""
    code = demand.code if isinstance(demand, Demand) else demand
    with transaction.atomic():
        d = _lock(code)
        over_limit = d.reopen_count >= MAX_REOPENS and d.status in (S.CALLBACK, S.CLOSED) and staff(actor, d)
        if over_limit:
            if not d.escalated:
                Demand.objects.filter(pk=d.pk).update(escalated=True)
                _event(d, actor, "escalate", d.status, d.status, note="重办次数已满，提请镇级督办", public=False)
            _alert_town(d, f"诉求 {d.code} 已重办 {d.reopen_count} 次，请镇级督办")
    if over_limit:
        raise Conflict(f"诉求 {d.code} 已重办 {d.reopen_count} 次，不能再重办，已提请镇级督办")

    def change(d):
        d.reopen_count += 1
        d.closed_at = None

    with transaction.atomic():
        d = _transition(code, actor, "reopen", change=change, note=note, public_note=rules.told(tell_reporter),
                        expected_version=expected_version)
        if d.reopen_count >= MAX_REOPENS:
            _alert_town(d, f"诉求 {d.code} 已第 {d.reopen_count} 次重办")
    return d


@transaction.atomic
def close(demand, actor, *, note: str = "", tell_reporter: str = "", expected_version: int | None = None) -> Demand:
    def change(d):
        if d.callback_at is None:
            raise Conflict(f"诉求 {d.code} 尚未回访，不能结案")
        d.closed_at = timezone.now()

    return _transition(demand, actor, "close", change=change, note=note, public_note=rules.told(tell_reporter),
                       expected_version=expected_version)




# Called by the no-answer job (minsheng.kpis.tasks) when the reporter has not rated in time.
@transaction.atomic
def callback_no_answer(demand) -> Demand:
    """Record 未评价 (no answer) for a demand still waiting for its callback: satisfaction `no_answer`,
    resolution left blank (so the demand is in neither rate's denominator). Never reopens. Conflict
    (409) when the demand is no longer waiting (rated meanwhile, or already recorded)."""

    def change(d):
        if not d.awaiting_callback:
            raise Conflict(f"诉求 {d.code} 不在待回访状态")
        d.callback_at = timezone.now()
        d.resolution = ""
        d.satisfaction = Satisfaction.NO_ANSWER
        d.status = S.CALLBACK

    return _transition(demand, None, "callback", may=lambda d: True, change=change,
                       note="逾期未评价，记为“未评价”", actor_label="系统",
                       data={"resolution": "", "satisfaction": Satisfaction.NO_ANSWER, "by_reporter": False,
                             "no_answer": True})
