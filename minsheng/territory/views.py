from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .selectors import territory_tree


def home(request: HttpRequest) -> HttpResponse:
    """Public home: the towns and their communities."""
    return render(request, "territory/home.html", {"towns": territory_tree()})
