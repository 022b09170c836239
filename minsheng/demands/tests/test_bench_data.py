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


def test_bench_data_open_workload_is_spread_and_partly_overdue(demo_territory):
    from datetime import timedelta

    from django.utils import timezone

    from minsheng.demands.models import OPEN_STATES

    call_command("bench-data", "--open", "400")
    assert Demand.objects.count() == 400
    open_ = Demand.objects.filter(status__in=OPEN_STATES)
    assert open_.count() == 400
    assert set(open_.values_list("status", flat=True)) == {"received", "accepted", "assigned", "in_progress"}
    assert open_.values("community").distinct().count() >= 4 and open_.values("grid").distinct().count() > 20
    assert open_.values("category").distinct().count() >= 10
    now = timezone.now()
    assert not open_.filter(received_at__lt=now - timedelta(days=46)).exists()
    overdue = open_.filter(due_at__lt=now).count()
    assert 0 < overdue < open_.filter(due_at__isnull=False).count()
    # every open demand's events end at its status, in time order
    d = open_.filter(status="in_progress").first()
    events = list(d.events.order_by("at", "pk"))
    assert [e.action for e in events] == ["register", "accept", "assign", "contact"]
    assert events[-1].to_status == "in_progress"
    # mixed: 100 more, of which 30 open, the rest a history
    call_command("bench-data", "--demands", "100", "--open", "30", "--ago", "90", "--seed", "5")
    assert Demand.objects.filter(status__in=OPEN_STATES).count() == 430


def test_bench_data_refuses_more_open_than_demands(demo_territory):
    import pytest

    with pytest.raises(SystemExit):
        call_command("bench-data", "--demands", "10", "--open", "11")
    assert Demand.objects.count() == 0
