"""The 民情台账 from the web: upload, check, import in the background with its progress, export. Thin over `collection.services`."""


from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from minsheng.accounts.selectors import visible
from minsheng.core.errors import DomainError
from minsheng.demands import selectors
from minsheng.demands.models import Category, Status
from minsheng.territory.models import Community

from ..models import (
    LedgerImport,
)
from ..services import ledger_web
from .common import _message, collector_required


def _export_filters(request):
    g = request.GET
    queue = g.get("queue", "")
    queue = queue if queue in selectors.QUEUES or queue == "overdue" else ""
    status = g.get("status", "") if g.get("status", "") in Status.values else ""
    category = g.get("category", "") if g.get("category", "") in Category.values else ""
    return selectors.Filters(
        community=(g.get("community") or "").strip()[:60] or None, grid=(g.get("grid") or "").strip()[:60] or None,
        status=status or None, category=category or None, queue=queue or None,
        overdue=True if g.get("overdue") == "1" else None, q=(g.get("q") or "").strip()[:100] or None,
    )


@collector_required
@require_http_methods(["GET", "POST"])
def ledger(request: HttpRequest) -> HttpResponse:
    user = request.user
    status = 200
    error = ""
    if request.method == "POST":
        try:
            imp = ledger_web.upload(user, request.FILES.get("file"))
        except DomainError as exc:
            error, status = _message(exc), exc.status
        else:
            return redirect("collection:ledger_import", pk=imp.pk)
    return render(request, "collection/ledger.html", {
        "error": error, "can_import": ledger_web.can_import(user),
        "imports": LedgerImport.objects.filter(uploaded_by=user)[:10],
        "communities": list(visible(user, Community.objects.all()).order_by("name")),
        "statuses": Status.choices, "categories": Category.choices,
    }, status=status)


@collector_required
@require_GET
def ledger_import(request: HttpRequest, pk: int) -> HttpResponse:
    imp = ledger_web.get_import(request.user, pk)
    status = 422 if imp.state == LedgerImport.State.INVALID else 200
    return render(request, "collection/ledger_import.html", {"imp": imp, "sync_max": ledger_web.sync_max_rows()},
                  status=status)


@collector_required
@require_POST
def ledger_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    imp = ledger_web.get_import(request.user, pk)
    try:
        imp = ledger_web.confirm(imp, request.user)
    except DomainError as exc:
        return render(request, "collection/ledger_import.html", {
            "imp": ledger_web.get_import(request.user, pk), "sync_max": ledger_web.sync_max_rows(),
            "error": _message(exc)}, status=exc.status)
    if imp.state == LedgerImport.State.DONE:
        messages.success(request, imp.message)
    elif imp.state == LedgerImport.State.FAILED:
        messages.error(request, imp.message)
    return redirect("collection:ledger_import", pk=pk)


@collector_required
@require_GET
def ledger_status(request: HttpRequest, pk: int) -> HttpResponse:
    imp = ledger_web.get_import(request.user, pk)
    return render(request, "collection/_ledger_progress.html", {"imp": imp})


@collector_required
@require_GET
def ledger_export(request: HttpRequest) -> HttpResponse:
    import tempfile


    user = request.user
    demands = selectors.filtered(user, _export_filters(request))
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    n, unmasked = ledger_web.export_demands(user, demands, out)
    out.seek(0)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = FileResponse(out, as_attachment=True, filename=f"民情台账-{stamp}.xlsx",
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["X-Minsheng-Rows"] = str(n)
    response["X-Minsheng-Masked"] = "0" if unmasked else "1"
    return response
