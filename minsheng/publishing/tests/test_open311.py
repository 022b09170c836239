"""Open311 GeoReport v2: conformance of each resource in JSON and XML, read back by a real client
(the `georeport` package from PyPI) where it covers the call, and the POST through register()."""

from datetime import timedelta
from xml.etree import ElementTree as ET

import pytest
from django.utils import timezone

from minsheng.demands import services
from minsheng.demands.models import Category, Demand
from minsheng.territory.models import Community, Grid

KEY = "demo-open311-key"
BASE = "/open311/v2"


def make(text="采菱家园二期3幢楼道灯坏了", status="received", community="采菱社区", phone="13812345678", days_ago=1):
    c = Community.objects.get(name=community)
    d, _ = services.register(text=text, channel="online", reporter_name="张三", reporter_phone=phone,
                             run_triage=False, category="housing", community=c,
                             grid=Grid.objects.filter(community=c).first(),
                             received_at=timezone.now() - timedelta(days=days_ago))
    if status == "closed":
        Demand.objects.filter(pk=d.pk).update(status="closed")
    return Demand.objects.get(pk=d.pk)


@pytest.fixture
def demo(demo_territory):
    from minsheng.publishing.demo import load

    load()  # idempotent: already loaded by load_all
    return demo_territory


def post(client, **data):
    body = {"api_key": KEY, "service_code": "drainage", "description": "采菱家园二期商铺污水管道堵塞",
            "lat": "31.7123", "long": "119.9456", "first_name": "三", "last_name": "张", "phone": "13812345678",
            "email": "z@example.com"}
    body.update(data)
    body = {k: v for k, v in body.items() if v is not None}
    return client.post(f"{BASE}/requests.json", body)


def test_discovery_json_and_xml(client, demo):
    r = client.get(f"{BASE}/discovery.json")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/json")
    ep = r.json()["endpoints"][0]
    assert ep["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert set(ep["formats"]) == {"text/xml", "application/json"}
    assert ep["url"].endswith("/open311/v2")
    r = client.get(f"{BASE}/discovery.xml")
    assert r["Content-Type"].startswith("text/xml")
    root = ET.fromstring(r.content)
    assert root.tag == "discovery"
    assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == ["text/xml", "application/json"]
    assert client.get(f"{BASE}/").status_code == 302


def test_services_match_taxonomy(client, demo):
    data = client.get(f"{BASE}/services.json").json()
    assert [s["service_code"] for s in data] == list(Category.values)
    drain = data[0]
    assert drain["service_name"] == "排水防汛"
    assert drain["metadata"] is False and drain["type"] == "realtime"
    assert set(drain) == {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
    root = ET.fromstring(client.get(f"{BASE}/services.xml").content)
    assert root.tag == "services"
    first = root.find("service")
    assert [c.tag for c in first] == ["service_code", "service_name", "description", "metadata", "type",
                                      "keywords", "group"]
    assert first.find("metadata").text == "false"
    assert len(root.findall("service")) == len(Category.values)


def test_service_definition(client, demo):
    assert client.get(f"{BASE}/services/drainage.json").json() == {"service_code": "drainage", "attributes": []}
    root = ET.fromstring(client.get(f"{BASE}/services/drainage.xml").content)
    assert root.tag == "service_definition" and root.find("service_code").text == "drainage"
    r = client.get(f"{BASE}/services/nope.xml")
    assert r.status_code == 404
    err = ET.fromstring(r.content)
    assert err.tag == "errors" and err.find("error/code").text == "404" and err.find("error/description").text
    assert client.get(f"{BASE}/services/nope.json").json()[0]["code"] == 404


def test_requests_get_no_personal_data_and_filters(client, demo):
    a = make(text="张三 13812345678 家里漏水")
    b = make(status="closed", days_ago=2)
    old = make(days_ago=200)
    rows = client.get(f"{BASE}/requests.json").json()
    codes = [r["service_request_id"] for r in rows]
    assert a.code in codes and b.code in codes and old.code not in codes  # default: last 90 days
    row = next(r for r in rows if r["service_request_id"] == a.code)
    assert row["status"] == "open" and row["service_code"] == "housing"
    text = r_text = client.get(f"{BASE}/requests.json").content.decode()
    for secret in ("张三", "13812345678", "漏水", "z@example.com"):
        assert secret not in text
    assert "张三" not in client.get(f"{BASE}/requests.xml").content.decode()
    assert r_text
    closed = client.get(f"{BASE}/requests.json", {"status": "closed"}).json()
    assert [r["service_request_id"] for r in closed] == [b.code]
    assert all(r["status"] == "open" for r in client.get(f"{BASE}/requests.json", {"status": "open"}).json())
    assert client.get(f"{BASE}/requests.json", {"service_code": "drainage"}).json() == []
    ids = client.get(f"{BASE}/requests.json", {"service_request_id": f"{old.code},{a.code}"}).json()
    assert [r["service_request_id"] for r in ids] == [old.code, a.code]
    start = (timezone.now() - timedelta(days=210)).isoformat()
    end = (timezone.now() - timedelta(days=190)).isoformat()
    ranged = client.get(f"{BASE}/requests.json", {"start_date": start, "end_date": end}).json()
    assert [r["service_request_id"] for r in ranged] == [old.code]
    assert client.get(f"{BASE}/requests.json", {"start_date": "2020-01-01T00:00:00Z",
                                                "end_date": "2021-01-01T00:00:00Z"}).status_code == 400
    assert client.get(f"{BASE}/requests.json", {"status": "maybe"}).status_code == 400
    assert client.get(f"{BASE}/requests.json", {"start_date": "yesterday"}).status_code == 400
    root = ET.fromstring(client.get(f"{BASE}/requests.xml").content)
    assert root.tag == "service_requests"
    req = root.find("request")
    assert req.find("service_request_id") is not None and req.find("requested_datetime").text
    one = client.get(f"{BASE}/requests/{a.code}.json").json()
    assert len(one) == 1 and one[0]["service_request_id"] == a.code
    assert ET.fromstring(client.get(f"{BASE}/requests/{a.code}.xml").content).find("request/status").text == "open"
    assert client.get(f"{BASE}/requests/XX-0000.json").status_code == 404


def test_post_creates_demand_through_register(client, demo):
    r = post(client)
    assert r.status_code == 200, r.content
    [body] = r.json()
    assert body["token"] is None and body["service_notice"]
    d = Demand.objects.get(code=body["service_request_id"])
    assert d.channel == "online" and d.source_ref == "open311:演示接入方"
    assert d.category == "drainage" and d.reporter_phone == "13812345678" and d.reporter_name == "张三"
    assert d.events.filter(action="register").exists()
    r = client.post(f"{BASE}/requests.xml", {"api_key": KEY, "service_code": "greenery",
                                             "address_string": "采菱家园一期", "description": "行道树需要修剪"})
    assert r.status_code == 200
    root = ET.fromstring(r.content)
    assert root.tag == "service_requests" and root.find("request/service_request_id").text
    assert root.find("request/token").text is None


@pytest.mark.parametrize("change,status", [
    ({"api_key": "wrong"}, 403), ({"api_key": None}, 403), ({"service_code": "nope"}, 404),
    ({"service_code": None}, 400), ({"lat": None, "long": None}, 400), ({"description": None}, 400),
    ({"lat": "north"}, 400), ({"lat": "95"}, 400),
])
def test_post_errors(client, demo, change, status):
    n = Demand.objects.count()
    r = post(client, **change)
    assert r.status_code == status
    assert r.json()[0]["code"] == status and r.json()[0]["description"]
    assert Demand.objects.count() == n


def test_inactive_client_refused(client, demo):
    from minsheng.publishing.models import Open311Client

    Open311Client.objects.update(active=False)
    assert post(client).status_code == 403


def test_key_stored_as_hash(demo):
    from minsheng.publishing.models import Open311Client

    c = Open311Client.objects.get()
    assert KEY not in c.key_digest and len(c.key_digest) == 64


def test_admin_superuser_only(demo, user_client):
    assert user_client("demo-town").get("/admin/publishing/open311client/").status_code in (302, 403)


@pytest.mark.django_db(transaction=True)
def test_georeport_client(live_server):
    """A third-party client (PyPI `georeport`) reads services and requests in both formats."""
    georeport = pytest.importorskip("georeport")
    from minsheng.demo.loaders import load_all

    load_all(territory_only=True)
    d = make()
    for fmt in ("json", "xml"):
        api = georeport.GeoReport(f"{live_server.url}/open311/v2", output_format=fmt)
        svcs = api.get_service_list()
        assert [s["service_code"] for s in svcs] == list(Category.values)
        assert api.get_service_definition("drainage")["service_code"] == "drainage"
        reqs = api.get_service_requests()
        reqs = reqs if isinstance(reqs, list) else [reqs]
        assert d.code in [r["service_request_id"] for r in reqs]
        assert api.get_service_request(d.code)["service_request_id"] == d.code
