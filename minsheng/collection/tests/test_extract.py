"""Minutes → one candidate per raised issue (numbered items, 反映/提出/建议/希望 sentences, speakers)."""

from minsheng.collection.extract import extract

from .conftest import MINUTES


def texts(minutes):
    return [(c.line, c.part, c.speaker, c.text) for c in extract(minutes)]


def test_minutes_are_split_into_issues_with_their_lines():
    got = texts(MINUTES)
    assert got == [
        (7, 1, "", "采菱家园二期12幢下水道堵塞，污水返到厨房。"),
        (8, 1, "", "采菱家园一期3幢楼道灯不亮，晚上老人上下楼不方便，希望尽快维修。"),
        (9, 1, "第3组组长", "反映二期晾衣架不够用，居民只能在绿化带拉绳晾衣服。希望社区增加不锈钢晾衣架。"),
        (10, 1, "第5组组长", "小区北门空地有人种菜、乱倒垃圾，夏天臭气很大。建议改成停车场。"),
        (10, 2, "第5组组长", "另外反映北门路灯不亮。"),
    ]


def test_headers_agenda_chair_and_answers_are_not_issues():
    minutes = "会议时间：10月8日\n参加人员：各组长\n主持人：请大家反映问题\n1. 传达上级文件精神\n针对大家反映的问题，社区将逐一落实。\n会议最后进行了部署。"
    assert extract(minutes) == []


def test_two_proposals_from_one_speaker_are_two_issues():
    got = texts("张阿姨：建议在二期增设休闲座椅。建议维修健身器材。")
    assert [t for *_x, t in got] == ["建议在二期增设休闲座椅。", "建议维修健身器材。"]
    assert {s for _l, _p, s, _t in got} == {"张阿姨"}


def test_a_follow_up_request_stays_with_its_issue():
    got = texts("王师傅：楼下路灯坏了一个月了。希望尽快解决。")
    assert [t for *_x, t in got] == ["楼下路灯坏了一个月了。希望尽快解决。"]


def test_keyword_sentences_in_plain_paragraphs():
    got = texts("会上大家讨论热烈。居民代表提出三勤新苑健身路径塑胶地面大范围受损，一下雨就积水。")
    assert [t for *_x, t in got] == ["居民代表提出三勤新苑健身路径塑胶地面大范围受损，一下雨就积水。"]


def test_several_numbered_items_on_one_line_and_other_numbering_styles():
    got = texts("1. 三勤新苑路灯不亮；2. 杨家北排涝站水泵老化\n（3）华家市场公厕卫生差\n①夏雷新村电动车乱停")
    assert [(line, part) for line, part, _s, _t in got] == [(1, 1), (1, 2), (2, 1), (3, 1)]
    assert got[1][3] == "杨家北排涝站水泵老化"


def test_decimals_are_not_numbering_and_nothing_to_report_is_skipped():
    assert extract("1.5米宽的消防通道被占") == []
    assert extract("第2组组长：本组没有其他问题反映。") == []


def test_empty_minutes():
    assert extract("") == [] and extract("   \n\n") == []
