"""Pages: the public project board (/projects/) and simple staff pages (/desk/projects/).

Public pages never show personal data. Every change goes through `services`; a refusal is shown
on the page with its 403/409/422 status and changes nothing.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from minsheng.accounts.models import STAFF_ROLES, Role
from minsheng.accounts.selectors import has_role, scope_q
from minsheng.core.errors import DomainError, InvalidInput, NotFound
from minsheng.territory.models import Community

from . import selectors, services
from .models import Kind, PhaseKind, PhotoStage, Project, Status

S = Status
BOARD_PAGE = 24


def _get(pk) -> Project:
    try:
        return selectors.get(pk)
    except NotFound:
        raise Http404 from None


def _choice(value: str | None, allowed) -> str | None:
    return value if value in allowed else None


# ---------------------------------------------------------------------------------------------
# Public board


def board(request: HttpRequest) -> HttpResponse:
    """The public board: every project as a card, filtered by community, kind and status."""
    communities = list(Community.objects.select_related("town").order_by("town__name", "name"))
    f = selectors.Filters(
        community=_choice(request.GET.get("community"), {c.name for c in communities}),
        kind=_choice(request.GET.get("kind"), Kind.values),
        status=_choice(request.GET.get("status"), S.values),
    )
    page = Paginator(selectors.board(f), BOARD_PAGE).get_page(request.GET.get("page"))
    cards = [_card(p) for p in page.object_list]
    query = urlencode([(k, v) for k, v in (("community", f.community), ("kind", f.kind), ("status", f.status)) if v])
    return render(request, "projects/board.html", {
        "cards": cards, "page": page, "filters": f, "communities": communities, "kinds": Kind.choices,
        "statuses": S.choices, "query": query,
    })


def _card(p: Project) -> dict:
    before, after = selectors.first_photos(p)
    return {"p": p, "steps": selectors.status_steps(p), "before": before, "after": after,
            "n_demands": len(p.demands.all()), "items": list(p.items.all())[:4],
            "execution": None if p.execution_rate is None else round(p.execution_rate * 100, 1)}


def project_page(request: HttpRequest, pk: int, *, status: int = 200, error: str = "") -> HttpResponse:
    """One project in public form: notice (公示) dates, objection form, support, timeline, photos."""
    p = _get(pk)
    user = request.user
    before = [ph for ph in p.photos.all() if ph.kind == "before"]
    after = [ph for ph in p.photos.all() if ph.kind == "after"]
    progress_photos = [ph for ph in p.photos.all() if ph.kind == "progress"]
    objections = list(p.objections.all())
    ctx = {
        "p": p, "card": _card(p), "error": error,
        "events": selectors.public_events(p),
        "before": before, "after": after, "progress_photos": progress_photos,
        "notice_open": services.notice_open(p),
        "objections_count": len(objections),
        "objections_open": sum(1 for o in objections if o.answered_at is None),
        "votes": list(p.votes.all()), "inspections": list(p.inspections.all()),
        "evaluation": p.evaluation if selectors._has_evaluation(p) else None,
        "can_support": p.status in services.SUPPORT_STATES,
        "is_resident": services.is_resident(user, p),
        "supported": selectors.has_supported(user, p),
        "is_manager": selectors.is_manager(user, p) or services.is_inspector(user, p),
    }
    return render(request, "projects/project.html", ctx, status=status)


@require_POST
def object_view(request: HttpRequest, pk: int) -> HttpResponse:
    from .api import throttle_objection

    p = _get(pk)
    user = request.user if request.user.is_authenticated else None
    try:
        if user is None:
            throttle_objection(request)
        services.object_to(p, user, text=request.POST.get("text", ""))
    except DomainError as exc:
        return project_page(request, pk, status=exc.status, error=exc.detail)
    messages.success(request, _("您的异议已提交，社区将在公示期内答复。"))
    return redirect("projects:project", pk=pk)


@require_POST
def support_view(request: HttpRequest, pk: int) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(f"/projects/{pk}/")
    p = _get(pk)
    try:
        services.support(p, request.user)
    except DomainError as exc:
        return project_page(request, pk, status=exc.status, error=exc.detail)
    messages.success(request, _("感谢您的支持！"))
    return redirect("projects:project", pk=pk)


# ---------------------------------------------------------------------------------------------
# Staff pages


def _desk_user(request: HttpRequest):
    user = request.user
    if not user.is_authenticated:
        return None
    if not selectors.may_open_desk(user):
        raise Http404
    return user


def desk_list(request: HttpRequest) -> HttpResponse:
    user = _desk_user(request)
    if user is None:
        return redirect_to_login(request.get_full_path())
    status = _choice(request.GET.get("status"), S.values)
    f = selectors.Filters(status=status)
    projects = selectors.managed(user, f)
    inspections = []
    if has_role(user, {Role.INSPECTOR}):
        q = scope_q(user, Project, role_set={Role.INSPECTOR})
        inspections = selectors.board(selectors.Filters(status=S.INSPECTION))
        inspections = list(inspections if q is None else inspections.filter(q))
    page = Paginator(projects, 50).get_page(request.GET.get("page"))
    return render(request, "projects/desk_list.html", {
        "page": page, "inspections": inspections, "statuses": S.choices, "status": status,
        "can_create": has_role(user, STAFF_ROLES),
    })


def _creatable_communities(user) -> list[Community]:
    qs = Community.objects.select_related("town").order_by("town__name", "name")
    q = scope_q(user, Community, role_set=STAFF_ROLES)
    return list(qs if q is None else qs.filter(q))


_SPLIT = re.compile(r"\s*[,，|\t]\s*")


def parse_items(text: str) -> list[dict]:
    """One item per line: 名称, 数量, 单位[, 单价[, 设施类型[, 设施工作[, 已有设施编号]]]] (comma, Chinese
    comma, | or tab between)."""
    items = []
    for n, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = _SPLIT.split(line.strip())
        if len(parts) < 3:
            raise InvalidInput(_("items: 第 %(n)s 行应为“名称, 数量, 单位[, 单价]”") % {"n": n}, field="items")
        item = {"name": parts[0], "quantity": parts[1], "unit": parts[2]}
        if len(parts) > 3 and parts[3]:
            item["unit_price"] = parts[3]
        for key, value in zip(("facility_kind", "facility_work", "facility"), parts[4:7], strict=False):
            if value:
                item[key] = value
        items.append(item)
    return items


def parse_codes(text: str) -> list[str]:
    return [c for c in re.split(r"[\s,，;；]+", text or "") if c]


@require_http_methods(["GET", "POST"])
def desk_new(request: HttpRequest) -> HttpResponse:
    user = _desk_user(request)
    if user is None:
        return redirect_to_login(request.get_full_path())
    if not has_role(user, STAFF_ROLES):
        raise Http404
    communities = _creatable_communities(user)
    error, status = "", 200
    if request.method == "POST":
        post = request.POST
        try:
            p = services.create(
                user, title=post.get("title", ""), community=post.get("community", ""), kind=post.get("kind", ""),
                budget=post.get("budget", ""), items=parse_items(post.get("items", "")),
                demands=parse_codes(post.get("demands", "")), campaign=post.get("campaign", ""),
                plan=post.get("plan", ""), task_team=post.get("task_team", ""), place=post.get("place") or None,
                contractor=post.get("contractor", ""),
            )
        except DomainError as exc:
            error, status = exc.detail, exc.status
        else:
            messages.success(request, _("项目已提议，等待初审。"))
            return redirect("projects:manage", pk=p.pk)
    return render(request, "projects/desk_new.html", {
        "communities": communities, "kinds": Kind.choices, "error": error, "data": request.POST,
        # Not `data.items`: on a dict the template would find the method and print a generator.
        "items_text": request.POST.get("items", ""),
    }, status=status)


# The forms of the manage page: action, label, fields. Which show is asked of the services
# (`services.allowed_actions`: the rules they enforce).
YES_NO = [("yes", gettext_lazy("是")), ("no", gettext_lazy("否"))]
FORMS = [
    ("screen", gettext_lazy("初审"), [
        ("passed", gettext_lazy("初审通过"), "select", YES_NO), ("reason", gettext_lazy("理由/意见"), "textarea", None)]),
    ("deliberate", gettext_lazy("提交议事（两委协商/居民议事会）"), [
        ("note", gettext_lazy("说明"), "text", None)]),
    ("vote", gettext_lazy("记录表决"), [
        ("for", gettext_lazy("赞成"), "number", None), ("against", gettext_lazy("反对"), "number", None),
        ("abstain", gettext_lazy("弃权"), "number", None), ("members", gettext_lazy("应到人数（默认 7）"), "number", None),
        ("quorum", gettext_lazy("法定人数（默认 过半数）"), "number", None),
        ("minutes", gettext_lazy("会议纪要"), "textarea", None)]),
    ("notice", gettext_lazy("开始公示"), [
        ("days", gettext_lazy("公示天数（默认 5）"), "number", None)]),
    ("answer_objection", gettext_lazy("答复异议"), [
        ("objection", gettext_lazy("异议"), "objection", None), ("answer", gettext_lazy("答复"), "textarea", None)]),
    ("approve", gettext_lazy("立项"), [("note", gettext_lazy("说明"), "text", None)]),
    ("implement", gettext_lazy("开始实施"), [
        ("contractor", gettext_lazy("施工/供货单位"), "text", None), ("note", gettext_lazy("说明"), "text", None)]),
    ("progress", gettext_lazy("报告进度"), [
        ("phase", gettext_lazy("阶段"), "select", PhaseKind.choices),
        ("percent", gettext_lazy("完成百分比"), "number", None), ("note", gettext_lazy("进展说明"), "textarea", None)]),
    ("spend", gettext_lazy("记录支出"), [
        ("amount", gettext_lazy("金额（元）"), "decimal", None), ("date", gettext_lazy("日期"), "date", None),
        ("note", gettext_lazy("说明"), "text", None)]),
    ("complete", gettext_lazy("完工报验"), [("note", gettext_lazy("说明"), "text", None)]),
    ("inspect", gettext_lazy("验收"), [
        ("passed", gettext_lazy("验收通过"), "select", YES_NO),
        ("checklist", gettext_lazy("验收清单（每行一项，不合格的在末尾写“| 不通过”）"), "textarea", None),
        ("note", gettext_lazy("验收意见"), "textarea", None)]),
    ("evaluate", gettext_lazy("满意度测评与绩效评价"), [
        ("score", gettext_lazy("绩效评分（0–100）"), "decimal", None),
        ("surveyed", gettext_lazy("调查人数"), "number", None), ("satisfied", gettext_lazy("满意"), "number", None),
        ("basically", gettext_lazy("基本满意"), "number", None),
        ("dissatisfied", gettext_lazy("不满意"), "number", None), ("note", gettext_lazy("说明"), "text", None)]),
    ("archive", gettext_lazy("归档"), [("note", gettext_lazy("说明"), "text", None)]),
    ("cancel", gettext_lazy("取消项目"), [("reason", gettext_lazy("理由"), "textarea", None)]),
]


def _forms_for(user, p: Project) -> list[dict]:
    allowed = set(services.allowed_actions(p, user))
    out = []
    for action, label, fields in FORMS:
        if action in allowed:
            out.append({"action": action, "label": label, "fields": [
                {"name": n, "label": lab, "type": t, "choices": c} for n, lab, t, c in fields
            ]})
    return out


def desk_project(request: HttpRequest, pk: int, *, status: int = 200, error: str = "") -> HttpResponse:
    user = _desk_user(request)
    if user is None:
        return redirect_to_login(request.get_full_path())
    p = _get(pk)
    staff, inspector = services.is_staff(user, p), services.is_inspector(user, p)
    if not (staff or inspector):
        raise Http404
    return render(request, "projects/desk_project.html", {
        "p": p, "card": _card(p), "forms": _forms_for(user, p), "error": error, "staff": staff,
        "events": selectors.staff_events(p), "objections": list(p.objections.all()), "votes": list(p.votes.all()),
        "inspections": list(p.inspections.all()), "spendings": list(p.spendings.all()),
        "notes": list(p.progress_notes.all()), "photos": list(p.photos.all()),
        "evaluation": p.evaluation if selectors._has_evaluation(p) else None,
        "photo_stages": PhotoStage.choices,
    }, status=status)


def _int(post, name: str) -> int | None:
    raw = (post.get(name) or "").strip()
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        raise InvalidInput(f"{name}: 须为整数", field=name) from None


def _yes(post, name: str) -> bool | None:
    return {"yes": True, "no": False}.get(post.get(name, ""))


def parse_checklist(text: str) -> list[dict]:
    out = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        item, _sep, verdict = line.partition("|")
        out.append({"item": item.strip(), "passed": verdict.strip() not in ("不通过", "不合格", "no", "fail", "×")})
    return out


def _run(action: str, p: Project, user, post) -> None:
    text = lambda name: post.get(name, "")  # noqa: E731
    version = _int(post, "version")
    calls = {
        "screen": lambda: services.screen(p, user, passed=_yes(post, "passed"), reason=text("reason"),
                                          expected_version=version),
        "deliberate": lambda: services.deliberate(p, user, note=text("note"), expected_version=version),
        "vote": lambda: services.vote(p, user, votes_for=_int(post, "for"), votes_against=_int(post, "against"),
                                      votes_abstain=_int(post, "abstain"), minutes=text("minutes"),
                                      members=_int(post, "members"), quorum=_int(post, "quorum"),
                                      expected_version=version),
        "notice": lambda: services.notice(p, user, days=_int(post, "days"), expected_version=version),
        "answer_objection": lambda: services.answer_objection(p, user, objection=_int(post, "objection"),
                                                              answer=text("answer"), expected_version=version),
        "approve": lambda: services.approve(p, user, note=text("note"), expected_version=version),
        "implement": lambda: services.implement(p, user, contractor=text("contractor") or None, note=text("note"),
                                                expected_version=version),
        "progress": lambda: services.progress(p, user, phase=text("phase"), percent=_int(post, "percent"),
                                              note=text("note"), expected_version=version),
        "spend": lambda: services.spend(p, user, amount=text("amount"), note=text("note"), on=text("date") or None,
                                        expected_version=version),
        "complete": lambda: services.complete(p, user, note=text("note"), expected_version=version),
        "inspect": lambda: services.inspect(p, user, passed=_yes(post, "passed"), note=text("note"),
                                            checklist=parse_checklist(text("checklist")), expected_version=version),
        "evaluate": lambda: services.evaluate(p, user, score=text("score") or None, surveyed=_int(post, "surveyed"),
                                              satisfied=_int(post, "satisfied"), basically=_int(post, "basically"),
                                              dissatisfied=_int(post, "dissatisfied"), note=text("note"),
                                              expected_version=version),
        "archive": lambda: services.archive(p, user, note=text("note"), expected_version=version),
        "cancel": lambda: services.cancel(p, user, reason=text("reason"), expected_version=version),
    }
    if action not in calls:
        raise Http404
    calls[action]()


@require_POST
def desk_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    user = _desk_user(request)
    if user is None:
        return redirect_to_login(f"/desk/projects/{pk}/")
    p = _get(pk)
    try:
        _run(action, p, user, request.POST)
    except DomainError as exc:
        return desk_project(request, pk, status=exc.status, error=exc.detail)
    messages.success(request, _("已完成：%(action)s") % {"action": services.ACTION_NAMES.get(action, action)})
    return redirect("projects:manage", pk=pk)


@require_POST
def desk_photo(request: HttpRequest, pk: int) -> HttpResponse:
    user = _desk_user(request)
    if user is None:
        return redirect_to_login(f"/desk/projects/{pk}/")
    p = _get(pk)
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise InvalidInput(_("file: 请选择图片"), field="file")
        services.add_photo(p, user, upload, stage=request.POST.get("stage", ""), caption=request.POST.get("caption", ""))
    except DomainError as exc:
        return desk_project(request, pk, status=exc.status, error=exc.detail)
    messages.success(request, _("照片已上传。"))
    return redirect("projects:manage", pk=pk)
