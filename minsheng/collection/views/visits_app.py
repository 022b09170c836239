"""The visit page as an app for grid workers out of signal: its web app manifest and its service worker.

Both are public: they hold no personal data (the worker lists static files and the new-visit page's URL;
the page itself is fetched with the worker's own session), and a service worker script must never answer
with a redirect — an expired session would otherwise break the browser's update check of the worker."""

from __future__ import annotations

import hashlib
from pathlib import Path

from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

# What the new-visit page needs to open without network (base.html's styles and script, the page's own).
SHELL_ASSETS = ("minsheng/site.css", "minsheng/pages.css", "minsheng/collect.css", "minsheng/site.js",
                "minsheng/photos.js", "minsheng/visit-outbox.js", "minsheng/visit-offline.js")
ICONS = ((192, "minsheng/icons/visit-192.png"), (512, "minsheng/icons/visit-512.png"))


def _version(paths) -> str:
    """Changes whenever a cached file does, so the browser installs the new worker and refreshes its cache
    (with hashed static names the URLs already change; in development the content does)."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.encode())
        found = finders.find(path)
        if found:
            digest.update(Path(found).read_bytes())
    return digest.hexdigest()[:16]


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    body = render_to_string("collection/visits_sw.js", {
        "version": _version(SHELL_ASSETS), "shell": reverse("collection:visit_new"),
        "scope": reverse("collection:visits"), "assets": [static(p) for p in SHELL_ASSETS],
        "outbox": static("minsheng/visit-outbox.js"),
    })
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response


def _lang(code: str) -> str:
    return "zh-CN" if code == "zh-hans" else code  # as base.html's <html lang>


@require_GET
def manifest(request: HttpRequest) -> HttpResponse:
    scope = reverse("collection:visits")
    data = {
        "name": _("民生微实事·走访"), "short_name": _("走访"), "lang": _lang(request.LANGUAGE_CODE),
        "start_url": reverse("collection:visit_new"), "scope": scope, "id": scope,
        "display": "standalone", "background_color": "#ffffff", "theme_color": "#c8102e",
        "icons": [{"src": static(path), "sizes": f"{n}x{n}", "type": "image/png", "purpose": "any"}
                  for n, path in ICONS],
    }
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False},
                            content_type="application/manifest+json")
    response["Cache-Control"] = "no-cache"
    return response
