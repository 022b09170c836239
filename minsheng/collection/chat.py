"""WeChat group exports → resident demands (pure logic: no web request, no database).

    from minsheng.collection.chat import extract_text
    for d in extract_text(open("群聊.txt", encoding="utf-8").read()):
        if d.demand: print(d.line, d.text, d.category, d.cluster)

Reading the export is ``chat_export`` (``parse_lines``, ``clean``); what one message says is
``chat_cues`` (cues, features, the linear model). Here, ``ChatExtractor`` decides for each message
whether it is a demand: the model decides messages that stand on their own; follow-ups ("还没人来修啊",
"我家也是", a quoted reply) join the problem they follow and are demands only when it is (those rules
are ``chat_threads``). Category and urgency come from the triage engine on the cleaned text;
``cluster`` groups messages that report the same problem (the engine's duplicate similarity,
incrementally, with the group's own place filled in where a message names none).
"""

from __future__ import annotations

import re
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from itertools import islice

from minsheng.triage.engine import load_default
from minsheng.triage.engine.lexicon import BROAD_CONCEPTS, CONCEPTS

from .chat_cues import (
    _ANSWER_RE,
    _FUNCTION_BIGRAMS,
    _HAN_RE,
    _STRONG_COMMIT_RE,
    ADDRESS_RE,
    ADDRESSED_ROLE_RE,
    CUE_LABELS,
    EXTRA_LABELS,
    LEADER_NICK_RE,
    SELF_INTRO_RE,
    Decision,
    DemandModel,
    address_of_staff,
    addresses_someone,
    cue_hits,
    default_model,
    features,
    introduced_staff,
    is_staff_nick,
    meaning_reading,
    nick_is_introduced,
    nick_surname_fits,
)
from .chat_export import Cleaned, Message, clean, parse_text
from .chat_threads import ThreadRules, _Cluster

# ---------------------------------------------------------------------------------------------
# 4. The extractor: model + follow-up rules + clustering, streaming in file order

DETAIL_WINDOW = timedelta(minutes=30)
ANSWER_WINDOW = timedelta(hours=2)
CLUSTER_WINDOW = timedelta(days=10)
LOOKAHEAD = 5
# below the model's line but this sure, with the engine reading a present danger: shown as "可能紧急".
# Across the 16 training writers: 85 such messages, 22 of them demands (16 urgent) the model missed
MAYBE_URGENT = 0.3
_UNPLACED = "（本群）"
_CHAIN_RE = re.compile(r"\s*#接龙")
_LIST_LINE_RE = re.compile(r"\n\s*\d+\s*[.、．]")
# a headed notice: "【通知】", "【采菱社区】防台风提醒：", "【…候选项目投票】"
_NOTICE_HEAD_RE = re.compile(r"\s*【[^】]{0,24}(通知|公告|通告|提醒|提示|告知|倡议|投票|预警|公示|安排)[^】]{0,12}】"
                             r"|\s*【[^】]{2,12}(社区|物业|网格|居委|村委)】")
# what the writer will do themselves ("我下午去看看阿婆", "我今晚收进去", "我下周一发工资就交"): an answer
# to the one addressed, not a matter for them (none of the 7 training messages it takes from the address rule is a demand)
_OWN_ACTION_RE = re.compile(r"我(马上|今晚|今天|明天|后天|下午|上午|晚上|中午|等下|等会儿?|一会儿?|这就|先|也|再|"
                            r"下礼拜[一二三四五六日天]?|下周[一二三四五六日天]?)*(去|来|过来|过去|打|收|带|私发|发|交|送|上门)")
# request words that ask something for oneself ("能不能…送到屋里"), not only information
_FOR_ONESELF = {"能不能", "能否", "可不可以", "可否", "帮忙", "申请", "希望", "麻烦"}
# a question put to the neighbours ("请问大家，老年卡在哪里办？", "有没有人知道哪里修电瓶车") or borrowing from
# them ("谁家有梯子借一下"): theirs to answer, not the community's. Across the 28 training writers' exports
# such messages were demands 0 times in 94 (a present danger is left to the model: "谁有物业值班电话？？")
_ASKS_NEIGHBOURS_RE = re.compile(r"^(请问|问一下|问下|想问一下|想问下|打听一下|请教一下?)(一下)?[，, ]?"
                                 r"(大家|各位|邻居|群里|家人们|宝妈|宝爸|家长|群友)"
                                 r"|(谁家|谁有|哪位|有没有(人|邻居|谁)|有谁)[^，,。！!？?]{0,12}(借|多余的|多的)"
                                 r"|(有没有|有谁|谁|哪位|阿有)(人|邻居|宝妈|家长|朋友)?(知道|晓得)")
# ... but "问下大家，我家阳台外面那根雨水管断了…这种找谁来修啊？", "…社区能办伐" ask who puts it right: a request
_WHO_FIXES_RE = re.compile(r"找谁来?修|谁来修|归谁管|谁(来)?管|(社区|物业|居委|网格)(能|可以|会)?(办|管|修)")
# what someone found and did on inspection ("管道看过了，…已经高压冲开了", "7栋1502地暖看过了 分水器的过滤网堵了
# 清理以后水流正常了"): a work report, whoever sends it, unless it asks for more. Across the 34 training
# writers' exports such openings were demands once in 50 (a repairer asking the 主任 for materials)
_WORK_REPORT_RE = re.compile(r"^.{0,16}(看|查|检查|查看)过了")
_ASKS_MORE_RE = re.compile(r"能不能|能否|帮我|尽快|赶紧|要装|请.{0,4}(来|修|处理)|[吗伐？?]|还没|到底")
# a view in a neighbours' argument ("说句公道话，猫也是一条命…") asks nothing unless it goes on to ask
_OPINION_RE = re.compile(r"^(说句|讲句)(公道|良心)话|^我(个人|倒)?(觉得|认为)|^依我看|^要我说"
                         r"|^我(也|再|就)?(说|讲)(两|几|一)句|^(关于|对于).{0,10}我(再|也|就)?(说|讲)(一|两|几)句")
# an owners' committee election: candidates' pitches and talk of the vote, in the words or the
# nickname, ask the community nothing (5 such messages in the training exports, none a demand); a danger
# in one is still read
_CAMPAIGN_RE = re.compile(r"参选|竞选|候选人|投我一票|报名业委会|当选|拉票|手中(的)?一票")
# how it went for someone taken to hospital ("120已经送武进医院了…", "缝了三针，医生说…谢谢大家关心"):
# news after an emergency, not a new one. Of the 61 messages across the training exports that say so,
# 3 were demands, each asking something more ("…请问社区有没有轮椅可以借")
_AFTERMATH_RE = re.compile(r"医生(说|讲)|救过来|没(什么|啥)?大碍|脱离危险|缝了.{0,3}针|烧退|退烧了|出院了|"
                           r"120(已经)?(到|来)了|已经(送|到)(了)?.{0,8}医院|报个平安")
# telling residents what to do (a notice), not asking the community for something ...
_INSTRUCT_RE = re.compile(r"请(大家|各位|今晚|明天|及时|自觉|不要|勿)|(大家|各位)(记得|把|不要)|不要在|禁止")
# ... about something planned ahead ("明天上午清理楼道堆物，请今晚…"), not "大家不要点火！12楼煤气味很重"
_PLANNED_RE = re.compile(r"明天|明早|后天|下周|下礼拜|下个?星期|周[一二三四五六日末]|星期[一二三四五六日天]|礼拜[一二三四五六日天]"
                         r"|届时|将于|\d+月\d+[日号]")


_LEADER_ROLES = ("楼道长", "楼长", "单元长")


_ALARM_RE = re.compile(r"紧急|扩散|寻人|急寻|帮忙找|帮忙留意|帮忙寻|大家留意|请大家.{0,6}(留意|注意|找)")


def _person_alarm(tri, text: str) -> bool:
    """"【紧急寻人】9幢沈老伯…今早出门到现在没回来，看到请打电话…": staff raising the alarm for a person
    in danger report an emergency, however much it reads like a notice, thanks or carries a phone number
    (such alerts are demands in 15 of 23 training exports' cases, every one about a person). Their
    replies and progress ("敲门没人应，老伯伯不在家") are not alarms."""
    return bool(tri.urgent) and bool({"missing_person", "person_unreachable"} & set(tri.hazards or ())) \
        and bool(_ALARM_RE.search(text))


class ChatExtractor(ThreadRules):
    """Decide, message by message, which messages of an export are demands.

    ``group`` names the group, compound or community when known (the web page's choice, a title
    line): messages that name no place are taken to be about it when clustering.
    """

    def __init__(self, engine=None, model: DemandModel | None = None, *, group: str | None = None,
                 lookahead: int = LOOKAHEAD, meaning: Callable[[Message, str], float | None] | None = None):
        if engine is None:

            engine = load_default()
        self.engine = engine
        self.model = model or default_model()
        self.group = group
        self.lookahead = lookahead
        self.record: list | None = None        # (line, features) of model decisions, for training
        # p(demand) from meaning vectors: the model's head over the embedder, or readings made before
        # (background work on an uploaded export; training's out-of-fold readings), by (message, text)
        self.meaning = meaning
        self.next_cluster = 0
        self._cleaned: dict[int, Cleaned] = {}
        self._section: int | None = None
        self._reset()

    # --- state per section ---------------------------------------------------------------------
    def _reset(self) -> None:
        self.history: deque[Decision] = deque(maxlen=400)
        self.clusters: list[_Cluster] = []
        self.staff_senders: dict[str, str] = {}   # sender → how we know they are staff (for the reason)
        self.leaders: set[str] = set()            # senders who introduced themselves as 楼道长/楼长/单元长
        self.staff_names: set[str] = set()       # nicknames and self-introduced names of staff
        self.addressed: dict[str, Message] = {}     # surname → the last message addressing "杨网格"
        # name → (when staff introduced them, who had spoken in the group by then)
        self.introduced: dict[str, tuple[datetime | None, frozenset[str]]] = {}
        self.senders: set[str] = set()
        self.community_votes: Counter = Counter()
        self.hint = None
        if self.group:
            pm = self.engine.gazetteer.resolve(self.group)
            if pm.community:
                self.hint = pm

    def _home(self) -> tuple[str | None, str | None]:
        """(community, grid) that messages without place words are taken to be about: the group's
        own (named by the page or a title line), else the community most messages name."""
        if self.hint is not None:
            return self.hint.community, self.hint.grid
        if not self.community_votes:
            return None, None
        (community, n), = self.community_votes.most_common(1)
        if n < 2 or n / sum(self.community_votes.values()) < 0.6:
            return None, None
        return community, None

    def _clean(self, m: Message) -> Cleaned:
        c = self._cleaned.get(id(m))
        if c is None:
            c = self._cleaned[id(m)] = clean(m.raw)
        return c

    # --- driver ----------------------------------------------------------------------------------
    def run(self, messages: Iterable[Message]) -> Iterator[Decision]:
        buf: deque[Message] = deque()
        for m in messages:
            buf.append(m)
            if len(buf) > self.lookahead:
                yield self._step(buf.popleft(), list(buf))
        while buf:
            yield self._step(buf.popleft(), list(buf))

    def _step(self, m: Message, ahead: list[Message]) -> Decision:
        if m.section != self._section:
            if self._section is not None:
                self._reset()
            self._section = m.section
        if m.title and not self.group:
            pm = self.engine.gazetteer.resolve(m.raw)
            if pm.community and ("群" in m.raw or "聊天" in m.raw):
                self.hint = pm                 # 微信群“采菱家园二期5幢楼道群”的聊天记录
        d = self._decide(m, ahead)
        self._cleaned.pop(id(m), None)
        self.history.append(d)
        self.senders.add(m.sender)
        return d

    # --- one message -----------------------------------------------------------------------------
    def _decide(self, m: Message, ahead: list[Message]) -> Decision:
        if m.system:
            return Decision(m, m.raw.strip(), False, 0.0, "标题" if m.title else "系统消息", "system")
        c = self._clean(m)
        if not _HAN_RE.search(c.text) and not re.search(r"[A-Za-z0-9]{2,}", c.text):
            what = "图片/语音等" if c.media else ("表情" if c.emoji else "空消息")
            if re.fullmatch(r"\s*(\+1|＋1|1)\s*", re.sub(r"[^\w+＋]", "", c.text or "")):
                what = ""
            if what:
                return Decision(m, c.text, False, 0.0, f"只有{what}，没有文字", "media", cleaned=c)
        text = c.text
        low = text.lower()
        hits = cue_hits(low, c.emoji)
        if _CHAIN_RE.match(text) or self._copies_a_chain(m):
            # "#接龙" + the organiser's notice + the list so far + one's own line: signing up, neither a
            # demand nor a sign that the one signing is staff
            return Decision(m, text, False, 0.0, "否：接龙报名", "notice", cleaned=c)
        staff = self._is_staff(m.sender)
        if not staff:
            why = ("居民刚以职务相称" if self._addressed_as_staff(m)
                   else "经工作人员介绍" if self._introduced_as_staff(m) else None)
            if why is not None:
                self.staff_senders[m.sender] = why
                staff = True
        for surname, _role in ADDRESSED_ROLE_RE.findall(text):
            self.addressed[surname] = m
        tri = self.engine.predict(text, channel="wechat_group")
        if tri.community:
            self.community_votes[tri.community] += 1
        n_han = len(_HAN_RE.findall(text))

        if not staff and self._looks_staff(m, c, hits):
            intro = SELF_INTRO_RE.search(c.text)
            self.staff_senders[m.sender] = "自我介绍" if intro else "以工作人员口吻发言"
            if intro and intro.group(1) in _LEADER_ROLES:
                self.leaders.add(m.sender)   # "我是11幢的楼道长老蒋": speaks for residents as a 楼道长 does
            staff = True
        if staff:
            self._know_staff(m, c)
        if staff and self._staff_talk(m, c, hits, tri):
            return self._staff(m, c, hits, tri)
        if _WORK_REPORT_RE.match(text) and not _ASKS_MORE_RE.search(text):
            return Decision(m, text, False, 0.0, "否：检查和处理情况的通报", "staff", cleaned=c, result=tri)
        if _OPINION_RE.match(text) and not tri.urgent and not any(k in hits for k in ("request", "question", "danger")):
            return Decision(m, text, False, 0.0, "否：发表看法，未提要求", "chat", cleaned=c, result=tri)
        if (_CAMPAIGN_RE.search(text) or _CAMPAIGN_RE.search(m.sender or "")) and not tri.urgent \
                and "danger" not in hits:
            return Decision(m, text, False, 0.0, "否：选举发言", "chat", cleaned=c, result=tri)
        if _AFTERMATH_RE.search(text) and not _ASKS_MORE_RE.search(text) and "request" not in hits:
            return Decision(m, text, False, 0.0, "否：送医后的情况通报", "chat", cleaned=c, result=tri)
        joined = None if staff else self._follow(m, c, hits, tri, n_han)
        if joined is not None:
            return joined
        if len(set(hits.get("ad", ()))) >= 2 and "first_person" not in hits and "request" not in hits \
                and not tri.urgent:      # an alarm's "看到请打电话139****" is no advert
            return Decision(m, text, False, 0.0, f"否：广告（“{'、'.join(dict.fromkeys(hits['ad']))[:16]}”）", "ad",
                            cleaned=c, result=tri)

        asks_neighbours = self._asks_neighbours(text)
        if asks_neighbours and not tri.urgent and "danger" not in hits:
            return Decision(m, text, False, 0.0, f"否：问邻居（“{asks_neighbours.group(0)[:8]}”）", "neighbour",
                            cleaned=c, result=tri)

        # 楼道长 and volunteers are residents who speak for others: having spoken as staff before does
        # not make their own report less of one (their nickname is a feature of its own)
        leader = self._is_leader(m.sender)
        seen = staff and not leader
        p, contrib = self._score(m, c, {**features(c, m, tri, staff_seen=seen, hits=hits), **self._context(m, c, tri, hits)})
        demand = p >= self.model.threshold
        reason = self._reason(demand, contrib, hits)
        kind = "report" if demand else self._kind(hits)
        # 楼道长 and volunteers ask staff for residents ("周师傅，5幢2单元门禁的配件到了没有？")
        asks = not staff or leader
        asked = address_of_staff(text, self.staff_names) if asks else None
        if asked is not None and not self._asks_staff(text[ADDRESS_RE.match(text).end():], hits):
            asked = None
        if asked is not None and not demand:
            self._overrule()
            demand, p, kind = True, max(p, self.model.threshold), "report"
            reason = f"是：向工作人员提出（称呼“{asked}”）"
        if staff and not demand and _person_alarm(tri, text):
            self._overrule()
            demand, p, kind = True, max(p, self.model.threshold), "report"
            reason = f"是：工作人员发出人员安危警报（{tri.situation or '紧急'}）"
        if demand and "question" in hits and "problem" not in hits and "danger" not in hits and not tri.urgent:
            notice = self._recent_notice(m, c)
            if notice is not None:
                self._overrule()
                return Decision(m, text, False, p, f"否：询问第 {notice.line} 行通知的细节", "question",
                                cleaned=c, result=tri, follows=notice.line)
        if demand and "thanks" in hits and "resolved" in hits and not tri.urgent and not any(
                k in hits for k in ("request", "question", "followup", "again")):
            # "楼道灯换好了…谢谢物业": news that a problem is over, with thanks, asks nothing
            self._overrule()
            self._mark_resolved(m, c)
            return Decision(m, text, False, p, "否：说问题已解决并致谢", "resolved", cleaned=c, result=tri)
        # a question put to someone by name or role, asking for oneself ("能不能…送到屋里") or about a nuisance
        # is theirs to answer: a neighbour's answer does not settle it (7 of 14 such overrules were demands)
        asks_for_oneself = "problem" in hits or any(w in _FOR_ONESELF for w in hits.get("request", ()))
        if demand and asked is None and not addresses_someone(text) and not asks_for_oneself \
                and (self._is_plain_question(hits, tri) or "neighbour_ask" in hits and "question" in hits and not tri.urgent):
            ans = self._answered(m, ahead)
            if ans is not None:
                self._overrule()
                return Decision(m, text, False, p, f"否：邻居已在群内解答（第 {ans.line} 行）", "answered",
                                cleaned=c, result=tri, follows=ans.line)
        d = Decision(m, text, demand, p, reason, kind, cleaned=c, result=tri)
        # recall first for danger (taxonomy.md): a resident's message on a present danger that the model
        # left just below the line is shown to the reviewer as "可能紧急", not silently passed over
        d.maybe_urgent = (not demand and not seen and bool(tri.urgent) and p >= MAYBE_URGENT)
        if d.maybe_urgent:
            d.reason += f"；但说到危急情况（{tri.situation or '紧急'}），请看一眼"
        if demand:
            d.category, d.urgent = tri.category, bool(tri.urgent)
            self._cluster(d)
        elif kind == "resolved":
            self._mark_resolved(m, c)
        return d

    @staticmethod
    def _asks_neighbours(text: str) -> re.Match | None:
        """A question or loan put to the neighbours, not "…这种找谁来修啊？"."""
        asks = _ASKS_NEIGHBOURS_RE.search(text)
        return None if asks is None or _WHO_FIXES_RE.search(text) else asks

    def _copies_a_chain(self, m: Message) -> bool:
        """Signing a chain without WeChat's "#接龙" mark: the organiser's first line copied, then the list."""
        head = m.lines[0].strip()
        if len(head) < 8 or not _LIST_LINE_RE.search(m.raw):
            return False
        return any(d.message.lines[0].strip() == head for d in islice(reversed(self.history), 40) if d.kind != "system")

    def _is_leader(self, sender: str | None) -> bool:
        """A 楼道长/楼长/单元长 or volunteer: by nickname, or by their own introduction in this group."""
        return bool(LEADER_NICK_RE.search(sender or "")) or sender in self.leaders

    def _overrule(self) -> None:
        """A rule decides this message, not the model: its features are no training example."""
        if self.record:
            self.record.pop()

    def _know_staff(self, m: Message, c: Cleaned) -> None:
        """Remember the names residents may call this staff member by: the nickname, and the name
        after a self-introduction ("我是社区的小钱" → 小钱)."""
        self.staff_names.add(m.sender or "")
        intro = SELF_INTRO_RE.search(c.text)
        if intro is not None:
            name = re.match(r"[\u4e00-\u9fff]{2,4}", c.text[intro.end():])
            if name is not None:
                self.staff_names.add(name.group(0))
        for name in introduced_staff(c.text):
            self.staff_names.add(name)
            self.introduced[name] = (m.time, frozenset(self.senders))

    @staticmethod
    def _asks_staff(rest: str, hits: dict) -> bool:
        """After "周网格，": a matter of its own, not a greeting, thanks or "好的"."""
        if len(_HAN_RE.findall(rest)) < 6 or any(k in hits for k in ("greeting", "ack")):
            return False
        if _OWN_ACTION_RE.search(rest) and not any(k in hits for k in ("problem", "danger", "request", "followup", "again")):
            return False
        return "thanks" not in hits or any(k in hits for k in ("request", "question", "followup", "again"))

    def _staff_talk(self, m: Message, c: Cleaned, hits: dict, tri) -> bool:
        """What staff and 楼道长 say as staff: notices, replies, progress, thanks, greetings, questions to
        residents. A problem they report on residents' behalf ("5幢电梯又坏了", "楼上王奶奶两天没开门了")
        is not: it goes to the model like a resident's message."""

        specific = [k for k in tri.concepts if k in CONCEPTS and k not in BROAD_CONCEPTS]
        # on residents' behalf, or found on one's rounds: "今天巡查发现…窨井盖碎了一半…业主注意避让" warns, but
        # reports first (10 of 11 such messages across the training writers are demands)
        rounds = "rounds" in hits
        relay = "relay" in hits or rounds
        leader = self._is_leader(m.sender)
        reports = leader or relay or "problem" in hits or "danger" in hits or tri.urgent or bool(specific)
        # one ad word is no advert: "…被二房东隔成好几间出租，住户反映…麻烦你们来看一下"
        alarm = _person_alarm(tri, c.text)
        if not reports or any(k in hits for k in ("greeting", "ack")) or (
                len(set(hits.get("ad", ()))) >= 2 and not alarm):
            return True
        planned = bool(_INSTRUCT_RE.search(c.text) and _PLANNED_RE.search(c.text))
        if ("notice" in hits or "@所有人" in m.raw) and not rounds and not (leader and tri.urgent and not planned
                                                                           or alarm):
            # not "各位邻居，301王奶奶的牛奶两天没拿进去了，敲门没人应"; but "各位邻居注意：明天清理楼道堆物，
            # 请今晚把鞋架纸箱收进屋" tells residents what to do: a notice, however urgent its words
            return True
        if "resolved" in hits and not (leader and ("request" in hits or "followup" in hits)):
            return True                  # not "王奶奶手术做好了…社区的助餐能不能送上门"
        if relay or alarm:
            return False
        if "thanks" in hits:
            return True
        if "commit" in hits and not tri.urgent and not (leader and "request" in hits):
            return True                  # not "我们3幢门口树枝堆了一大堆…今天能不能先来清一下"
        return bool(c.mentions or c.quote_text) and "request" not in hits and not tri.urgent

    def _addressed_as_staff(self, m: Message) -> bool:
        """Residents just addressed "杨网格" and "小杨🌻" speaks: the one addressed (within 3 hours)."""
        for surname, asked in self.addressed.items():
            if asked.sender == m.sender or not nick_surname_fits(m.sender, surname):
                continue
            if asked.time is None or m.time is None or m.time - asked.time <= timedelta(hours=3):
                return True
        return False

    def _introduced_as_staff(self, m: Message) -> bool:
        """Staff introduced "周婷, 我们这块新的网格员" and 周婷🌸 (or 小周), new to the group, speaks within a week."""
        for name, (when, before) in self.introduced.items():
            if m.sender in before or (when is not None and m.time is not None and m.time - when > timedelta(days=7)):
                continue
            if nick_is_introduced(m.sender, name):
                return True
        return False

    def _looks_staff(self, m: Message, c: Cleaned, hits: dict) -> bool:
        """A sender whose nickname says nothing, writing as staff do: a notice ("各位居民：…请在群里接龙"),
        a reply that reports action taken ("@张三 收到，已通知物业"), or introducing themselves as staff
        ("大家好，我是二网格的网格员唐宁")."""
        if SELF_INTRO_RE.search(c.text) or _NOTICE_HEAD_RE.match(c.text):
            return True              # "【通知】…家里老人不会弄手机的可以私信我" speaks of residents' homes
        if "@所有人" in m.raw or c.text.startswith(("【", "[通知]")) or len(set(hits.get("notice", ()))) >= 2:
            return "first_person" not in hits
        if _STRONG_COMMIT_RE.search(c.text) and (c.mentions or c.quote_text or c.text.startswith("收到")):
            return "first_person" not in hits and "question" not in hits
        return False

    def _staff(self, m: Message, c: Cleaned, hits: dict, tri) -> Decision:
        if "notice" in hits or "@所有人" in m.raw:
            kind, why = "notice", "工作人员通知"
        elif "commit" in hits or c.mentions or c.quote_text:
            kind, why = "staff", "工作人员答复"
        else:
            kind, why = "staff", "工作人员消息"
        how = f"昵称“{m.sender}”" if is_staff_nick(m.sender) else f"“{m.sender}”{self.staff_senders.get(m.sender, '')}"
        d = Decision(m, c.text, False, 0.0, f"否：{why}（{how}）", kind, cleaned=c, result=tri)
        target = self._target_by_mention(c) or self._recent_demand(m, within=timedelta(hours=3))
        if target is not None and target.cluster is not None:
            d.thread = target.cluster
        if "resolved" in hits and "question" not in hits:
            self._mark_resolved(m, c)
        return d

    # --- follow-ups, me-too, details ---------------------------------------------------------------
    def _score(self, m: Message, c: Cleaned, f: dict) -> tuple[float, list]:
        """The model's p(demand) for one message's features and meaning (kept in ``record`` when
        training); without a meaning reading, the model's fast twin decides."""
        p_meaning = self._meaning(m, c.text)
        if p_meaning is not None:
            f["meaning"] = p_meaning
        if self.record is not None:
            self.record.append((m.line, f))
        return self.model.for_features(f).score(f)

    def _meaning(self, m: Message, text: str) -> float | None:
        if self.meaning is not None:
            return self.meaning(m, text)
        return meaning_reading(text, self.model)

    def _recent_notice(self, m: Message, c: Cleaned) -> Decision | None:
        """A staff notice shortly before this short question that it asks about (shares a word of two
        characters: "停水到几点？" after "明天上午停水"). A longer message with its own matter — a
        subsidy it needs, a problem at home — is a request of its own, notice or not."""
        han = "".join(_HAN_RE.findall(c.text))
        if len(han) > 24:
            return None
        mine = {han[i:i + 2] for i in range(len(han) - 1)} - _FUNCTION_BIGRAMS
        for i, d in enumerate(reversed(self.history)):
            if i > 8 or d.time and m.time and m.time - d.time > timedelta(hours=3):
                return None
            if d.kind == "notice":
                t = "".join(_HAN_RE.findall(d.text))
                theirs = {t[k:k + 2] for k in range(len(t) - 1)}
                return d if mine & theirs else None
        return None

    def _is_plain_question(self, hits: dict, tri) -> bool:
        physical = [k for k in tri.concepts if k in CONCEPTS and k not in BROAD_CONCEPTS
                    and CONCEPTS[k][0] not in ("services", "health", "elderly", "culture")]
        return "question" in hits and "problem" not in hits and "danger" not in hits and not tri.urgent \
            and not physical

    def _answered(self, m: Message, ahead: list[Message]) -> Message | None:
        first = True
        for a in ahead[:4]:
            if a.system:
                continue
            if a.time and m.time and a.time - m.time > ANSWER_WINDOW:
                return None
            if a.sender == m.sender:
                first = False
                continue
            c = self._clean(a)
            if self._is_staff(a.sender):
                if c.quote_sender == m.sender or m.sender in c.mentions or first:
                    return None                  # the community answers: still a demand
                continue
            h = cue_hits(c.text.lower(), c.emoji)
            if "question" in h or "metoo" in h:
                first = False
                continue
            addressed = c.quote_sender == m.sender or any(
                n and (m.sender.startswith(n) or n.startswith(m.sender)) for n in c.mentions)
            quick = a.time is None or m.time is None or a.time - m.time <= timedelta(minutes=15)
            if addressed and "problem" not in h or (first and quick and _ANSWER_RE.search(c.text) and "problem" not in h
                                                    and len(_HAN_RE.findall(c.text)) <= 30):
                return a
            first = False
        return None

    # --- clustering ------------------------------------------------------------------------------
    def _placed(self, r):
        """The result as the duplicate test sees it: a message that names no place is about the
        group's own community (its place is not assumed, so only a close match of the problem joins)."""
        if r.community is not None:
            return r
        community, grid = self._home()
        return replace(r, community=community or _UNPLACED, grid=r.grid or grid, ngrams=None)

    def _cluster(self, d: Decision) -> None:
        r = self._placed(d.result)
        pairs = self.engine.pairs
        best, best_s = None, 0.0
        for cl in self.clusters:
            if cl.last and d.time and d.time - cl.last > CLUSTER_WINDOW:
                continue
            recent = [o for o in cl.results[-6:] if o.community == r.community]
            if not recent:
                continue
            scores = pairs.scores(r, recent)
            for other, s in zip(recent, scores, strict=True):
                if s >= pairs.threshold_for(r, other) and s > best_s:
                    best, best_s = cl, float(s)
        if best is None:
            hits = cue_hits(d.text.lower())
            consult = self._is_plain_question(hits, d.result) or d.result.type == "consult" and "problem" not in hits
            best = _Cluster(self.next_cluster, d, consult=consult)
            self.next_cluster += 1
            self.clusters.append(best)
        else:
            d.follows = best.first.line
            d.reason += f"；与第 {best.first.line} 行是同一问题"
        best.results.append(r)
        best.senders.add(d.sender)
        best.last = d.time or best.last
        d.cluster = best.id

    # --- explanations ----------------------------------------------------------------------------
    def _kind(self, hits: dict) -> str:
        for k in ("ad", "notice", "resolved", "thanks", "greeting", "ack", "laugh", "neighbour_ask", "lost_found"):
            if k in hits:
                return {"laugh": "chat", "neighbour_ask": "neighbour", "lost_found": "neighbour"}.get(k, k)
        return "question" if "question" in hits else "chat"

    def _reason(self, demand: bool, contrib: list[tuple[str, float]], hits: dict) -> str:
        parts = []
        for name, value in contrib:
            if (value > 0) != demand or abs(value) < 0.3:
                continue
            if not demand and (name.startswith("type_") or name == "urgent_rule"):
                continue                      # "否：求助", "否：紧急规则" explain nothing
            label = CUE_LABELS.get(name) or EXTRA_LABELS.get(name, name)
            words = hits.get(name)
            parts.append(f"{label}“{'、'.join(dict.fromkeys(words))[:16]}”" if words else label)
            if len(parts) == 3:
                break
        return ("是：" if demand else "否：") + ("；".join(parts) or ("像诉求" if demand else "不像诉求"))


def extract(messages: Iterable[Message], *, engine=None, model: DemandModel | None = None,
            group: str | None = None, meaning: Callable[[Message, str], float | None] | None = None
            ) -> Iterator[Decision]:
    """Every message's decision, in file order (streaming). ``meaning`` gives readings made before
    (by line); without it the model's meaning head reads each message as it comes."""
    return ChatExtractor(engine, model, group=group, meaning=meaning).run(messages)


def extract_text(text: str, **kw) -> list[Decision]:
    return list(extract(parse_text(text), **kw))


