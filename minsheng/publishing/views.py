"""Pages of the publishing app: the public home page, the Open311 root, open data."""

from __future__ import annotations

from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from minsheng.core.errors import DomainError
from minsheng.kpis import periods
from minsheng.territory.selectors import territory_tree

from . import opendata
from .figures import town_figures


def home(request):
    """Public home: what a resident can do here, and each town's figures of the year with its communities."""
    towns = territory_tree()
    figures = town_figures(towns)
    for t in towns:
        t.figures = figures[t.pk]
    return render(request, "publishing/home.html", {"towns": towns})


def open311_root(request):
    return redirect(reverse("publishing:open311_discovery", kwargs={"fmt": "json"}))


def open_data(request):
    return render(request, "publishing/open_data.html", {
        "datasets": [
            {"code": code, "label": label, "columns": opendata.COLUMNS[code]}
            for code, label in opendata.DATASETS.items()
        ],
        "periods": opendata.recent_periods(),
    })


def open_data_csv(request, dataset: str, period: str):
    if dataset not in opendata.DATASETS:
        raise Http404("no such dataset")
    try:
        p = periods.parse(period)
    except DomainError as exc:
        raise Http404(exc.detail) from exc
    response = StreamingHttpResponse(opendata.stream(dataset, p), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="minsheng-{dataset}-{p.label}.csv"'
    response["Cache-Control"] = "public, max-age=300"
    return response
