"""The JSON API: one NinjaAPI, each app contributes a router."""

from django.db import DataError
from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from minsheng.accounts.api import router as auth_router
from minsheng.core.errors import DomainError
from minsheng.demands.api import router as demands_router
from minsheng.facilities.api import router as facilities_router
from minsheng.kpis.api import rankings_router, surveys_router
from minsheng.kpis.api import router as kpis_router
from minsheng.projects.api import router as projects_router
from minsheng.services_activities.api import activities_router, roster_router
from minsheng.territory.api import router as territory_router

api = NinjaAPI(
    title="minsheng 民生微实事平台 API",
    version="1",
    urls_namespace="api",
    description="民情诉求、微实事项目、设施与三率。Errors are JSON `{\"detail\": …}` with a 4xx status.",
)


@api.exception_handler(DomainError)
def _domain_error(request: HttpRequest, exc: DomainError):
    return api.create_response(request, exc.as_json(), status=exc.status)


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError):
    # Name the field and the reason for every bad input.
    problems = []
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", []) if p not in ("body", "payload", "query", "path")]
        problems.append({"field": ".".join(loc) or None, "reason": err.get("msg", "invalid")})
    first = problems[0] if problems else {"field": None, "reason": "invalid"}
    detail = f"{first['field']}: {first['reason']}" if first["field"] else first["reason"]
    return api.create_response(request, {"detail": detail, "errors": problems}, status=422)


@api.exception_handler(AuthenticationError)
def _auth_error(request: HttpRequest, exc: AuthenticationError):
    return api.create_response(request, {"detail": "authentication required"}, status=401)


@api.exception_handler(DataError)
def _data_error(request: HttpRequest, exc: DataError):
    # A value the database cannot hold (NUL in a JSON string, a number out of range) is bad input, not a 5xx.
    return api.create_response(request, {"detail": "invalid input: a value the database cannot store"}, status=422)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError):
    return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)


def _register() -> None:
    api.add_router("/auth", auth_router)
    api.add_router("/territory", territory_router)
    api.add_router("/demands", demands_router)
    api.add_router("/kpis", kpis_router)
    api.add_router("/projects", projects_router)
    api.add_router("/facilities", facilities_router)
    api.add_router("/activities", activities_router)
    api.add_router("/roster", roster_router)
    api.add_router("/rankings", rankings_router)
    api.add_router("/surveys", surveys_router)


_register()
