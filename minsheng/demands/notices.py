"""Whom a demand's changes are told to, and in what words: the reporter at every public step, the
handler on assignment, the community (or the town) at once when a demand is urgent, the town's
administrators on escalation. Written inside the transition's transaction; delivered by
`notifications` through its channels."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q

from minsheng.accounts.models import Role
from minsheng.accounts.selectors import users_with_role
from minsheng.notifications.models import Notification
from minsheng.notifications.services import create_notices

from .models import Demand, Status

K = Notification.ChannelKind

# Plain-Chinese wording of each step for the reporter.
REPORTER_TEXT = {
    "register": "您的诉求已登记，编号 {code}。",
    "accept": "您的诉求 {code} 已受理。",
    "reject": "您的诉求 {code} 不予受理：{note}",
    "merge": "您的诉求 {code} 与他人反映的同一问题合并办理（{note}）。",
    "answer": "您的诉求 {code} 已答复：{note}。请在“查询进度”页面用编号和手机号后四位查看，获取短信验证码后对结果进行评价。",
    "assign": "您的诉求 {code} 已派单给承办人，将尽快与您联系。",
    "contact": "承办人已就诉求 {code} 与您联系。",
    "reply": "您的诉求 {code} 已办结：{note}。请在“查询进度”页面用编号和手机号后四位查看，获取短信验证码后对办理结果进行评价。",
    "extend": "您的诉求 {code} 办理期限延长：{note}",
    "reopen": "您的诉求 {code} 已安排重新办理。",
    "close": "您的诉求 {code} 已结案，感谢您的参与。",
    "project_done": "您反映的问题已通过微实事项目解决（{note}），请对结果进行评价。",
}


# A step that gives the demand its result: the reports merged into it hear of it too.
RESULT_ACTIONS = {"answer", "reply", "project_done"}


def _tell_merged_reporters(d, told: str) -> None:
    """Every report merged into `d` and not yet rated: its reporter hears the result and is asked to
    rate it on their own report's tracking page."""
    merged = d.merged_demands.filter(callback_at=None).exclude(reporter_phone="", reporter_user=None)
    for m in merged.select_related("reporter_user"):
        body = (f"您反映的问题（诉求 {m.code}）已与诉求 {d.code} 合并办理，现已有结果" + (f"：{told}" if told else "")
                + f"。请在“查询进度”页用编号 {m.code} 查看并评价。")
        create_notices(_reporter(m), subject=f"诉求 {m.code}：合并办理有结果", body=body,
                       link=_tracking_link(m.code), demand_code=m.code)


def _reporter(d) -> list:
    """Where a demand's reporter hears from us: in the app when they have an account, by SMS when they
    left a phone number."""
    recipients = []
    if d.reporter_user_id:
        recipients.append((d.reporter_user, "", K.IN_APP))
    if d.reporter_phone:
        recipients.append((None, d.reporter_phone, K.SMS))
    return recipients


def _tracking_link(code: str) -> str:
    return f"/track/?code={code}"


def on_demand_event(event) -> None:
    """Tell the reporter about every public status change, and the handler about an assignment.

    Called inside the transition's transaction with the new DemandEvent (its demand attached). A
    registration's receipt is not written here but by `send_receipt`, seconds later."""
    d = event.demand
    if event.action != "register":
        _tell_reporter(d, event)
    if event.action in RESULT_ACTIONS and event.public:
        _tell_merged_reporters(d, event.public_note[:80])
    if (event.action == "register" and d.urgent) or (
            event.action == "assess" and "urgent" in (event.data or {}).get("changes", {})):
        alert_urgent(d, event)
    if event.action == "assign" and d.handler_id:
        body = f"新派单 {d.code}（{d.get_category_display()}{'，紧急' if d.urgent else ''}）：{d.text[:60]}"
        recipients = [(d.handler, "", K.IN_APP)]
        if d.handler.email:
            recipients.append((d.handler, d.handler.email, K.EMAIL))
        create_notices(recipients, subject=f"新派单 {d.code}", body=body, link=f"/desk/demands/{d.code}/",
                demand_code=d.code)


def _tell_reporter(d, event) -> None:
    template = REPORTER_TEXT.get(event.action)
    if not (template and event.public):
        return
    # Only what staff wrote for the reporter (public_note) reaches them; `note` is internal.
    told = event.public_note[:80]
    body = template.format(code=d.code, note=told)
    if told and "{note}" not in template:
        body += f"工作人员留言：{told}"
    if recipients := _reporter(d):
        create_notices(recipients, subject=f"诉求 {d.code}：{Status(event.to_status).label}", body=body,
                       link=_tracking_link(d.code), demand_code=d.code)


def send_receipt(code: str) -> bool:
    """The reporter's receipt of a registration ("您的诉求已登记，编号 …"), written by the background
    work that follows intake (`tasks.after_intake`) rather than inside the request: the task row
    commits with the demand, so a registered demand still always gets its receipt."""
    d = Demand.objects.select_related("reporter_user").filter(code=code).first()
    event = d.events.filter(action="register").first() if d is not None else None
    if event is None or not (d.reporter_phone or d.reporter_user_id):
        return False
    with transaction.atomic():
        _tell_reporter(d, event)
    return True


def urgent_recipients(d) -> list:
    """Who must know at once about an urgent demand: the staff and secretary of its community and the
    grid worker of its grid; the town's administrators when it names no community."""
    users: dict[int, object] = {}
    if d.community_id:
        for role in (Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY):
            for u in users_with_role(role, town_id=d.town_id, community_id=d.community_id):
                users[u.pk] = u
    if d.grid_id:
        on_grid = Q(memberships__role=Role.GRID_WORKER, memberships__grid_id=d.grid_id)
        for u in get_user_model().objects.filter(on_grid, is_active=True).distinct():
            users[u.pk] = u
    if not users:
        for u in users_with_role(Role.TOWN_ADMIN, town_id=d.town_id).filter(memberships__town_id=d.town_id):
            users[u.pk] = u
    return sorted(users.values(), key=lambda u: u.username)


def alert_urgent(d, event) -> None:
    """In-app and e-mail notices to `urgent_recipients`, in the transaction of the change."""
    why = (event.data or {}).get("situation") or ""
    body = (f"紧急诉求 {d.code}（{d.get_category_display()}{'，' + why if why else ''}）：{d.text[:80]}"
            f"{'。智能分拣复核后升为紧急' if event.action == 'assess' else ''}")
    users = urgent_recipients(d)
    recipients = [(u, "", K.IN_APP) for u in users] + [(u, u.email, K.EMAIL) for u in users if u.email]
    if recipients:
        create_notices(recipients, subject=f"紧急诉求 {d.code}", body=body, link=f"/desk/demands/{d.code}/",
                demand_code=d.code)


def alert_town(demand_id: int, message: str) -> None:
    """Alert the town administrators (escalation, repeated reopening)."""
    d = Demand.objects.filter(pk=demand_id).first()
    if d is None:
        return
    admins = list(users_with_role(Role.TOWN_ADMIN, town_id=d.town_id).filter(memberships__town_id=d.town_id))
    recipients = [(u, "", K.IN_APP) for u in admins] + [(u, u.email, K.EMAIL) for u in admins if u.email]
    if recipients:
        with transaction.atomic():
            create_notices(recipients, subject=f"镇级关注：{d.code}", body=message, link=f"/desk/demands/{d.code}/",
                    demand_code=d.code)
