"""Every URL pattern and every API operation × every demo role, against an explicit table.

Routes are enumerated from the URL resolver, API operations from the OpenAPI document and admin pages
from the admin registry, so a new page, endpoint or admin model fails `test_every_route_is_classified`
until it gets a row here.

Expectations: an HTTP status, ">login" when it must be a redirect to a sign-in page, and "*" when the
action must take effect (a case with an `effect` check then also asserts that without "*" nothing
changed). A case's `never` lists text (personal data) no role may get in the answer. The demand `D` of
each case lies in 采菱社区 / 采菱第一网格, is assigned to demo-handler and was reported by demo-resident;
demo-sanqin is out of its scope. The routes of the apps merged later (projects, facilities, activities and
roster, callbacks/rankings/surveys, collection, WeChat import, dashboard, open data, Open311) have their
rows, and their worlds, in `test_authorization_apps.py`.

A world is built for the first role of a case and again after every role that was allowed to act (or
answered other than expected): a role refused as expected changed nothing, so the next role may use the
same world; a read (GET) changes nothing either.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import URLResolver, get_resolver
from PIL import Image

from minsheng.accounts.models import ApiToken
from minsheng.accounts.services import issue_token
from minsheng.demands import services
from minsheng.demands.models import Demand, ReporterCode
from minsheng.territory.models import Community, Grid

ROLES = ["anonymous", "demo-resident", "demo-handler", "demo-cailing-grid", "demo-cailing", "demo-sanqin",
         "demo-town"]


def by_role(anonymous, resident, handler, grid, cailing, sanqin, town) -> dict[str, str]:
    return dict(zip(ROLES, [anonymous, resident, handler, grid, cailing, sanqin, town], strict=True))


def everyone(expect: str) -> dict[str, str]:
    return dict.fromkeys(ROLES, expect)


def signed_in(expect: str, anonymous: str = "302>login") -> dict[str, str]:
    return {**everyone(expect), "anonymous": anonymous}


DESK = by_role("302>login", "403", "200", "200", "200", "200", "200")
STAFF_ONLY = by_role("302>login", "403", "403", "403", "200", "200", "200")


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (1, 2, 3)).save(out, format="JPEG")
    return out.getvalue()


# -- the demo town, loaded once per module -----------------------------------------------------------------


@pytest.fixture(scope="module")
def _territory_once(django_db_setup, django_db_blocker):
    """The demo territory, loaded once for the module in a transaction rolled back at its end; each test
    runs in a savepoint inside it (as Django's TestCase does with setUpTestData)."""
    from minsheng.demo.loaders import load_all

    with django_db_blocker.unblock(), transaction.atomic():
        load_all(territory_only=True)
        yield
        transaction.set_rollback(True)


@pytest.fixture
def demo_territory(_territory_once, db):
    """Overrides the conftest fixture of the same name: the module's territory, not a fresh load per test."""
    from minsheng.territory.models import Town

    return Town.objects.get(name="湖塘镇")


# -- the world of one case ---------------------------------------------------------------------------


@dataclass
class World:
    d: Demand
    token: str
    rated: Demand | None = None
    rated_token: str = ""
    attachment_id: int = 0
    request_id: int = 0
    extra: dict = field(default_factory=dict)


def user(name):
    return get_user_model().objects.get(username=name)


def build_world(*, rated: bool = False, deletion_request: bool = False) -> World:
    town, resident = user("demo-town"), user("demo-resident")
    cailing, grid = Community.objects.get(name="采菱社区"), Grid.objects.get(name="采菱第一网格")
    d, token = services.register(text="采菱一期5幢楼道灯不亮", channel="online", community=cailing, grid=grid,
                                 reporter_name="赵六", reporter_phone="13811112222", reporter_user=resident,
                                 run_triage=False, category="sanitation")
    services.accept(d.code, town)
    services.assign(d.code, town, handler="demo-handler")
    d = services.add_attachment(d.code, town, SimpleUploadedFile("p.jpg", jpeg()))
    w = World(d=Demand.objects.get(pk=d.pk), token=token, attachment_id=d.attachments.get().pk)
    if rated:
        r, w.rated_token = services.register(text="采菱家园路灯不亮", channel="online", community=cailing, grid=grid,
                                             reporter_name="钱七", reporter_phone="13933334444",
                                             run_triage=False, category="sanitation")
        services.accept(r.code, town)
        services.assign(r.code, town, handler="demo-handler")
        services.contact(r.code, town)
        w.rated = services.reply(r.code, town, reply="已修好")
    if deletion_request:
        from minsheng.reliability.services import request_deletion

        w.request_id = request_deletion(resident).pk
    return w


def client_for(role: str, *, api: bool = False) -> tuple[Client, dict]:
    client = Client()
    if role == "anonymous":
        return client, {}
    if api:
        return client, {"HTTP_AUTHORIZATION": f"Bearer {issue_token(user=user(role))}"}
    client.force_login(user(role))
    return client, {}


def _cailing_token(w: World) -> int:
    if "cailing_token" not in w.extra:
        issue_token(user=user("demo-cailing"))
        w.extra["cailing_token"] = ApiToken.objects.filter(user__username="demo-cailing").order_by("-id").first().pk
    return w.extra["cailing_token"]


def fresh(w: World) -> Demand:
    return Demand.objects.get(pk=w.d.pk)


@dataclass
class Case:
    method: str
    url: Callable[[World], str]
    expect: dict[str, str]
    data: Callable[[World, str], dict] | None = None
    effect: Callable[[World, str], bool] | None = None
    world: dict = field(default_factory=dict)
    api: bool = False
    json: bool = True
    multipart: bool = False
    build: Callable[..., World] | None = None  # the world builder (default: build_world)
    never: Callable[[World], list[str]] | None = None


def _version(w):
    return {"version": fresh(w).version}


# -- pages ---------------------------------------------------------------------------------------------

PAGES: dict[str, Case] = {
    "": Case("GET", lambda w: "/", everyone("200")),
    "healthz": Case("GET", lambda w: "/healthz", everyone("200")),
    "login/": Case("GET", lambda w: "/login/", everyone("200")),
    "logout/": Case("POST", lambda w: "/logout/", everyone("302")),
    "i18n/setlang/": Case("POST", lambda w: "/i18n/setlang/", everyone("302"),
                          data=lambda w, r: {"language": "en", "next": "/"}),
    "submit/": Case("GET", lambda w: "/submit/", everyone("200")),
    "submit/done/": Case("GET", lambda w: "/submit/done/", everyone("302")),
    "track/": Case("GET", lambda w: f"/track/?code={w.d.code}&token={w.token}", everyone("200")),
    # Anyone with the code and the last four digits may have a one-time code sent to the reporter's phone
    # (throttled): only that phone receives it.
    "track/<str:code>/code": Case(
        "POST", lambda w: f"/track/{w.rated.code}/code", everyone("302*"), world={"rated": True},
        data=lambda w, r: {"phone4": "4444"},
        effect=lambda w, r: ReporterCode.objects.filter(demand=w.rated).exists()),
    "track/<str:code>/rate": Case(
        "POST", lambda w: f"/track/{w.rated.code}/rate", everyone("302*"), world={"rated": True},
        data=lambda w, r: {"token": w.rated_token, "resolution": "resolved", "satisfaction": "satisfied"},
        effect=lambda w, r: Demand.objects.get(pk=w.rated.pk).callback_at is not None),
    "desk/": Case("GET", lambda w: "/desk/", DESK),
    "desk/bulk-assign": Case(
        "POST", lambda w: "/desk/bulk-assign", by_role("302>login", "403", "200", "200", "200*", "200", "200*"),
        data=lambda w, r: {"codes": [w.d.code], "handler": "demo-handler"},
        effect=lambda w, r: fresh(w).events.filter(action="assign").count() > 1),
    "desk/demands/<str:code>/": Case("GET", lambda w: f"/desk/demands/{w.d.code}/",
                                     by_role("302>login", "403", "200", "200", "200", "404", "200")),
    "desk/demands/<str:code>/act/<slug:action>": Case(
        "POST", lambda w: f"/desk/demands/{w.d.code}/act/escalate",
        by_role("302>login", "403", "302*", "302*", "302*", "404", "302*"),
        data=lambda w, r: _version(w), effect=lambda w, r: fresh(w).escalated),
    "desk/inbox": Case("GET", lambda w: "/desk/inbox", DESK),
    "desk/inbox/read": Case("POST", lambda w: "/desk/inbox/read",
                            by_role("302>login", "403", "302", "302", "302", "302", "302")),
    "me/": Case("GET", lambda w: "/me/", signed_in("200")),
    "me/correct": Case(
        "POST", lambda w: "/me/correct", {**signed_in("302"), "demo-resident": "302*"},
        data=lambda w, r: {"name": "赵改", "phone": "13700001111"},
        effect=lambda w, r: fresh(w).reporter_name == "赵改"),
    "me/export.json": Case("GET", lambda w: "/me/export.json", signed_in("200")),
    "me/delete": Case(
        "POST", lambda w: "/me/delete", signed_in("302*"), data=lambda w, r: {"reason": ""},
        effect=lambda w, r: r != "anonymous" and user(r).deletion_requests.exists()),
    "desk/privacy/": Case("GET", lambda w: "/desk/privacy/", STAFF_ONLY),
    "desk/privacy/<int:req_id>/decide": Case(
        "POST", lambda w: f"/desk/privacy/{w.request_id}/decide",
        by_role("302>login", "403", "403", "403", "302*", "403", "302*"), world={"deletion_request": True},
        data=lambda w, r: {"decision": "approve"}, effect=lambda w, r: fresh(w).reporter_phone == ""),
    "api/v1/": Case("GET", lambda w: "/api/v1/", everyone("404")),
    "api/v1/docs": Case("GET", lambda w: "/api/v1/docs", everyone("200")),
    "api/v1/openapi.json": Case("GET", lambda w: "/api/v1/openapi.json", everyone("200")),
}

# -- API operations ---------------------------------------------------------------------------------------

_ESCALATE = by_role("401", "403", "200*", "200*", "200*", "404", "200*")
_SEES_D = by_role("404", "200", "200", "200", "200", "404", "200")

API: dict[str, Case] = {
    "POST /api/v1/auth/token": Case(
        "POST", lambda w: "/api/v1/auth/token", {**everyone("200"), "anonymous": "401"},
        data=lambda w, r: {"username": r if r != "anonymous" else "demo-town",
                           "password": "minsheng-demo" if r != "anonymous" else "wrong-password"}),
    "GET /api/v1/auth/me": Case("GET", lambda w: "/api/v1/auth/me", signed_in("200", "401")),
    # Tokens: each caller revokes the token it presents, lists its own, and revokes only its own.
    "DELETE /api/v1/auth/token": Case("DELETE", lambda w: "/api/v1/auth/token", signed_in("204", "401")),
    "GET /api/v1/auth/tokens": Case("GET", lambda w: "/api/v1/auth/tokens", signed_in("200", "401")),
    "DELETE /api/v1/auth/tokens/{token_id}": Case(
        "DELETE", lambda w: f"/api/v1/auth/tokens/{_cailing_token(w)}",
        {**signed_in("404", "401"), "demo-cailing": "204*"},
        effect=lambda w, r: not ApiToken.objects.filter(pk=_cailing_token(w)).exists()),
    "GET /api/v1/territory": Case("GET", lambda w: "/api/v1/territory", everyone("200")),
    "GET /api/v1/kpis": Case("GET", lambda w: "/api/v1/kpis?scope=采菱社区&period=2026", everyone("200")),
    "POST /api/v1/demands": Case("POST", lambda w: "/api/v1/demands", everyone("201"),
                                 data=lambda w, r: {"text": "三勤新苑健身器材坏了"}),
    "GET /api/v1/demands": Case(
        "GET", lambda w: "/api/v1/demands?page_size=200", by_role("401", "200*", "200*", "200*", "200*", "200", "200*"),
        effect=lambda w, r: w.d.code in w.extra.get("body", "")),
    "GET /api/v1/demands/{code}": Case("GET", lambda w: f"/api/v1/demands/{w.d.code}", _SEES_D),
    "POST /api/v1/demands/{code}/actions/{action}": Case(
        "POST", lambda w: f"/api/v1/demands/{w.d.code}/actions/escalate", _ESCALATE,
        data=lambda w, r: {"note": "吹哨"}, effect=lambda w, r: fresh(w).escalated),
    "POST /api/v1/demands/{code}/rate": Case(
        "POST", lambda w: f"/api/v1/demands/{w.rated.code}/rate?token={w.rated_token}", everyone("200*"),
        world={"rated": True}, data=lambda w, r: {"resolution": "resolved", "satisfaction": "satisfied"},
        effect=lambda w, r: Demand.objects.get(pk=w.rated.pk).callback_at is not None),
    "POST /api/v1/demands/{code}/attachments": Case(
        "POST", lambda w: f"/api/v1/demands/{w.d.code}/attachments",
        by_role("404", "201*", "201*", "201*", "201*", "404", "201*"), multipart=True,
        data=lambda w, r: {"file": SimpleUploadedFile("p.jpg", jpeg())},
        effect=lambda w, r: fresh(w).attachments.count() == 2),
    "GET /api/v1/demands/{code}/attachments/{attachment_id}": Case(
        "GET", lambda w: f"/api/v1/demands/{w.d.code}/attachments/{w.attachment_id}", _SEES_D),
}
for _case in API.values():
    _case.api = True

# -- admin: each registered model's list, by role ----------------------------------------------------------

ADMIN_LOGIN = "302>login"
SCOPED = by_role(ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, "200", "200", "200")
SUPERUSER_ONLY = by_role(ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, "403", "403", "403")
ADMIN: dict[str, dict[str, str]] = {
    "index": SCOPED,
    "auth.group": SUPERUSER_ONLY,
    "auth.user": SUPERUSER_ONLY,
    "django_tasks_database.dbtaskresult": SUPERUSER_ONLY,
    "territory.town": SCOPED,
    "territory.community": SCOPED,
    "territory.grid": SCOPED,
    "territory.residentgroup": SCOPED,
    "territory.place": SCOPED,
    "territory.building": SCOPED,
    "accounts.membership": SCOPED,
    "accounts.apitoken": SUPERUSER_ONLY,
    "reliability.deletionrequest": SUPERUSER_ONLY,
    "projects.project": SCOPED,
    "projects.budgetcap": SCOPED,
    "facilities.facility": SCOPED,
    "facilities.maintenanceplan": SCOPED,
    "facilities.maintenancetask": SCOPED,
    "services_activities.activity": SCOPED,
    "publishing.open311client": SUPERUSER_ONLY,
}


# -- enumeration ----------------------------------------------------------------------------------------


def routes() -> set[str]:
    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            else:
                yield prefix + str(p.pattern)

    return {r for r in walk(get_resolver().url_patterns) if not r.startswith("admin/")}


API_PAGES = {"api/v1/", "api/v1/docs", "api/v1/openapi.json"}


def openapi_operations() -> set[str]:
    from minsheng.api import api

    paths = api.get_openapi_schema(path_prefix="/api/v1/")["paths"]
    return {f"{method.upper()} {path}" for path, ops in paths.items() for method in ops}


def all_tables() -> tuple[dict[str, Case], dict[str, Case]]:
    """PAGES and API with the rows of the apps' module."""
    from minsheng.reliability.tests import test_authorization_apps as apps

    assert not set(PAGES) & set(apps.PAGES) and not set(API) & set(apps.API), "a route has two rows"
    return {**PAGES, **apps.PAGES}, {**API, **apps.API}


def test_every_route_is_classified():
    pages_table, api_table = all_tables()
    found = routes()
    api_routes = {r for r in found if r.startswith("api/v1/") and r not in API_PAGES}
    pages = found - api_routes
    assert pages - set(pages_table) == set(), "new page routes: add them to PAGES with an expectation per role"
    assert set(pages_table) - pages == set(), "PAGES lists routes that no longer exist"
    ops = openapi_operations()
    assert ops - set(api_table) == set(), "new API operations: add them to API with an expectation per role"
    assert set(api_table) - ops == set(), "API lists operations that no longer exist"
    # Every API route of the resolver is an operation of the document (nothing undocumented).
    documented = {re.sub(r"\{(\w+)\}", r"<\1>", op.split(" ", 1)[1].lstrip("/")) for op in ops}
    untyped = {re.sub(r"<\w+:(\w+)>", r"<\1>", r) for r in api_routes}  # <int:id> → <id>
    assert untyped <= documented, untyped - documented
    registered = {m._meta.label_lower for m in admin.site._registry}
    assert registered == set(ADMIN) - {"index"}, "classify every admin model in ADMIN (and only those)"


# -- running a case ---------------------------------------------------------------------------------------


def run_case(case: Case, role: str, w: World | None = None):
    if w is None:
        w = (case.build or build_world)(**case.world)
    client, headers = client_for(role, api=case.api)
    url = case.url(w)
    data = case.data(w, role) if case.data else None
    if case.method == "GET":
        r = client.get(url, **headers)
    elif case.method == "DELETE":
        r = client.delete(url, **headers)
    elif case.multipart:
        r = client.post(url, data, **headers)
    elif case.api:
        r = client.post(url, data or {}, content_type="application/json", **headers)
    else:
        r = client.post(url, data or {}, **headers)
    text = (b"".join(r.streaming_content) if r.streaming else r.content).decode(errors="replace")
    if r.get("Content-Type", "").startswith("application/json"):
        with contextlib.suppress(ValueError):  # Chinese as itself, not \uXXXX escapes (for `never`, `effect`)
            text = json.dumps(json.loads(text), ensure_ascii=False)
    w.extra["body"] = text
    w.extra["response"] = r
    return w, r


def outcome(case: Case, role: str, w: World, r) -> str:
    got = str(r.status_code)
    if r.status_code == 302 and "login" in r.get("Location", ""):
        got += ">login"
    if case.effect is not None and case.effect(w, role):
        got += "*"
    return got


def refused(expect: str) -> bool:
    return expect.endswith(">login") or (not expect.endswith("*") and int(expect[:3]) >= 400)


def check(table_name: str, key: str, case: Case) -> None:
    mismatches = []
    w = savepoint = None
    for role in ROLES:
        if w is None:  # a fresh world: undo the previous one (and what the previous role did to it)
            if savepoint is not None:
                transaction.savepoint_rollback(savepoint)
            savepoint = transaction.savepoint()
        w, r = run_case(case, role, w)
        got = outcome(case, role, w, r)
        expect = case.expect[role]
        if got != expect:
            mismatches.append(f"{role}: expected {expect}, got {got}")
        leaked = [text for text in (case.never(w) if case.never else []) if text in w.extra["body"]]
        if leaked:
            mismatches.append(f"{role}: the answer shows {leaked}")
        if not (case.method == "GET" or (got == expect and refused(expect))):
            w = None  # this role may have changed the world: the next one gets a fresh one
    transaction.savepoint_rollback(savepoint)
    assert not mismatches, f"{table_name}[{key!r}]: " + "; ".join(mismatches)


@pytest.mark.parametrize("key", sorted(PAGES))
def test_page_authorisation(demo_territory, key):
    check("PAGES", key, PAGES[key])


@pytest.mark.parametrize("key", sorted(API))
def test_api_authorisation(demo_territory, key):
    check("API", key, API[key])


@pytest.mark.parametrize("key", sorted(ADMIN))
def test_admin_authorisation(demo_territory, key):
    url = "/admin/" if key == "index" else f"/admin/{key.replace('.', '/')}/"
    mismatches = []
    for role in ROLES:
        client, _ = client_for(role)
        r = client.get(url)
        got = str(r.status_code) + (">login" if r.status_code == 302 and "login" in r["Location"] else "")
        if got != ADMIN[key][role]:
            mismatches.append(f"{role}: expected {ADMIN[key][role]}, got {got}")
    assert not mismatches, f"ADMIN[{key!r}]: " + "; ".join(mismatches)


# -- personal data: masked unless entitled, unmasked reads logged ------------------------------------------

UNMASKED = {"demo-resident", "demo-handler", "demo-cailing"}  # the reporter, the handler, the community's staff


@pytest.mark.parametrize("via", ["api", "page"])
def test_personal_data_masked_and_unmasked_reads_logged(demo_territory, via):
    from minsheng.accounts.models import PersonalDataRead

    w = build_world()
    for role in ROLES:
        client, headers = client_for(role, api=via == "api")
        before = PersonalDataRead.objects.filter(subject=f"demand:{w.d.code}").count()
        if via == "api":
            r = client.get(f"/api/v1/demands/{w.d.code}", **headers)
        else:
            r = client.get(f"/desk/demands/{w.d.code}/")
        logged = PersonalDataRead.objects.filter(subject=f"demand:{w.d.code}").count() - before
        body = r.content.decode()
        shows_phone = "13811112222" in body
        if r.status_code != 200:
            assert not shows_phone
            continue
        if role in UNMASKED:
            assert shows_phone and logged == 1, (via, role)
            read = PersonalDataRead.objects.filter(subject=f"demand:{w.d.code}").order_by("-at", "-id").first()
            assert read.user.username == role and "reporter_phone" in read.fields
        else:
            assert not shows_phone and "138****2222" in body and logged == 0, (via, role)
    # Public forms never carry the reporter's data.
    for url in (f"/track/?code={w.d.code}&token={w.token}", f"/api/v1/demands/{w.d.code}?token={w.token}"):
        body = Client().get(url).content.decode()
        assert "13811112222" not in body and "赵六" not in body and "2222" not in body.split("code")[0]
