"""Shared fixtures: the demo town, signed-in clients, bearer tokens, a headless browser."""

import os

import pytest
from django.test import Client

# The browser tests drive Debian's chromium through Playwright (one fixture for every app's browser tests).
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture
def demo_territory(db):
    """湖塘镇 with its communities, grids, places and demo accounts."""
    from minsheng.demo.loaders import load_all
    from minsheng.territory.models import Town

    load_all(territory_only=True)
    return Town.objects.get(name="湖塘镇")


@pytest.fixture
def user_client(demo_territory):
    """A function: username → a Client signed in as that user."""

    def make(username: str) -> Client:
        from django.contrib.auth import get_user_model

        client = Client()
        client.force_login(get_user_model().objects.get(username=username))
        return client

    return make


@pytest.fixture
def bearer(demo_territory):
    """A function: username → Authorization header value for that user."""

    def make(username: str) -> dict:
        from django.contrib.auth import get_user_model

        from minsheng.accounts.services import issue_token

        token = issue_token(user=get_user_model().objects.get(username=username))
        return {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    return make


def pytest_configure(config):
    from django.conf import settings

    # Hashing strength is not under test; a fast hasher keeps the suite quick.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _empty_cache():
    """Nothing cached (the district dashboard's parts) outlives a test's database."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded files go to a fresh folder per test."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def browser(monkeypatch):
    """A headless Chromium for the test; the test is skipped where Chromium is not installed."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"Chromium is not installed at {CHROMIUM}")
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are still sync.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from django.db import connections
    from playwright.sync_api import sync_playwright

    from minsheng.triage.services import clear_cache

    clear_cache()  # the gazetteer cache must not outlive the flushed test database
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
            # While Playwright's loop runs in this thread, Django keeps the test's ORM calls on a
            # separate (context-local) connection; close it here, or PostgreSQL cannot drop the
            # test database at the end of the run.
            connections.close_all()
