"""The public home page lists every town with its communities, grids and places: more of them, not more
queries (issue #10: no N+1)."""

from django.test import Client

from minsheng.territory import services as territory

from .query_counts import assert_flat

FEW, MORE = 2, 4  # 2 rows, then 6


def add_towns(n, start=0):
    """n towns, each with two communities of two grids, a place and a resident group."""
    for i in range(start, start + n):
        t = territory.upsert_town(name=f"测试{i}镇", code=f"T{i}", population=30000)
        for j in range(2):
            c = territory.upsert_community(town=t, name=f"测试{i}镇{j}社区", code=f"T{i}C{j}", population=5000)
            grids = [territory.upsert_grid(community=c, name=f"{c.name}第{k}网格") for k in range(2)]
            territory.upsert_place(community=c, name=f"{c.name}广场", grid=grids[0], lon=119.9, lat=31.7)
            territory.upsert_resident_group(community=c, number=1)


def test_home_page(demo_territory, django_assert_max_num_queries):
    add_towns(FEW)
    client = Client()
    assert_flat(lambda: client.get("/"), lambda: add_towns(MORE, FEW), 6, django_assert_max_num_queries,
                check=lambda r: f"测试{FEW + MORE - 1}镇1社区" in r.content.decode())


def test_home_page_signed_in(demo_territory, user_client, django_assert_max_num_queries):
    add_towns(FEW)
    client = user_client("demo-cailing")
    assert_flat(lambda: client.get("/"), lambda: add_towns(MORE, FEW), 11, django_assert_max_num_queries)
