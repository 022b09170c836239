"""Every demand arrives sorted: category, urgency, place → community/grid, open duplicates."""

from django.test import Client

from minsheng.demands.models import Demand


def post(text, headers=None, **extra):
    # A hotline call is filed by staff (the call-taker): anonymous callers file online only.
    r = Client().post("/api/v1/demands", {"text": text, **extra}, content_type="application/json", **(headers or {}))
    assert r.status_code == 201, r.content
    return r.json()


def test_categories_urgency_and_place(demo_territory):
    a = post("华家菜场厕所臭得不得了，苍蝇乱飞")
    assert a["category"] == "sanitation" and a["community"] == "华家社区"
    assert a["grid"] == "华家综合消费品市场专属网格"
    b = post("急死了！！！夏雷篮球场的篮筐歪了")
    assert b["urgent"] is False and b["category"] == "recreation"
    c = post("塘坊排涝站那边闻到很大的煤气味")
    assert c["urgent"] is True


def test_point_resolves_grid(demo_territory):
    from minsheng.territory import demo_town as D

    lon, lat = D.place_point(next(p for p in D.PLACES if p["name"] == "三勤新苑"))
    r = post("小区里路灯不亮", lat=lat, lon=lon)
    assert r["community"] == "三勤社区" and r["grid"] == "三勤第二网格"


def test_open_duplicate_is_suggested_and_merged_in_one_click(demo_territory, bearer, monkeypatch):
    # No background look (meaning model off): intake itself searches the open demands.
    monkeypatch.setenv("MINSHENG_TRIAGE_EMBEDDINGS", "0")
    first = post("采菱家园二期12幢下水道堵了，污水返到厨房里")
    second = post("二期12幢厨房下水道返水，麻烦尽快疏通", channel="hotline", headers=bearer("demo-cailing"))
    assert second["duplicate_of"] == first["code"] and second["duplicates_pending"] is False
    d = Demand.objects.get(code=second["code"])
    assert d.triage["duplicates"][0]["similarity"] > 0.5
    other_place = post("三勤新苑3幢下水道堵了")
    assert other_place["duplicate_of"] is None
    other_problem = post("采菱家园二期12幢楼道灯坏了")
    assert other_problem["duplicate_of"] is None
    r = Client().post(f"/api/v1/demands/{second['code']}/actions/merge", {"into": first["code"]},
                      content_type="application/json", **bearer("demo-cailing"))
    assert r.json()["status"] == "merged"


def test_staff_corrections_become_feedback(demo_territory, bearer):
    from minsheng.triage.feedback import feedback_items

    code = post("采菱一期3幢门口有个坑")["code"]
    Client().post(f"/api/v1/demands/{code}/actions/classify", {"category": "parking_roads", "urgent": False},
                  content_type="application/json", **bearer("demo-cailing"))
    items = feedback_items()
    assert items[0]["category"] == "parking_roads" and items[0]["text"] == "采菱一期3幢门口有个坑"
