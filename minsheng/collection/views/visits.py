"""Grid workers' visits (走访): record one with its photos and on-the-spot demands, list them by period. Thin over `collection.services`."""


from __future__ import annotations

from datetime import datetime

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from minsheng.accounts.selectors import visible
from minsheng.attachments import views as attachment_views
from minsheng.core.errors import DomainError, NotFound
from minsheng.kpis.periods import parse

from ..models import (
    Visit,
)
from ..services import visits
from .common import PAGE_SIZE, _datetime, _message, collector_required


def _visit_form_context(user, values=None, error: str = "", field: str = "") -> dict:
    buildings = list(visits.buildings_for(user))
    return {"buildings": buildings, "values": values or {}, "error": error, "error_field": field,
            "single_grid": len({b.grid_id for b in buildings}) == 1, "max_photos": visits.MAX_PHOTOS}


def _wants_json(request: HttpRequest) -> bool:
    """The page's script (sending a visit saved on the phone) asks for JSON; a plain form gets pages."""
    return "application/json" in request.headers.get("Accept", "")


@collector_required
@require_http_methods(["GET", "POST"])
def visit_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    if request.method == "GET":
        return render(request, "collection/visit_new.html", _visit_form_context(user))
    p = request.POST
    as_json = _wants_json(request)
    values = {k: p.get(k, "") for k in ("building", "household", "notes", "demands", "reporter_name",
                                        "reporter_phone", "visited_at", "urgent")}
    try:
        result = visits.record_visit(
            user, building_id=p.get("building"), household=p.get("household", ""), notes=p.get("notes", ""),
            demands_text=p.get("demands", ""), reporter_name=p.get("reporter_name", ""),
            reporter_phone=p.get("reporter_phone", ""), photos=request.FILES.getlist("photos"),
            visited_at=_datetime(p.get("visited_at", ""), "visited_at"), urgent=p.get("urgent") == "1",
            client_key=p.get("client_key", ""),
        )
    except DomainError as exc:
        if as_json:
            return JsonResponse({"error": _message(exc), "field": exc.field or ""}, status=exc.status)
        ctx = _visit_form_context(user, values, _message(exc), exc.field or "")
        return render(request, "collection/visit_new.html", ctx, status=exc.status)
    n = len(result.demands)
    if not result.replayed:
        messages.success(request, _("已记录走访") + (_("，登记诉求 %(n)d 件") % {"n": n} if n else ""))
    url = reverse("collection:visit", kwargs={"pk": result.visit.pk})
    if as_json:
        return JsonResponse({"visit": result.visit.pk, "url": url, "demands": n, "replayed": result.replayed},
                            status=200 if result.replayed else 201)
    return redirect(url)


def _visit(user, pk) -> Visit:
    v = visible(user, Visit.objects.select_related("grid__community", "building", "worker")).filter(pk=pk).first()
    if v is None:
        raise NotFound(_("没有这次走访，或您无权查看"))
    return v


@collector_required
@require_GET
def visit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    v = _visit(request.user, pk)
    return render(request, "collection/visit.html", {
        "v": v, "photos": list(v.photos.order_by("id")),
        "demands": list(visits.visit_demands(v).select_related("community", "grid")),
    })


@collector_required
@require_GET
def visit_photo(request: HttpRequest, pk: int) -> HttpResponse:
    return attachment_views.serve(request, Visit, pk, not_found=NotFound(_("没有这张照片，或您无权查看")))


def _period(label: str) -> tuple[str, datetime, datetime]:
    from zoneinfo import ZoneInfo


    period = parse(label.strip()[:30] or timezone.localdate().strftime("%Y-%m"))
    start, end = period.bounds(ZoneInfo(timezone.get_current_timezone_name()))
    return period.label, start, end


@collector_required
@require_GET
def visit_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    error = ""
    try:
        label, start, end = _period(request.GET.get("period") or "")
    except DomainError as exc:
        error = _message(exc)
        label, start, end = _period("")
    rows = visits.coverage(user, start, end)
    recent = (visible(user, Visit.objects.select_related("grid", "building", "worker"))
              .filter(visited_at__gte=start, visited_at__lt=end).order_by("-visited_at", "-id"))
    page = Paginator(recent, PAGE_SIZE).get_page(request.GET.get("page"))
    total_b = sum(r.buildings for r in rows)
    total_v = sum(r.visited for r in rows)
    return render(request, "collection/visits.html", {
        "rows": rows, "page": page, "period": label, "error": error,
        "total": {"buildings": total_b, "visited": total_v,
                  "percent": round(100 * total_v / total_b) if total_b else 0},
    }, status=422 if error else 200)


