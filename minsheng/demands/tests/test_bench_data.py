from django.core.management import call_command

from minsheng.demands.models import Demand, DemandEvent
from minsheng.kpis import periods
from minsheng.kpis.models import KpiCounter
from minsheng.kpis.selectors import kpis, kpis_from_rows
from minsheng.territory.selectors import find_node


def test_bench_data_writes_full_histories_and_counters(demo_territory, capsys):
    call_command("bench-data", "--demands", "600", "--batch", "250")
    assert Demand.objects.count() == 600
    assert Demand.objects.values("grid").distinct().count() > 20
    statuses = set(Demand.objects.values_list("status", flat=True))
    assert {"closed", "rejected", "in_progress"} <= statuses
    d = Demand.objects.filter(status="closed", assigned_at__isnull=False).first()
    assert [e.action for e in d.events.all()][:3] == ["register", "accept", "assign"]
    assert DemandEvent.objects.count() > 600 * 4
    # The incremental counters equal a rebuild and the definition.
    before = sorted(KpiCounter.objects.exclude(received=0).values_list("key", "received", "assigned", "close_us"))
    call_command("kpis-rebuild")
    assert sorted(KpiCounter.objects.exclude(received=0).values_list("key", "received", "assigned", "close_us")) == before
    year = str(d.received_at.year)
    assert kpis("湖塘镇", year)["received"] == kpis_from_rows(find_node("湖塘镇"), periods.parse(year))["received"]
    # New demands after the synthetic ones get fresh codes.
    from minsheng.demands.services import register

    new, _ = register(text="采菱一期路灯坏了", channel="online")
    assert not Demand.objects.filter(code=new.code).exclude(pk=new.pk).exists()


def test_bench_data_span_options_place_history_and_workload(demo_territory):
    from datetime import timedelta

    from django.utils import timezone

    from minsheng.demands.models import OPEN_STATES

    call_command("bench-data", "--demands", "300", "--days", "365", "--ago", "90")
    old = Demand.objects.all()
    assert old.filter(received_at__gt=timezone.now() - timedelta(days=90)).count() == 0
    assert old.filter(status__in=OPEN_STATES).count() <= 3  # history only: (nearly) everything has ended
    call_command("bench-data", "--demands", "200", "--days", "7", "--seed", "3")
    week = Demand.objects.filter(received_at__gt=timezone.now() - timedelta(days=7))
    assert week.count() == 200 and week.filter(status__in=OPEN_STATES).count() > 50  # this week's workload


def test_bench_data_refuses_bad_spans(demo_territory, capsys):
    import pytest

    for args in (["--days", "0"], ["--ago", "-1"]):
        with pytest.raises(SystemExit):
            call_command("bench-data", "--demands", "10", *args)
    assert Demand.objects.count() == 0
