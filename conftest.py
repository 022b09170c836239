"""Shared fixtures: the demo town, signed-in clients, bearer tokens."""

import pytest
from django.test import Client


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
def _media_in_tmp(settings, tmp_path):
    """Uploaded files go to a fresh folder per test."""
    settings.MEDIA_ROOT = tmp_path / "media"
