"""The three rates on hand-computed fixtures, imported through the ledger (domain.md §6)."""

import json

import pytest
from django.core.management import call_command
from django.test import Client

from minsheng.collection.services.ledger import import_file
from minsheng.collection.tests.ledgers import row, write

# Each row: (code, received, community, grid, urgent, assigned, contacted, completed, resolution, satisfaction)
ROWS = [
    # Ordinary, contacted exactly on the 24 h deadline → in time; completed on day 7 exactly → on time.
    ("K1", "2026-10-01 00:00", "采菱社区", "采菱第一网格", "否", "2026-10-01 08:00", "2026-10-02 08:00",
     "2026-10-08 08:00", "已解决", "满意"),
    # Ordinary, contacted one minute late; completed late.
    ("K2", "2026-10-15 12:00", "采菱社区", "采菱第一网格", "否", "2026-10-15 12:00", "2026-10-16 12:01",
     "2026-10-23 12:01", "部分解决", "基本满意"),
    # Urgent: contacted after 3 h → late (2 h deadline); completed within 24 h.
    ("K3", "2026-10-31 23:59", "采菱社区", "采菱第二网格", "是", "2026-11-01 00:10", "2026-11-01 03:10",
     "2026-11-01 20:00", "未解决", "不满意"),
    # Urgent: contacted in 1 h; no callback answer.
    ("K4", "2026-11-01 00:00", "三勤社区", None, "是", "2026-11-01 01:00", "2026-11-01 02:00", None, None, None),
    # Not assigned at all; satisfaction 未评价 is left out.
    ("K5", "2026-12-31 23:30", "三勤社区", None, "否", None, None, "2027-01-02 10:00", "已解决", "未评价"),
    # Received in the next year at local midnight.
    ("K6", "2027-01-01 00:00", "三勤社区", None, "否", "2027-01-01 09:00", None, None, None, None),
]


@pytest.fixture
def ledger(demo_territory, tmp_path):
    rows = []
    for code, rec, com, grid, urgent, assigned, contacted, completed, res, sat in ROWS:
        rows.append(row(code, rec, community=com, 网格=grid, 紧急=urgent, 派单时间=assigned, 首次联系时间=contacted,
                        办结时间=completed, 回访时间=completed if res or sat else None, 解决情况=res, 满意度=sat,
                        分类="housing"))
    report = import_file(write(tmp_path / "k.xlsx", rows))
    assert not report.errors, report.errors
    return report


def kpis(scope, period):
    from minsheng.kpis.selectors import kpis as compute

    return compute(scope, period)


def test_month_edges_at_local_midnight(ledger):
    october = kpis("湖塘镇", "2026-10")
    # K1, K2, K3 (K3 received 23:59 local on 31 Oct).
    assert october["received"] == 3 and october["assigned"] == 3
    assert october["response_rate"] == pytest.approx(1 / 3)
    assert october["resolution_rate"] == pytest.approx((1 + 0.5) / 3)
    assert october["satisfaction_rate"] == pytest.approx((1 + 0.8) / 3)
    assert october["composite"] == pytest.approx(0.30 / 3 + 0.35 * 0.5 + 0.35 * 0.6)
    assert october["on_time_rate"] == pytest.approx(2 / 3)
    days = [(7 * 24 + 8) / 24, (8 * 24 + 0.01666666) / 24, (20 * 60 + 1) / 1440]
    assert october["avg_days_to_close"] == pytest.approx(sum(days) / 3, rel=1e-4)
    november = kpis("湖塘镇", "2026-11")
    assert november["received"] == 1 and november["response_rate"] == 1.0
    assert november["resolution_rate"] is None and november["satisfaction_rate"] is None
    assert november["composite"] is None and november["on_time_rate"] is None
    assert november["avg_days_to_close"] is None


def test_quarter_year_and_range(ledger):
    q4 = kpis("湖塘镇", "2026-Q4")
    assert q4["received"] == 5 and q4["assigned"] == 4
    assert q4["response_rate"] == pytest.approx(2 / 4)
    assert q4["resolution_rate"] == pytest.approx(2.5 / 4)
    assert q4["satisfaction_rate"] == pytest.approx(1.8 / 3)  # 未评价 left out
    assert q4["on_time_rate"] == pytest.approx(2 / 4)  # K5 completed without assignment: not on time
    assert kpis("湖塘镇", "2026")["received"] == 5
    assert kpis("湖塘镇", "2027")["received"] == 1
    assert kpis("湖塘镇", "2026-10-01..2026-10-01")["received"] == 1
    assert kpis("湖塘镇", "2026-10-31..2026-11-01")["received"] == 2


def test_community_and_grid_scopes(ledger):
    assert kpis("采菱社区", "2026")["received"] == 3
    assert kpis("三勤社区", "2026")["received"] == 2
    grid = kpis("采菱第一网格", "2026")
    assert grid["received"] == 2 and grid["level"] == "grid"
    assert kpis("华家社区", "2026")["response_rate"] is None


def test_command_and_api_print_the_same(ledger, capsys):
    call_command("kpis", "--scope", "采菱社区", "--period", "2026-Q4")
    printed = json.loads(capsys.readouterr().out)
    api = Client().get("/api/v1/kpis", {"scope": "采菱社区", "period": "2026-Q4"}).json()
    assert printed == api
    for key in ("assigned", "response_rate", "resolution_rate", "satisfaction_rate", "composite", "on_time_rate",
                "avg_days_to_close"):
        assert key in printed


@pytest.mark.parametrize("period", ["2026-13", "2026-Q5", "26", "2026-10-31..2026-10-01", "2026-02-30..2026-03-01",
                                    ""])
def test_bad_periods(demo_territory, period):
    r = Client().get("/api/v1/kpis", {"scope": "湖塘镇", "period": period})
    assert r.status_code == 422 and "period" in r.json()["detail"]


def test_unknown_scope(demo_territory):
    r = Client().get("/api/v1/kpis", {"scope": "火星", "period": "2026"})
    assert r.status_code == 404


def test_live_demands_count_too(api_demand):
    k = kpis("采菱社区", api_demand)
    assert k["assigned"] == 1 and k["response_rate"] == 1.0 and k["satisfaction_rate"] == 1.0


@pytest.fixture
def api_demand(demo_territory):
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from minsheng.demands import services

    User = get_user_model()
    staff, handler = User.objects.get(username="demo-cailing"), User.objects.get(username="demo-handler")
    d, _ = services.register(text="采菱一期路灯坏了", channel="online")
    services.accept(d, staff)
    services.assign(d, staff, handler="demo-handler")
    services.contact(d, handler)
    services.reply(d, handler, reply="修好了")
    services.callback(d, staff, resolution="resolved", satisfaction="satisfied")
    return timezone.localtime().strftime("%Y-%m")
