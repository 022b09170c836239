"""Handing a demand to another community (issue #17, item 13).

A community worker who reclassifies a demand to another community hands it over: the change is made,
and the answer says so (200 with the new state as far as the caller may still see it) instead of a 404
for a change that was made. The page and the API agree.
"""

from __future__ import annotations

from django.test import Client

from minsheng.demands import services
from minsheng.demands.models import Demand
from minsheng.territory.models import Community


def _demand() -> Demand:
    cailing = Community.objects.get(name="采菱社区")
    d, _token = services.register(text="三勤新苑3幢电梯停运", channel="online", community=cailing,
                                  reporter_name="张三", reporter_phone="13812345678", run_triage=False)
    return d


def test_api_answers_200_with_what_the_caller_may_still_see(demo_territory, bearer):
    d = _demand()
    r = Client().post(f"/api/v1/demands/{d.code}/actions/classify", {"community": "三勤社区"},
                      content_type="application/json", **bearer("demo-cailing"))
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["code"] == d.code and body["community"] == "三勤社区" and body["in_scope"] is False
    assert body["status"] == "received" and body["events"][-1]["action"] == "classify"
    # Nothing the caller may no longer see: no reporter, no text, no timeline beyond their own step.
    assert "reporter_phone" not in body and "text" not in body and len(body["events"]) == 1
    assert Demand.objects.get(pk=d.pk).community.name == "三勤社区"
    # The new community sees it in full; the old one no longer does.
    assert Client().get(f"/api/v1/demands/{d.code}", **bearer("demo-sanqin")).status_code == 200
    assert Client().get(f"/api/v1/demands/{d.code}", **bearer("demo-cailing")).status_code == 404


def test_page_says_the_same(demo_territory, user_client):
    d = _demand()
    client = user_client("demo-cailing")
    r = client.post(f"/desk/demands/{d.code}/act/classify", {"community": "三勤社区", "version": d.version})
    assert r.status_code == 302 and r["Location"] == "/desk/"
    html = client.get("/desk/").content.decode()
    assert d.code in html and "已移出您的辖区" in html and "三勤社区" in html
    r = client.post(f"/desk/demands/{d.code}/act/classify", {"community": "三勤社区", "version": d.version + 1},
                    HTTP_HX_REQUEST="true")
    assert r.status_code == 404  # it is no longer theirs to change
