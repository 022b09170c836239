"""/api/v1/territory lists every town, community, grid and place: more of them, not more queries (issue
#10: no N+1; the demo town alone is checked in core/tests/test_http.py)."""

from django.test import Client

from minsheng.core.tests.query_counts import assert_flat
from minsheng.core.tests.test_query_counts import add_towns

FEW, MORE = 2, 4  # 2 rows, then 6


def test_territory_api(demo_territory, django_assert_max_num_queries):
    add_towns(FEW)
    client = Client()
    assert_flat(lambda: client.get("/api/v1/territory"), lambda: add_towns(MORE, FEW), 6,
                django_assert_max_num_queries, check=lambda r: len(r.json()["towns"]) == 1 + FEW + MORE)
