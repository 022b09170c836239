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
