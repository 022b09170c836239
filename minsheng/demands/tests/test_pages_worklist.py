"""The worklist: queues with counts, filters (htmx swaps the table), paging, no N+1 queries."""

from django.contrib.auth import get_user_model
from django.test.utils import CaptureQueriesContext

from minsheng.demands import services
from minsheng.demands.models import Demand

from .pages_helpers import make_demand, text


def _staff():
    return get_user_model().objects.get(username="demo-cailing")


def test_queue_tabs_have_counts_and_classify_note(user_client):
    staff = _staff()
    a, _ = make_demand()
    b, _ = make_demand("采菱家园一期路灯不亮")
    services.accept(b, staff)
    client = user_client("demo-cailing")
    html = text(client.get("/desk/"))
    for label in ("待受理", "待分类", "待派单", "办理中", "待回访", "待结案", "已超期", "已结束"):
        assert label in html
    assert 'data-queue="to_accept"' in html
    html = text(client.get("/desk/?queue=to_classify"))
    assert "请人工确认分类" in html and "待分类" in html
    html = text(client.get("/desk/?queue=to_assign"))
    assert b.code in html and a.code not in html
    assert "请人工确认分类" not in text(client.get("/desk/?queue=to_assign"))


def test_filters_and_htmx_partial(user_client):
    staff = _staff()
    a, _ = make_demand()
    b, _ = make_demand("采菱家园一期路灯不亮")
    services.classify(b, staff, category="parking_roads")
    client = user_client("demo-cailing")
    r = client.get("/desk/", {"category": "parking_roads"}, HTTP_HX_REQUEST="true")
    html = text(r)
    assert r.status_code == 200 and html.lstrip().startswith('<div id="worklist">')
    assert "<html" not in html and b.code in html and a.code not in html
    assert "HX-Request" in r["Vary"]
    html = text(client.get("/desk/", {"q": "路灯"}))
    assert b.code in html and a.code not in html
    html = text(client.get("/desk/", {"q": a.code}))
    assert a.code in html and b.code not in html
    html = text(client.get("/desk/", {"grid": "采菱第五网格"}))
    assert a.code in html and b.code not in html
    html = text(client.get("/desk/", {"status": "received", "category": "nonsense", "queue": "bogus"}))
    assert a.code in html and b.code in html
    # The grid filter lists only grids in the user's territory.
    html = text(user_client("demo-sanqin").get("/desk/"))
    assert "三勤第一网格" in html and "采菱第一网格" not in html


def test_overdue_badge_and_filter(user_client):
    from datetime import timedelta

    from django.utils import timezone

    staff = _staff()
    late, _ = make_demand()
    services.accept(late, staff)
    services.assign(late, staff, handler="demo-handler")
    Demand.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(days=1))
    fresh, _ = make_demand("采菱家园一期路灯不亮")
    client = user_client("demo-cailing")
    html = text(client.get("/desk/", {"overdue": "1"}))
    assert late.code in html and fresh.code not in html and "badge overdue" in html
    html = text(client.get("/desk/", {"queue": "overdue"}))
    assert late.code in html and fresh.code not in html


def test_sorted_by_deadline_urgent_badge_and_paging(user_client):
    from datetime import timedelta

    from django.utils import timezone

    staff = _staff()
    codes = [make_demand(f"采菱家园一期第{i}件事")[0].code for i in range(55)]
    soon = Demand.objects.get(code=codes[40])
    services.accept(soon, staff)
    services.assign(soon, staff, handler="demo-handler")
    Demand.objects.filter(pk=soon.pk).update(due_at=timezone.now() + timedelta(hours=1), urgent=True)
    client = user_client("demo-cailing")
    html = text(client.get("/desk/"))
    assert "共 55 件" in html and "第 1 / 2 页" in html
    assert html.index(soon.code) < html.index(codes[0])  # earliest deadline first
    assert 'badge urgent' in html
    assert html.count('name="codes"') == 50
    html = text(client.get("/desk/", {"page": 2}))
    assert html.count('name="codes"') == 5 and "上一页" in html


def test_no_n_plus_one_on_the_worklist(user_client, django_assert_max_num_queries):
    staff = _staff()
    for i in range(30):
        d, _ = make_demand(f"采菱家园二期{i}幢下水道堵塞", phone=f"138000000{i:02d}")
        if i % 3 == 0:
            services.accept(d, staff)
            services.assign(d, staff, handler="demo-handler")
    client = user_client("demo-cailing")
    client.get("/desk/")  # warm up (session, content types)
    # a fixed number (test_query_count_does_not_grow_with_rows): per branch of the scope (community,
    # handled, reported) a walk of the dated, one of the undated and a count, and the queue counts
    with django_assert_max_num_queries(19):
        r = client.get("/desk/")
    assert r.status_code == 200 and text(r).count('name="codes"') == 30
    with django_assert_max_num_queries(16):
        client.get("/desk/", {"queue": "in_work"}, HTTP_HX_REQUEST="true")


def test_query_count_does_not_grow_with_rows(user_client):
    from django.db import connection

    client = user_client("demo-cailing")

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/desk/").status_code == 200
        return len(ctx.captured_queries)

    make_demand()
    client.get("/desk/")
    few = count()
    for i in range(10):
        make_demand(f"采菱家园一期{i}幢路灯不亮")
    assert count() == few


def test_bulk_assign_reports_each_demand(user_client):
    staff = _staff()
    ready = []
    for i in range(2):
        d, _ = make_demand(f"采菱家园一期{i}幢路灯不亮")
        services.accept(d, staff)
        ready.append(d.code)
    new, _ = make_demand()  # not accepted yet: 409
    sanqin, _ = make_demand("三勤新苑3幢楼道灯不亮")  # outside the territory: not found
    client = user_client("demo-cailing")
    html = text(client.get("/desk/"))
    assert '<option value="demo-handler">' in html
    r = client.post("/desk/bulk-assign", {"codes": [*ready, new.code, sanqin.code], "handler": "demo-handler"})
    html = text(r)
    assert r.status_code == 200
    assert "成功 2 件，未成功 2 件" in html
    assert f'data-code="{new.code}" data-status="409"' in html and "不能执行" in html
    assert f'data-code="{sanqin.code}" data-status="404"' in html
    assert all(Demand.objects.get(code=c).status == "assigned" for c in ready)
    assert Demand.objects.get(code=new.code).status == "received"


def test_bulk_assign_refusals(user_client):
    staff = _staff()
    d, _ = make_demand()
    services.accept(d, staff)
    client = user_client("demo-cailing")
    assert client.post("/desk/bulk-assign", {"handler": "demo-handler"}).status_code == 422
    assert client.post("/desk/bulk-assign", {"codes": [d.code]}).status_code == 422
    r = client.post("/desk/bulk-assign", {"codes": [d.code], "handler": "demo-sanqin"})
    assert r.status_code == 200 and 'data-status="422"' in text(r)
    # A grid worker sees the demands of their grid but may not assign: each answers 403.
    g, _ = make_demand("采菱家园一期3幢路灯不亮")
    services.accept(g, staff)
    r = user_client("demo-cailing-grid").post("/desk/bulk-assign", {"codes": [g.code], "handler": "demo-handler"})
    assert r.status_code == 200 and f'data-code="{g.code}" data-status="403"' in text(r)
    assert Demand.objects.get(pk=g.pk).status == "accepted"
