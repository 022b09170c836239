"""Content-Security-Policy and the usual headers on every kind of answer: HTML pages, JSON, static files,
errors (404, 405, 403 CSRF, 500); and `minsheng serve` with MINSHENG_HTTPS=1: HSTS and secure cookies."""

from __future__ import annotations

import re

import pytest
from django.http import HttpResponse
from django.test import Client, override_settings
from django.urls import include, path

from .live import LiveServer, fresh_database

EXPECTED = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
}


def check_headers(r, what: str) -> None:
    headers = {k.lower(): v for k, v in r.items()} if hasattr(r, "items") else r.headers
    csp = headers.get("content-security-policy", "")
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "object-src 'none'" in csp, what
    script_src = re.search(r"script-src ([^;]*)", csp).group(1)
    assert "unsafe-inline" not in script_src and "unsafe-eval" not in script_src, what
    for name, value in EXPECTED.items():
        assert headers.get(name) == value, (what, name, headers.get(name))
    assert "permissions-policy" in headers, what


def boom(request):
    raise RuntimeError("boom")


urlpatterns = [path("boom/", boom), path("", include("minsheng.urls"))]


@pytest.mark.parametrize("url,status", [
    ("/", 200), ("/login/", 200), ("/submit/", 200), ("/track/", 200), ("/admin/login/", 200),
    ("/healthz", 200), ("/api/v1/territory", 200), ("/api/v1/openapi.json", 200),
    ("/static/minsheng/site.css", 200),
    ("/no-such-page/", 404), ("/api/v1/no-such", 404), ("/static/minsheng/none.css", 404),
])
def test_anonymous_answers_carry_the_headers(demo_territory, url, status):
    r = Client().get(url)
    assert r.status_code == status, url
    check_headers(r, url)


def test_signed_in_pages_and_errors_carry_the_headers(user_client):
    staff = user_client("demo-cailing")
    for url in ("/desk/", "/desk/inbox", "/desk/privacy/"):
        r = staff.get(url)
        assert r.status_code == 200, url
        check_headers(r, url)
    r = user_client("demo-resident").get("/me/")
    assert r.status_code == 200
    check_headers(r, "/me/")
    r = user_client("demo-resident").get("/desk/")
    assert r.status_code == 403
    check_headers(r, "403")
    r = Client().get("/logout/")
    assert r.status_code == 405
    check_headers(r, "405")
    r = Client(enforce_csrf_checks=True).post("/login/", {"username": "a", "password": "b"})
    assert r.status_code == 403
    check_headers(r, "csrf")


@override_settings(ROOT_URLCONF=__name__)
def test_server_errors_carry_the_headers(db):
    r = Client(raise_request_exception=False).get("/boom/")
    assert r.status_code == 500
    check_headers(r, "500")
    assert "boom" not in r.content.decode()  # no traceback shown


def test_csp_on_responses_that_set_their_own_headers(db):
    """A view that sets its own X-Frame-Options or CSP keeps it (the middleware only fills gaps)."""
    from minsheng.core.middleware import SecurityHeadersMiddleware

    own = HttpResponse()
    own["Content-Security-Policy"] = "default-src 'none'"
    r = SecurityHeadersMiddleware(lambda request: own)(None)
    assert r["Content-Security-Policy"] == "default-src 'none'"


def test_https_serve_sets_hsts_and_secure_cookies(tmp_path):
    with fresh_database() as url:
        server = LiveServer(tmp_path / "https", url, workers=1, threads=2, MINSHENG_HTTPS="1")
        server.data_dir.mkdir()
        server.prepare()
        with server:
            server.start()
            https = {"X-Forwarded-Proto": "https"}
            r = server.get("/login/", headers=https)
            assert r.status == 200
            assert r.headers["strict-transport-security"].startswith("max-age=31536000")
            cookie = r.headers["set-cookie"]
            assert "csrftoken=" in cookie and "Secure" in cookie and "SameSite=Lax" in cookie
            check_headers(r, "https /login/")
            # Static files (WhiteNoise, hashed names) carry the headers too.
            css = re.search(r'href="(/static/minsheng/site\.[0-9a-f]+\.css)"', r.body.decode())
            assert css, "static files are served under hashed names"
            s = server.get(css.group(1), headers=https)
            assert s.status == 200
            check_headers(s, "static")
            # Signing in over HTTPS gives a Secure, HttpOnly session cookie.
            token = re.search(r"csrftoken=([^;]+)", cookie).group(1)
            form = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', r.body.decode()).group(1)
            body = f"username=demo-cailing&password=minsheng-demo&csrfmiddlewaretoken={form}".encode()
            login = server.post("/login/", body, headers={
                **https, "Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={token}",
                "Referer": f"https://127.0.0.1:{server.port}/login/", "Host": f"127.0.0.1:{server.port}"})
            assert login.status == 302, login.body[:500]
            session = login.headers["set-cookie"]
            assert "sessionid=" in session and "Secure" in session and "HttpOnly" in session
            # Plain HTTP (not behind TLS): no HSTS.
            assert "strict-transport-security" not in server.get("/login/").headers
