"""From proposal to approval (domain.md §4): 初审 screening, 议事 deliberation and the vote, 公示
notice with residents' objections, and 立项 approval.

Decisions where domain.md is silent: a vote without quorum is recorded and the project stays in
deliberation (vote again); a vote with quorum that does not pass (for ≤ half of the votes cast) sends
the project back to `proposed`.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from minsheng.core.errors import Conflict, InvalidInput

from . import rules
from .models import Objection, Project, Status, Vote
from .transitions import _active, _refresh_flags, _tell_staff_later, _transition, now

S = Status


@transaction.atomic
def screen(project, actor, *, passed: bool, reason: str = "", expected_version: int | None = None) -> Project:
    """初审. Not passed → rejected (reason required). A project flagged as a property-company duty or a
    possible duplicate passes only with a reason."""
    if not isinstance(passed, bool):
        raise InvalidInput("passed: 须为 true 或 false", field="passed")
    reason = rules.clean_text(reason, field="reason", max_len=1000, required=False)
    if not passed and not reason:
        raise InvalidInput("reason: 初审不通过须说明理由", field="reason")

    def change(p):
        flags = _refresh_flags(p)
        if passed and flags and not reason:
            raise InvalidInput("reason: " + "；".join(f["reason"] for f in flags) + "。如仍通过，请说明理由",
                               field="reason")
        if not passed:
            p.closed_at = now()
            p.close_reason = reason
            return S.REJECTED
        return S.SCREENED

    return _transition(project, actor, "screen", change=change, note=reason, data={"passed": passed}, expected_version=expected_version)


@transaction.atomic
def deliberate(project, actor, *, note: str = "", expected_version: int | None = None) -> Project:
    """提交议事 (两委协商 / 居民议事会)."""
    note = rules.clean_text(note, field="note", max_len=1000, required=False)
    return _transition(project, actor, "deliberate", note=note, expected_version=expected_version)


@transaction.atomic
def vote(project, actor, *, votes_for: int, votes_against: int, votes_abstain: int = 0, minutes: str = "",
         members: int | None = None, quorum: int | None = None, expected_version: int | None = None) -> Project:
    """Record a vote. It passes when the votes cast reach the quorum and more than half of them are for.
    Quorum not met: the project stays in deliberation. Voted down: back to proposed."""
    members = rules.clean_int(members, field="members", low=1, high=10000, default=rules.DEFAULT_VOTE_MEMBERS)
    quorum = rules.clean_int(quorum, field="quorum", low=1, high=members, default=members // 2 + 1)
    votes_for = rules.clean_int(votes_for, field="for", low=0, high=members)
    votes_against = rules.clean_int(votes_against, field="against", low=0, high=members)
    votes_abstain = rules.clean_int(votes_abstain, field="abstain", low=0, high=members, default=0)
    minutes = rules.clean_text(minutes, field="minutes", required=False)
    cast = votes_for + votes_against + votes_abstain
    if cast > members:
        raise InvalidInput(f"for: 投票总数 {cast} 超过应到人数 {members}", field="for")
    quorum_met = cast >= quorum
    passed = quorum_met and votes_for * 2 > cast
    outcome = "通过" if passed else ("未达到法定人数，须重新表决" if not quorum_met else "未通过，退回提议")

    def change(p):
        Vote.objects.create(
            project=p, round=p.votes.count() + 1, votes_for=votes_for, votes_against=votes_against,
            votes_abstain=votes_abstain, members=members, quorum=quorum, quorum_met=quorum_met, passed=passed,
            minutes=minutes, at=now(), by=actor,
        )
        if quorum_met and not passed:
            return S.PROPOSED
        return None

    return _transition(project, actor, "vote", change=change, note=f"赞成 {votes_for}、反对 {votes_against}、弃权 {votes_abstain}：{outcome}",
                       data={"for": votes_for, "against": votes_against, "abstain": votes_abstain,
                             "members": members, "quorum": quorum, "quorum_met": quorum_met, "passed": passed},
                       expected_version=expected_version)


@transaction.atomic
def notice(project, actor, *, days: int | None = None, expected_version: int | None = None) -> Project:
    """公示 for `days` days (default 5). Needs a passing vote."""
    days = rules.clean_int(days, field="days", low=1, high=rules.MAX_NOTICE_DAYS, default=rules.DEFAULT_NOTICE_DAYS)

    def change(p):
        last = p.votes.order_by("-round", "-id").first()
        if last is None or not last.passed:
            raise Conflict(f"项目“{p.title}”尚无通过的表决，不能公示")
        p.notice_start = now()
        p.notice_days = days

    p = _transition(project, actor, "notice", change=change, note=f"公示 {days} 天", data={"days": days}, expected_version=expected_version)
    return p


def notice_open(p: Project, at: datetime | None = None) -> bool:
    return p.status == S.NOTICED and p.notice_end is not None and (at or now()) < p.notice_end


MAX_OBJECTION = 1000


@transaction.atomic
def object_to(project, actor, *, text: str) -> Project:
    """Anyone, signed in or not, may object while the notice runs. (The caller rate-limits anonymous use.)"""
    text = rules.clean_text(text, field="text", max_len=MAX_OBJECTION)
    data: dict = {}

    def change(p):
        if not notice_open(p):
            raise Conflict(f"项目“{p.title}”不在公示期内，不能提出异议")
        o = Objection.objects.create(project=p, text=text, user=actor if _active(actor) else None, at=now())
        data["objection"] = o.pk

    p = _transition(project, actor, "object", change=change, note="收到公示异议", public=True, data=data)
    _tell_staff_later(p, f"项目“{p.title}”收到公示异议", f"公示期异议：{text[:80]}")
    return p


@transaction.atomic
def answer_objection(project, actor, *, objection: int, answer: str, expected_version: int | None = None) -> Project:
    answer = rules.clean_text(answer, field="answer", max_len=MAX_OBJECTION)
    if isinstance(objection, bool) or not isinstance(objection, int):
        raise InvalidInput("objection: 请指明要答复的异议编号", field="objection")

    def change(p):
        o = Objection.objects.select_for_update().filter(project=p, pk=objection).first()
        if o is None:
            raise InvalidInput(f"objection: 本项目没有编号为 {objection} 的异议", field="objection")
        if o.answered_at is not None:
            raise Conflict(f"异议 {objection} 已答复")
        o.answer, o.answered_at, o.answered_by = answer, now(), actor
        o.save()

    return _transition(project, actor, "answer_objection", change=change, note=answer, data={"objection": objection},
                       expected_version=expected_version)


@transaction.atomic
def approve(project, actor, *, note: str = "", expected_version: int | None = None) -> Project:
    """立项: only once the notice period is over and every objection has been answered."""
    note = rules.clean_text(note, field="note", max_len=1000, required=False)

    def change(p):
        if notice_open(p):
            end = timezone.localtime(p.notice_end)
            raise Conflict(f"项目“{p.title}”公示期至 {end:%Y-%m-%d %H:%M} 结束，公示期满后才能立项")
        open_objections = p.objections.filter(answered_at=None).count()
        if open_objections:
            raise Conflict(f"项目“{p.title}”还有 {open_objections} 条异议未答复，不能立项")
        p.approved_at = now()

    return _transition(project, actor, "approve", change=change, note=note, expected_version=expected_version)
