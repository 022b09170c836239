"""/desk/intake/chat/: import a WeChat group export (upload a .txt or paste), review what the extractor
found — staff untick false positives, tick misses — and register one demand per problem.

Thin over ``chat_services``. Nicknames are personal data: these pages are for staff of the export's
community only. Works without JavaScript (the page is plain forms and a table).
"""

from __future__ import annotations

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from minsheng.core.errors import DomainError

from .. import chat_export
from ..models import ChatExport
from ..services import chat as chat_services

MAX_UPLOAD = 4 * 1024 * 1024


def _message(exc: Exception) -> str:
    text = getattr(exc, "detail", None) or str(exc)
    return re.sub(r"^[A-Za-z_/\-]+:\s*", "", text)


def _refused(request: HttpRequest) -> HttpResponse:
    return render(request, "demands/message.html", {
        "title": _("无权访问"), "text": _("导入微信群聊天记录仅供社区工作人员和网格员使用。")}, status=403)


def _export_for(request: HttpRequest, pk: int) -> ChatExport:
    export = chat_services.visible_exports(request.user).filter(pk=pk).select_related("community__town").first()
    if export is None:
        raise Http404(_("没有这份聊天记录，或您无权查看"))
    return export


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def chat_upload(request: HttpRequest) -> HttpResponse:
    communities = list(chat_services.chat_communities(request.user))
    if not communities:
        return _refused(request)
    values = {"community": "", "group_name": "", "text": ""}
    error = ""
    status = 200
    if request.method == "POST":
        values = {k: (request.POST.get(k) or "").strip() if k != "text" else request.POST.get(k) or ""
                  for k in values}
        by_id = {str(c.pk): c for c in communities}
        community = by_id.get(values["community"]) if values["community"] else (
            communities[0] if len(communities) == 1 else None)
        upload = request.FILES.get("file")
        try:
            if community is None:
                raise chat_export.ChatFormatError(_("请选择社区"))
            if upload is not None:
                if upload.size > MAX_UPLOAD:
                    raise chat_export.ChatFormatError(_("文件太大（最多 4 MB），请分段导入"))
                if not upload.name.lower().endswith(".txt"):
                    raise chat_export.ChatFormatError(_("请上传 .txt 格式的聊天记录"))
                text = chat_export.decode(upload.read())
            else:
                text = values["text"]
            if not text.strip():
                raise chat_export.ChatFormatError(_("请上传聊天记录文件或粘贴聊天内容"))
            export = chat_services.create_export(community=community, user=request.user, text=text,
                                                 group_name=values["group_name"])
        except (chat_export.ChatFormatError, DomainError) as exc:
            error = _message(exc)
            status = 400
        else:
            return redirect("collection:chat_preview", pk=export.pk)
    recent = chat_services.visible_exports(request.user)[:20]
    return render(request, "collection/chat_upload.html", {
        "communities": communities, "values": values, "error": error, "recent": recent,
        "max_messages": chat_services.MAX_MESSAGES}, status=status)


@never_cache
@login_required
@require_http_methods(["GET"])
def chat_preview(request: HttpRequest, pk: int) -> HttpResponse:
    if not chat_services.chat_communities(request.user).exists():
        return _refused(request)
    export = _export_for(request, pk)
    registered = export.registered_at is not None
    reading = None if registered else chat_services.reading(export)   # before preview: what it uses
    pv = chat_services.preview(export)
    return render(request, "collection/chat_preview.html", {
        "export": export, "pv": pv, "rows": pv.rows, "reading": reading, "shown": reading,
        "registered": registered,
        "created": list(export.messages.filter(is_demand=True, demand__isnull=False)
                        .select_related("demand").order_by("line")),
    })


@never_cache
@login_required
@require_http_methods(["GET"])
def chat_reading(request: HttpRequest, pk: int) -> HttpResponse:
    """How far the meaning reading of an export is (the preview page polls it; ``shown`` is how many
    readings the page itself was decided with, to offer a refresh once there are more)."""
    if not chat_services.chat_communities(request.user).exists():
        return _refused(request)
    export = _export_for(request, pk)
    try:
        shown = int(request.GET.get("shown") or 0)
    except ValueError:
        shown = 0
    return render(request, "collection/_chat_reading.html", {
        "export": export, "reading": chat_services.reading(export), "shown_read": shown, "polled": True})


@never_cache
@login_required
@require_POST
def chat_register(request: HttpRequest, pk: int) -> HttpResponse:
    if not chat_services.chat_communities(request.user).exists():
        return _refused(request)
    export = _export_for(request, pk)
    try:
        lines = {int(v) for v in request.POST.getlist("lines")}
    except ValueError:
        lines = None
    if lines is None:
        messages.error(request, _("所选消息有误，请刷新后重试"))
        return redirect("collection:chat_preview", pk=export.pk)
    try:
        result = chat_services.register_export(export, request.user, lines)
    except DomainError as exc:
        messages.error(request, _message(exc))
        return redirect("collection:chat_preview", pk=export.pk)
    parts = [_("已登记 %(n)d 件诉求") % {"n": len(result.created)}]
    if result.linked:
        parts.append(_("%(n)d 条消息归入此前已登记的诉求") % {"n": result.linked})
    if result.skipped:
        parts.append(_("%(n)d 条消息此前已导入，未重复登记") % {"n": result.skipped})
    messages.success(request, "；".join(parts))
    return redirect("collection:chat_preview", pk=export.pk)
