"""/desk/ is for staff only, and each sees only their own territory."""

from django.test import Client

from .pages_helpers import make_demand, text


def test_desk_requires_sign_in(demo_territory):
    for path in ("/desk/", "/desk/inbox", "/desk/demands/CL-2026-00001/"):
        r = Client().get(path)
        assert r.status_code == 302 and r["Location"].startswith(f"/login/?next={path[:6]}")


def test_residents_are_refused(user_client):
    d, _ = make_demand()
    client = user_client("demo-resident")
    assert client.get("/desk/").status_code == 403
    assert client.get(f"/desk/demands/{d.code}/").status_code == 403
    assert client.post(f"/desk/demands/{d.code}/act/accept", {"version": d.version}).status_code == 403
    assert client.post("/desk/bulk-assign", {"codes": [d.code], "handler": "demo-handler"}).status_code == 403
    d.refresh_from_db()
    assert d.status == "received"
    # …and they do not see the staff links.
    html = text(client.get("/"))
    assert "/desk/" not in html and "提交诉求" in html and "查询进度" in html


def test_worklist_shows_only_demands_in_scope(user_client):
    cailing, _ = make_demand("采菱家园二期12幢下水道堵塞")
    sanqin, _ = make_demand("三勤新苑3幢楼道灯不亮")
    html = text(user_client("demo-sanqin").get("/desk/"))
    assert sanqin.code in html and cailing.code not in html
    html = text(user_client("demo-cailing").get("/desk/"))
    assert cailing.code in html and sanqin.code not in html
    html = text(user_client("demo-town").get("/desk/"))
    assert cailing.code in html and sanqin.code in html
    # Nor may they open one outside their territory.
    r = user_client("demo-sanqin").get(f"/desk/demands/{cailing.code}/")
    assert r.status_code == 404 and "无权查看" in text(r)
    r = user_client("demo-sanqin").post(f"/desk/demands/{cailing.code}/act/accept", {"version": 0})
    assert r.status_code == 404


def test_handler_sees_what_is_assigned_to_them(user_client):
    from django.contrib.auth import get_user_model

    from minsheng.demands import services

    staff = get_user_model().objects.get(username="demo-cailing")
    mine, _ = make_demand("采菱家园一期路灯不亮")
    other, _ = make_demand("采菱家园二期垃圾没人清运")
    services.accept(mine, staff)
    services.assign(mine, staff, handler="demo-handler")
    html = text(user_client("demo-handler").get("/desk/"))
    assert mine.code in html and other.code not in html
    assert "批量派单" not in html  # a handler does not assign


def test_staff_nav_links(user_client):
    html = text(user_client("demo-cailing").get("/"))
    assert 'href="/desk/"' in html and "工作台" in html and 'href="/desk/inbox"' in html and "消息" in html
