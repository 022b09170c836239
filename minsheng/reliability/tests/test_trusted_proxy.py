"""Behind the documented nginx every peer is 127.0.0.1 (issue #17, item 1).

The client is the right-most X-Forwarded-For address that is not a trusted proxy, and only when the
direct peer is one (`MINSHENG_TRUSTED_PROXIES`); otherwise the header is ignored. One guesser must not
lock the town out, and an account is only held back briefly by others' failures.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.test import Client, RequestFactory
from django.utils import timezone

from minsheng.accounts.models import LoginFailure
from minsheng.core.ratelimit import client_ip

PASSWORD = "minsheng-demo"
PROXY = "127.0.0.1"


def via_proxy(client_address: str) -> Client:
    """A client seen through the nginx of docs/deploy.md ($proxy_add_x_forwarded_for)."""
    return Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=client_address)


def api_login(client: Client, username: str, password: str):
    return client.post("/api/v1/auth/token", {"username": username, "password": password},
                       content_type="application/json")


@pytest.fixture
def behind_proxy(settings):
    settings.MINSHENG_TRUSTED_PROXIES = ["127.0.0.1", "10.20.0.0/16"]


@pytest.mark.parametrize("peer,forwarded,expected", [
    ("127.0.0.1", "203.0.113.7", "203.0.113.7"),
    # The client wrote its own header: nginx appends the real peer, right-most wins.
    ("127.0.0.1", "1.2.3.4, 203.0.113.7", "203.0.113.7"),
    # Two trusted hops (a load balancer in 10.20/16, then nginx): skip both.
    ("127.0.0.1", "9.9.9.9, 203.0.113.7, 10.20.1.5", "203.0.113.7"),
    # A peer that is not a trusted proxy cannot pick its address.
    ("198.51.100.9", "203.0.113.7", "198.51.100.9"),
    # Garbage in the chain stops the walk at the last trusted hop's view.
    ("127.0.0.1", "203.0.113.7, not-an-ip", "127.0.0.1"),
    ("127.0.0.1", "", "127.0.0.1"),
    ("127.0.0.1", " 2001:db8::1 ", "2001:db8::1"),
])
def test_client_address_comes_from_trusted_proxies_only(behind_proxy, peer, forwarded, expected):
    request = RequestFactory().get("/", REMOTE_ADDR=peer, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


def test_without_trusted_proxies_the_header_is_ignored(settings):
    settings.MINSHENG_TRUSTED_PROXIES = []
    request = RequestFactory().get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert client_ip(request) == "127.0.0.1"


def test_one_guesser_behind_the_proxy_does_not_lock_out_the_town(demo_territory, behind_proxy):
    guesser = via_proxy("203.0.113.7")
    for i in range(django_settings.MINSHENG_LOGIN_MAX_FAILURES * 4):
        assert api_login(guesser, f"made-up-{i}", "password").status_code == 401
    assert api_login(guesser, "demo-town", PASSWORD).status_code == 429
    # Everyone else behind the same nginx still signs in, on the API and the page.
    assert api_login(via_proxy("198.51.100.2"), "demo-town", PASSWORD).status_code == 200
    page = via_proxy("198.51.100.3").post("/login/", {"username": "demo-cailing", "password": PASSWORD})
    assert page.status_code == 302


def test_a_client_cannot_escape_the_address_lock_by_writing_the_header(demo_territory, behind_proxy):
    for i in range(django_settings.MINSHENG_LOGIN_MAX_FAILURES * 4):
        api_login(via_proxy(f"10.99.0.{i}, 203.0.113.7"), f"made-up-{i}", "password")
    assert api_login(via_proxy("1.1.1.1, 203.0.113.7"), "demo-town", PASSWORD).status_code == 429


def test_anonymous_intake_limit_is_per_client_behind_the_proxy(demo_territory, behind_proxy, settings):
    settings.MINSHENG_ANON_INTAKE_LIMIT = 3
    body = {"text": "采菱家园二期12幢下水道堵塞"}
    one = via_proxy("203.0.113.7")
    for _ in range(3):
        assert one.post("/api/v1/demands", body, content_type="application/json").status_code == 201
    assert one.post("/api/v1/demands", body, content_type="application/json").status_code == 429
    assert via_proxy("198.51.100.2").post("/api/v1/demands", body, content_type="application/json").status_code == 201
    assert via_proxy("198.51.100.2").post("/submit/", {"text": body["text"]}).status_code == 302


def test_others_hold_an_account_back_only_briefly(demo_territory):
    limit = django_settings.MINSHENG_LOGIN_MAX_FAILURES
    for i in range(limit):  # from many addresses, so no address lock is involved
        assert api_login(Client(REMOTE_ADDR=f"192.0.2.{i}"), "demo-sanqin", "wrong-password").status_code == 401
    assert api_login(Client(REMOTE_ADDR="198.51.100.50"), "demo-sanqin", PASSWORD).status_code == 429
    # A little over the back-off later the owner signs in, although the failures are still in the window.
    back = timedelta(seconds=django_settings.MINSHENG_LOGIN_USER_BACKOFF_SECONDS + 1)
    LoginFailure.objects.update(at=timezone.now() - back)
    assert back < timedelta(seconds=django_settings.MINSHENG_LOGIN_WINDOW_SECONDS)
    assert api_login(Client(REMOTE_ADDR="198.51.100.50"), "demo-sanqin", PASSWORD).status_code == 200


def test_after_the_back_off_a_guesser_gets_one_try_per_back_off(demo_territory):
    limit = django_settings.MINSHENG_LOGIN_MAX_FAILURES
    for i in range(limit):
        api_login(Client(REMOTE_ADDR=f"192.0.2.{i}"), "demo-handler", "wrong-password")
    back = timedelta(seconds=django_settings.MINSHENG_LOGIN_USER_BACKOFF_SECONDS + 1)
    LoginFailure.objects.update(at=timezone.now() - back)
    assert api_login(Client(REMOTE_ADDR="192.0.2.100"), "demo-handler", "wrong-password").status_code == 401
    assert api_login(Client(REMOTE_ADDR="192.0.2.101"), "demo-handler", PASSWORD).status_code == 429
