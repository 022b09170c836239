"""The staff list of projects and every page of one project that lists its children (photos, spendings,
progress notes and phases, events, objections) cost the same number of queries with 2 children as with 6
(issue #10: no N+1). The board and /api/v1/projects are checked in test_public.py."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from minsheng.core.tests.query_counts import assert_flat
from minsheng.projects import services
from minsheng.projects.models import Project

FEW, MORE = 2, 4  # 2 rows, then 6
PHASES = ("survey", "design", "construction")


def _user(username):
    return get_user_model().objects.get(username=username)


def _photo(name):
    out = io.BytesIO()
    Image.new("RGB", (20, 20), (30, 120, 30)).save(out, format="JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


@pytest.fixture
def busy(create, advance, demand):
    """A project being built, and add(n, start): n more photos, spending lines and progress notes."""
    pid = create(demands=[demand()], budget=100000)["id"]
    advance(pid, "implementing")
    staff = _user("demo-cailing")

    def add(n, start=0):
        for i in range(start, start + n):
            p = Project.objects.get(pk=pid)
            services.add_photo(p, staff, _photo(f"{i}.jpg"), stage=("before", "progress", "after")[i % 3],
                               caption=f"照片{i}")
            services.spend(p, staff, amount=100 + i, note=f"支出{i}")
            services.progress(p, staff, phase=PHASES[i % 3], percent=min(10 * (i + 1), 90), note=f"进展{i}")

    add(FEW)
    return pid, add


@pytest.fixture
def objected(create, advance):
    """A project in its notice period, and add(n, start): n more objections (anonymous)."""
    pid = create()["id"]
    advance(pid, "noticed")

    def add(n, start=0):
        for i in range(start, start + n):
            services.object_to(Project.objects.get(pk=pid), None, text=f"异议{i}：建议换个位置")

    add(FEW)
    return pid, add


def _pages(pid, user_client, api):
    staff, anon = user_client("demo-cailing"), Client()
    staff_api = api("demo-cailing")
    return {
        "public page": lambda: anon.get(f"/projects/{pid}/"),
        "staff page": lambda: staff.get(f"/desk/projects/{pid}/"),
        "public api": lambda: anon.get(f"/api/v1/projects/{pid}"),
        "staff api": lambda: staff_api.get(f"/api/v1/projects/{pid}"),
    }


CEILINGS = {"public page": 13, "staff page": 20, "public api": 13, "staff api": 18}


@pytest.mark.parametrize("page", list(CEILINGS))
def test_project_pages_with_photos_spendings_and_progress(page, busy, user_client, api,
                                                          django_assert_max_num_queries):
    pid, add = busy
    n = FEW + MORE
    check = {
        "public page": lambda r: r.content.decode().count(f"/api/v1/projects/{pid}/photos/") >= n,
        "staff page": lambda r: f"支出{n - 1}" in r.content.decode() and f"进展{n - 1}" in r.content.decode(),
        "public api": lambda r: len(r.json()["photos"]) == n,
        "staff api": lambda r: len(r.json()["spendings"]) == len(r.json()["progress_notes"]) == n,
    }[page]
    assert_flat(_pages(pid, user_client, api)[page], lambda: add(MORE, FEW), CEILINGS[page],
                django_assert_max_num_queries, check=check)


@pytest.mark.parametrize("page", list(CEILINGS))
def test_project_pages_with_objections(page, objected, user_client, api, django_assert_max_num_queries):
    pid, add = objected
    n = FEW + MORE
    check = {
        "public page": None,  # shows the number of objections only
        "staff page": lambda r: f"异议{n - 1}" in r.content.decode(),
        "public api": lambda r: r.json()["objections_count"] == n,
        "staff api": lambda r: len(r.json()["objections"]) == n,
    }[page]
    assert_flat(_pages(pid, user_client, api)[page], lambda: add(MORE, FEW), CEILINGS[page],
                django_assert_max_num_queries, check=check)


def test_desk_list(create, advance, user_client, django_assert_max_num_queries):
    def add(n, start):
        for i in range(start, start + n):
            pid = create(title=f"项目{i}号", items=[{"name": f"器材{i}", "quantity": 1, "unit": "件"},
                                                   {"name": f"地面{i}", "quantity": 10, "unit": "㎡"}])["id"]
            services.add_photo(Project.objects.get(pk=pid), _user("demo-cailing"), _photo(f"{i}.jpg"),
                               stage="before")

    add(FEW, 0)
    client = user_client("demo-cailing")
    assert_flat(lambda: client.get("/desk/projects/"), lambda: add(MORE, FEW), 14, django_assert_max_num_queries,
                check=lambda r: f"项目{FEW + MORE - 1}号" in r.content.decode())


def test_desk_list_of_an_inspector(create, advance, user_client, django_assert_max_num_queries):
    def add(n, start):
        for i in range(start, start + n):
            advance(create(title=f"待验收{i}号")["id"], "inspection")

    add(FEW, 0)
    client = user_client("test-inspector")
    assert_flat(lambda: client.get("/desk/projects/"), lambda: add(MORE, FEW), 13, django_assert_max_num_queries,
                check=lambda r: f"待验收{FEW + MORE - 1}号" in r.content.decode())
