"""Visits sent later from a phone without signal: one visit per idempotency key (a resend after a lost answer
returns the first visit, never a second visit or second demands), the key's format, and the visit app's
service worker and manifest."""

import io
import json
import uuid
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from minsheng.collection.models import Visit
from minsheng.demands.models import Demand
from minsheng.territory.models import Building

JSON = {"HTTP_ACCEPT": "application/json"}


def jpeg(name="scene.jpg"):
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 30), (30, 120, 200)).save(out, format="JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def form(key: str, **extra) -> dict:
    b = Building.objects.get(name="采菱家园一期3幢")
    saved = (timezone.now() - timedelta(hours=2)).isoformat()
    return {"building": b.pk, "household": "2单元301", "notes": "独居老人，身体尚好",
            "demands": "楼道灯不亮\n单元门禁坏了", "visited_at": saved, "client_key": key, "photos": [jpeg()],
            **extra}


def test_the_same_key_twice_records_one_visit_and_one_set_of_demands(user_client, demo_territory):
    c = user_client("demo-cailing-grid")
    key = str(uuid.uuid4())
    first = c.post("/desk/collect/visits/new", form(key))
    again = c.post("/desk/collect/visits/new", form(key))  # the answer was lost; the phone sends again
    v = Visit.objects.get()
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"] == f"/desk/collect/visits/{v.pk}/"
    assert v.client_key == key and v.photos.count() == 1
    assert Demand.objects.filter(source_ref=f"visit:{v.pk}").count() == 2 == Demand.objects.count()
    # The visit's time is when it was saved on the phone, not when it arrived.
    assert timezone.now() - v.visited_at > timedelta(hours=1)


def test_the_script_gets_json_and_a_replay_is_marked(user_client, demo_territory):
    c = user_client("demo-cailing-grid")
    key = str(uuid.uuid4())
    first = c.post("/desk/collect/visits/new", form(key), **JSON)
    again = c.post("/desk/collect/visits/new", form(key.upper()), **JSON)  # the same UUID, other spelling
    v = Visit.objects.get()
    assert first.status_code == 201 and again.status_code == 200
    assert first.json() == {"visit": v.pk, "url": f"/desk/collect/visits/{v.pk}/", "demands": 2, "replayed": False}
    assert again.json() == {**first.json(), "replayed": True}
    assert Demand.objects.count() == 2


def test_different_keys_record_two_visits(user_client, demo_territory):
    c = user_client("demo-cailing-grid")
    c.post("/desk/collect/visits/new", form(str(uuid.uuid4())))
    c.post("/desk/collect/visits/new", form(str(uuid.uuid4())))
    assert Visit.objects.count() == 2 and Demand.objects.count() == 4


def test_another_workers_key_is_not_their_visit(user_client, demo_territory):
    key = str(uuid.uuid4())
    user_client("demo-cailing-grid").post("/desk/collect/visits/new", form(key))
    r = user_client("demo-cailing").post("/desk/collect/visits/new", form(key), **JSON)
    assert r.status_code == 201 and Visit.objects.count() == 2
    assert Visit.objects.get(pk=r.json()["visit"]).worker.username == "demo-cailing"


def test_a_malformed_key_is_refused_with_a_clear_message(user_client, demo_territory):
    c = user_client("demo-cailing-grid")
    r = c.post("/desk/collect/visits/new", form("not-a-uuid"), **JSON)
    assert r.status_code == 422
    assert r.json() == {"error": "离线保存编号格式不正确（应为 UUID）", "field": "client_key"}
    page = c.post("/desk/collect/visits/new", form("12345"))
    assert page.status_code == 422 and "离线保存编号格式不正确" in page.content.decode()
    assert not Visit.objects.exists()


def test_a_refusal_is_json_for_the_script(user_client, demo_territory):
    c = user_client("demo-cailing-grid")
    r = c.post("/desk/collect/visits/new", form(str(uuid.uuid4()), notes="", demands=""), **JSON)
    assert r.status_code == 422 and r.json()["field"] == "notes"


def test_without_a_key_the_form_works_as_before(user_client, demo_territory):
    c = user_client("demo-cailing-grid")
    c.post("/desk/collect/visits/new", form(""))
    c.post("/desk/collect/visits/new", form(""))
    assert Visit.objects.count() == 2 and set(Visit.objects.values_list("client_key", flat=True)) == {""}


def test_the_service_worker_and_manifest(client, user_client, demo_territory):
    grid = user_client("demo-cailing-grid")
    sw = grid.get("/desk/collect/visits/sw.js")
    assert sw.status_code == 200 and sw["Content-Type"] == "application/javascript; charset=utf-8"
    assert sw["Cache-Control"] == "no-cache"
    body = sw.content.decode()
    assert 'var SHELL = "/desk/collect/visits/new"' in body and "minsheng/collect.css" in body
    # Public, and never a redirect: a browser drops a worker whose script answers with one.
    assert client.get("/desk/collect/visits/sw.js").status_code == 200
    m = grid.get("/desk/collect/visits/manifest.webmanifest")
    assert m.status_code == 200 and m["Content-Type"] == "application/manifest+json"
    data = json.loads(m.content)
    assert data["start_url"] == "/desk/collect/visits/new" and data["display"] == "standalone"
    assert data["name"] == "民生微实事·走访" and {i["sizes"] for i in data["icons"]} == {"192x192", "512x512"}
    for icon in data["icons"]:
        assert client.get(icon["src"]).status_code == 200
    page = grid.get("/desk/collect/visits/new").content.decode()
    assert 'rel="manifest" href="/desk/collect/visits/manifest.webmanifest"' in page
    assert 'data-sw="/desk/collect/visits/sw.js"' in page and "data-visit-form" in page
    assert 'rel="manifest"' in grid.get("/desk/collect/visits/").content.decode()
