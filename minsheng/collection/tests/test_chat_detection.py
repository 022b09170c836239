"""Demand detection: the held-out exports (written in another style, never trained on) meet the targets,
and the rules behind follow-ups, staff, notices and neighbours' answers hold."""

import json

import pytest

from minsheng.collection import chat, chat_cues, chat_eval
from minsheng.collection.chat_export import parse_text


@pytest.fixture(scope="module")
def heldout():
    text, labels = chat_eval.load_heldout()
    return chat_eval.score(chat.extract_text(text), labels)


def test_heldout_detection_f1(heldout):
    assert heldout["demands"] >= 60 and heldout["messages"] >= 200
    assert heldout["f1"] >= 0.85, heldout
    assert heldout["precision"] >= 0.8 and heldout["recall"] >= 0.8


def test_heldout_category_accuracy(heldout):
    assert heldout["category_accuracy"] >= 0.8, heldout
    assert heldout["category_accuracy_all"] >= 0.75, heldout


def test_blind_export_targets():
    text = (chat_cues.DATA_DIR / "chat_blind.txt").read_text(encoding="utf-8")
    with open(chat_cues.DATA_DIR / "chat_blind_labels.jsonl", encoding="utf-8") as f:
        labels = [json.loads(line) for line in f]
    s = chat_eval.score(chat.extract_text(text), labels)
    assert s["f1"] >= 0.85 and s["category_accuracy"] >= 0.75, s


def test_the_meaning_reading_is_a_feature_and_the_fast_twin_decides_without_it(tmp_path, monkeypatch):
    model = chat_cues.default_model()
    assert model.meaning is not None and model.fast is not None and "meaning" not in model.fast.weights
    assert model.weights["meaning"] > 0
    # saved and loaded whole
    again = chat_cues.DemandModel.load(model.save(tmp_path / "chat.joblib"))
    f = {"problem": 0.8, "place": 0.6, "meaning": 0.9}
    assert again.score(f)[0] == model.score(f)[0]
    assert again.for_features({"problem": 0.8}) is again.fast
    # a message's reasons may name the reading
    lines = decide("2024-05-01 08:00 张三: 5幢楼道的灯坏了一个礼拜了，晚上老人上下楼摸黑，麻烦物业来换一下")
    assert lines[1].demand and "语义像诉求" in lines[1].reason
    # without an embedder (turned off, wheel missing) the fast twin still meets the held-out floor
    monkeypatch.setattr(chat_cues.embed, "get", lambda: None)
    text, labels = chat_eval.load_heldout()
    s = chat_eval.score(chat.extract_text(text), labels)
    assert s["f1"] >= 0.85, s


def test_training_corpus_is_large_and_varied():
    rows = [json.loads(line) for line in open(chat_cues.DATA_DIR / "chat_corpus.jsonl", encoding="utf-8")]
    msgs = [r for r in rows if r["kind"] not in ("title", "system")]
    assert len(msgs) >= 800
    assert len({r["export"] for r in rows}) >= 30
    assert {r["community"] for r in rows} == {"采菱社区", "华家社区", "三勤社区", "夏雷社区"}
    cats = {r["category"] for r in msgs if r["demand"]}
    assert len(cats) >= 12


def decide(text, **kw):
    return {d.line: d for d in chat.extract_text(text, **kw)}


def test_a_thread_report_me_too_staff_follow_up_solved():
    ds = decide("""2026-05-03 08:00 网格员小王: 早上好
2026-05-03 08:15 5-302王阿姨: @网格员小王 5幢楼道灯又坏了，晚上黑乎乎的😡
2026-05-03 08:16 老周: 我家也是
2026-05-03 08:20 网格员小王: 收到，马上联系物业
2026-05-03 09:00 张三: 出售九成新电动车一辆，有意私聊
2026-05-04 20:00 小李: 还没人来修啊
2026-05-05 10:00 5-302王阿姨: 修好了，谢谢小王👍
""")
    assert [line for line, d in ds.items() if d.demand] == [2, 3, 6]
    assert ds[2].category == "housing" and ds[2].text == "5幢楼道灯又坏了，晚上黑乎乎的"
    assert ds[3].cluster == ds[2].cluster == ds[6].cluster and ds[6].category == "housing"
    assert "工作人员" in ds[4].reason and not ds[1].demand and not ds[5].demand and not ds[7].demand


def test_a_follow_up_is_a_demand_only_when_the_original_is():
    ds = decide("""2026-05-03 08:00 小吴: 谁家有梯子借我用一下？换个灯泡
2026-05-03 10:00 小吴: 还是没人有吗
""")
    assert not ds[1].demand and not ds[2].demand


def test_a_question_answered_by_a_neighbour_is_not_a_demand_but_one_the_community_answers_is():
    ds = decide("""2026-05-03 08:00 燕子: 请问社区现在可以办老年人公交卡吗？
2026-05-03 08:03 小蜜蜂: @燕子 这个要去公交公司办，带身份证就行
2026-05-03 09:00 老蒋: 请问灵活就业的医保在哪里交？
2026-05-03 09:10 网格员小许: @老蒋 带身份证到社区服务中心一楼办理
""")
    assert not ds[1].demand and "邻居" in ds[1].reason and not ds[2].demand
    assert ds[3].demand and ds[3].category == "services" and not ds[4].demand


def test_a_request_put_to_someone_by_name_is_not_settled_by_a_neighbours_answer():
    ds = decide("""2026-05-03 08:00 子轩妈妈: 陆老师，能不能给我们留一个名额？上学期排队没排上，我们两个都上班到六点，下午放学真的没人接
2026-05-03 08:03 小蜜蜂: 听说名额早就满了
""")
    assert ds[1].demand and "邻居" not in ds[1].reason


def test_staff_without_a_telling_nickname_are_recognised_by_their_words():
    ds = decide("""2026-05-03 08:00 老周: @所有人 各位居民：明天上午9点到11点停水，请大家提前储水。
2026-05-03 08:05 阿芬: 收到
2026-05-03 09:00 阿芬: 三勤新苑12幢的电梯又坏了，老人下不了楼
2026-05-03 09:10 老周: @阿芬 收到，已经通知物业了
""")
    assert [line for line, d in ds.items() if d.demand] == [3]


def test_staff_who_introduce_themselves_or_are_addressed_by_role_speak_as_staff():
    ds = decide("""2026-05-03 08:00 Sunny: 大家好 我是二网格的网格员唐宁 以后小区里有啥事可以直接在群里说
2026-05-03 08:30 Sunny: 我跟派出所一起到篮球场了 狗已经被围在角落 正在找主人
2026-05-03 09:00 阿芬: 三勤新苑12幢的单元门锁坏了半个多月了，门一推就开，晚上有陌生人进来睡楼道
2026-05-03 09:05 5幢402 老周: 杨网格 5幢401你们去过了伐 昨天晚上又吵到三点 我今天上班一直打瞌睡
2026-05-03 09:20 小杨🌻: 去过了 房东说月底清退一半人 我也跟租户当面说了十点以后不准喧哗 我这边也报派出所备案了
""")
    assert not ds[1].demand and not ds[2].demand      # her greeting, then her progress news
    assert ds[3].demand and ds[4].demand
    assert not ds[5].demand and "居民刚以职务相称" in ds[5].reason  # the one addressed as 杨网格 answers
    assert "自我介绍" in ds[1].reason and "昵称" not in ds[1].reason


def test_staff_introduced_by_staff_speak_as_staff():
    ds = decide("""2026-03-01 08:50 静待花开: 12幢门口的垃圾桶满出来三天了，臭得不行，能不能多清几次
2026-03-01 09:00 社区 沈洁: 欢迎周婷，她是我们这块新的网格员，以后大家有事可以找她
2026-03-01 09:10 阿芬: 周婷你好，我们12幢楼道灯坏了一个礼拜了，晚上上下楼看不见
2026-03-01 09:20 周婷🌸: 好的，这个楼道灯的事情我下午带电工过去看看，12幢的垃圾桶我也跟保洁说了，明天起一天清两次
""")
    assert ds[1].demand and ds[3].demand
    assert not ds[4].demand and "经工作人员介绍" in ds[4].reason


def test_signing_a_chain_is_no_notice_and_the_signer_stays_a_resident():
    ds = decide("""2026-07-01 08:30 三勤社区-小汤（社工）: 【活动报名】7月4日上午镇医院专家到社区党群服务中心义诊，需要的居民在群里接龙
2026-07-01 08:41 老王头: #接龙
【活动报名】7月4日上午镇医院专家到社区党群服务中心义诊，需要的居民在群里接龙

1. 王建英 三勤新苑3幢
2026-07-02 19:00 老王头: 三勤新苑12幢停电了，什么时候来电啊，家里老人热得受不了
""")
    assert not ds[2].demand and "接龙" in ds[2].reason
    assert ds[6].demand                                # 老王头 did not become staff by signing


def test_a_chase_that_names_a_problem_of_its_own_joins_no_other_problem():
    ds = decide("""2026-07-01 09:05 5幢402 老周: 5幢401昨天晚上又吵到三点，群租的人太多了，麻烦社区管一管
2026-07-02 19:00 老王头: 采菱二期12幢停电了，什么时候来电啊，家里老人热得受不了
""")
    assert ds[1].demand and ds[2].demand
    assert ds[2].cluster != ds[1].cluster and ds[2].kind != "follow_up"


def test_news_that_one_thing_is_fixed_but_another_is_not_stays_a_demand():
    ds = decide("""2026-07-01 18:00 26-1-1801 Kevin: 26幢停电两个多小时了，电梯也停了，家里老人下不了楼，物业赶紧处理一下
2026-07-01 18:40 26-1-1801 Kevin: 来电了但是没水！1801水龙头一滴都没有
2026-07-01 18:50 海阔天空: 来电了！比说好的早半小时
""")
    assert ds[1].demand and ds[2].demand and ds[2].cluster == ds[1].cluster
    assert not ds[3].demand and ds[3].kind == "resolved"


def test_a_village_group_leader_speaks_as_staff_and_news_of_a_fix_with_thanks_is_no_demand():
    ds = decide("""2026-06-01 07:30 杨家北组长 杨建华: 各位乡亲注意：秸秆一律不准烧，镇里今年查得严，还田的去村口登记
2026-06-01 08:10 秀珍: 村口那盏路灯坏了半个月了，晚上走路黑咕隆咚的，麻烦社区派人修一下
2026-06-03 19:00 秀珍: 路灯换好了，亮堂多了，谢谢社区谢谢杨组长
2026-06-03 19:05 杨家北组长 杨建华: 我家门口那段沟渠堵了好几天了，下雨就漫到路上，麻烦社区安排人清一清
""")
    assert [line for line, d in ds.items() if d.demand] == [2, 4]     # the leader's own report is one
    assert ds[1].kind == "notice" and ds[3].kind == "resolved" and "已解决" in ds[3].reason


def test_urgent_and_multi_line_and_quoted_follow_up():
    ds = decide("""2026-06-26 07:30 阿根: 二期12幢2单元的下水管又弗通了，
一楼老太太家卫生间往上翻脏水，已经漫到房间里了，快点派人来！
2026-06-26 07:45 小潘: 怎么还没人来
「阿根：二期12幢2单元的下水管又弗通了」
""")
    assert ds[1].demand and ds[1].urgent and ds[1].category == "drainage"
    assert ds[1].text.startswith("二期12幢2单元的下水管又弗通了， 一楼")
    assert ds[3].demand and ds[3].cluster == ds[1].cluster and ds[3].urgent


def test_different_problems_get_different_clusters_and_the_same_problem_one():
    # (the first report without 采菱: with it the meaning reading falls and the message sits near the line;
    # a lone short report scores low — see docs/triage.md, Known weaknesses)
    ds = decide("""2026-05-03 08:00 甲: 二期12幢下水道堵了，水槽的水下不去
2026-05-03 09:00 乙: 采菱二期20幢楼道灯坏了
2026-05-03 10:00 丙: 二期12幢下水管又堵住了，厨房往上返水
""")
    assert ds[1].cluster == ds[3].cluster != ds[2].cluster


def test_reasons_are_given_and_personal_data_stays_out_of_the_text():
    ds = decide("2026-05-03 08:00 5-302王阿姨: @网格员小王 「李四：楼道灯」 5幢电梯坏了\n")
    assert ds[1].demand and "王阿姨" not in ds[1].text and "小王" not in ds[1].text and "李四" not in ds[1].text
    assert ds[1].reason.startswith("是：")


def test_a_message_that_opens_by_addressing_staff_asks_them_for_something():
    ds = decide("""2026-08-25 16:10 向日葵: 大家好，我是社区的小钱，以后活动的事找我
2026-08-25 16:20 三勤社区 沈洁: 明天上午九点体检，带好医保卡
2026-08-25 17:00 Lily: 周网格，我想办居住证，孩子明年要在这边上小学，要准备什么材料？
2026-08-25 17:02 阿杰: 周网格好
2026-08-25 17:05 夕阳红: 小钱，我晕车晕得厉害，明天能不能给我排在前面几排
2026-08-25 17:10 老顾: 沈洁姐，我家老头子腿脚不便，体检能不能上门来做
2026-08-25 17:20 胖虎爸爸: 周网格来得比物业还快
""")
    assert [line for line, d in ds.items() if d.demand] == [3, 5, 6]
    assert not ds[4].demand and not ds[7].demand          # a greeting; praise, no address
    assert ds[5].reason == "是：向工作人员提出（称呼“小钱”）"


def test_agreeing_with_a_proposal_right_after_it_joins_it():
    ds = decide("""2026-05-03 08:00 老杨: 北门那段车开得太快了，建议装两条减速带
2026-05-03 08:05 知足常乐: 赞成！
2026-05-03 08:06 一帆风顺: 支持装减速带
""")
    assert ds[2].demand and ds[3].demand and ds[2].cluster == ds[3].cluster == ds[1].cluster


def test_asking_after_a_person_is_concern_not_a_chase():
    ds = decide("""2026-08-01 17:40 果果奶奶: 快来人！果果在滑梯上摔下来了，头上在流血，叫不应，谁帮忙打个120
2026-08-01 17:42 社区 沈洁: 已经打了120，我马上过来
2026-08-02 09:10 Lucy: 果果怎么样了
""")
    assert ds[1].demand and not ds[3].demand and "关心" in ds[3].reason


def test_asking_after_a_problem_is_still_a_chase():
    ds = decide("""2026-08-01 08:10 阿芬: 12幢楼道灯坏了一个礼拜了，晚上上下楼看不见，麻烦物业来修一下
2026-08-01 09:00 二期物业-张经理: 收到，今天安排电工
2026-08-04 19:30 阿芬: @二期物业-张经理 上次说的那个事怎么样了
""")
    assert ds[1].demand and ds[3].demand and ds[3].cluster == ds[1].cluster


def test_arguing_right_after_a_report_is_no_me_too():
    ds = decide("""2026-08-03 20:10 26-2201 小周: 停电三个多小时了，物业到现在一个人影都没有，冰箱里的东西都要坏了
2026-08-03 20:12 知足常乐: 变压器是供电公司的又不是物业的，你骂物业也没用
""")
    assert ds[1].demand and not ds[2].demand and "不是附和" in ds[2].reason


def test_a_memory_of_another_time_is_no_me_too():
    ds = decide("""2026-08-05 19:02 芒果妈妈: 北门停车场的路灯又全黑了，晚上停车看不见
2026-08-05 19:04 木子李: 上回也是这样，那年黑了一个多月
""")
    assert ds[1].demand
    assert ds[2].kind != "me_too"                # a memory agrees with nothing: the model weighs it alone
    hits = chat_cues.cue_hits("上回也是这样")
    assert "recall" in hits and "metoo" not in hits
    assert "metoo" in chat_cues.cue_hits("我家也是这样")


def test_ones_own_next_message_joins_only_when_it_says_what_is_wrong():
    ds = decide("""2026-08-04 07:30 孙阿姨: 楼道里有人摔倒了，躺在地上起不来，快来人
2026-08-04 07:31 社区 沈洁: 哪一幢？
2026-08-04 07:31 孙阿姨: 11幢102
2026-08-04 07:33 孙阿姨: 已经打了120
""")
    assert ds[1].demand and not ds[3].demand and not ds[4].demand


def test_staff_introduced_by_full_name_answer_under_their_given_name():
    ds = decide("""2026-03-12 08:58 采菱社区 陈卫东: 跟大家介绍一下，这是新来的网格员沈佳怡，以后二期这边有事找她
2026-03-12 09:10 乐乐妈: 19幢那根电线今天早上又从窗户吊下来了，插线板就挂在我家窗口，太危险了
2026-03-12 09:20 佳怡🌷: 好的，我现在就过去，跟物业一起上门，19幢那户的线今天一定让他拆掉
""")
    assert ds[2].demand and not ds[3].demand and "经工作人员介绍" in ds[3].reason


def test_an_address_with_a_polite_opening_still_asks_staff():
    ds = decide("""2026-05-10 09:00 三勤二网格 周婷: 大家早上好，今天下午社区有免费量血压
2026-05-10 10:20 sunny: 周网格问一下，房东电费收一块五一度，外面居民电才六毛几，这样收合法吗？
""")
    assert ds[2].demand and "周网格" in ds[2].reason


def test_a_building_leaders_request_is_a_demand_even_when_it_names_a_day():
    # "今天能不能先来清一下" reads like a promise ("今天…来"); from a 楼长 asking, it is a request
    ds = decide("2026-07-02 07:00 3幢楼长 陈建华: 我们3幢门口台风吹下来的树枝、碎瓦片堆了一大堆，"
                "还有吹翻的垃圾桶，垃圾都散在路上，烂了要臭的，今天能不能先来清一下\n")
    assert ds[1].demand and ds[1].kind == "report"


def test_the_model_reads_where_a_message_stands_in_the_conversation():
    ex = chat.ChatExtractor()
    ex.record = []
    ds = {d.line: d for d in ex.run(parse_text("""2026-07-01 08:00 乐乐妈: 19幢门口的路灯坏了一个礼拜了，晚上黑漆漆的，麻烦物业修一下
2026-07-01 08:03 老王: @乐乐妈 路灯归供电所管的，不归物业，你打95598
2026-07-01 08:06 小李: 供电所的电话我存着，晚点发群里
2026-07-01 09:00 网格员小王: 【通知】明天上午9点到11点停水，请大家提前储水
2026-07-01 09:05 张阿姨: 明天停水的话，我家老头子在家做腹透，要用热水，怎么办
2026-07-01 11:00 顾老师: 小区东门那个窨井盖松了，踩上去咣当咣当响，晚上看不清容易崴脚
"""))}
    f = dict(ex.record)
    # right after a neighbour's report, answering her by @: a reply to a neighbour, not a report
    assert {"ctx_report", "ctx_neighbour", "you"} <= set(f[2]) and not ds[2].demand
    assert "回复邻居" in ds[2].reason
    assert "ctx_busy" in f[3]                       # two other residents just spoke
    assert "紧急规则" not in ds[3].reason             # a "no" is never explained by urgency
    assert "ctx_notice" in f[5] and "ctx_report" not in f[5]
    # two hours later a message opens a conversation of its own, as the first one did, on a fault
    # at a place nobody has reported
    assert {k for k in f[6] if k.startswith("ctx_")} == {"ctx_quiet", "ctx_fresh"} and "ctx_quiet" in f[1]
    assert ds[1].demand and ds[6].demand


def test_a_lone_short_report_of_a_fault_at_a_place_is_a_demand():
    # no conversation around it, a few words: what is wrong and where. The same fault told again
    # two minutes later by a neighbour is no problem nobody has reported
    ex = chat.ChatExtractor()
    ex.record = []
    ds = {d.line: d for d in ex.run(parse_text("""2026-06-03 08:12 张阿姨: 采菱二期20幢楼道灯坏了
2026-06-03 08:14 老周: 20幢楼道灯是坏了
2026-06-03 11:30 小李: 今天天气不错
"""))}
    f = dict(ex.record)
    assert ds[1].demand and "ctx_fresh" in f[1]
    assert "本周无人报过" in ds[1].reason
    assert "ctx_fresh" not in f[2]
    assert "ctx_fresh" not in f[3] and not ds[3].demand       # no fault, no place


def test_a_building_leader_who_posted_a_notice_still_reports_as_a_resident():
    ex = chat.ChatExtractor()
    ex.record = []
    ds = {d.line: d for d in ex.run(parse_text("""2026-07-03 08:00 15幢楼长-小杨: 各位邻居注意：明天上午清理楼道堆物，请今晚把鞋架纸箱收进屋
2026-07-03 08:05 采菱三网格 王磊: 【通知】本周六上午社区免费量血压
2026-07-03 20:00 15幢楼长-小杨: 北门停车场今天晚上又是满的，那几辆外地牌照的车一个礼拜没动过了，能不能查一下
2026-07-03 20:30 采菱三网格 王磊: 北门停车场的车我明天跟物业一起去看，外地牌照的先登记
"""))}
    f = dict(ex.record)
    assert ds[1].kind == "notice" and ds[2].kind == "notice"
    assert ds[3].demand and "staff_seen" not in f[3]     # the 楼长 speaks for residents
    assert not ds[4].demand


def test_a_building_leaders_notice_that_tells_residents_what_to_do_stays_a_notice():
    # "楼道堆物" sounds urgent (a blocked escape route), but the 楼长 is telling neighbours to clear it;
    # a 楼长's urgent report opening with "各位邻居" is still read as a report
    ds = decide("""2026-07-02 08:10 15幢楼长-小杨: 各位邻居注意：明天上午清理楼道堆物，请今晚把鞋架纸箱收进屋
2026-07-02 09:00 3幢楼道长 王阿姨: 各位邻居，301王奶奶的牛奶两天没拿进去了，敲门没人应，她一个人住的，社区能不能来看看
""")
    assert not ds[1].demand and ds[1].kind == "notice"
    assert ds[2].demand


DANGER_ASIDES = """2026-06-02 20:01 兰花草: 大家晚上好
2026-06-02 20:05 夕阳无限好: 我在电梯门口，听到她们在里面敲门
2026-06-02 20:08 Jerry: 水还在涨，两台泵抽不过来啊，再涨要进电梯井了
2026-06-02 20:09 华家四网格 蒋敏: 我马上带沙袋过来，先把电闸拉掉！
2026-06-02 20:15 小王: 今天天气真好
"""


def test_a_residents_danger_aside_below_the_line_is_marked_possibly_urgent():
    # recall first: no demand by the model, but a present danger a reviewer should see; staff replies
    # and small talk are never marked
    ds = decide(DANGER_ASIDES)
    assert not ds[2].demand and ds[2].maybe_urgent
    assert ds[3].demand or ds[3].maybe_urgent      # never silently routine, whichever side of the line
    assert not ds[4].maybe_urgent and not ds[5].maybe_urgent and not ds[1].maybe_urgent
    assert not any(d.maybe_urgent for d in ds.values() if d.demand)


def test_a_headed_notice_makes_its_sender_staff_even_when_it_speaks_of_residents_homes():
    # "家里老人" reads as one's own household; a notice headed 【通知】 is staff's all the same, and so are
    # the sender's later answers
    ds = decide("""2026-11-17 08:30 陆晓燕: 【通知】各位居民早上好！城乡居民医保开始缴费啦，缴费时间：即日起至12月31日。家里老人不会弄手机的可以私信我，我上门帮忙操作。
2026-11-17 08:40 笑口常开: 今年一个人交多少
2026-11-17 08:42 陆晓燕: 重度残疾的是政府代缴的，你外婆残疾证是几级？我下午上门去看一下她的证件
""")
    assert not ds[1].demand and ds[1].kind == "notice"
    assert not ds[3].demand


def test_a_building_leader_telling_neighbours_what_to_do_in_a_danger_now_is_reporting_it():
    # "大家不要点火" with a gas smell now is a report; only instructions about something planned ahead
    # ("明天上午清理楼道堆物，请今晚…") keep a 楼长's urgent-sounding notice a notice
    ds = decide("""2026-05-13 19:40 26幢楼长 刘姐: 大家不要开灯不要按电器开关，不要点火！开窗！1205家有没有人在？ @二期物业-小陈 12楼煤气味很重，马上上来！
""")
    assert ds[1].demand and ds[1].urgent


def test_one_ad_word_in_a_building_leaders_relay_is_no_advert():
    ds = decide("""2026-05-12 10:00 26幢楼长 刘姐: 许敏 许敏，我们26幢1802、2105两套被二房东隔成好几间出租，住户反映人员复杂、晚上吵，楼道里堆东西，麻烦你们来看一下
""")
    assert ds[1].demand


def test_a_question_about_what_comes_out_of_ones_own_tap_reports_it():
    ds = decide("""2026-11-02 07:40 糖糖妈: 我家的水怎么是黄的？？
2026-11-02 07:41 开心果: 我家也是黄的，像泡了茶一样
2026-11-02 07:45 一缕阳光: 刚下班回来，一身汗，一滴水都没有
""")
    assert ds[1].demand and ds[2].demand and ds[2].cluster == ds[1].cluster
    assert "是黄的" in ds[1].reason or "语义" in ds[1].reason


def test_a_resident_asking_when_the_repairer_comes_chases_and_makes_no_promise():
    assert "commit" not in chat_cues.cue_hits("王师傅今天上午来换管子伐？等了一早上了")
    assert "commit" in chat_cues.cue_hits("收到，今天上午来换管子")
    ds = decide("""2026-11-03 08:00 6-1401 孙先生: 14楼卫生间水管漏水，漏到楼下了，麻烦物业来修
2026-11-03 08:20 二期物业-张经理: 收到，师傅上午过来
2026-11-03 11:40 6-1401 孙先生: 修管子的师傅几点到14楼？我请了半天假在家等
""")
    assert ds[1].demand and ds[3].demand and ds[3].cluster == ds[1].cluster


def test_signing_a_chain_by_copying_it_without_the_mark_is_signing_up_not_a_notice():
    ds = decide("""2025-10-13 14:30 二期12幢楼道长 唐阿姨: 【12幢】周四小修小补就在12幢门口，家里有要修的提前在这里接龙：
1. 唐阿姨 磨菜刀两把
2025-10-13 14:36 笑口常开: 【12幢】周四小修小补就在12幢门口，家里有要修的提前在这里接龙：
1. 唐阿姨 磨菜刀两把
2. 笑口常开 修雨伞一把
2025-10-18 09:40 笑口常开: 请问社区能开居住证明吗？孩子上学要用，要带什么材料
""")
    assert not ds[1].demand and not ds[3].demand and "接龙" in ds[3].reason
    assert ds[6].demand and ds[6].kind != "staff"


def test_words_that_only_look_like_a_greeting_an_ask_or_agreement():
    # 早上好几个 is "this morning several", not good morning: a grid worker's relay stays a relay
    assert "greeting" not in chat_cues.cue_hits("周经理，早上好几个摊主跟我讲，东门那个窨井盖翘起来了")
    assert "greeting" in chat_cues.cue_hits("大家早上好")
    # 谁在附近 calls for help, it asks neighbours nothing about themselves
    assert "neighbour_ask" not in chat_cues.cue_hits("电表箱有股烧焦味，谁在附近赶紧让小孩别靠近")
    # "我也下来帮忙" offers to come; "我也是" agrees
    assert "metoo" not in chat_cues.cue_hits("我也下来帮忙")
    assert "metoo" in chat_cues.cue_hits("我也是，一样停水")
    assert "followup" in chat_cues.cue_hits("饭还没有来啊十二点半了")
    # 还是 as "or" asks; as "still" the problem persists
    assert "duration" not in chat_cues.cue_hits("请问今天语文作业是抄词语还是背课文？")
    assert "duration" not in chat_cues.cue_hits("好像是13幢2单元4楼还是5楼，阳台上关着一条大狗")
    assert "duration" in chat_cues.cue_hits("11点20了，29楼还是没水")
    # news to everyone relays no one; residents who told someone are relayed
    assert "relay" not in chat_cues.cue_hits("跟大家说一下，门岗实在放不下了，大件快递不要再往门岗放")
    assert "relay" in chat_cues.cue_hits("几户居民跟我讲楼道灯坏了")
    assert "relay" in chat_cues.cue_hits("大家反映的道闸问题我都记下来了")
    # a visit that happened is no promise of one
    assert "commit" not in chat_cues.cue_hits("渣土车今天还是七点半过来了，两辆，就从孩子中间开过去")
    assert "commit" in chat_cues.cue_hits("师傅今天下午过来")
    # a thing taken away is not put right
    assert "resolved" not in chat_cues.cue_hits("8幢门口那个窨井盖不晓得被哪个弄掉了，一个大洞")
    assert "resolved" in chat_cues.cue_hits("窨井盖被人弄走了，今天已经补好了")
    assert "resolved" in chat_cues.cue_hits("被子晒好了")                  # a quilt, no passive


def test_telling_staff_what_one_will_do_oneself_asks_them_nothing():
    ds = decide("""2026-03-02 09:00 二期物业-沈师傅: 收到，下午安排人来看
2026-03-02 09:10 孙建华: 沈师傅，我明天下午过来看，顺便把工具带上
2026-03-02 09:20 晓雯: 沈师傅，我家卫生间水龙头一直滴，关不牢，能不能来看看
""")
    assert not ds[2].demand and "称呼" not in ds[2].reason
    assert ds[3].demand


def test_an_exclamation_at_someone_elses_report_is_no_me_too():
    ds = decide("""2026-08-05 21:10 老街 顾阿姨: 18号那堵墙裂开一条大缝，墙根在往外鼓，今晚还要下大雨，下面住着两个老人，快派人来看看
2026-08-05 21:11 夕阳无限好: 太危险了，赶紧报警吧
2026-08-05 21:12 一帆风顺: 太吓人了，我天天从那边走都没注意
2026-08-05 21:13 阿娟: 吓死人了，我家也是这样裂的，就在隔壁20号
2026-08-05 21:15 小芳: 吓死人，20号门口的电线也在冒火花
""")
    assert ds[1].demand
    assert not ds[2].demand and "表态" in ds[2].reason
    assert not ds[3].demand and "表态" in ds[3].reason
    assert ds[4].demand                 # the same at home: a me-too
    assert ds[5].demand                 # a danger of its own beside the exclamation


def test_a_question_or_a_loan_asked_of_the_neighbours_is_theirs_to_answer():
    ds = decide("""2026-08-06 09:10 阳光: 请问大家，老年卡在哪里办？我妈今年刚满60
2026-08-06 09:30 轩轩爸爸: 谁家有梯子借一下 厨房顶上的灯坏了 够不着 用完马上还
2026-08-06 10:02 阿杰: 出事了！！29幢1单元电梯卡在15楼和16楼中间，里面有人在拍门喊，谁有物业值班电话？？
2026-08-06 11:20 14幢 老杨: 问下大家，我家阳台外面那根雨水管断了，雨一大水都冲到一楼人家窗户上，这种找谁来修啊？
""")
    assert not ds[1].demand and "问邻居" in ds[1].reason
    assert not ds[2].demand and ds[2].kind == "neighbour"
    assert ds[3].demand and ds[3].urgent
    assert ds[4].demand                 # who puts it right: a request, whoever it is put to


def test_what_staff_found_on_their_rounds_is_a_report_even_with_a_warning_beside_it():
    ds = decide("""2026-08-07 16:20 采菱五网格 陈婷: 今天巡查发现24幢东侧人行道上的窨井盖碎了一半，已经放了锥桶围起来，请物业尽快更换，晚上路过的业主注意避让
2026-08-07 16:30 采菱五网格 陈婷: 各位业主注意：明天上午9点到11点24幢停水，请提前储水
""")
    assert ds[1].demand                 # before: "否：工作人员通知" (注意避让)
    assert not ds[2].demand


def test_the_builders_speak_as_staff_and_news_that_a_pipe_is_cleared_is_no_demand():
    ds = decide("""2026-08-08 10:05 8幢 老李女儿: 8幢101污水从地漏冒出来了，已经流到卧室了，家里两个老人，麻烦施工的快点来
2026-08-08 10:40 施工队 王工: 导流管被泥堵住了，已经疏通，污水不冒了，正在帮老人家把地上清理干净
""")
    assert ds[1].demand
    assert not ds[2].demand and "工作人员" in ds[2].reason


def test_what_someone_found_and_did_on_inspection_is_a_work_report_unless_it_asks_for_more():
    ds = decide("""2026-08-09 08:10 7栋1502 小许: 7栋1502地暖一点都不热，家里有个小毛头，麻烦物业派人来看看
2026-08-09 11:30 王建军: 7栋1502地暖看过了 分水器的过滤网堵了 清理以后水流正常了 两三个小时温度会上来
2026-08-09 12:05 3幢 老钱: 物业上去看过了，讲防水层老化要走维修基金，那这段时间落雨还要漏啊，能不能先临时弄一下
""")
    assert ds[1].demand
    assert not ds[2].demand and "检查" in ds[2].reason     # a plain nickname, yet a work report
    assert ds[3].demand                                   # it asks for more: a request


def test_weather_a_bare_when_or_a_question_to_the_neighbours_is_no_chase():
    ds = decide("""2026-07-22 09:00 华家7-502 吴: 7幢停电两个钟头了，楼上老人热得受不了，什么时候能来电？
2026-07-22 09:20 Tony_陈: 今天又39度
2026-07-23 08:00 三勤12-301 王: 三勤新苑明天停水检修的通知看到了
2026-07-23 08:05 木子李: 有没有人知道开学第一天几点到校？
2026-07-23 08:10 阿福: 几点来水啊
2026-07-23 09:30 华家7-502 吴: 7幢还没来电，到底什么时候能好？老人一晚上没睡
""")
    assert ds[1].demand
    assert not ds[2].demand and "跟进" not in ds[2].reason
    assert not ds[4].demand and "跟进" not in ds[4].reason
    assert "跟进" not in ds[5].reason
    assert ds[6].demand and "跟进" in ds[6].reason            # a real chase still joins


def test_the_clinic_the_gas_company_and_the_electrician_answer_as_staff():
    ds = decide("""2026-03-02 09:00 向日葵: 卫生站有流感疫苗吗？孩子和老人都想打
2026-03-02 09:10 采菱卫生服务站 何静: 有的，现场挂号一直有的，每天留30个，老人直接来就行
2026-03-02 10:00 港华燃气-安检小赵: 6幢301、7幢502燃气软管过期老化，已当面告知户主，请尽快更换
2026-03-02 11:00 电工老王: 26-1电表箱里一个空开烧了 已经断开 换新的要半个钟头 1单元暂时停电
""")
    assert ds[1].demand                                  # a resident asks the clinic
    assert not ds[2].demand and not ds[3].demand and not ds[4].demand
    assert chat_cues.is_staff_nick("港华燃气-安检小赵") and chat_cues.is_staff_nick("卫生站何医生")
    assert not chat_cues.is_staff_nick("芒果妈妈")


def test_a_view_in_an_argument_asks_nothing_unless_it_goes_on_to_ask():
    ds = decide("""2026-05-10 20:00 6幢 老周: 草坪上喂猫的把猫粮撒得到处都是，晚上猫叫得睡不着，物业管一管
2026-05-10 20:05 喵星人铲屎官: 说句公道话，猫也是一条命，我们几个喂猫的已经自己买了猫窝，每天清理
2026-05-10 20:10 老顾: 说句公道话 充电棚那几个桩老是坏 抢不到位置 人家才拉线的 物业能不能再多装几个
2026-05-10 20:20 Lily: 我觉得种菜可以，浇粪就不行了，夏天苍蝇蚊子本来就多
""")
    assert ds[1].demand
    assert not ds[2].demand and "看法" in ds[2].reason
    assert ds[3].demand                                  # goes on to ask: a request
    assert not ds[4].demand


def test_a_shower_forecast_is_weather_and_chases_nothing():
    ds = decide("""2026-07-01 08:00 9-1-301 顾: 9幢车库西墙又渗水了，地上一滩，电瓶车都泡着
2026-07-01 16:00 莫愁: 下午又要下雷阵雨，出门带伞
""")
    assert ds[1].demand
    assert not ds[2].demand and "跟进" not in ds[2].reason


def test_an_election_pitch_and_a_say_in_the_debate_ask_nothing():
    ds = decide("""2026-06-11 19:00 6幢-602 夏老师: 6幢顶楼又漏雨了，卧室天花板在滴水，物业快来看看
2026-06-11 19:30 7幢 周建国: 各位邻居好，我是7幢周建国，这次报名业委会，说白了就三件事：物业费每季度公示，维修基金用在明处，停车重新规划
2026-06-11 19:40 老吴(11幢): 我也说两句。我在花苑住了18年，就想把车管好，现在晚上九点以后回来根本没地方停
2026-06-11 19:50 花苑3-502: 关于物业费我再说一句：合同写了保洁每天一次，那就按合同考核
""")
    assert ds[1].demand
    assert not ds[2].demand and "选举" in ds[2].reason
    assert not ds[3].demand and "看法" in ds[3].reason
    assert not ds[4].demand


def test_a_leader_known_by_introduction_reports_what_is_still_wrong_and_staff_raise_the_alarm():
    ds = decide("""2026-04-08 07:15 老蒋: 大家好，我是11幢的楼道长老蒋，刚被拉进来，以后楼里有事体可以寻我
2026-04-08 07:17 老蒋: 11幢2单元楼道灯坏了半个月了，夜里老人上下楼黑漆漆的，麻烦物业来换一换
2026-04-08 14:10 老蒋: 钱师傅来过了，11幢楼道灯换好了，谢谢！不过3楼那只还是一闪一闪的，跟没修一样
2026-04-09 07:30 夏雷四网格 周敏: 【紧急寻人】9幢的沈福根老伯，82岁，有老年痴呆，今天早上6点左右一个人出门，到现在没回来。
请大家出门留意一下，看到了先稳住他，马上打我电话或者他儿子电话138****6610，谢谢大家！
2026-04-09 09:00 夏雷四网格 周敏: 各位居民：明天上午9点到12点停水检修，请提前储水，谢谢配合
""")
    assert ds[2].demand
    assert ds[3].demand, ds[3].reason           # thanks, but the third-floor lamp still flickers
    assert ds[4].demand and "警报" in ds[4].reason
    assert not ds[6].demand


def test_news_after_a_hospital_run_candidates_and_verdicts_are_no_demands():
    ds = decide("""2026-05-10 19:02 朵朵麻麻: 3幢楼下滑滑梯的螺丝松了，我家朵朵从上面摔下来磕到嘴，流了好多血
2026-05-10 21:40 朵朵麻麻: 缝了三针😢 医生说还好没伤到牙齿。谢谢大家关心
2026-05-10 21:45 老顾: 他爸爸说是心梗，放了支架，人救过来了
2026-05-10 21:50 李红: 我爸头上缝了六针，今天出院。请问社区有没有轮椅可以借的？他走路不稳
2026-05-11 08:10 候选人-9幢 孙卫东: 加装电梯的维保一直没理清楚，我当选后第一件事就是把它统一起来
2026-05-11 08:20 晨曦: 又是踢皮球，物业推给施工队，施工队推给物业
2026-05-11 09:00 梧桐: 谁掉了一串钥匙？在5幢门口捡到的，放在门卫了
""")
    assert ds[1].demand                         # the fault and the fall
    assert not ds[2].demand and "送医后" in ds[2].reason
    assert not ds[3].demand
    assert ds[4].demand, ds[4].reason           # news with a request for a wheelchair is a request
    assert not ds[5].demand and "选举" in ds[5].reason
    assert not ds[6].demand, ds[6].reason
    assert not ds[7].demand, ds[7].reason


def test_disagreeing_is_not_agreeing():
    from minsheng.collection.chat_cues import cue_hits
    assert "metoo" not in cue_hits("加电梯我不同意的")
    assert "metoo" not in cue_hits("我们不支持涨价")
    assert "metoo" in cue_hits("同意，车棚一定要装")
