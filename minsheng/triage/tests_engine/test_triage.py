"""The fast heads and the full assessment on situations a town meets (written for these tests, not
taken from any training or held-out set)."""

import pytest

from minsheng.triage.engine import TriageResult, load_default


@pytest.fixture(scope="module")
def tri():
    return load_default()


def full(tri, text):
    r = tri.predict(text)
    tri.assess([r])
    return r


@pytest.mark.parametrize("text", [
    "小区长椅坏了一张，急死了！！！到底有没有人管！！！",
    "健身器材坏了一年了，气死我了，马上来修！！！",
    "楼道灯不亮，十万火急！！",
    "飞线充电太多了，万一着火怎么办，社区管管",
    "担心楼道里的电线老化，能不能请物业检查一下线路",
    "下水道有点堵，不急，有空来通一下就行",
    "独居老人想申请助餐服务，请问怎么办",
    "台风季前请把高杆乔木修一修",
    "消防通道天天被车占着，说了多少次了",
    "救命啊这广场舞天天放到十点",
    "希望社区组织一次消防演练，教教大家怎么用灭火器",
    "卧室灯泡坏了，够不着，谁家有梯子借我一下",          # a bulb (灯泡) in a room is no room soaked (泡)
])
def test_loud_or_hypothetical_not_urgent(tri, text):
    for r in (tri.predict(text), full(tri, text)):
        assert r.urgent is False, (text, r.assessed_by, r.urgency, r.evidence)


@pytest.mark.parametrize("text", [
    "昨天电梯困人，人已经救出来了，希望彻底检修",
    "楼道里没有煤气味了，昨天燃气公司已经处理好了，谢谢",
])
def test_over_and_handled_is_not_an_alarm(tri, text):
    r = full(tri, text)
    assert r.urgent is False, (text, r.urgency, r.evidence)
    assert any("已处置" in e for e in r.evidence)


@pytest.mark.parametrize("text,situation", [
    ("采菱二期5幢楼道里有煤气味。", "燃气"),
    ("三勤新苑8幢独居老人两天没出门，敲门没人应，电话打不通。", "失联"),
    ("华家新村3幢电梯停在两层之间，里面有人被困。", "电梯"),
    ("夏雷新村门口人行道上的井盖不见了。", "井盖"),
    ("楼道墙上电线裸露，线头露在外面。", "电线"),
    ("一楼住户家里污水倒灌，客厅都是水。", "进屋"),
    ("台风后楼下大树倾斜，随时可能倒下。", "倒塌"),
    ("消防通道被纸箱和旧家具堵死了。", "逃生"),
    ("有人拿着菜刀在楼下追着他老婆砍", "持械"),
    ("楼下那条大狗刚咬了一个小孩，现在还在小区里乱跑", "动物"),
    ("今晚有暴雨，塘坊泵站的泵坏了抽不出水", "排涝"),
    ("楼顶有个人坐在边上哭，说不想活了", "轻生"),
    ("路中间突然塌了一个大洞", "塌陷"),
    ("雨水从屋顶灌进卧室，床都湿了", "进屋"),
    ("房东把我们一家赶出来了，今晚没地方睡", "安身"),
])
def test_calm_but_urgent_names_the_situation(tri, text, situation):
    for r in (tri.predict(text), full(tri, text)):
        assert r.urgent is True, (text, r.assessed_by, r.urgency, r.evidence)
        assert r.situation and situation in r.situation, (text, r.situation)
        assert any("情形" in e for e in r.evidence)


@pytest.mark.parametrize("text,cat", [
    ("采菱家园二期晾衣架太少了，希望多装几个", "housing"),
    ("华家市场公厕太脏，苍蝇乱飞", "sanitation"),
    ("三勤新苑健身器材坏了好几件", "recreation"),
    ("塘坊排涝站电柜老化要更换", "drainage"),
    ("长岛北门路灯不亮", "parking_roads"),
    ("社区卫生服务站输液室太挤了", "health"),
    ("楼下树枝挡住了我家窗户，希望修剪", "greenery"),
    ("隔壁广场舞音响太吵了", "order_disputes"),
    ("请问医保怎么缴费", "services"),
    ("暑假能不能办个四点半课堂", "culture"),
    ("重阳节希望社区慰问高龄老人", "elderly"),
])
def test_categories(tri, text, cat):
    for r in (tri.predict(text), full(tri, text)):
        assert r.category == cat, (text, r.assessed_by, r.category, r.evidence)


@pytest.mark.parametrize("text", ["有个事情想找社区反映一下", "社区你好，想问个事", "我有个问题想咨询"])
def test_a_text_that_names_no_matter_trusts_no_category(tri, text):
    assert tri.predict(text).category_confidence <= 0.2
    assert tri.assess_texts([text])[0].category_confidence <= 0.2


def test_result_shape(tri):
    r = tri.predict("采陵二期12幢下水道堵了，急死了！！！", channel="wechat_group")
    assert isinstance(r, TriageResult)
    assert r.category == "drainage" and 0 < r.category_confidence <= 1
    assert r.urgent is False and r.possibly_urgent is False and 0 < r.urgent_confidence <= 1
    assert r.level == "routine" and r.assessed_by == "fast"
    assert (r.place, r.community, r.grid, r.building) == ("采菱家园二期", "采菱社区", "采菱第五网格", "12幢")
    assert r.type in {"consult", "help", "complaint", "suggestion", "praise"}
    assert 0 < r.confidence <= 1 and 0 < r.place_confidence <= 1
    assert any("排水防汛" in e for e in r.evidence)
    assert any(e.startswith("地名") for e in r.evidence)
    assert any("未描述眼下的危险" in e for e in r.evidence)
    d = r.as_dict()
    assert "text" not in d and "vector" not in d and d["category"] == "drainage"
    tri.assess([r])
    assert r.assessed_by == "full" and r.vector is not None and r.vector.shape == (384,)


def test_types(tri):
    assert tri.predict("请问低保怎么申请？").type == "consult"
    assert tri.predict("建议在小区增设几张休闲椅").type == "suggestion"
    assert tri.predict("表扬网格员小王，帮我们及时疏通了下水道，点赞").type == "praise"
    assert tri.predict("楼上装修噪音扰民，投诉多次没人管").type == "complaint"


def test_point_only(tri):
    from minsheng.territory import demo_town as dt

    x0, y0, x1, y1 = dt.grid_rect(3, 1)
    r = tri.predict("路灯坏了", lat=(y0 + y1) / 2, lon=(x0 + x1) / 2)
    assert (r.community, r.grid) == ("三勤社区", "三勤第二网格")


def test_load_default_cached():
    assert load_default() is load_default()
