"""Compose the chat training corpus (``chat_corpus.jsonl``) from the hand-written fragments in
``chat_banks.py``: many made-up WeChat group exports (楼道群, 网格群, 业主群, a market's 商户群) in the
four demo communities, with staff and residents, problem threads (report → me-too → staff reply →
follow-up → solved), notices, greetings, acknowledgements, ads, chit-chat, neighbour Q&A, typos,
emoji, 常州 dialect, @mentions and quoted replies. Seeded: the same file every run.

    python minsheng/collection/data/make_chat_corpus.py

One JSON object per message (and per system line), in export order:
``export, line, rendered`` (the exact lines of the export), ``time, sender, text`` (the content),
``demand`` (bool), ``category`` / ``urgent`` (demands only), ``cluster`` (a problem thread id within
the export, or null), ``kind`` (report, me_too, detail, followup, consult, staff_reply, notice, ack,
greeting, chat, joke, ad, thanks, resolved, qa_question, qa_answer, neighbour, system, media).
See CHAT_LABELLING.md for the labelling rules.
"""

from __future__ import annotations

import json
import random
import sys
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import chat_banks as B  # noqa: E402

SEED = 20260705
OUT = Path(__file__).resolve().parent / "chat_corpus.jsonl"

COMPOUNDS = {
    "采菱家园一期": ("采菱社区", ["一期", "采菱一期", "采菱家园一期"], 24),
    "采菱家园二期": ("采菱社区", ["二期", "采菱二期", "采菱家园二期"], 30),
    "华家新村": ("华家社区", ["华家新村", "华家小区"], 18),
    "华家花苑": ("华家社区", ["花苑", "华家花苑"], 12),
    "三勤新苑": ("三勤社区", ["三勤新苑", "三勤小区"], 26),
    "新城长岛": ("夏雷社区", ["长岛", "新城长岛"], 32),
    "夏雷新村": ("夏雷社区", ["夏雷新村", "夏雷小区"], 16),
}
# (group name pattern, kind, compounds)
GROUPS = [
    ("采菱家园二期{b}楼道群", "building", ["采菱家园二期"]),
    ("采菱家园一期{b}楼道长群", "building", ["采菱家园一期"]),
    ("采菱家园一期居民群", "compound", ["采菱家园一期"]),
    ("采菱第五网格居民群", "grid", ["采菱家园二期"]),
    ("采菱第一网格民情群", "grid", ["采菱家园一期"]),
    ("华家新村邻里群", "compound", ["华家新村"]),
    ("华家花苑{b}楼道群", "building", ["华家花苑"]),
    ("华家第二网格群", "grid", ["华家新村", "华家花苑"]),
    ("华家市场商户群", "market", ["华家新村"]),
    ("三勤新苑业主群", "compound", ["三勤新苑"]),
    ("三勤新苑{b}楼道群", "building", ["三勤新苑"]),
    ("三勤第二网格居民群", "grid", ["三勤新苑"]),
    ("新城长岛业主交流群", "compound", ["新城长岛"]),
    ("新城长岛{b}楼道群", "building", ["新城长岛"]),
    ("夏雷新村居民群", "compound", ["夏雷新村"]),
    ("夏雷第三网格群", "grid", ["新城长岛", "夏雷新村"]),
]
COMMUNITY_SHORT = {"采菱社区": "采菱", "华家社区": "华家", "三勤社区": "三勤", "夏雷社区": "夏雷"}

STAFF_NICKS = [
    "网格员小王", "网格员-陈丽", "{cs}社区-李书记", "楼道长老周", "{b}楼道长-周建国", "楼长 张", "物业-张经理",
    "物业客服小美", "社区工作人员小陈", "{cs}社区居委会", "{cs}社区 网格长 何", "{cs}社区-社工小林",
    "物业管家-阿杰", "单元长-刘阿姨", "社区民警-徐警官", "{cs}网格员 吴敏", "楼道长 顾阿姨", "物业维修-老钱",
    "{cs}社区党委", "网格长王磊",
]
# Staff whose nickname does not say so (a 楼道长 called 老周): only their words tell.
PLAIN_STAFF_NICKS = ["老周", "王芳", "周建国", "小何", "Amy许", "陈姐", "顾建华", "阿杰"]
RESIDENT_NICKS = [
    "{b}-302王阿姨", "李师傅", "阳光明媚", "🌸花开富贵", "大熊", "Tony", "小雨妈妈", "老张", "{b} 陈", "静待花开",
    "平安是福", "刘姐", "快乐每一天", "明明爸爸", "周阿婆", "蓝天白云", "Jason", "一帆风顺", "上善若水",
    "{b}601", "东东", "胖虎", "叶子", "雪儿", "老顾", "钱老师", "孙大爷", "姚姐", "老徐", "小蒋", "朵朵奶奶",
    "风轻云淡", "心若向阳", "知足常乐", "程序猿", "Lily", "杨杨", "荷塘月色", "安然", "浩浩外婆", "2-1-501",
    "小吴", "赵先生", "雷哥", "老吕", "芳芳", "惠惠", "岁月静好", "老法师", "A.陆", "💕琳琳", "海阔天空",
    "笑口常开", "梅子", "阿强", "王大姐", "MIKE", "开心果", "好运来", "微笑向暖", "老蔡", "丁丁", "木子李",
]
AD_NICKS = ["家政小李", "专业疏通老王", "水果团购-小芳", "二手回收", "英语培训张老师", "装修-阿明"]
EMOJI = ["😭", "😡", "🙏", "😤", "😂", "👍", "😱", "🤢", "😮‍💨", "[捂脸]", "[流泪]", "[抱拳]", "[发怒]", "[强]", "[合十]"]
TYPOS = [("垃圾", "拉圾"), ("已经", "以经"), ("楼道", "楼到"), ("下水道", "下水到"), ("麻烦", "麻凡"),
         ("物业", "物叶"), ("电梯", "电体"), ("修一下", "休一下"), ("在", "再"), ("的", "得"), ("坏了", "怀了"),
         ("什么", "神马"), ("晚上", "晚尚"), ("路灯", "路登")]
DIALECT = [("不", "弗"), ("吗？", "伐？"), ("很", "交关"), ("什么时候", "啥辰光"), ("孩子", "小佬"),
           ("这么", "介"), ("怎么", "哪恁"), ("都", "侪"), ("知道", "晓得"), ("没有", "呒没")]
MEDIA = ["[图片]", "[图片]", "[语音]", "[表情]", "[视频]", "[动画表情]"]


class Export:
    def __init__(self, rng: random.Random, idx: int):
        self.rng = rng
        self.id = f"e{idx:03d}"
        pattern, self.kind, compounds = rng.choice(GROUPS)
        self.compound = rng.choice(compounds)
        self.community, self.c_names, self.n_buildings = COMPOUNDS[self.compound]
        self.building = f"{rng.randint(1, self.n_buildings)}{rng.choice(['幢', '栋', '幢', '号楼'])}"
        self.name = pattern.format(b=self.building)
        cs = COMMUNITY_SHORT[self.community]
        staff = rng.sample(STAFF_NICKS, rng.randint(2, 3))
        if rng.random() < 0.35:
            staff[0] = rng.choice(PLAIN_STAFF_NICKS)
        self.staff = [s.format(cs=cs, b=self.building) for s in staff]
        res = rng.sample([n for n in RESIDENT_NICKS if n not in staff], rng.randint(9, 16))
        self.residents = [r.format(b=self.building.rstrip("幢栋号楼")) for r in res]
        self.start = datetime(2025, 3, 1) + timedelta(days=rng.randint(0, 480), hours=7,
                                                       minutes=rng.randint(0, 50))
        self.days = rng.randint(2, 6)
        self.events: list[dict] = []
        self.thread_no = 0
        # rendering style of this export
        self.style = {
            "sep": rng.choice(["-", "-", "-", "/"]), "secs": rng.random() < 0.3,
            "colon": rng.choice([": ", ": ", "：", ":", "： "]), "bracket": rng.random() < 0.1,
            "pad": rng.random() < 0.8, "blank": rng.random() < 0.25, "title": rng.random() < 0.5,
        }

    # --- places ------------------------------------------------------------------------------
    def bldg(self) -> str:
        if self.kind == "building" and self.rng.random() < 0.7:
            return self.building
        n = self.rng.randint(1, self.n_buildings)
        return f"{n}{self.rng.choice(['幢', '栋', '号楼', '幢', '#'])}"

    def cname(self) -> str:
        return self.rng.choice(self.c_names)

    def place_phrase(self, scope: str) -> str:
        r, k = self.rng, self.kind
        U = f"{r.randint(1, 3)}单元"
        if scope == "unit":
            if k == "building":
                opts = ["", "我们楼", "我们单元", "{B}", "{B}{U}", "我们{U}", "{B}"]
            elif k in ("compound", "market"):
                opts = ["{B}", "{B}{U}", "我们{B}", "{B}"]
            else:
                opts = ["{C}{B}", "{C}{B}{U}", "{B}", "{C}{B}"]
        elif scope == "home":
            opts = ["我家", "{B}{R}", "{C}{B}{R}", "我们{B}"] if k != "building" else ["我家", "{R}", "{B}{R}"]
        elif scope == "market":
            opts = ["华家菜场", "菜场", "华家市场", "市场"] if self.community == "华家社区" else ["菜场", "小区门口菜场"]
        elif scope == "station":
            opts = ["塘坊排涝站", "杨家北泵站", "张家排涝站", "泵站"] if self.community == "三勤社区" else ["附近泵站"]
        elif scope == "court":
            opts = ["夏雷篮球场", "社区篮球场", "篮球场"] if self.community == "夏雷社区" else ["小区篮球场"]
        elif scope == "clinic":
            opts = ["社区卫生服务站", "卫生服务站", "采菱卫生站", "社区医院"]
        else:  # compound / info
            if k == "building":
                opts = ["小区", "我们小区", "楼下", "{B}门口", "{B}旁边", "{C}"]
            elif k == "grid":
                opts = ["{C}", "{C}北门", "{C}{B}门口", "{C}小区", "{C}东门"]
            else:
                opts = ["小区", "{B}门口", "{B}前面", "小区北门", "小区东边", "我们小区", "{C}"]
        tpl = r.choice(opts)
        return tpl.format(B=self.bldg(), U=U, C=self.cname(),
                          R=f"{r.randint(1, 6)}0{r.randint(1, 4)}")

    def fill(self, text: str, *, L: str = "", R: str = "") -> str:
        r = self.rng
        return text.format(L=L, B=self.bldg(), U=f"{r.randint(1, 3)}单元", C=self.cname(),
                           S=r.choice(self.staff), R=R or r.choice(self.residents), N=r.randint(2, 9),
                           D=f"{r.randint(1, 12)}月{r.randint(1, 28)}日", T=r.choice(["今天", "昨天", "前天"]))

    # --- noise -------------------------------------------------------------------------------
    def noisy(self, text: str, *, resident: bool = True) -> str:
        r = self.rng
        if resident and r.random() < 0.12:
            a, b = r.choice(TYPOS)
            text = text.replace(a, b, 1)
        if resident and r.random() < 0.14:
            for a, b in r.sample(DIALECT, 2):
                text = text.replace(a, b, 1)
        if resident and r.random() < 0.25:
            text += r.choice(EMOJI)
        if resident and r.random() < 0.1:
            text = text.replace("，", " ", 1)
        if r.random() < 0.08:
            text += r.choice(["！", "！！", "。", "？？", "...", "~"])
        return text

    def quote(self, text: str, who: str, what: str) -> str:
        what = what.split("\n")[0]
        if len(what) > 24:
            what = what[:24] + "…"
        q = f"「{who}：{what}」"
        form = self.rng.randint(0, 2)
        if form == 0:
            return f"{text}\n{q}"
        if form == 1:
            return f"{text}\n{q}\n- - - - - - - - - - - - - - -"
        return f"{q}\n- - - - - - - - - - - - - - -\n{text}"

    # --- events ------------------------------------------------------------------------------
    def add(self, t: datetime, sender: str, text: str, kind: str, demand: bool = False, cat=None,
            urgent=None, cluster=None):
        self.events.append({"t": t, "sender": sender, "text": text, "kind": kind, "demand": demand,
                            "category": cat if demand else None, "urgent": urgent if demand else None,
                            "cluster": cluster})

    def rand_time(self) -> datetime:
        r = self.rng
        day = r.randrange(self.days)
        hour = r.choice([7, 8, 9, 10, 11, 12, 14, 15, 16, 17, 18, 19, 20, 21, 22])
        return self.start.replace(hour=0, minute=0) + timedelta(days=day, hours=hour, minutes=r.randint(0, 59))

    def thread(self, issue=None, multi=None):
        r = self.rng
        self.thread_no += 1
        cid = f"{self.id}-t{self.thread_no}"
        if multi is not None:
            _iid, cat, urgent, scope, text = multi
            me_too = []
        else:
            _iid, cat, urgent, scope, reports, me_too = issue
            text = r.choice(reports)
        L = self.place_phrase(scope)
        reporter = r.choice(self.residents)
        t = self.rand_time()
        body = self.noisy(self.fill(text, L=L))
        if r.random() < 0.15 and "\n" not in body:
            # a multi-line report
            cut = body.find("，")
            if cut > 4:
                body = body[:cut] + "\n" + body[cut + 1:]
        if r.random() < 0.1:
            body += "\n" + r.choice(["[图片]", "[图片]\n[图片]"])
        self.add(t, reporter, body, "report", True, cat, urgent, cid)
        first_text = body
        tt = t
        if r.random() < 0.3:
            tt += timedelta(minutes=r.randint(0, 3))
            tpl = r.choice(B.DETAILS)
            said = tpl not in B.DETAILS_PLACE
            self.add(tt, reporter, self.noisy(self.fill(tpl)), "detail", said, cat, urgent, cid if said else None)
        if r.random() < 0.12:
            tt += timedelta(seconds=40)
            self.add(tt, reporter, r.choice(MEDIA[:2]), "media")
        n_me = r.choice([0, 0, 1, 1, 2, 3]) if not urgent else r.choice([0, 1, 2])
        others = [x for x in self.residents if x != reporter]
        for who in r.sample(others, min(n_me, len(others))):
            tt += timedelta(minutes=r.randint(1, 40))
            pool = (me_too or []) + B.ME_TOO
            msg = self.noisy(r.choice(pool))
            if r.random() < 0.35:
                msg = self.quote(msg, reporter, first_text)
            self.add(tt, who, msg, "me_too", True, cat, urgent, cid)
        staff = r.choice(self.staff)
        replied = r.random() < 0.75
        if replied:
            tt += timedelta(minutes=r.randint(2, 90))
            msg = self.fill(r.choice(B.STAFF_REPLIES), R=reporter)
            if r.random() < 0.25:
                msg = self.quote(msg, reporter, first_text)
            self.add(tt, staff, msg, "staff_reply")
            if "具体" in msg or "照片" in msg:
                tt += timedelta(minutes=r.randint(1, 10))
                ans = self.fill(r.choice(["@{S} {B}{U}门口", "{B}东边那个", "[图片]", "就在{B}，{U}",
                                           "@{S} 好的 {B}楼下"]))
                # an answer to staff's "具体哪一幢？" says where, not what is wrong: no demand of its own
                self.add(tt, reporter, ans, "detail" if ans != "[图片]" else "media")
            if r.random() < 0.2:
                tt += timedelta(minutes=r.randint(30, 300))
                self.add(tt, r.choice(self.residents), self.noisy(r.choice(B.PROGRESS)), "progress")
        if r.random() < 0.45:
            tt = tt + timedelta(days=r.randint(1, 3), hours=r.randint(0, 6))
            who = reporter if r.random() < 0.6 else r.choice(others)
            msg = self.noisy(self.fill(r.choice(B.FOLLOWUPS)))
            if who != reporter and r.random() < 0.6:
                msg = self.quote(msg, reporter, first_text)   # others say which problem they mean
            elif who != reporter:
                msg = f"{L}的事，{msg}" if L else msg
            elif r.random() < 0.3:
                msg = self.quote(msg, reporter, first_text)
            self.add(tt, who, msg, "followup", True, cat, urgent, cid)
            if r.random() < 0.6:
                tt += timedelta(minutes=r.randint(5, 120))
                self.add(tt, staff, self.fill(r.choice(B.STAFF_REPLIES), R=who), "staff_reply")
        if r.random() < 0.55:
            tt = tt + timedelta(days=r.randint(0, 2), hours=r.randint(1, 8))
            if r.random() < 0.5:
                self.add(tt, staff, self.fill(r.choice(B.STAFF_DONE)), "resolved")
            if r.random() < 0.8:
                tt += timedelta(minutes=r.randint(3, 60))
                msg = self.noisy(self.fill(r.choice(B.RESOLVED)))
                if r.random() < 0.2:
                    msg = self.quote(msg, staff, "已经修好了")
                self.add(tt, r.choice([reporter, *others[:3]]), msg, "resolved")

    def notice(self):
        r = self.rng
        t = self.rand_time()
        staff = r.choice(self.staff)
        pool = B.NOTICES + B.NOTICE_MULTILINE
        text = self.fill(r.choice(pool))
        self.add(t, staff, text, "notice")
        for who in r.sample(self.residents, r.randint(0, 4)):
            t += timedelta(minutes=r.randint(0, 30))
            self.add(t, who, self.noisy(r.choice(B.ACKS)), "ack")
        if r.random() < 0.3:
            q, a = r.choice(B.NOTICE_QA)
            asker = r.choice(self.residents)
            t += timedelta(minutes=r.randint(1, 20))
            self.add(t, asker, self.noisy(q), "qa_question")
            t += timedelta(minutes=r.randint(1, 20))
            self.add(t, staff, f"@{asker} {a}", "qa_answer")

    def consult(self, issue):
        """A service question to the community (a demand) — maybe answered by staff."""
        r = self.rng
        _iid, cat, urgent, scope, reports, me_too = issue
        self.thread_no += 1
        cid = f"{self.id}-t{self.thread_no}"
        t = self.rand_time()
        asker = r.choice(self.residents)
        text = self.noisy(self.fill(r.choice(reports), L=self.place_phrase(scope)))
        if r.random() < 0.4:
            text = f"@{r.choice(self.staff)} {text}"
        self.add(t, asker, text, "consult", True, cat, urgent, cid)
        if r.random() < 0.3:
            t += timedelta(minutes=r.randint(1, 30))
            self.add(t, r.choice(self.residents), self.noisy(r.choice((me_too or []) + ["同问", "我也想问"])),
                     "me_too", True, cat, urgent, cid)
        if r.random() < 0.7:
            t += timedelta(minutes=r.randint(5, 120))
            self.add(t, r.choice(self.staff), self.fill(r.choice([
                "@{R} 带身份证和户口本到社区服务中心一楼办理，工作日都可以",
                "@{R} 这个可以办的，明天上午来社区找我", "@{R} 我私信你具体材料",
                "@{R} 好的，我帮您问一下相关部门，晚点回复您", "可以的，周一到周五8:30-17:00",
                "@{R} 已经帮您登记了，下周会有人联系您"]), R=asker), "staff_reply")
            if r.random() < 0.5:
                t += timedelta(minutes=r.randint(1, 10))
                self.add(t, asker, self.noisy(r.choice(["好的，谢谢", "谢谢！", "收到，麻烦了🙏"])), "thanks")

    def chatter(self):
        r = self.rng
        t = self.rand_time()
        kind = r.choices(["greeting", "chat", "joke", "ad", "qa", "neighbour", "thanks", "media", "fixed"],
                         [5, 8, 2, 3, 3, 2, 2, 2, 1])[0]
        if kind == "greeting":
            evening = r.random() < 0.2
            t = t.replace(hour=r.choice([21, 22]) if evening else r.choice([6, 7, 8]))
            pool = [g for g in B.GREETINGS if ("晚安" in g) == evening]
            for who in r.sample(self.residents + self.staff, r.randint(1, 4)):
                self.add(t, who, self.noisy(self.fill(r.choice(pool))), "greeting")
                t += timedelta(minutes=r.randint(0, 15))
        elif kind == "chat":
            for _ in range(r.randint(1, 4)):
                self.add(t, r.choice(self.residents), self.noisy(self.fill(r.choice(B.CHAT))), "chat")
                t += timedelta(minutes=r.randint(0, 10))
        elif kind == "joke":
            self.add(t, r.choice(self.residents), self.fill(r.choice(B.JOKES)), "joke")
            if r.random() < 0.6:
                self.add(t + timedelta(minutes=1), r.choice(self.residents), r.choice(["哈哈哈", "😂😂", "笑死"]), "chat")
        elif kind == "ad":
            self.add(t, r.choice(AD_NICKS + self.residents), self.fill(r.choice(B.ADS)), "ad")
            if r.random() < 0.3:
                self.add(t + timedelta(minutes=5), r.choice(self.staff), "群里请不要发广告，谢谢配合", "notice")
        elif kind == "qa":
            q, a = r.choice(B.QA_PAIRS)
            asker, answerer = r.sample(self.residents, 2)
            self.add(t, asker, self.noisy(self.fill(q)), "qa_question")
            ans = self.fill(a)
            if r.random() < 0.5:
                ans = f"@{asker} {ans}"
            elif r.random() < 0.5:
                ans = self.quote(ans, asker, q)
            self.add(t + timedelta(minutes=r.randint(1, 15)), answerer, ans, "qa_answer")
            if r.random() < 0.4:
                self.add(t + timedelta(minutes=20), asker, r.choice(["谢谢！", "好的谢谢", "👍"]), "thanks")
        elif kind == "neighbour":
            asker = r.choice(self.residents)
            self.add(t, asker, self.noisy(self.fill(r.choice(B.NEIGHBOUR_REQUESTS))), "neighbour")
            if r.random() < 0.5:
                self.add(t + timedelta(minutes=r.randint(1, 20)), r.choice([x for x in self.residents if x != asker]),
                         r.choice(B.NEIGHBOUR_REPLIES), "neighbour")
            if r.random() < 0.4:
                self.add(t + timedelta(hours=2), asker, r.choice(["有人吗？", "还是没人知道吗", "顶一下"]), "neighbour")
        elif kind == "thanks":
            self.add(t, r.choice(self.residents), self.noisy(self.fill(r.choice(B.THANKS))), "thanks")
        elif kind == "media":
            self.add(t, r.choice(self.residents), r.choice(MEDIA), "media")
        else:
            self.add(t, r.choice(self.residents), self.noisy(self.fill(r.choice(B.RESOLVED))), "resolved")

    def system(self):
        r = self.rng
        who = r.choice(self.residents)
        text = r.choice([f'"{who}"撤回了一条消息', f"{who}加入了群聊", f"{r.choice(self.staff)}邀请{who}加入了群聊",
                         f"{who}拍了拍{r.choice(self.staff)}", f'"{who}"撤回了一条消息'])
        self.add(self.rand_time(), "", text, "system")

    # --- build and render --------------------------------------------------------------------
    def build(self):
        r = self.rng
        issues = [i for i in B.ISSUES if i[3] not in ("market",) or self.kind == "market" or r.random() < 0.3]
        by_cat: dict[str, list] = {}
        for i in issues:
            by_cat.setdefault(i[1], []).append(i)
        cats = sorted(by_cat)
        for _ in range(r.randint(3, 7)):
            issue = r.choice(by_cat[r.choice(cats)])   # categories balanced, then an issue
            if issue[3] == "info" and r.random() < 0.7:
                self.consult(issue)
            else:
                self.thread(issue)
        info = [i for i in issues if i[3] == "info"]
        for _ in range(r.randint(0, 2)):
            self.consult(r.choice(info))
        if r.random() < 0.35:
            self.thread(multi=r.choice(B.MULTI))
        for _ in range(r.randint(1, 3)):
            self.notice()
        for _ in range(r.randint(5, 10)):
            self.chatter()
        for _ in range(r.randint(0, 3)):
            self.system()
        self.events.sort(key=lambda e: e["t"])

    def render(self) -> list[dict]:
        st = self.style
        out, line = [], 1
        rows = []
        if st["title"]:
            rows.append((None, r'微信群"' + self.name + '"的聊天记录'))
        for e in self.events:
            t = e["t"]
            date = t.strftime(f"%Y{st['sep']}%m{st['sep']}%d") if st["pad"] else \
                f"{t.year}{st['sep']}{t.month}{st['sep']}{t.day}"
            clock = t.strftime("%H:%M:%S" if st["secs"] else "%H:%M")
            stamp = f"[{date} {clock}]" if st["bracket"] else f"{date} {clock}"
            if e["kind"] == "system":
                text = f"{stamp} {e['text']}" if self.rng.random() < 0.5 else e["text"]
            else:
                text = f"{stamp} {e['sender']}{st['colon']}{e['text']}"
            rows.append((e, text))
        for e, text in rows:
            n = text.count("\n") + 1
            if e is not None:
                out.append({"export": self.id, "group": self.name, "community": self.community,
                            "line": line, "rendered": text, "time": e["t"].strftime("%Y-%m-%d %H:%M"),
                            "sender": e["sender"], "text": e["text"], "demand": e["demand"],
                            "category": e["category"], "urgent": e["urgent"], "cluster": e["cluster"],
                            "kind": e["kind"]})
            else:
                out.append({"export": self.id, "group": self.name, "community": self.community, "line": line,
                            "rendered": text, "kind": "title", "demand": False})
            line += n
            if st["blank"]:
                out[-1]["rendered"] += "\n"
                line += 1
        return out


def build(n_exports: int = 46, seed: int = SEED) -> list[dict]:
    rng = random.Random(seed)
    rows = []
    for i in range(n_exports):
        ex = Export(rng, i)
        ex.build()
        rows.extend(ex.render())
    return rows


def main() -> None:
    rows = build()
    with open(OUT, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    msgs = [r for r in rows if r["kind"] not in ("title", "system")]
    dem = sum(1 for r in msgs if r["demand"])
    print(f"{len({r['export'] for r in rows})} exports, {len(msgs)} messages, {dem} demands → {OUT}")


if __name__ == "__main__":
    main()
