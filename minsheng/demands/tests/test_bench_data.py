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


# --towns: synthetic towns for district-scale benchmarks.


def _bench_towns():
    from minsheng.territory.models import Town

    return Town.objects.filter(code__startswith="B").order_by("code")


def test_bench_towns_built_with_unique_codes_and_accounts(db, capsys):
    from minsheng.accounts.models import Membership, Role
    from minsheng.territory.models import Community, Grid

    call_command("bench-data", "--towns", "2", "--communities", "3", "--grids", "2")
    towns = list(_bench_towns())
    assert [t.name for t in towns] == ["牛塘镇", "洛阳镇"] and [t.code for t in towns] == ["BAA", "BAB"]
    codes = list(Community.objects.values_list("code", flat=True))
    assert len(codes) == 6 and len(set(codes)) == 6  # unique across the install, not only inside a town
    assert all(c.isalpha() and c.isupper() and len(c) <= 8 for c in codes)
    assert not set(codes) & {t.code for t in towns}
    names = list(Community.objects.values_list("name", flat=True))
    assert len(set(names)) == 6 and "牛塘花园社区" in names
    grids = Grid.objects.select_related("community")
    assert grids.count() == 12 and len({g.name for g in grids}) == 12
    assert all(g.name.startswith(g.community.name.removesuffix("社区")) and g.polygon for g in grids)
    assert find_node("洛阳东苑第二网格").level == "grid"
    for i, town in enumerate(towns, start=1):
        admin = Membership.objects.get(user__username=f"bench-t{i:02d}-town")
        assert (admin.role, admin.town) == (Role.TOWN_ADMIN, town)
        staff = Membership.objects.get(user__username=f"bench-t{i:02d}-c01")
        assert staff.role == Role.COMMUNITY_STAFF and staff.community.town == town
        assert staff.community.code == town.code + "AA"
    from django.contrib.auth import get_user_model

    district = get_user_model().objects.get(username="bench-district")
    assert district.check_password("minsheng-bench")
    if "district_admin" in Role.values:
        assert Membership.objects.filter(user=district, role="district_admin").exists()
    assert Demand.objects.count() == 0  # --towns alone builds the territory only


def test_bench_towns_rerun_is_idempotent_and_growth_adds_only_missing(demo_territory, capsys):
    from django.contrib.auth import get_user_model

    from minsheng.accounts.models import Membership
    from minsheng.territory.models import Community, Grid, Town

    call_command("bench-data", "--towns", "1", "--communities", "3", "--grids", "2")
    first = _bench_towns().get()
    ids = set(Community.objects.values_list("id", flat=True)), set(Grid.objects.values_list("id", flat=True))
    counts = Membership.objects.count(), get_user_model().objects.count()
    capsys.readouterr()
    call_command("bench-data", "--towns", "1", "--communities", "3", "--grids", "2")
    assert "新建 0 个镇、0 个社区、0 个网格、0 个账号" in capsys.readouterr().out
    assert (set(Community.objects.values_list("id", flat=True)), set(Grid.objects.values_list("id", flat=True))) == ids
    assert (Membership.objects.count(), get_user_model().objects.count()) == counts
    call_command("bench-data", "--towns", "3", "--communities", "3", "--grids", "2")
    assert "新建 2 个镇、6 个社区、12 个网格、4 个账号" in capsys.readouterr().out
    assert _bench_towns().count() == 3 and _bench_towns().first().pk == first.pk
    assert ids[0] <= set(Community.objects.values_list("id", flat=True))
    assert Town.objects.filter(name="湖塘镇").exists() and Community.objects.filter(town=first).count() == 3
    codes = list(Community.objects.values_list("code", flat=True))
    assert len(codes) == len(set(codes))


def test_bench_towns_demands_land_only_in_synthetic_towns(demo_territory, capsys):
    from minsheng.demands.models import OPEN_STATES

    call_command("bench-data", "--towns", "3", "--communities", "3", "--grids", "2",
                 "--demands", "300", "--open", "60", "--batch", "100")
    assert Demand.objects.count() == 300
    assert not Demand.objects.filter(town=demo_territory).exists()
    assert set(Demand.objects.values_list("town__code", flat=True)) == {"BAA", "BAB", "BAC"}
    assert Demand.objects.values("grid").distinct().count() == 18  # uniform over all 18 grids
    assert Demand.objects.filter(status__in=OPEN_STATES).count() >= 60
    for d in Demand.objects.select_related("community", "grid")[:50]:
        assert d.code.startswith(d.community.code + "-") and d.grid.community_id == d.community_id
    codes = list(Demand.objects.values_list("code", flat=True))
    assert len(codes) == len(set(codes))
    d = Demand.objects.filter(status="closed").first()  # JSON columns read back as written (COPY on PostgreSQL)
    assert d.triage == {"engine": "bench-data"} and d.events.first().data == {}
    # Towns added later get their own demands (--from-town), and codes stay unique.
    call_command("bench-data", "--towns", "4", "--communities", "3", "--grids", "2",
                 "--demands", "100", "--from-town", "4", "--seed", "9")
    added = Demand.objects.filter(town__code="BAD")
    assert added.count() == 100 and Demand.objects.count() == 400
    codes = list(Demand.objects.values_list("code", flat=True))
    assert len(codes) == len(set(codes))
    # Counters follow the synthetic codes: a new demand in a synthetic community gets a fresh one.
    from minsheng.demands.services import register
    from minsheng.territory.models import Community

    community = Community.objects.get(code="BAAAA")
    new, _ = register(text="楼道灯坏了", channel="online", community=community)
    assert new.code.startswith("BAAAA-") and not Demand.objects.filter(code=new.code).exclude(pk=new.pk).exists()


def test_bench_towns_refuses_bad_sizes(db, capsys):
    import pytest

    from minsheng.territory.models import Town

    for args, option in ((["--towns", "0"], "--towns"), (["--towns", "2", "--communities", "0"], "--communities"),
                         (["--towns", "2", "--grids", "0"], "--grids"),
                         (["--towns", "2", "--from-town", "3"], "--from-town"),
                         (["--towns", "2", "--demands", "5", "--open", "6"], "--open")):
        with pytest.raises(SystemExit) as exc:
            call_command("bench-data", *args)
        assert exc.value.code == 1
        err = capsys.readouterr().err
        assert option in err and "错误" in err
    assert not Town.objects.exists()


def test_bench_towns_refuses_a_clashing_code(db, capsys):
    import pytest

    from minsheng.territory.models import Town
    from minsheng.territory.services import upsert_community, upsert_town

    other = upsert_town(name="某镇", code="XX")
    upsert_community(town=other, name="某社区", code="BABAB")
    with pytest.raises(SystemExit):
        call_command("bench-data", "--towns", "2", "--communities", "3")
    assert "BABAB" in capsys.readouterr().err
    assert list(Town.objects.values_list("code", flat=True)) == ["XX"]
