"""Situations of harm (taxonomy.md, urgency): what is happening, to whom, and how soon.

A text is read for
  * a hazard — a situation of harm, named for staff ("老人失联", "持刀威胁", "路面塌陷"): one phrase
    that says it alone, or an object and its state close together ("井盖" + "不见了");
  * its modifiers — happening now, people exposed, a vulnerable person, time pressure (rain tonight);
  * what cancels it — already over and handled, a worry or hypothetical, a lecture/drill/inspection
    request, a question, a later season, a long-standing nuisance.

These are not the urgency decision. They are compositional features (hazard × exposure × time ×
vulnerability) for the learned heads, and the evidence that names the situation. The heads learn how
much each is worth from texts written by many hands; a hazard the lists miss is still caught by the
meaning vectors, and its name then comes from the situation head (``model.SITUATION_NAMES``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .textnorm import KeywordMatcher

# code -> (name staff read, single phrases, (objects, states)) ; objects+states must meet within 14 chars
HAZARDS: dict[str, tuple[str, list[str], tuple[list[str], list[str]]]] = {
    "violence": ("暴力/持械威胁", [
        "持刀", "拿刀", "拿着刀", "菜刀", "砍人", "砍伤", "捅人", "打人", "殴打", "打起来了", "打得", "动手了",
        "家暴", "掐脖子", "要杀", "杀了你", "弄死", "砸门", "踹门", "拿棍子", "拿铁棍", "抡", "扬言", "威胁要",
        "喊救命", "叫救命", "呼救", "施暴", "打老婆", "打孩子", "头破血流", "见血了", "流血"], ([], [])),
    "break_in": ("入室盗窃/撬门", [
        "撬门", "撬锁", "撬窗", "翻窗", "翻进", "爬进", "入室", "有人进了", "贼", "小偷在", "正在偷",
        "在撬", "鬼鬼祟祟", "扒窗", "爬阳台", "溜门"], ([], [])),
    "person_unreachable": ("老人/独居者失联", [
        "失联", "联系不上", "联系不到", "敲门没人应", "敲门没反应", "敲门无人应", "敲门不应", "敲门没动静",
        "没人开门", "不开门", "电话没人接", "电话打不通", "无人接听", "叫不应", "没有回应", "没见出门",
        "没出过门", "没下楼", "没露面", "牛奶没拿", "报纸没拿", "快递堆在门口", "信箱塞满"], ([], [])),
    "fall_illness": ("摔倒/突发疾病", [
        "摔倒", "跌倒", "摔在", "倒在地上", "躺在地上", "爬不起来", "起不来", "晕倒", "昏倒", "昏迷",
        "不省人事", "叫不醒", "抽搐", "抽筋", "口吐白沫", "胸口疼", "胸痛", "喘不上气", "呼吸困难",
        "脸发紫", "嘴歪", "半边身子", "中风", "脑梗", "心梗", "高烧", "烧到四十", "大出血", "吐血",
        "低血糖", "休克", "救护车", "120", "急救"], ([], [])),
    "missing_person": ("人员走失", [
        "走丢", "走失", "找不到人", "人不见了", "孩子不见了", "小孩不见了", "娃不见了", "找不到孩子",
        "找不到我家", "没回家", "还没回来", "寻人", "被人抱走", "被带走", "认不得路", "老年痴呆",
        "糊涂了跑出去", "一个人跑出去"], ([], [])),
    "self_harm": ("轻生/自伤", [
        "轻生", "自杀", "寻短见", "想不开", "不想活", "跳楼", "跳河", "割腕", "吞药", "喝农药",
        "站在楼顶", "坐在天台边", "遗书", "告别", "活不下去"], ([], [])),
    "animal_attack": ("动物伤人", [
        "咬伤", "咬了", "被咬", "咬人", "扑人", "追着咬", "疯狗", "恶犬", "大狗", "蛇", "马蜂窝",
        "马蜂", "胡蜂", "蜇"], ([], [])),
    "no_shelter": ("今晚无处安身", [
        "无处可去", "没地方住", "没地方睡", "露宿", "睡在外面", "睡大街", "被赶出来", "赶出来了",
        "无家可归", "房子不能住", "没法住人", "进不了家", "今晚住哪", "冻得", "困在外面", "回不了家"],
        ([], [])),
    "fire_smoke": ("起火/冒烟", [
        "着火", "起火", "失火", "火灾", "火苗", "明火", "烧起来", "冒烟", "浓烟", "黑烟", "烟雾",
        "烧焦", "焦糊", "焦味", "烟感响", "报警器响"], ([], [])),
    "electrical": ("电线裸露/漏电/火花", [
        "电线裸露", "裸露的电线", "裸线", "漏电", "触电", "电到", "被电", "麻手", "打火", "火花",
        "冒火星", "火星", "短路", "电线断", "电线掉", "电线垂", "电线耷拉", "高压线", "电箱冒",
        "电表箱冒", "插座烧", "电池鼓包", "电池膨胀", "电瓶鼓", "电池冒烟", "电瓶冒烟", "充电冒烟"],
        (["电线", "电缆", "线头", "插座", "电箱", "配电箱", "电表箱", "电池", "电瓶", "充电器"],
         ["冒烟", "发烫", "烫手", "噼啪", "滋滋", "烧", "焦", "鼓", "露出", "外露", "破皮", "掉在地上",
          "泡在水里", "浸在水里"])),
    "gas": ("燃气泄漏/一氧化碳", [
        "煤气味", "燃气味", "天然气味", "液化气味", "漏气", "煤气泄漏", "燃气泄漏", "一氧化碳", "煤气中毒",
        "中毒", "熏晕", "头晕恶心", "臭鸡蛋味", "嘶嘶"],
        (["煤气", "燃气", "天然气", "液化气", "气罐", "燃气管", "煤气管", "热水器", "炭火", "煤炉"],
         ["味", "漏", "泄", "闻到", "刺鼻", "嘶", "头晕", "晕"])),
    "blocked_escape": ("逃生通道堵塞", [
        "堵死了楼梯", "消防通道堵死", "安全出口锁", "安全出口堵", "逃生通道堵", "疏散通道堵"],
        (["楼梯", "楼道", "通道", "安全出口", "消防通道", "逃生", "疏散", "出口", "过道", "消防门"],
         ["堵死", "堵满", "堵住", "封死", "锁死", "锁住", "过不去", "出不去", "走不了", "塞满", "堆满",
          "占满", "挡死"])),
    "falling_object": ("倒塌/坠落风险", [
        "摇摇欲坠", "要倒", "快倒", "要塌", "快塌", "随时会掉", "随时掉", "随时可能", "要掉下来",
        "快掉下来", "砸下来", "砸到", "砸伤", "高空坠物", "倒塌", "坍塌", "悬在半空", "吊在半空",
        "挂在半空"],
        (["树", "树枝", "树干", "枯枝", "墙", "围墙", "外墙", "瓷砖", "墙皮", "招牌", "广告牌", "雨棚",
          "空调外机", "护栏", "栏杆", "阳台", "篮球架", "篮板", "篮筐", "单杠", "器材", "秋千", "滑梯",
          "柜子", "衣柜", "书柜", "架子", "镜子", "电线杆", "灯杆", "路灯杆", "脚手架", "玻璃"],
         ["倾斜", "歪", "晃", "松动", "断了", "裂", "锈断", "锈穿", "锈蚀", "脱落", "掉落", "要倒",
          "倒下", "压", "悬", "吊着", "挂着", "鼓出", "翘起"])),
    "ground_collapse": ("路面塌陷/坑洞", [
        "塌陷", "塌了个", "陷下去", "大坑", "深坑", "地陷", "地面下沉", "路面下沉", "窟窿", "天坑"],
        (["路", "路面", "地面", "人行道", "马路", "路口", "地砖", "台阶"],
         ["塌", "陷", "洞", "坑", "断裂", "开裂"])),
    "manhole": ("井盖缺失/破损", [
        "井盖没了", "井盖不见", "井盖丢", "没有井盖", "井盖被偷", "井盖碎", "井盖翻", "井盖破"],
        (["井盖", "窨井", "下水井", "污水井", "雨水井", "井口", "盖板", "篦子", "箅子"],
         ["没了", "不见", "丢", "缺", "被偷", "偷走", "敞", "碎", "破", "塌", "翻", "移位", "空着",
          "掉进", "踩空", "洞"])),
    "lift_danger": ("电梯困人/失控", [
        "困电梯", "电梯困人", "困在电梯", "关在电梯", "卡在电梯", "电梯里有人", "电梯下坠", "电梯急坠",
        "电梯溜梯", "电梯冲顶", "开着门走"],
        (["电梯", "轿厢"], ["困", "关在", "卡在", "出不来", "被关", "下坠", "坠", "溜", "冲顶", "夹",
                          "有人在里面", "里面有人", "开门运行", "不停层"])),
    "water_ingress": ("污水/雨水进屋", [
        # not a bare "进屋": "请今晚把鞋架收进屋", "毛毛虫爬进屋", "电瓶车推进屋里充电"
        "倒灌", "漫进", "灌进屋", "水进屋", "渗进屋", "流进屋", "淌进屋", "要进屋了", "漏进屋", "家里进水",
        "屋里进水", "室内进水", "淹到家",
        "水漫进", "涌进家"],
        (["家里", "屋里", "室内", "房间", "客厅", "卧室", "厨房", "卫生间", "床", "店里", "铺子", "一楼",
          "底楼", "地下室", "车库"],
         ["进水", "漫", "灌", "淹", "涌", "倒灌", "冒出来", "往外冒", "往上冒", "返", "泡", "漏下来",
          "哗哗", "往下淌", "滴个不停"])),
    "flood_defence": ("汛期排涝失效", [
        "泵坏了", "水泵坏", "泵不转", "泵站停", "抽不出", "排不出去", "电柜坏", "电柜跳闸", "闸门坏",
        "河水漫", "水位涨", "漫堤", "溃"],
        (["泵", "泵站", "排涝站", "电柜", "闸", "河道", "河水", "水位", "堤"],
         ["坏", "停", "不转", "跳闸", "故障", "漫", "涨", "抽不", "失灵", "坏了"])),
    "drowning": ("临水溺水风险", [
        "落水", "掉河里", "掉进河", "掉水里", "溺水", "在河边玩", "下河游泳", "去河里", "水塘边玩",
        "河边没有护栏", "池塘边玩"], ([], [])),
}

NOW = ("正在", "现在", "此刻", "还在", "刚刚", "刚才", "刚", "眼下", "一直在", "这会儿", "马上", "立刻",
       "赶紧", "快来", "快点", "今晚", "今天晚上", "今夜", "半夜", "凌晨", "随时", "已经", "还没")
PEOPLE = ("人", "孩子", "小孩", "小朋友", "学生", "老人", "行人", "路人", "居民", "住户", "经过", "路过",
          "底下", "下面", "旁边", "进出", "上学", "放学", "玩", "散步", "锻炼", "一家")
VULNERABLE = ("独居", "老人", "高龄", "九十", "八十", "孩子", "小孩", "婴儿", "宝宝", "孕妇", "残疾",
              "瘫痪", "卧床", "痴呆", "糊涂", "病人", "一个人住", "空巢", "轮椅")
PRESSURE = ("今晚", "今夜", "马上", "暴雨", "大雨", "台风", "预警", "雨还在下", "还在下雨", "下着雨", "天黑",
            "明天就", "涨水", "零下", "降温", "寒潮")

CANCELS: dict[str, tuple[str, tuple[str, ...]]] = {
    "past": ("已经过去/已处置", (
        "已救出", "已经救出", "救出来了", "已解救", "已处理", "已经处理", "已处置", "已修好", "已经修好",
        "修好了", "已恢复", "已经恢复", "已排除", "已关阀", "已关闭", "已找到", "找到了", "联系上了",
        "已联系上", "人没事", "没事了", "虚惊一场", "误会", "已补上", "已盖上", "已清走", "已锯掉",
        "上次", "上个月", "去年", "前年", "以前", "当时", "那次", "事后", "已送医", "已经送医")),
    "worry": ("担心/假设", (
        "万一", "怕", "担心", "会不会", "一旦", "如果", "要是", "假如", "以免", "以防", "防止", "预防",
        "迟早", "早晚", "隐患", "可能会", "容易")),
    "training": ("讲座/演练/检查请求", (
        "讲座", "演练", "培训", "宣传", "知识", "科普", "普及", "排查", "检查一下", "定期检查", "巡查",
        "安全检查", "教教", "学习")),
    "question": ("咨询提问", (
        "怎么办", "怎么处理", "打哪个电话", "找谁", "该找", "应该怎么", "请问", "咨询", "是否可以",
        "能不能", "可以吗", "吗？", "吗?", "呢？")),
    "later": ("以后的季节/计划", (
        "汛期前", "汛前", "入汛前", "台风季前", "台风来之前", "雨季前", "入冬前", "冬天前", "明年",
        "下个月", "提前", "未雨绸缪", "年底前", "开春")),
    "longstanding": ("长期滋扰", (
        "好几天了", "好几个月", "几个月了", "一个月了", "半年了", "一年了", "长期", "经常", "天天",
        "每天晚上", "每晚", "老是", "总是", "一直这样", "多次反映", "反映过多次", "屡次")),
}

_HAZ_M = KeywordMatcher()
_OBJ_M = KeywordMatcher()
_STATE_M = KeywordMatcher()
for _code, (_name, _phrases, (_objs, _states)) in HAZARDS.items():
    for _p in _phrases:
        _HAZ_M.add(_p, _code)
    for _o in _objs:
        _OBJ_M.add(_o, _code)
    for _s in _states:
        _STATE_M.add(_s, _code)
_CANCEL_M = KeywordMatcher()
for _code, (_name, _words) in CANCELS.items():
    for _w in _words:
        _CANCEL_M.add(_w, _code)
_MOD_RES = {name: re.compile("|".join(map(re.escape, words)))
            for name, words in (("now", NOW), ("people", PEOPLE), ("vulnerable", VULNERABLE),
                                ("pressure", PRESSURE))}
_NEG_RE = re.compile(r"(没有|没|无|未|不是|并非|不)$")
PAIR_WINDOW = 14
# words a state hides in that say nothing of it: "家里灯泡坏了" is no room soaked ("泡")
_OTHER_WORDS_RE = re.compile(r"灯泡|泡沫|气泡|泡面|泡脚|泡茶|泡澡|泡菜|泡泡")


# Over and handled: the strongest cancel. Still going on: what overrides it.
RESOLVED = ("已救出", "已经救出", "救出来了", "已解救", "已处理", "已经处理", "处理好了", "已处置", "已修好",
            "已经修好", "修好了", "已恢复", "已经恢复", "已排除", "已关阀", "已找到", "找到了", "联系上了",
            "已联系上", "人没事", "没事了", "虚惊一场", "误会一场", "已补上", "已盖上", "已清走", "已锯掉",
            "已送医", "已经送医", "火灭了", "已扑灭", "已经扑灭")
STILL = ("正在", "还在", "仍在", "仍然", "此刻", "刚刚", "刚才", "马上", "今晚", "随时", "一直在", "现在还", "还有人",
         "又开始", "还没")
_RESOLVED_RE = re.compile("|".join(map(re.escape, RESOLVED)))
_STILL_RE = re.compile("|".join(map(re.escape, STILL)))


@dataclass
class Reading:
    text: str = ""
    hazards: dict[str, list[str]] = field(default_factory=dict)   # code -> words
    modifiers: dict[str, list[str]] = field(default_factory=dict)  # now/people/vulnerable/pressure
    cancels: dict[str, list[str]] = field(default_factory=dict)    # past/worry/training/…
    negated: list[str] = field(default_factory=list)               # hazards said not to be there

    @property
    def resolved(self) -> bool:
        """The text says the danger is over and nothing says it is still going on."""
        return bool(_RESOLVED_RE.search(self.text)) and not _STILL_RE.search(self.text)

    def names(self) -> list[str]:
        return [HAZARDS[c][0] for c in self.hazards]

    def evidence(self) -> list[str]:
        out = []
        for code, words in self.hazards.items():
            out.append(f"情形“{HAZARDS[code][0]}”：“{'”“'.join(dict.fromkeys(words))}”")
        return out

    def cancel_evidence(self) -> list[str]:
        return [f"{CANCELS[c][0]}：“{'”“'.join(dict.fromkeys(w))}”" for c, w in self.cancels.items()]


def _negated(t: str, start: int) -> bool:
    return bool(_NEG_RE.search(t[max(0, start - 3):start]))


def read(t: str) -> Reading:
    """The situations in a normalised text (``textnorm.basic_norm``)."""
    r = Reading(text=t)
    for s, _e, kw, code in _HAZ_M.find(t):
        if _negated(t, s):
            r.negated.append(kw)
        else:
            r.hazards.setdefault(code, []).append(kw)
    objs = [(s, kw, code) for s, _e, kw, code in _OBJ_M.find(t)]
    if objs:
        other = [(m.start(), m.end()) for m in _OTHER_WORDS_RE.finditer(t)]
        states = [(s, kw, code) for s, e, kw, code in _STATE_M.find(t)
                  if not any(a <= s and e <= b for a, b in other)]
        for so, ko, co in objs:
            for ss, ks, cs in states:
                if cs == co and abs(ss - so) <= PAIR_WINDOW and ks != ko:
                    if _negated(t, ss) or _negated(t, so):
                        r.negated.append(ko + ks)
                        break
                    r.hazards.setdefault(co, []).extend([ko, ks])
                    break
    for name, rx in _MOD_RES.items():
        found = rx.findall(t)
        if found:
            r.modifiers[name] = found
    for _s, _e, kw, code in _CANCEL_M.find(t):
        r.cancels.setdefault(code, []).append(kw)
    return r


def features(r: Reading) -> dict[str, float]:
    """Compositional features: each hazard, each modifier, each canceller, and their products."""
    f: dict[str, float] = {}
    for code in r.hazards:
        f["h:" + code] = 1.0
    for m in r.modifiers:
        f["m:" + m] = 1.0
    for c in r.cancels:
        f["x:" + c] = 1.0
    if r.negated:
        f["x:negated"] = 1.0
    if r.resolved:
        f["x:resolved"] = 1.0
    if r.hazards:
        f["h*"] = 1.0
        exposure = sum(1.0 for m in ("now", "people", "vulnerable", "pressure") if m in r.modifiers)
        f["h*exposure"] = exposure / 4.0
        for m in r.modifiers:
            f["h*m:" + m] = 1.0
        for c in r.cancels:
            f["h*x:" + c] = 1.0
        if not r.cancels:
            f["h*clean"] = 1.0
    return f
