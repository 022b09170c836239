"""The facilities the seed article names, loaded through this app's services (idempotent: a facility,
component, plan or task that exists is left as it is). Quantities come from the article; how they
split between places, and the pumps a station had before, are invented."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.db import transaction

from minsheng.accounts.demo import DEMO_PASSWORD
from minsheng.accounts.models import Role
from minsheng.accounts.services import ensure_user, grant_role
from minsheng.territory.models import Community, Place, Town

from . import services
from .models import Facility, Kind, MaintenancePlan

TZ = ZoneInfo("Asia/Shanghai")
CLEANER = ("demo-huajia-cleaner", "华家市场公厕保洁员（演示）")


def _at(y: int, m: int, d: int, hh: int = 10) -> datetime:
    return datetime(y, m, d, hh, 0, tzinfo=TZ)


# community, place (or None), kind, name (None: the register's own name for the place), quantity, unit,
# registered at, note, components [(name, kind, quantity, unit, note)]
FACILITIES = [
    ("采菱社区", "采菱家园一期", Kind.FITNESS_POINT, None, 12, "件", _at(2026, 10, 20),
     "2026年7—10月维修（社区5处健身点共50件器材）", []),
    ("采菱社区", "采菱家园一期", Kind.FITNESS_POINT, "采菱家园一期中心花园健身点", 9, "件", _at(2026, 10, 20),
     "2026年7—10月维修（社区5处健身点共50件器材）", []),
    ("采菱社区", "采菱家园二期", Kind.FITNESS_POINT, None, 11, "件", _at(2026, 10, 20),
     "2026年7—10月维修（社区5处健身点共50件器材）", []),
    ("采菱社区", "采菱公园", Kind.FITNESS_POINT, None, 10, "件", _at(2026, 10, 20),
     "2026年7—10月维修（社区5处健身点共50件器材）", []),
    ("采菱社区", "采菱社区党群服务中心", Kind.FITNESS_POINT, None, 8, "件", _at(2026, 10, 20),
     "2026年7—10月维修（社区5处健身点共50件器材）", []),
    ("采菱社区", "采菱家园一期", Kind.DRYING_RACKS, None, 50, "个", _at(2026, 10, 15), "新增不锈钢晾衣架", []),
    ("采菱社区", "采菱家园二期", Kind.DRYING_RACKS, None, 50, "个", _at(2026, 10, 15), "新增不锈钢晾衣架", []),
    ("采菱社区", "采菱家园一期", Kind.BENCHES, None, 10, "张", _at(2026, 10, 15), "增装三人木质休闲椅", []),
    ("采菱社区", "采菱家园二期", Kind.BENCHES, None, 10, "张", _at(2026, 10, 15), "增装三人木质休闲椅", []),
    ("采菱社区", "采菱社区卫生服务站", Kind.CLINIC_ROOM, "采菱社区卫生服务站门诊室", 1, "间", _at(2026, 1, 28),
     "结合疫情防控要求全面改造（2025年12月—2026年1月）", []),
    ("采菱社区", "采菱社区卫生服务站", Kind.CLINIC_ROOM, "采菱社区卫生服务站留观室", 1, "间", _at(2026, 1, 28),
     "结合疫情防控要求全面改造（2025年12月—2026年1月）", []),
    ("采菱社区", "采菱社区卫生服务站", Kind.CLINIC_ROOM, "采菱社区卫生服务站输液室", 1, "间", _at(2026, 1, 28),
     "结合疫情防控要求全面改造（2025年12月—2026年1月）", []),
    ("采菱社区", "采菱家园二期商铺", Kind.SEWER, "采菱家园二期商铺及居民厨房污水管道", 15, "处", _at(2026, 10, 25),
     "疏通堵塞污水管道15处", []),
    ("采菱社区", "采菱家园二期", Kind.STREET_TREES, "采菱家园行道树及高杆乔木", 1, "批", _at(2026, 10, 30),
     "修剪行道树及高杆乔木（投入约10万元）", []),
    ("华家社区", "华家综合消费品市场公厕", Kind.PUBLIC_TOILET, None, 1, "座", _at(2026, 6, 30),
     "改造后投入使用：洗手台、防滑地砖、独立如厕空间", []),
    ("三勤社区", "三勤新苑健身路径", Kind.FITNESS_POINT, None, 25, "件", _at(2026, 10, 31),
     "健身路径改造：安装健身器材25件、铺设塑胶地面500平方米",
     [("塑胶地面", Kind.SURFACE, 500, "㎡", "新铺设")]),
    ("三勤社区", "塘坊排涝站", Kind.DRAINAGE_STATION, None, 1, "座", _at(2026, 3, 1), "登记入册",
     [("排涝泵", Kind.PUMP, 2, "台", ""), ("电柜", Kind.ELECTRIC_CABINET, 1, "台", "汛前检修时更换")]),
    ("三勤社区", "杨家北排涝站", Kind.DRAINAGE_STATION, None, 1, "座", _at(2026, 3, 1), "登记入册",
     [("排涝泵", Kind.PUMP, 2, "台", ""), ("直流泵", Kind.PUMP, 1, "台", "汛前检修时增加")]),
    ("三勤社区", "张家排涝站", Kind.DRAINAGE_STATION, None, 1, "座", _at(2026, 3, 1), "登记入册",
     [("排涝泵", Kind.PUMP, 1, "台", ""), ("泥浆泵", Kind.PUMP, 1, "台", "汛前检修时增加")]),
    ("夏雷社区", None, Kind.CHARGING_SHED, "夏雷社区电动车集中充电车棚", 11, "个", _at(2026, 9, 30),
     "修建电动车集中充电停车棚", []),
    ("夏雷社区", "新城长岛北门停车场", Kind.PARKING_LOT, None, 80, "个车位", _at(2026, 1, 30),
     "约2000平方米闲置地块清理、平整、硬化后改建为露天停车场", []),
    ("夏雷社区", "夏雷社区篮球场", Kind.COURT, None, 1, "个", _at(2026, 8, 31), "新建篮球场", []),
]


def _facility(community: Community, place: Place | None, kind, name, quantity, unit, at, note) -> Facility:
    name = name or services.facility_name(place, kind)
    # The same name the project_in_service receiver gives: a project that entered service first may
    # already have put it on the register.
    existing = Facility.objects.filter(community=community, parent=None, name=name).first()
    if existing is not None:
        return existing
    return services.register_facility(actor=None, community=community, name=name, kind=kind, quantity=quantity,
                                      unit=unit, place=place, in_service_since=at.date(), check=False, note=note,
                                      at=at)


def _plan(community, title, facilities, **kw) -> MaintenancePlan:
    plan = MaintenancePlan.objects.filter(community=community, title=title).first()
    if plan is None:
        plan = services.create_plan(actor=None, community=community, title=title, facilities=facilities,
                                    check=False, **kw)
    return plan


@transaction.atomic
def load(*, territory_only: bool = False) -> None:
    from django.contrib.auth import get_user_model

    town = Town.objects.get(name="湖塘镇")
    communities = {c.name: c for c in town.communities.all()}
    places = {(p.community_id, p.name): p for p in Place.objects.filter(community__town=town).select_related("grid")}
    made: dict[str, Facility] = {}
    for cname, pname, kind, name, quantity, unit, at, note, components in FACILITIES:
        c = communities[cname]
        place = places[(c.pk, pname)] if pname else None
        f = _facility(c, place, kind, name, quantity, unit, at, note)
        made[f.name] = f
        for comp_name, comp_kind, comp_q, comp_unit, comp_note in components:
            if not Facility.objects.filter(parent=f, name=comp_name).exists():
                # Parts added or replaced in the pre-flood check of 5 May carry that date.
                when = _at(2026, 5, 5, 14) if comp_note.startswith("汛前") else at
                services.register_facility(actor=None, community=c, name=comp_name, kind=comp_kind, quantity=comp_q,
                                           unit=comp_unit, parent=f, in_service_since=when.date(), check=False,
                                           note=comp_note or "登记", at=when)

    # 华家: the market toilet is cleaned every day by a hired cleaner.
    huajia = communities["华家社区"]
    cleaner, _ = ensure_user(username=CLEANER[0], password=DEMO_PASSWORD, display_name=CLEANER[1])
    grant_role(user=cleaner, role=Role.HANDLER, node=huajia)
    _plan(huajia, "华家市场公厕每日保洁", [made["华家综合消费品市场公厕"]], frequency="daily", due_time=time(19, 0),
          grace_hours=2, assignee=CLEANER[0], category="sanitation", starts_on=date(2026, 7, 1),
          instructions="全天候保持干净整洁：清洗洗手台面和墙面瓷砖，拖干防滑地砖，补充纸巾洗手液，消杀除味。")

    # 三勤: every drainage station is checked before the flood season (5 May each year).
    sanqin = communities["三勤社区"]
    staff = get_user_model().objects.get(username="demo-sanqin")
    stations = [made[n] for n in ("塘坊排涝站", "杨家北排涝站", "张家排涝站")]
    plan = _plan(sanqin, "汛前排涝站集中检修", stations, frequency="yearly", month=5, day=5, due_time=time(17, 0),
                 grace_hours=72, lead_days=30, assignee="demo-sanqin", category="drainage",
                 starts_on=date(2026, 5, 1),
                 instructions="检查水泵、电柜、闸门和进出水口，试运行，清理格栅杂物，确保汛期排水需要。")
    notes = {"塘坊排涝站": "检修完成，更换电柜一台，试运行正常。", "杨家北排涝站": "检修完成，增加直流泵一只，试运行正常。",
             "张家排涝站": "检修完成，增加泥浆泵一只，试运行正常。"}
    for s in stations:
        services.record_done_occurrence(plan, s, date(2026, 5, 5), staff, notes=notes[s.name],
                                        at=datetime(2026, 5, 5, 14, 0, tzinfo=TZ))

    # Tasks due soon are made now, as the worker would.
    services.generate_tasks(plans=MaintenancePlan.objects.filter(community__town=town))
