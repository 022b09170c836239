"""Sign-in throttling and lockout on the page and the API (one counter for both), password validation,
session and CSRF settings, and the rate limit on anonymous intake."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone

from minsheng.accounts.models import LoginFailure
from minsheng.core.errors import InvalidInput

PASSWORD = "minsheng-demo"


def page_login(username, password, ip="10.0.0.1"):
    return Client(REMOTE_ADDR=ip).post("/login/", {"username": username, "password": password})


def api_login(username, password, ip="10.0.0.1"):
    return Client(REMOTE_ADDR=ip).post("/api/v1/auth/token", {"username": username, "password": password},
                                       content_type="application/json")


@pytest.mark.parametrize("first,then", [(page_login, api_login), (api_login, page_login)])
def test_lockout_is_shared_by_page_and_api(demo_territory, first, then):
    limit = django_settings.MINSHENG_LOGIN_MAX_FAILURES
    for _ in range(limit):
        assert first("demo-cailing", "wrong-password").status_code == 401
    # Locked: the other door refuses too, even with the right password.
    assert then("demo-cailing", PASSWORD).status_code == 429
    assert first("demo-cailing", PASSWORD).status_code == 429
    # Another user is not locked by it.
    assert then("demo-town", PASSWORD).status_code in (200, 302)


def test_lock_ends_with_the_window(demo_territory):
    for _ in range(django_settings.MINSHENG_LOGIN_MAX_FAILURES):
        api_login("demo-town", "nope-nope")
    assert api_login("demo-town", PASSWORD).status_code == 429
    LoginFailure.objects.update(at=timezone.now() - timedelta(seconds=django_settings.MINSHENG_LOGIN_WINDOW_SECONDS + 1))
    assert api_login("demo-town", PASSWORD).status_code == 200


def test_one_address_guessing_many_names_is_throttled(demo_territory):
    cap = django_settings.MINSHENG_LOGIN_MAX_FAILURES * 4
    for i in range(cap):
        assert api_login(f"guess-{i}", "password", ip="10.9.9.9").status_code == 401
    assert api_login("demo-sanqin", PASSWORD, ip="10.9.9.9").status_code == 429
    assert page_login("demo-sanqin", PASSWORD, ip="10.9.9.9").status_code == 429
    assert api_login("demo-sanqin", PASSWORD, ip="10.1.1.1").status_code == 200


def test_success_clears_the_username_failures(demo_territory):
    for _ in range(django_settings.MINSHENG_LOGIN_MAX_FAILURES - 1):
        page_login("demo-handler", "wrong-password")
    assert page_login("demo-handler", PASSWORD).status_code == 302
    for _ in range(django_settings.MINSHENG_LOGIN_MAX_FAILURES - 1):
        page_login("demo-handler", "wrong-password")
    assert page_login("demo-handler", PASSWORD).status_code == 302


def test_wrong_password_and_unknown_user_answer_alike(demo_territory):
    a, b = api_login("demo-town", "wrong-password", ip="10.2.2.2"), api_login("nobody", "wrong-password", ip="10.3.3.3")
    assert a.status_code == b.status_code == 401 and a.json() == b.json()


# -- passwords ---------------------------------------------------------------------------------------


def test_password_validators_are_configured():
    names = {v["NAME"].rsplit(".", 1)[-1]: v for v in django_settings.AUTH_PASSWORD_VALIDATORS}
    assert {"UserAttributeSimilarityValidator", "MinimumLengthValidator", "CommonPasswordValidator",
            "NumericPasswordValidator"} <= set(names)
    assert names["MinimumLengthValidator"]["OPTIONS"]["min_length"] >= 10


@pytest.mark.parametrize("password", ["short1", "1234567890123", "password1234", "new-user-7"])
def test_user_creation_enforces_the_validators(db, password):
    from django.contrib.auth import get_user_model

    from minsheng.accounts.services import ensure_user

    with pytest.raises(InvalidInput) as exc:
        ensure_user(username="new-user-7", password=password)
    assert exc.value.field == "password"
    assert not get_user_model().objects.filter(username="new-user-7").exists()
    user, created = ensure_user(username="new-user-7", password="荷塘月色-采菱-2026")
    assert created and user.check_password("荷塘月色-采菱-2026")


def test_admin_user_creation_enforces_the_validators(db):
    from django.contrib.auth.forms import AdminUserCreationForm

    form = AdminUserCreationForm({"username": "clerk", "password1": "12345678", "password2": "12345678",
                                  "usable_password": "true"})
    assert not form.is_valid() and "password2" in form.errors


def test_session_and_csrf_settings():
    s = django_settings
    assert s.SESSION_COOKIE_HTTPONLY and s.SESSION_COOKIE_SAMESITE == "Lax"
    assert s.CSRF_COOKIE_SAMESITE in ("Lax", "Strict")
    assert not s.DEBUG
    assert "django.middleware.csrf.CsrfViewMiddleware" in s.MIDDLEWARE
    assert s.X_FRAME_OPTIONS == "DENY" and s.SECURE_CONTENT_TYPE_NOSNIFF
    assert len(s.SECRET_KEY) >= 50


def test_api_session_auth_needs_csrf(user_client, demo_territory):
    """A page session may call staff endpoints only with the CSRF token (a bearer token needs none)."""
    from django.contrib.auth import get_user_model

    client = Client(enforce_csrf_checks=True)
    client.force_login(get_user_model().objects.get(username="demo-cailing"))
    r = client.post("/api/v1/demands/XX-2026-00001/actions/accept", {}, content_type="application/json")
    assert r.status_code in (401, 403)


# -- anonymous intake ------------------------------------------------------------------------------


def test_anonymous_intake_is_rate_limited_on_api_and_page(demo_territory, settings, bearer):
    settings.MINSHENG_ANON_INTAKE_LIMIT = 3
    body = {"text": "采菱家园二期12幢下水道堵塞"}
    api = Client(REMOTE_ADDR="10.5.5.5")
    for _ in range(3):
        assert api.post("/api/v1/demands", body, content_type="application/json").status_code == 201
    r = api.post("/api/v1/demands", body, content_type="application/json")
    assert r.status_code == 429 and r.json()["detail"]
    page = Client(REMOTE_ADDR="10.5.5.5")
    assert page.post("/submit/", {"text": "采菱家园二期12幢下水道堵塞"}).status_code == 429
    # Another address, and signed-in staff, are not limited by it.
    assert Client(REMOTE_ADDR="10.6.6.6").post("/api/v1/demands", body,
                                               content_type="application/json").status_code == 201
    signed = Client(REMOTE_ADDR="10.5.5.5")
    assert signed.post("/api/v1/demands", body, content_type="application/json",
                       **bearer("demo-cailing")).status_code == 201
