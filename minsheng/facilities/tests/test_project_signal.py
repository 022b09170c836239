"""The project_in_service signal: the register follows what the project's work items state, once.
Nothing is guessed from titles or item words; a failure is raised, never swallowed."""

from decimal import Decimal

import pytest
from django.utils import timezone

from minsheng.core.errors import DomainError
from minsheng.facilities.models import Facility, FacilityEvent, FacilityProject
from minsheng.projects.models import Project, WorkItem
from minsheng.projects.signals import project_in_service


def project(place, title, items, kind="works"):
    """A project at `place` with work items (name, quantity, unit, work, facility kind, facility)."""
    p = Project.objects.create(town=place.community.town, community=place.community, place=place, title=title,
                               kind=kind, budget=Decimal(10000), created_at=timezone.now())
    for i, (name, quantity, unit, work, fkind, facility) in enumerate(items):
        WorkItem.objects.create(project=p, position=i, name=name, quantity=quantity, unit=unit, facility_work=work,
                                facility_kind=fkind, facility=facility)
    return p


def send(p):
    return project_in_service.send(sender=None, project_id=p.pk, title=p.title, town_id=p.town_id,
                                   community_id=p.community_id, place_id=p.place_id, kind=p.kind, items=[],
                                   facility_kind=None)


def test_a_new_fitness_path_with_its_surface(place):
    pl = place("三勤新苑健身路径")
    p = project(pl, "三勤新苑健身路径改造", [("健身器材", 25, "件", "build", "fitness_point", None)])
    send(p)
    f = Facility.objects.get(parent=None)
    assert (f.name, f.kind, f.quantity, f.unit) == ("三勤新苑健身路径", "fitness_point", 25, "件")
    assert f.place == pl and f.grid.name == "三勤第二网格" and f.condition == "good"
    p2 = project(pl, "三勤新苑塑胶地面", [("塑胶地面", 500, "㎡", "build", "surface", f)])
    send(p2)
    surface = f.components.get()
    assert (surface.kind, surface.quantity, surface.unit) == ("surface", 500, "㎡")
    assert set(FacilityProject.objects.values_list("facility_id", "project_id", "role")) == {
        (f.pk, p.pk, "built"), (surface.pk, p2.pk, "built"), (f.pk, p2.pk, "improved")}
    assert FacilityEvent.objects.filter(facility=f, action="project", project_id=p.pk).exists()


def test_sending_twice_changes_nothing(place):
    p = project(place("新城长岛北门停车场"), "新城长岛北门停车场", [("停车位", 80, "个车位", "build", "parking_lot", None)])
    send(p)
    before = (Facility.objects.count(), FacilityEvent.objects.count(), FacilityProject.objects.count())
    send(p)
    assert (Facility.objects.count(), FacilityEvent.objects.count(), FacilityProject.objects.count()) == before
    assert Facility.objects.get().quantity == 80


def test_a_pump_added_to_an_existing_station(place, facility):
    station = facility("杨家北排涝站", "drainage_station", condition="poor")
    send(project(place("杨家北排涝站"), "杨家北排涝站增加直流泵", [("直流泵", 1, "台", "build", "pump", station)]))
    station.refresh_from_db()
    assert station.condition == "good" and station.quantity == 1
    pump = station.components.get()
    assert (pump.name, pump.kind, pump.quantity) == ("直流泵", "pump", 1)
    assert FacilityProject.objects.get(facility=station).role == "improved"
    assert FacilityProject.objects.get(facility=pump).role == "built"


def test_add_grows_an_existing_facility_and_repair_does_not(place, facility):
    racks = facility("采菱家园一期", "drying_racks", quantity=40)
    send(project(place("采菱家园一期"), "采菱家园一期晾衣架", [("新增不锈钢晾衣架", 50, "个", "add", "", racks)]))
    racks.refresh_from_db()
    assert racks.quantity == 90
    send(project(place("采菱家园一期"), "采菱家园一期晾衣架维修", [("晾衣架维修", 20, "个", "repair", "", racks)]))
    racks.refresh_from_db()
    assert racks.quantity == 90 and FacilityProject.objects.filter(facility=racks, role="improved").count() == 2


def test_titles_are_not_read_and_each_item_is_its_own_facility(place):
    send(project(place("华家综合消费品市场公厕"), "华家市场公厕改造", [("公厕整体改造", 1, "座", "build", "public_toilet", None)]))
    toilet = Facility.objects.get()
    assert (toilet.name, toilet.kind, toilet.quantity) == ("华家综合消费品市场公厕", "public_toilet", 1)
    send(project(place("采菱社区卫生服务站"), "卫生服务站改造",
                 [(n, 1, "间", "build", "clinic_room", None) for n in ("门诊室", "留观室", "输液室")]))
    assert set(Facility.objects.filter(kind="clinic_room").values_list("name", flat=True)) == {
        "采菱社区卫生服务站门诊室", "采菱社区卫生服务站留观室", "采菱社区卫生服务站输液室"}
    # A title full of facility words with items that state none builds nothing.
    send(project(place("塘坊排涝站"), "塘坊排涝站健身点公厕停车场", [("排涝站电柜", 1, "台", "", "", None)]))
    assert Facility.objects.count() == 4


def test_a_service_builds_no_facility(place):
    send(project(place("采菱社区党群服务中心"), "“法律明白人”培训", [("讲座", 2, "场", "", "", None)], kind="services"))
    assert not Facility.objects.exists()


def test_a_failure_surfaces(place, facility):
    """A facility of another community is refused by the register, and the error reaches the sender."""
    other = facility("采菱公园", "fitness_point")
    p = project(place("塘坊排涝站"), "塘坊排涝站更换电柜", [("电柜", 1, "台", "repair", "", other)])
    with pytest.raises(DomainError) as err:
        send(p)
    assert "items.0.facility" in str(err.value.detail)
    assert not FacilityProject.objects.exists()
