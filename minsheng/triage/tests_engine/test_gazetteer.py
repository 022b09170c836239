import os
import sysconfig

import pytest

from minsheng.triage.engine.demo import demo_gazetteer
from minsheng.triage.engine.gazetteer import Gazetteer


@pytest.fixture(scope="module")
def gaz():
    return demo_gazetteer()


@pytest.mark.parametrize("text,place,community", [
    ("采菱家园二期12幢下水道堵了", "采菱家园二期", "采菱社区"),
    ("采菱二期商铺污水管堵塞", "采菱家园二期商铺", "采菱社区"),
    ("采菱2期3栋楼道灯不亮", "采菱家园二期", "采菱社区"),
    ("采菱家园第二期5号楼", "采菱家园二期", "采菱社区"),
    ("华家菜场的厕所太臭了", "华家综合消费品市场公厕", "华家社区"),
    ("塘坊泵站电柜要换了", "塘坊排涝站", "三勤社区"),
    ("新城长岛北门那块空地", "新城长岛北门", "夏雷社区"),
    ("夏雷篮球场篮筐坏了", "夏雷社区篮球场", "夏雷社区"),
    ("我们二期13号楼下水管又堵了", "采菱家园二期", "采菱社区"),
    ("市场门口三轮车乱停", "华家综合消费品市场", "华家社区"),      # the town's one market
    ("党群中心图书室周末不开门", "采菱社区党群服务中心", "采菱社区"),  # 党群服务中心, said short
])
def test_aliases(gaz, text, place, community):
    m = gaz.resolve(text)
    assert (m.place, m.community) == (place, community)
    assert m.evidence and m.evidence[0].startswith("地名")


@pytest.mark.parametrize("text,place", [
    ("采陵家园二期门口积水", "采菱家园二期"),      # homophone 陵/菱
    ("三琴新苑健身器材坏了", "三勤新苑"),          # homophone 琴/勤
    ("长岛小区北门有人乱倒垃圾", "新城长岛北门"),  # alias + child place
    ("华佳新村3号楼", "华家新村"),
    ("新城常岛的路灯", "新城长岛"),
    ("山勤新苑楼道灯", "三勤新苑"),                # one-character slip (fuzzy)
])
def test_typos_and_homophones(gaz, text, place):
    assert gaz.resolve(text).place == place


@pytest.mark.parametrize("text,building", [
    ("采菱二期12幢", "12幢"), ("三勤新苑3栋", "3幢"), ("华家新村5号楼", "5幢"),
    ("夏雷新村十二幢", "12幢"), ("新城长岛7-301", "7幢"), ("采菱一期", None),
])
def test_building_numbers(gaz, text, building):
    assert gaz.resolve(text).building == building


def test_community_only(gaz):
    m = gaz.resolve("我们采菱社区路灯不亮")
    assert (m.place, m.community, m.grid) == (None, "采菱社区", None)
    assert gaz.resolve("三勤这边垃圾没人收").community == "三勤社区"


def test_a_building_of_a_community_with_one_compound_is_in_that_compound(gaz):
    # 三勤社区 has one compound (三勤新苑): "三勤9幢" is there; 采菱 has two, so "采菱" alone stays the community
    m = gaz.resolve("三勤9幢2单元502的阿婆两天没下楼了")
    assert (m.place, m.community, m.grid, m.building) == ("三勤新苑", "三勤社区", "三勤第二网格", "9幢")
    assert gaz.resolve("三勤社区3号楼楼道灯坏了").place == "三勤新苑"
    assert gaz.resolve("我们三勤这边路灯不亮").place is None          # no building: the community only
    assert gaz.resolve("华家5幢门口积水").place is None               # 华家新村 or 华家花苑


def test_a_place_named_beside_the_bare_market_wins(gaz):
    assert gaz.resolve("采菱二期门口的市场摊位占道").community == "采菱社区"
    assert gaz.resolve("夏雷社区的党群中心什么时候开门").community == "夏雷社区"


def test_explicit_community_beats_generic_alias(gaz):
    # 社区卫生服务站 is a generic alias of 采菱's clinic; 三勤社区 named explicitly wins
    assert gaz.resolve("三勤社区卫生服务站能打疫苗吗").community == "三勤社区"
    assert gaz.resolve("社区卫生服务站输液室太小").place == "采菱社区卫生服务站"


def test_a_bare_service_station_is_the_clinic_but_not_other_stations(gaz):
    assert gaz.resolve("服务站输液室只有8个座位").place == "采菱社区卫生服务站"
    assert gaz.resolve("长岛离服务站太远了，建议小区设个卫生室").community == "夏雷社区"
    for text in ("养老服务站的午饭太咸了", "快递服务站门口堆满了纸箱", "党群服务站周末不开门"):
        assert gaz.resolve(text).place is None, text


def test_a_phase_after_shang_or_xia_when_a_place_follows(gaz):
    assert gaz.resolve("昨天晚上二期门口有人打架").place == "采菱家园二期"
    assert gaz.resolve("请问一下二期9幢的门禁卡去哪里办").place == "采菱家园二期"
    assert gaz.resolve("下二期培训什么时候开").place is None


def test_a_written_name_outweighs_a_homophone_elsewhere(gaz):
    # "延长到6点" sounds like 长岛 + a number; 采菱 is written out
    assert gaz.resolve("采菱的四点半课堂能不能延长到六点").community == "采菱社区"
    assert gaz.resolve("三勤这边路边污水井满溢，流到小区门口").community == "三勤社区"


@pytest.mark.parametrize("text,place", [
    ("来电人住夏雷新村，反映每天送孩子经过三勤新苑南门时，门口路面有污水外溢", "三勤新苑"),
    ("我住华家新村的，不过这个事情不是我们小区，我每天去采菱公园走两圈，公园东边路灯坏了", "采菱公园"),
    ("我是一期的 但这个事是二期那边的 二期5幢垃圾房门口堆的装修垃圾", "采菱家园二期"),
    # where one lives is also where the problems are, one of them at a place in the same community
    ("我住新城长岛25栋，几个问题：一是路灯坏了三盏；二是北门停车场出口道闸经常抬不起来", "新城长岛"),
    ("我住华家新村3幢，楼道灯坏了", "华家新村"),
])
def test_where_the_writer_lives_is_not_where_the_problem_is(gaz, text, place):
    assert gaz.resolve(text).place == place


@pytest.mark.parametrize("text,community", [
    ("华家新村跟华家花苑中间那条小路上的窨井盖碎了一半", "华家社区"),
    ("从长岛北门到夏雷新村那段路，晚上路灯一半不亮", "夏雷社区"),
    ("能不能在一期和二期中间那道围墙上开个小门", "采菱社区"),
])
def test_a_stretch_between_two_places_is_the_communitys(gaz, text, community):
    m = gaz.resolve(text)
    assert (m.place, m.community, m.grid) == (None, community, None)
    assert "→" + community in m.evidence[0]
    # not a stretch: the child place named after its parent
    assert gaz.resolve("新城长岛北门那段路坑很多").place == "新城长岛北门"


@pytest.mark.parametrize("text", ["有没有人知道小区羽毛球场的网谁拿走了", "人家小区早都有充电棚了"])
def test_a_near_miss_resting_on_xiaoqu_alone_is_no_place(gaz, text):
    assert gaz.resolve(text).community is None


@pytest.mark.parametrize("text", [
    "路灯不亮好几天了", "经常倒垃圾的人太多了", "张家长李家短的事情", "这一期培训班什么时候开",
    "下水道堵了", "", "市场监管所来查过了还是卖过期食品", "现在菜的市场价太高了", "养老服务市场化",
])
def test_no_place_is_none(gaz, text):
    m = gaz.resolve(text)
    assert (m.place, m.community, m.grid) == (None, None, None)


def test_point_in_polygon(gaz):
    from minsheng.territory import demo_town as dt

    x0, y0, x1, y1 = dt.grid_rect(4, 2)  # 夏雷第三网格
    m = gaz.resolve("这里路灯坏了", lat=(y0 + y1) / 2, lon=(x0 + x1) / 2)
    assert (m.community, m.grid) == ("夏雷社区", "夏雷第三网格")
    assert gaz.resolve("路灯坏了", lat=10.0, lon=10.0).community is None
    # the words win over the point, the point refines a community-only mention
    x0, y0, x1, y1 = dt.grid_rect(0, 1)  # 采菱第二网格
    m = gaz.resolve("采菱社区路灯坏了", lat=(y0 + y1) / 2, lon=(x0 + x1) / 2)
    assert (m.community, m.grid) == ("采菱社区", "采菱第二网格")


def test_custom_gazetteer():
    g = Gazetteer(
        [{"name": "幸福家园", "aliases": ["幸福小区"], "community": "幸福社区", "grid": "幸福一网格",
          "point": None}],
        [{"name": "幸福一网格", "community": "幸福社区",
          "polygon": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}}])
    assert g.resolve("幸福小区8栋漏水").place == "幸福家园"
    assert g.resolve("幸福小区8栋漏水").building == "8幢"
    assert g.resolve("幸福社区").community == "幸福社区"
    assert g.resolve("", lat=0.5, lon=0.5).grid == "幸福一网格"


def test_segmenter_keeps_places_and_buildings(gaz):
    from minsheng.triage.engine.segment import Segmenter, cache_dir

    seg = Segmenter(sorted(gaz.words))
    toks = seg("采菱家园二期12幢楼道堆物，华家综合消费品市场公厕很脏")
    assert "采菱家园二期" in toks and "12幢" in toks and "华家综合消费品市场公厕" in toks
    assert "3栋" in seg("三勤新苑3栋") and "5号楼" in seg("长岛5号楼")
    # private tokenizer, cache outside site-packages
    import jieba

    assert seg.tk is not jieba.dt
    site = sysconfig.get_paths()["purelib"]
    assert not os.path.abspath(cache_dir()).startswith(os.path.abspath(site))
    assert not os.path.exists(os.path.join(site, "jieba", "jieba.cache"))
