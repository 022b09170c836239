"""The dashboard page (static JS fetches /dashboard/data.json) and the bulletin download."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from minsheng.core.errors import DomainError
from minsheng.demands.views import staff_required
from minsheng.publishing import bulletin

from . import selectors


@staff_required
@require_GET
def page(request):
    try:
        node = selectors.resolve(request.user, request.GET.get("scope"))
    except DomainError as exc:
        return render(request, "demands/message.html", {"title": "无法打开看板", "text": exc.detail},
                      status=exc.status)
    today = timezone.localdate()
    return render(request, "dashboard/dashboard.html", {
        "node": node, "tiles": getattr(settings, "MINSHENG_MAP_TILES", ""),
        "tiles_attribution": getattr(settings, "MINSHENG_MAP_ATTRIBUTION", ""),
        "periods": [f"{today:%Y-%m}", f"{today.year}-Q{(today.month - 1) // 3 + 1}", str(today.year)],
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
