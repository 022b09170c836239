from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache

from . import health


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """200 when the app and its database answer and the database can still write; 503 otherwise."""
    state = health.check()
    if state["status"] != "ok":
        response = JsonResponse(state, status=503)
        response["Retry-After"] = "30"
        return response
    return JsonResponse(state)

