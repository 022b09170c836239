"""Demo roster and activities (idempotent; not loaded with --territory-only).

The roster is INVENTED: a few hundred households in the demo compounds with generated names, birth dates
and phones (a fixed random seed, so every run makes the same people). No name from the seed article is
used. Several residents are 90 or older on 重阳节 2026 (18 October), one turns 90 the day after, one
was born on 29 February. The four activities are the ones the article names for 采菱社区."""

from __future__ import annotations

import random
from datetime import date, time, timedelta

from django.db import transaction

from minsheng.territory.models import Building, Community, Grid, Place, Town

from . import importer, services
from .models import Activity, ActivityKind, Member
from .roster import today

SEED = 20261018
CHONGYANG_2026 = date(2026, 10, 18)

# Never generate these (people named in the seed article).
ARTICLE_NAMES = {"管建新", "卞黎霞", "恽国芳", "刘宇", "潘文杰", "袁刚平", "何晓丹", "张朕", "张可馨", "金迪"}
SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘蒋蔡余杜叶程苏魏吕丁任沈"
                "姚卢姜崔钟谭陆汪范金石廖贾夏付方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严武戴孔汤")
GIVEN_OLD = ["秀英", "桂英", "玉兰", "凤英", "兰英", "金娣", "根生", "福林", "荣根", "金林", "国华", "建国", "桂芳",
             "彩英", "雪英", "志刚", "仁和", "德福", "招娣", "菊芬", "阿大", "杏娣", "宝根", "顺林", "月娥"]
GIVEN_MID = ["建华", "丽娟", "海燕", "伟民", "晓东", "志强", "红梅", "卫东", "春燕", "国平", "雪芳", "永明", "小军",
             "丽萍", "振华", "美玲", "建军", "静怡", "亚平", "秋萍", "立新", "惠英", "正阳", "晓燕", "云峰"]
GIVEN_YOUNG = ["子涵", "梓萱", "浩然", "一诺", "欣怡", "宇轩", "思远", "雨桐", "俊熙", "诗涵", "佳怡", "子墨",
               "天佑", "若曦", "明哲", "嘉懿", "沐阳", "可欣", "睿泽", "语桐"]

# community, compound with numbered buildings (territory demo), households
COMPOUNDS = [
    ("采菱社区", "采菱家园一期", 60), ("采菱社区", "采菱家园二期", 60), ("华家社区", "华家新村", 30),
    ("华家社区", "华家花苑", 20), ("三勤社区", "三勤新苑", 40), ("夏雷社区", "新城长岛", 40),
    ("夏雷社区", "夏雷新村", 20),
]
# Households without a building: invented village addresses in the grids near the drainage stations.
VILLAGES = [
    ("三勤社区", "三勤第四网格", "塘坊自然村", 10), ("三勤社区", "三勤第五网格", "杨家北自然村", 10),
    ("三勤社区", "三勤第六网格", "张家自然村", 10),
]
# Residents aged 90 or more on 重阳节 2026 (and two on the edge): community, birth date, living alone.
NONAGENARIANS = [
    ("采菱社区", date(1931, 3, 12), True), ("采菱社区", date(1933, 8, 2), False),
    ("采菱社区", date(1934, 12, 25), False), ("采菱社区", date(1935, 5, 9), True),
    ("采菱社区", date(1936, 10, 18), False),  # 90 on the day of the visit
    ("采菱社区", date(1936, 10, 19), False),  # 89 on the day: turns 90 the day after
    ("华家社区", date(1932, 2, 29), True), ("华家社区", date(1935, 11, 30), False),
    ("三勤社区", date(1930, 6, 15), True), ("三勤社区", date(1934, 4, 4), False),
    ("夏雷社区", date(1933, 1, 20), False), ("夏雷社区", date(1936, 7, 7), True),
]
FLOOD_PRONE = {
    "三勤第二网格": "三勤新苑低洼，雨后易积水",
    "三勤第四网格": "塘坊排涝站服务片区",
    "三勤第五网格": "杨家北排涝站服务片区",
    "三勤第六网格": "张家排涝站服务片区",
}


class _People:
    def __init__(self):
        self.rng = random.Random(SEED)

    def name(self, pool: list[str]) -> str:
        while True:
            n = self.rng.choice(SURNAMES) + self.rng.choice(pool)
            if n not in ARTICLE_NAMES:
                return n

    def birth(self, youngest: int, oldest: int) -> date:
        """A birth date for an age between `youngest` and `oldest` on 重阳节 2026; never 90+ (those are
        listed on purpose above)."""
        start = date(max(1937, CHONGYANG_2026.year - oldest - 1), 1, 1)
        end = date(CHONGYANG_2026.year - youngest, 1, 1)
        return start + timedelta(days=self.rng.randrange((end - start).days))

    def phone(self) -> str:
        return "1" + self.rng.choice("3589") + "".join(self.rng.choice("0123456789") for _ in range(9))


def _rows(town: Town) -> list[importer.RosterRow]:
    rng_people = _People()
    rng = rng_people.rng
    communities = {c.name: c for c in town.communities.all()}
    buildings: dict[str, list[Building]] = {}
    for compound_name in {c for _, c, _ in COMPOUNDS}:
        buildings[compound_name] = list(Building.objects.filter(compound__name=compound_name,
                                                                compound__community__town=town)
                                        .select_related("grid").order_by("id"))
    grids = {g.name: g for g in Grid.objects.filter(community__town=town)}
    rows: list[importer.RosterRow] = []
    number = 0

    def add(community, grid, building, room, address, name, birth, *, alone=False, phone="", disabled=False,
            low_income=False):
        nonlocal number
        number += 1
        rows.append(importer.RosterRow(row=number, community=community, grid=grid, building=building, room=room,
                                       address=address, name=name, birth_date=birth, phone=phone or "",
                                       living_alone=alone, disabled=disabled, low_income=low_income))

    def household(community, grid, building, room, address, elder: tuple[date, bool] | None = None):
        def flags():
            return {"disabled": rng.random() < 0.03, "low_income": rng.random() < 0.03}

        if elder is not None:
            birth, alone = elder
            add(community, grid, building, room, address, rng_people.name(GIVEN_OLD), birth, alone=alone,
                phone=rng_people.phone(), **flags())
            if not alone:
                add(community, grid, building, room, address, rng_people.name(GIVEN_MID), rng_people.birth(45, 65),
                    phone=rng_people.phone())
            return
        shape = rng.random()
        if shape < 0.14:  # an elderly person living alone
            add(community, grid, building, room, address, rng_people.name(GIVEN_OLD), rng_people.birth(62, 89),
                alone=True, phone=rng_people.phone(), **flags())
        elif shape < 0.30:  # an elderly couple
            for _ in range(2):
                add(community, grid, building, room, address, rng_people.name(GIVEN_OLD), rng_people.birth(60, 88),
                    phone=rng_people.phone() if rng.random() < 0.7 else "", **flags())
        else:  # a family, sometimes with a grandparent
            add(community, grid, building, room, address, rng_people.name(GIVEN_MID), rng_people.birth(28, 58),
                phone=rng_people.phone(), **flags())
            if rng.random() < 0.8:
                add(community, grid, building, room, address, rng_people.name(GIVEN_MID),
                    rng_people.birth(28, 58), phone=rng_people.phone() if rng.random() < 0.5 else "")
            for _ in range(rng.choice([0, 1, 1, 2])):
                add(community, grid, building, room, address, rng_people.name(GIVEN_YOUNG), rng_people.birth(2, 17))
            if shape > 0.82:
                add(community, grid, building, room, address, rng_people.name(GIVEN_OLD), rng_people.birth(66, 89),
                    phone=rng_people.phone() if rng.random() < 0.5 else "", **flags())

    elders = {}
    for cname, birth, alone in NONAGENARIANS:
        elders.setdefault(cname, []).append((birth, alone))
    used: set[str] = set()
    for cname, compound, count in COMPOUNDS:
        community = communities[cname]
        for i in range(count):
            while True:
                b = rng.choice(buildings[compound])
                room = f"{rng.randint(1, 3)}单元{rng.randint(1, 6)}0{rng.randint(1, 2)}"
                address = f"{b.name}{room}"
                if address not in used:
                    used.add(address)
                    break
            elder = elders[cname].pop() if elders.get(cname) and i % 7 == 3 else None
            household(community, b.grid, b, room, address, elder)
    for cname, grid_name, prefix, count in VILLAGES:
        for n in range(1, count + 1):
            elder = elders[cname].pop() if elders.get(cname) and n == 4 else None
            household(communities[cname], grids[grid_name], None, "", f"{prefix}{n * 3 + 1}号", elder)
    left = [e for es in elders.values() for e in es]
    assert not left, f"demo roster: nonagenarians without a household: {left}"
    return rows


def _activity(community: Community, title: str, **kw) -> Activity:
    a = Activity.objects.filter(community=community, title=title).first()
    if a is None:
        a = services.create_activity(actor=None, community=community, title=title, check=False, **kw)
    return a


@transaction.atomic
def load(*, territory_only: bool = False) -> None:
    from django.contrib.auth import get_user_model

    town = Town.objects.get(name="湖塘镇")
    for grid in Grid.objects.filter(community__town=town, name__in=FLOOD_PRONE):
        services.set_flood_prone(grid, None, flood_prone=True, note=FLOOD_PRONE[grid.name], check=False)
    importer.write(_rows(town))

    users = get_user_model().objects
    cailing = Community.objects.get(town=town, name="采菱社区")
    centre = Place.objects.get(community=cailing, name="采菱社区党群服务中心")
    station = Place.objects.get(community=cailing, name="采菱社区卫生服务站")
    first_load = today(town)
    _activity(cailing, "“法律明白人”培训讲座", kind=ActivityKind.LECTURE, date_=first_load + timedelta(days=12),
              start_time=time(14, 30), place=centre, organiser="采菱社区党总支",
              description="结合身边案例讲解婚姻家庭、邻里纠纷、消费维权中的常用法律知识，培养社区“法律明白人”。",
              target_text="居民组长、楼道长及有兴趣的居民", capacity=80, signup_open=True)
    _activity(cailing, "“关爱骨骼 守护健康”义诊", kind=ActivityKind.CLINIC, date_=first_load + timedelta(days=19),
              start_time=time(8, 30), place=station, organiser="采菱社区卫生服务站",
              description="骨密度检测、血压血糖测量、骨质疏松防治咨询。", criteria={"min_age": 60},
              target_text="60岁以上居民", capacity=120, signup_open=True)
    youth = _activity(cailing, "青少年学党史", kind=ActivityKind.YOUTH, date_=date(2026, 7, 18),
                      start_time=time(9, 0), place=centre, organiser="采菱社区党总支、社区关工委",
                      description="暑期青少年学党史：讲红色故事、看红色电影、做党史知识问答。",
                      criteria={"min_age": 6, "max_age": 18}, target_text="辖区青少年（6—18岁）")
    if youth.extra_headcount == 0:
        services.update_activity(youth, users.get(username="demo-cailing"), extra_headcount=36)
    visit = _activity(cailing, "重阳节慰问九十岁以上高龄老人", kind=ActivityKind.FESTIVAL_VISIT, date_=CHONGYANG_2026,
                      organiser="采菱社区党总支", description="上门看望，送上慰问品和节日祝福，了解生活困难。",
                      criteria={"min_age": 90})
    staff = users.get(username="demo-cailing")
    targets = list(services.target_members(visit, staff).order_by("birth_date", "id").values_list("pk", flat=True))
    if not visit.served.exists() and targets:
        # All visited but one, who was in hospital that week (a home visit is planned).
        services.record_served(visit, staff, members=targets[:-1], note="上门慰问")
    resident = users.filter(username="demo-resident").first()
    lecture = Activity.objects.get(community=cailing, title="“法律明白人”培训讲座")
    if resident is not None and not lecture.signups.filter(user=resident).exists() and lecture.date >= first_load:
        services.sign_up(lecture, resident)
    assert Member.objects.filter(household__community__town=town).exists()
