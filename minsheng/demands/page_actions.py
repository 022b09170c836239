"""The demand page's actions: each form of the panel (`_panel.html`) and the service it calls.

`p` is the posted form with its files under "photos" (`posted`), `v` the version the page showed.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.http.request import QueryDict
from django.utils.translation import gettext_noop

from minsheng.core.errors import InvalidInput

from . import services


def posted(request: HttpRequest) -> QueryDict:
    """The form's fields with its photos, for the ACTIONS table (files are not in request.POST)."""
    data = request.POST.copy()
    data.setlist("photos", request.FILES.getlist("photos"))
    return data


def int_field(value: str | None, field: str, message: str) -> int | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise InvalidInput(f"{field}: {message}", field=field) from None


def _post_bool(post, name: str) -> bool | None:
    value = post.get(name, "")
    return {"1": True, "0": False}.get(value)


def _days(post) -> int:
    days = int_field(post.get("days"), "days", "请填写 1 到 30 之间的整数")
    if days is None:
        raise InvalidInput("days: 请填写延期天数", field="days")
    return days


def _blank_none(post, name: str) -> str | None:
    return (post.get(name) or "").strip() or None


# action → the service call.
ACTIONS = {
    "accept": lambda d, u, p, v: services.accept(d, u, note=p.get("note", ""), tell_reporter=p.get("tell_reporter", ""),
                                                 expected_version=v),
    "reject": lambda d, u, p, v: services.reject(d, u, reason=p.get("reason", ""), expected_version=v),
    "merge": lambda d, u, p, v: services.merge(d, u, into=p.get("into", "").strip().upper(), expected_version=v),
    "answer": lambda d, u, p, v: services.answer(d, u, reply=p.get("reply", ""), note=p.get("note", ""),
                                                 photos=p.getlist("photos"), expected_version=v),
    "attach": lambda d, u, p, v: services.attach_photos(d, u, p.getlist("photos"), stage=p.get("stage")),
    "assign": lambda d, u, p, v: services.assign(d, u, handler=p.get("handler", ""),
                                                 complexity=_blank_none(p, "complexity"), note=p.get("note", ""),
                                                 tell_reporter=p.get("tell_reporter", ""), expected_version=v),
    "contact": lambda d, u, p, v: services.contact(d, u, note=p.get("note", ""),
                                                   tell_reporter=p.get("tell_reporter", ""), expected_version=v),
    "reply": lambda d, u, p, v: services.reply(d, u, reply=p.get("reply", ""), note=p.get("note", ""),
                                               photos=p.getlist("photos"), expected_version=v),
    "extend": lambda d, u, p, v: services.extend(d, u, days=_days(p), reason=p.get("reason", ""),
                                                 expected_version=v),
    "callback": lambda d, u, p, v: services.callback(d, u, resolution=p.get("resolution", ""),
                                                     satisfaction=p.get("satisfaction", ""), note=p.get("note", ""),
                                                     tell_reporter=p.get("tell_reporter", ""),
                                                     handler_fault=p.get("handler_fault") == "1",
                                                     expected_version=v),
    "reopen": lambda d, u, p, v: services.reopen(d, u, note=p.get("note", ""), tell_reporter=p.get("tell_reporter", ""),
                                                 expected_version=v),
    "close": lambda d, u, p, v: services.close(d, u, note=p.get("note", ""), tell_reporter=p.get("tell_reporter", ""),
                                               expected_version=v),
    "escalate": lambda d, u, p, v: services.escalate(d, u, note=p.get("note", ""), expected_version=v),
    "classify": lambda d, u, p, v: services.classify(
        d, u, category=_blank_none(p, "category"), urgent=_post_bool(p, "urgent"), kind=_blank_none(p, "kind"),
        community=_blank_none(p, "community"), grid=_blank_none(p, "grid"), expected_version=v),
}

# Marked for the catalogue only: translated where they are shown (_(DONE[action]), _(label)).
DONE = {
    "accept": gettext_noop("已受理"), "reject": gettext_noop("已不予受理"), "merge": gettext_noop("已合并"),
    "answer": gettext_noop("已答复"), "assign": gettext_noop("已派单"), "contact": gettext_noop("已记录联系"),
    "reply": gettext_noop("已办结"), "extend": gettext_noop("已延期"), "callback": gettext_noop("已记录回访"),
    "reopen": gettext_noop("已重办"), "close": gettext_noop("已结案"), "escalate": gettext_noop("已吹哨上报镇级"),
    "classify": gettext_noop("已保存分类"),
    "attach": gettext_noop("已上传照片"),
}
