import io
from datetime import time

import pytest
from django.test import Client, TestCase
from PIL import Image


@pytest.fixture
def api(demo_territory, bearer):
    """api(username or None).get/post(path, …) with a bearer token; after-commit work runs."""

    class Api:
        def __init__(self, username=None):
            self.client = Client()
            self.headers = bearer(username) if username else {}

        def get(self, path, **params):
            with TestCase.captureOnCommitCallbacks(execute=True):
                return self.client.get(path, params, **self.headers)

        def post(self, path, body=None, **extra):
            with TestCase.captureOnCommitCallbacks(execute=True):
                return self.client.post(path, body or {}, content_type="application/json", **self.headers, **extra)

        def upload(self, path, files):
            with TestCase.captureOnCommitCallbacks(execute=True):
                return self.client.post(path, files, **self.headers)

    return Api


@pytest.fixture
def place(demo_territory):
    from minsheng.territory.models import Place

    return lambda name: Place.objects.select_related("community", "grid").get(name=name)


@pytest.fixture
def facility(demo_territory, place):
    """facility(place name, kind, **kw) registered through the service (no permission check)."""
    from minsheng.facilities import services

    def make(place_name="塘坊排涝站", kind="drainage_station", name=None, **kw):
        p = place(place_name)
        return services.register_facility(actor=None, community=p.community, place=p, kind=kind,
                                          name=name or services.facility_name(p, kind), check=False, **kw)

    return make


@pytest.fixture
def plan(demo_territory):
    """plan(facilities, frequency, **kw) made through the service."""
    from minsheng.facilities import services

    def make(facilities, frequency="daily", title=None, due_time=time(18, 0), **kw):
        facilities = list(facilities)
        return services.create_plan(actor=None, community=facilities[0].community, title=title or f"计划{frequency}",
                                    facilities=facilities, frequency=frequency, due_time=due_time, check=False, **kw)

    return make


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (20, 120, 200)).save(out, format="JPEG")
    return out.getvalue()
