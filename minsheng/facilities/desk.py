"""Small helpers shared by the desk pages of facilities, the roster and activities."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from minsheng.accounts.selectors import is_staff_member
from minsheng.core.errors import DomainError


def staff_page(check: Callable | None = None):
    """Signed-in staff only (territorial roles, handlers, inspectors; or `check(user)`); others get 403."""
    def decorate(view):
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            allowed = check(request.user) if check else is_staff_member(request.user)
            if not allowed or not request.user.is_active:
                return render(request, "facilities/forbidden.html", status=403)
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


def act(request: HttpRequest, action: Callable[[], object], *, ok: str, back: str) -> HttpResponse:
    """Run a service call from a form post; tell the user how it went and go back (POST → redirect → GET)."""
    try:
        action()
    except DomainError as exc:
        if exc.status == 404:
            raise
        if exc.status == 403:
            raise PermissionDenied(exc.detail) from exc  # the site's 403 page, with the reason
        messages.error(request, exc.detail)
    else:
        messages.success(request, ok)
    return redirect(back)


def page_of(qs, request: HttpRequest, per_page: int = 50):
    from django.core.paginator import Paginator

    return Paginator(qs, per_page).get_page(request.GET.get("page"))
