"""The project_in_service signal: the facilities a project built are created or updated, once."""

import logging

from minsheng.facilities.models import Facility, FacilityEvent, FacilityProject
from minsheng.projects.signals import project_in_service


def send(place, **kw):
    body = {"project_id": 501, "title": "三勤新苑健身路径改造", "town_id": place.community.town_id,
            "community_id": place.community_id, "place_id": place.pk, "kind": "works", "items": [],
            "facility_kind": None}
    body.update(kw)
    return project_in_service.send(sender=None, **body)


def test_a_new_fitness_path_with_its_surface(place):
    p = place("三勤新苑健身路径")
    send(p, facility_kind="fitness_point", items=[{"name": "健身器材", "quantity": 25, "unit": "件"},
                                                   {"name": "塑胶地面", "quantity": 500, "unit": "㎡"}])
    f = Facility.objects.get(parent=None)
    assert (f.name, f.kind, f.quantity, f.unit) == ("三勤新苑健身路径", "fitness_point", 25, "件")
    assert f.place == p and f.grid.name == "三勤第二网格" and f.condition == "good"
    surface = f.components.get()
    assert (surface.kind, surface.quantity, surface.unit) == ("surface", 500, "㎡")
    assert set(FacilityProject.objects.values_list("facility_id", "project_id", "role")) == {
        (f.pk, 501, "built"), (surface.pk, 501, "built")}
    assert FacilityEvent.objects.filter(facility=f, action="project", project_id=501).exists()


def test_sending_twice_changes_nothing(place):
    p = place("新城长岛北门停车场")
    items = [{"name": "停车位", "quantity": 80, "unit": "个车位"}]
    send(p, project_id=7, title="新城长岛北门停车场", items=items, facility_kind="parking_lot")
    before = (Facility.objects.count(), FacilityEvent.objects.count(), FacilityProject.objects.count())
    send(p, project_id=7, title="新城长岛北门停车场", items=items, facility_kind="parking_lot")
    assert (Facility.objects.count(), FacilityEvent.objects.count(), FacilityProject.objects.count()) == before
    assert Facility.objects.get().quantity == 80


def test_a_pump_added_to_an_existing_station(place, facility):
    station = facility("杨家北排涝站", "drainage_station", condition="poor")
    send(place("杨家北排涝站"), project_id=9, title="杨家北排涝站增加直流泵", facility_kind="drainage_station",
         items=[{"name": "增加直流泵", "quantity": 1, "unit": "台"}])
    station.refresh_from_db()
    assert station.condition == "good" and station.quantity == 1
    pump = station.components.get()
    assert (pump.name, pump.kind, pump.quantity) == ("直流泵", "pump", 1)
    assert FacilityProject.objects.get(facility=station).role == "improved"
    assert FacilityProject.objects.get(facility=pump).role == "built"


def test_items_worded_as_additions_grow_an_existing_facility(place, facility):
    racks = facility("采菱家园一期", "drying_racks", quantity=40)
    send(place("采菱家园一期"), project_id=11, title="采菱家园一期晾衣架", facility_kind=None,
         items=[{"name": "新增不锈钢晾衣架", "quantity": 50, "unit": "个"}])
    racks.refresh_from_db()
    assert racks.quantity == 90


def test_hint_words_and_itemised_rooms(place):
    send(place("华家综合消费品市场公厕"), project_id=12, title="华家市场公厕改造", facility_kind="toilet")
    toilet = Facility.objects.get()
    assert (toilet.name, toilet.kind, toilet.quantity) == ("华家综合消费品市场公厕", "public_toilet", 1)
    send(place("采菱社区卫生服务站"), project_id=13, title="卫生服务站改造", facility_kind="clinic_room",
         items=[{"name": n, "quantity": 1, "unit": "间"} for n in ("门诊室", "留观室", "输液室")])
    assert set(Facility.objects.filter(kind="clinic_room").values_list("name", flat=True)) == {
        "采菱社区卫生服务站门诊室", "采菱社区卫生服务站留观室", "采菱社区卫生服务站输液室"}


def test_a_service_builds_no_facility(place):
    send(place("采菱社区党群服务中心"), project_id=14, title="“法律明白人”培训", kind="services")
    assert not Facility.objects.exists()


def test_a_failing_receiver_does_not_break_the_sender(place, caplog):
    with caplog.at_level(logging.ERROR, logger="minsheng.facilities"):
        send(place("塘坊排涝站"), project_id=15, community_id=999999, facility_kind="drainage_station")
    assert not Facility.objects.exists()
    assert "project 15" in caplog.text
