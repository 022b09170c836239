"""The dashboard page (static JS fetches /dashboard/data.json) and the bulletin download."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from minsheng.core.errors import DomainError
from minsheng.demands.views import staff_required
from minsheng.publishing import bulletin

from . import selectors


def script_labels() -> dict[str, str]:
    """The words dashboard.js writes, in the active language (handed over with json_script; the script
    keeps the Chinese as its fallback). %(name)s marks a value the script fills in."""
    return {
        "parent": _("上级："), "towns": _("镇/街道："), "communities": _("社区："), "grids": _("网格："),
        "response_rate": _("响应率"), "resolution_rate": _("解决率"), "satisfaction_rate": _("满意率"),
        "composite": _("综合得分"), "kpi_card": _("%(kpi)s（%(period)s）"),
        "last_month": _("上月 %(period)s：%(value)s"), "demands": _("诉求数"), "projects": _("项目数"),
        "budget_line": _("已立项预算 %(budget)s 万元，已支出 %(spent)s 万元，预算执行率 %(execution)s"),
        "progress": _("%(title)s 进度"),
        "activity_line": _("%(year)s 年开展服务活动 %(count)s 场，服务群众 %(served)s 人次"),
        "no_overdue": _("没有超期未办结的诉求"), "load_failed": _("数据加载失败：%(error)s"),
    }


@staff_required
@require_GET
def page(request):
    try:
        node = selectors.resolve(request.user, request.GET.get("scope"))
    except DomainError as exc:
        return render(request, "demands/message.html", {"title": _("无法打开看板"), "text": exc.detail},
                      status=exc.status)
    today = timezone.localdate()
    return render(request, "dashboard/dashboard.html", {
        "node": node, "tiles": getattr(settings, "MINSHENG_MAP_TILES", ""),
        "tiles_attribution": getattr(settings, "MINSHENG_MAP_ATTRIBUTION", ""),
        "periods": [f"{today:%Y-%m}", f"{today.year}-Q{(today.month - 1) // 3 + 1}", str(today.year)],
        "labels": script_labels(),
    })


@staff_required
@require_GET
def data(request):
    try:
        body = selectors.dashboard(request.user, request.GET.get("scope"))
    except DomainError as exc:
        return JsonResponse(exc.as_json(), status=exc.status)
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False})


@staff_required
@require_GET
def report(request):
    fmt = request.GET.get("format", "pdf")
    try:
        node = selectors.resolve(request.user, request.GET.get("scope"))
        period = request.GET.get("period") or str(timezone.localdate().year)
        body = bulletin.render(node.name, period, fmt)
    except DomainError as exc:
        return JsonResponse(exc.as_json(), status=exc.status)
    response = HttpResponse(body, content_type=bulletin.FORMATS[fmt][0])
    response["Content-Disposition"] = f'attachment; filename="bulletin-{period}.{fmt}"'
    return response
