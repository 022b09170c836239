from datetime import date

import pytest
from django.test import Client, TestCase


@pytest.fixture
def api(demo_territory, bearer):
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
            return self.client.post(path, files, **self.headers)

    return Api


@pytest.fixture
def person(demo_territory):
    """person(name, birth, building=…, room=…, grid=…, address=…, **flags) → a roster Member."""
    from minsheng.services_activities.models import Household, Member
    from minsheng.territory.models import Building, Grid

    def make(name, birth: date, *, building="采菱家园一期3幢", room="1单元101", grid=None, address=None, phone="",
             **flags):
        b = Building.objects.select_related("grid__community").filter(name=building).first() if building else None
        g = Grid.objects.select_related("community").get(name=grid) if grid else b.grid
        address = address or f"{b.name}{room}"
        h, _ = Household.objects.get_or_create(community=g.community, address=address,
                                               defaults={"grid": g, "building": b, "room": room if b else ""})
        return Member.objects.create(household=h, name=name, birth_date=birth, phone=phone, **flags)

    return make
