"""Pages for a resident's rights over their personal data and for the staff who decide deletion requests."""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from minsheng.accounts.models import STAFF_ROLES
from minsheng.accounts.selectors import has_role
from minsheng.core.errors import DomainError

from . import services as rights
from .models import DeletionRequest


def _message(exc: DomainError) -> str:
    import re

    return re.sub(r"^[A-Za-z_/\-]+:\s*", "", exc.detail)


def _me_context(request: HttpRequest, **extra) -> dict:
    user = request.user
    ctx = {
        "demands": rights.view_own(user),
        "requests": list(user.deletion_requests.order_by("-requested_at")[:5]),
        "pending": user.deletion_requests.filter(state=DeletionRequest.State.PENDING).exists(),
        "values": {"name": user.first_name, "phone": ""},
        "errors": {},
        "retention_days": settings.MINSHENG_RETENTION_DAYS,
    }
    phones = [d.reporter_phone for d in ctx["demands"] if d.reporter_phone]
    ctx["values"]["phone"] = phones[0] if phones else ""
    ctx.update(extra)
    return ctx


@never_cache
@login_required
@require_GET
def me(request: HttpRequest) -> HttpResponse:
    return render(request, "reliability/me.html", _me_context(request))


@never_cache
@login_required
@require_POST
def correct(request: HttpRequest) -> HttpResponse:
    name, phone = request.POST.get("name", ""), request.POST.get("phone", "")
    try:
        n = rights.correct(request.user, name=name, phone=phone)
    except DomainError as exc:
        ctx = _me_context(request, errors={"correct": _message(exc)})
        ctx["values"] = {"name": name, "phone": phone}
        return render(request, "reliability/me.html", ctx, status=exc.status)
    messages.success(request, _("已更正，%(n)d 件诉求已更新。") % {"n": n})
    return redirect("reliability:me")


@never_cache
@login_required
@require_GET
def export(request: HttpRequest) -> HttpResponse:
    body = json.dumps(rights.export(request.user), ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="minsheng-{request.user.pk}.json"'
    return response


@never_cache
@login_required
@require_POST
def delete_request(request: HttpRequest) -> HttpResponse:
    try:
        rights.request_deletion(request.user, reason=request.POST.get("reason", ""))
    except DomainError as exc:
        return render(request, "reliability/me.html", _me_context(request, errors={"delete": _message(exc)}),
                      status=exc.status)
    messages.success(request, _("删除申请已提交，社区工作人员审核后会清除您的个人信息。"))
    return redirect("reliability:me")


def _staff_only(request: HttpRequest) -> HttpResponse | None:
    if not has_role(request.user, STAFF_ROLES):
        return render(request, "demands/message.html", {
            "title": _("无权访问"), "text": _("仅社区或镇的工作人员可以审核删除申请。")}, status=403)
    return None


@never_cache
@login_required
@require_GET
def privacy_requests(request: HttpRequest) -> HttpResponse:
    if refused := _staff_only(request):
        return refused
    return render(request, "reliability/privacy.html", {"pending": rights.pending_for(request.user)})


@never_cache
@login_required
@require_POST
def privacy_decide(request: HttpRequest, req_id: int) -> HttpResponse:
    if refused := _staff_only(request):
        return refused
    approve = request.POST.get("decision") == "approve"
    try:
        req = rights.decide(req_id, request.user, approve=approve, note=request.POST.get("note", ""))
    except DomainError as exc:
        return render(request, "reliability/privacy.html", {
            "pending": rights.pending_for(request.user), "error": _message(exc)}, status=exc.status)
    if approve:
        messages.success(request, _("已同意，%(n)d 件诉求的个人信息已清除。") % {"n": req.demands_blanked})
    else:
        messages.success(request, _("已不同意该申请。"))
    return redirect("reliability:privacy")
