"""One demand's pages list its events, extensions and attachments; the inbox lists messages; the ended
history is read newest first branch by branch. Each costs the same number of queries with 2 rows as with 6
(issue #10: no N+1). The worklist's active queues (/desk/) are checked in test_pages_worklist.py too."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, TestCase
from PIL import Image

from minsheng.core.tests.query_counts import assert_flat
from minsheng.demands import services
from minsheng.territory.models import Community

from .pages_helpers import make_demand

FEW, MORE = 2, 4  # 2 rows, then 6


def _user(username):
    return get_user_model().objects.get(username=username)


def _photo(name):
    out = io.BytesIO()
    Image.new("RGB", (20, 20), (120, 30, 30)).save(out, format="JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


@pytest.fixture
def worked(demo_territory):
    """A demand assigned to demo-handler, and add(n, start): n more contacts, extensions and photos
    (each an event; the extensions are shown to the reporter too)."""
    d, token = make_demand(community=Community.objects.get(name="采菱社区"))
    staff, handler = _user("demo-cailing"), _user("demo-handler")
    services.accept(d, staff)
    services.assign(d, staff, handler="demo-handler")

    def add(n, start=0):
        for i in range(start, start + n):
            services.contact(d.code, handler, note=f"第{i}次联系")
            services.extend(d.code, staff, days=1, reason=f"第{i}次延期：等待材料")
            services.add_attachment(d.code, handler, _photo(f"{i}.jpg"))

    add(FEW)
    return d, token, add


def test_demand_page(worked, user_client, django_assert_max_num_queries):
    d, _token, add = worked
    client = user_client("demo-cailing")
    assert_flat(lambda: client.get(f"/desk/demands/{d.code}/"), lambda: add(MORE, FEW), 16,
                django_assert_max_num_queries, check=lambda r: f"第{FEW + MORE - 1}次延期" in r.content.decode())


def test_demand_api_for_staff(worked, api, django_assert_max_num_queries):
    d, _token, add = worked
    staff = api("demo-cailing")
    assert_flat(lambda: staff.get(f"/api/v1/demands/{d.code}"), lambda: add(MORE, FEW), 9,
                django_assert_max_num_queries, check=lambda r: len(r.json()["extensions"]) == FEW + MORE)


def test_demand_api_for_the_reporter(worked, django_assert_max_num_queries):
    d, token, add = worked
    client = Client()
    assert_flat(lambda: client.get(f"/api/v1/demands/{d.code}", {"token": token}), lambda: add(MORE, FEW), 10,
                django_assert_max_num_queries, check=lambda r: len(r.json()["extensions"]) == FEW + MORE)


def test_tracking_page(worked, django_assert_max_num_queries):
    d, token, add = worked
    client = Client()
    assert_flat(lambda: client.get("/track/", {"code": d.code, "token": token}), lambda: add(MORE, FEW), 10,
                django_assert_max_num_queries, check=lambda r: f"第{FEW + MORE - 1}次延期" in r.content.decode())


def test_inbox(user_client, django_assert_max_num_queries):
    from minsheng.notifications.services import notify_users

    handler = _user("demo-handler")

    def add(n, start):
        for i in range(start, start + n):
            with TestCase.captureOnCommitCallbacks(execute=True):
                notify_users([handler], subject=f"新派单 {i}号", body="请及时联系诉求人", link="/desk/")

    add(FEW, 0)
    client = user_client("demo-handler")
    assert_flat(lambda: client.get("/desk/inbox"), lambda: add(MORE, FEW), 9, django_assert_max_num_queries,
                check=lambda r: f"新派单 {FEW + MORE - 1}号" in r.content.decode())


@pytest.fixture
def ended(demo_territory):
    """ended(n, start): n more demands of 采菱社区 no longer worked on (rejected): the history, read as
    one newest-first query per branch of the caller's scope."""
    staff = _user("demo-cailing")
    cailing = Community.objects.get(name="采菱社区")

    def make(n, start=0):
        for i in range(start, start + n):
            d, _ = make_demand(f"采菱家园一期{i}幢路灯不亮", community=cailing)
            services.reject(d, staff, reason="不属于职责范围")

    make(FEW)
    return make


def test_history_on_the_worklist(ended, user_client, django_assert_max_num_queries):
    client = user_client("demo-cailing")
    assert_flat(lambda: client.get("/desk/", {"queue": "ended"}), lambda: ended(MORE, FEW), 14,
                django_assert_max_num_queries, check=lambda r: r.content.decode().count("路灯不亮") == FEW + MORE)


def test_history_in_the_api(ended, api, django_assert_max_num_queries):
    staff = api("demo-cailing")
    assert_flat(lambda: staff.get("/api/v1/demands", queue="ended"), lambda: ended(MORE, FEW), 8,
                django_assert_max_num_queries, check=lambda r: len(r.json()["items"]) == FEW + MORE)


def test_worklist_api(api, django_assert_max_num_queries):
    staff, cailing = _user("demo-cailing"), Community.objects.get(name="采菱社区")

    def add(n, start):
        for i in range(start, start + n):
            d, _ = make_demand(f"采菱家园二期{i}幢下水道堵塞", community=cailing)
            if i % 2:
                services.accept(d, staff)
                services.assign(d, staff, handler="demo-handler")

    add(FEW, 0)
    client = api("demo-cailing")
    # per branch of the scope (community, handled, reported): a walk of the dated, one of the undated, a count
    assert_flat(lambda: client.get("/api/v1/demands"), lambda: add(MORE, FEW), 11, django_assert_max_num_queries,
                check=lambda r: r.json()["count"] == FEW + MORE)
