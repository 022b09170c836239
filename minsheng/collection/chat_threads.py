"""How a WeChat message joins an earlier problem (part of ``chat.ChatExtractor``).

A quoted reply, a follow-up ("还没人来修啊"), a "+1 / 我家也是", a neighbour's short agreement right after a
report, or the reporter's own next word of what is wrong continues that problem and is a demand exactly
when it is.
``ThreadRules`` holds these rules and the lookups they use over the extractor's history and clusters;
``ChatExtractor`` mixes it in (its ``history``, ``clusters``, ``model`` and ``_score``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from minsheng.triage.engine.lexicon import BROAD_CONCEPTS, CONCEPTS

from .chat_cues import (
    _ANSWER_RE,
    _FOLLOW_CHARS,
    _FUNCTION_CHARS,
    _HAN_RE,
    _SAME_HERE_RE,
    Decision,
    cue_hits,
    features,
    is_staff_nick,
)
from .chat_export import Cleaned, Message, clean

FOLLOW_WINDOW = timedelta(days=7)
_PLACE_CHARS = set("幢栋楼层号室单元期区门口")   # "12幢" shared with another report says nothing of the problem
ME_TOO_WINDOW = timedelta(hours=6)
CONTEXT_WINDOW = timedelta(minutes=30)
# Asking after a person ("果果怎么样了", "顾阿婆现在怎么样了有人晓得伐"): concern, not a chase. Across the
# training writers' exports (each judged by a model fitted without its writer) such follow-ups were
# demands 0 times in 4.
_CONCERN_RE = re.compile(r"怎么样了|好点了[吗伐没]?|没事吧|要紧[吗伐]|还好[吗伐]")
# An exclamation at what someone else reported ("太危险了", "吓死人了", "天哪", "早就该管管了") with little of
# one's own beside it: an opinion, not a report or a "me too". Across the 28 training writers' exports
# such messages were demands 3 times in 73.
_REACTION_RE = re.compile(r"^(天哪|我的天|天呐|天啊|哎呀|哎哟|妈呀)|(太|好|真|真的|实在|交关|蛮)(危险|吓人|可怕|恐怖|惨|过分|不像话|缺德)了?"
                          r"|吓死(人|了|我了)?|早(就)?(应)?该(管管?|这样|这么|换|修|弄|成立|发|装|整治|处理)了?"
                          r"|这种事.{0,4}该管管?了?|作孽|可怜")
# ... but "上次说的那个事怎么样了", "电梯修得怎么样了" ask after a problem: a chase
_THING_RE = re.compile(r"事|修|弄|处理|进展|消息|结果|申请|报名|办|电梯|灯|水|电|路|门|车|树|井|管|坑|墙|房|桩|闸")
# Right after a report, arguing or talking a neighbour round is no "me too" ("也不能在电梯口充啊",
# "你骂物业也没用", "老邻居了，也弗是要为难大家"): 0 demands in 14 such messages across writers.
_ARGUE_RE = re.compile(r"也[不弗没](能|是|用|关系|办法|都|故意)|你骂|一棍子|有啥啦|不陪陪|老邻居|你也有|"
                       r"(你|你们)家?是不是")

# No chase of an earlier problem: talk of the weather ("今天又39度", "又要落雨了"), a bare question of when
# ("几点来水啊", "周四几点到？") or a question put to the neighbours ("有没有人知道开学第一天几点到校？").
# Across the 34 training writers' exports the follow-up rule took 13 such messages, none a demand.
_WEATHER_RE = re.compile(r"\d+度|[一二三四五六七八九十]+度|降温|升温|热回来|冷回来|落雨|下雨|阵雨|暴雨|雷雨|落雪|下雪|黄梅|梅雨|台风|回南天|太阳出来")
_WHEN_RE = re.compile(r"几点(到|来|能到|过来)|(啥|什么)时候(到|来|能)|啥时候来")
_NOT_IDLE = ("problem", "metoo", "first_person", "resolved")


def idle_question(text: str, hits: dict, asks_neighbours: bool) -> bool:
    """Weather, a bare "when", or a question to the neighbours: words that only look like a chase."""
    if "danger" in hits:
        return False
    if asks_neighbours:
        return True
    if any(k in hits for k in _NOT_IDLE) or set(hits.get("duration", ())) - {"又"}:
        return False
    if _WEATHER_RE.search(text):
        return True
    chase = hits.get("followup", ())
    return bool(chase) and all(_WHEN_RE.fullmatch(w) for w in chase) and "again" not in hits


@dataclass
class _Cluster:
    id: int
    first: Decision
    results: list = field(default_factory=list)
    senders: set = field(default_factory=set)
    last: datetime | None = None
    resolved: bool = False
    consult: bool = False           # a question (nothing to repair: "还没人来修" is not about it)


def _specific(tri) -> set[str]:
    """The concepts of a triage result that name a problem of their own (not broad ones like 安全)."""
    return {k for k in tri.concepts if k in CONCEPTS and k not in BROAD_CONCEPTS}


def _sharing_concepts(clusters: list[_Cluster], concepts: set[str]) -> list[_Cluster]:
    """The clusters one of whose reports names one of ``concepts``."""
    return [cl for cl in clusters if any(set(r.concepts) & concepts for r in cl.results)]


class ThreadRules:
    """The follow-up rules of ``ChatExtractor`` (see the module's docstring)."""

    def _follow(self, m: Message, c: Cleaned, hits: dict, tri, n_han: int) -> Decision | None:
        """A message that continues an earlier problem joins it (and is a demand exactly when that
        problem is): a quoted reply, a follow-up ("还没人来修啊"), a "+1 / 我家也是", a neighbour's
        short agreement right after a report, or the reporter's own next word of what is wrong."""

        specific = _specific(tri)
        negative = any(k in hits for k in ("resolved", "greeting", "ad", "laugh", "ack", "lost_found", "notice",
                                           "neighbour_ask")) or ("thanks" in hits and "request" not in hits)
        # A chase ("还没人来修") outweighs thanks or news; "说好的/等到" beside news that it is fixed does not
        # ("来电了！比说好的早半小时").
        chase = "followup" in hits and not ("resolved" in hits and "question" not in hits
                                           and not set(hits["followup"]) - {"说好的", "等到"})
        negative = negative and not chase
        if idle_question(c.text, hits, self._asks_neighbours(c.text)):
            chase, negative = False, True
        if _CONCERN_RE.search(c.text) and not _THING_RE.search(_CONCERN_RE.sub("", c.text)) and n_han <= 20 \
                and "request" not in hits:
            return Decision(m, c.text, False, 0.0, "否：关心当事人近况", "chat", cleaned=c, result=tri)
        reaction = self._reaction(c.text)
        if reaction:
            return Decision(m, c.text, False, 0.0, f"否：对别人说的事表态（“{reaction}”）", "chat", cleaned=c, result=tri)
        target, how, weak = None, "", False
        answer_like = bool(_ANSWER_RE.search(c.text)) and "followup" not in hits
        if c.quote_text is not None and not negative and not answer_like and "commit" not in hits and (
                n_han <= 6 or any(k in hits for k in ("followup", "again", "metoo", "problem", "danger", "duration"))):
            target, how = self._target_by_quote(c), "引用"
        if target is None and "followup" in hits and (n_han <= 30 or not specific) and not negative:
            own = self._own_last(m)
            if own is not None and not own.demand and own.kind == "neighbour":
                target = own                       # "还是没人知道吗" after one's own question to neighbours
            else:
                target = self._followup_target(m, specific, tri=tri)
            how = "跟进"
        if target is None and "again" in hits and n_han <= 30 and not negative:
            target = self._followup_target(m, specific, again=True, tri=tri)
            how = "跟进"
        if target is None and "metoo" in hits and (n_han <= 8 or n_han <= 16 and not specific) and not negative:
            target, how, weak = self._previous_topic(m), "附和", self._weak_agreement(c.text, hits)
        if target is None and not negative and n_han <= 25:
            prev = self._adjacent_demand(m)
            deictic = re.search(r"那边|这边|那里|这里|那个|这个|门口|楼下|楼上", c.text)
            agree = any(k in hits for k in ("metoo", "again", "danger")) or "problem" in hits and (
                deictic or "first_person" in hits or "duration" in hits)
            if prev is not None and prev.sender == m.sender:
                # One's own next message joins one's report only when it says what is wrong ("来电了但是
                # 没水！"); writers did not label a bare place, an answer to staff or news of one's own
                # action ("11幢102", "已经打了120") a demand: 0 of 8 across writers. The model reads those.
                if any(k in hits for k in ("problem", "danger", "request", "again", "duration")):
                    target, how = prev, "补充"
            elif prev is not None and agree and "advice" not in hits:
                target, how, weak = prev, "附和", self._weak_agreement(c.text, hits)
        if target is None:
            return None
        if target.cluster is None and target.thread is not None:
            first = self._cluster_by_id(target.thread)
            if first is not None:
                target = first.first
        if target.demand and target.cluster is not None:
            # a new, different problem in the reply stands on its own
            if specific and target.result is not None and tri.category != target.category \
                    and tri.category_confidence > 0.6 and n_han > 12:
                return None
            if specific and how in ("附和", "补充") and n_han > 12 and "request" in hits:
                cl = self._cluster_by_id(target.cluster)
                theirs = set().union(*(set(r.concepts) for r in cl.results)) if cl is not None else set()
                if theirs and not (specific & theirs):
                    return None              # "电梯又停了" right after another report is a report of its own
            p = 1.0
            if weak and _ARGUE_RE.search(c.text):
                return Decision(m, c.text, False, 0.0, f"否：紧接第 {target.line} 行的诉求，是劝说或争论，不是附和",
                                "chat", follows=target.line, cleaned=c, result=tri)
            if weak:
                # Right after a report, with no words of agreement: concern, advice, an argument or a
                # report of its own. The model decides, told that the message follows a report.
                p, _contrib = self._score(m, c, {**features(c, m, tri, staff_seen=False, hits=hits),
                                                 "after_report": 1.0})
                if p < self.model.threshold:
                    return Decision(m, c.text, False, p, f"否：紧接第 {target.line} 行的诉求，但不是同一诉求的附和",
                                    "chat", follows=target.line, cleaned=c, result=tri)
            kind = {"引用": "follow_up", "跟进": "follow_up", "附和": "me_too", "补充": "detail"}[how]
            d = Decision(m, c.text, True, p, f"是：{how}第 {target.line} 行的诉求（同一问题）", kind,
                         category=target.category, urgent=target.urgent, cluster=target.cluster,
                         follows=target.line, cleaned=c, result=tri)
            cl = self._cluster_by_id(target.cluster)
            if cl is not None:
                cl.senders.add(m.sender)
                cl.last = m.time or cl.last
            return d
        if how in ("附和", "引用", "跟进") and not (specific and how != "跟进"):
            return Decision(m, c.text, False, 0.0, f"否：{how}第 {target.line} 行，该消息不是诉求", "chat",
                            follows=target.line, cleaned=c, result=tri)
        return None

    @staticmethod
    def _weak_agreement(text: str, hits: dict) -> bool:
        """Agreement the model must weigh: no words of "the same here", or a memory of another time
        ("上回也是这样", "那年也冻了一礼拜"), which retells the past rather than reports it again."""
        return "recall" in hits or not _SAME_HERE_RE.search(text)

    @staticmethod
    def _reaction(text: str) -> str | None:
        """The exclamation, when the message is one ("太危险了，赶紧报警吧"); not when what is left says
        what is wrong, where danger is or that it is the same at home ("吓死人，12幢冒烟了", "我家也是，吓死了")."""
        found = _REACTION_RE.search(text)
        if found is None or _SAME_HERE_RE.search(text):
            return None
        rest = _REACTION_RE.sub("", text)
        if len(_HAN_RE.findall(rest)) > 12 or any(k in cue_hits(rest.lower()) for k in ("problem", "danger", "first_person")):
            return None
        return found.group(0)

    def _context(self, m: Message, c: Cleaned, tri, hits: dict) -> dict[str, float]:
        """Where a message stands in the conversation, as model features: right after another
        resident's report (opinions and arguments come there, and neighbours' own reports of the
        same night), after half an hour of quiet, right after staff or a notice, a reply to a neighbour (quote or @ of a resident),
        one voice in a lively exchange, or saying what is wrong where, which no report of the week is about.
        The model learns what each is worth."""
        f: dict[str, float] = {}
        if self._fresh_problem(m, tri, hits):
            f["ctx_fresh"] = 1.0
        recent = []
        for d in reversed(self.history):
            if d.time and m.time and m.time - d.time > CONTEXT_WINDOW:
                break
            if d.kind not in ("system", "media"):
                recent.append(d)
            if len(recent) == 4:
                break
        if not recent:
            f["ctx_quiet"] = 1.0             # it opens a conversation after a lull: reports and notices do
        if recent and recent[0].sender != m.sender:
            prev = recent[0]
            if prev.demand:
                f["ctx_report"] = 1.0
            elif self._is_staff(prev.sender):
                f["ctx_notice" if prev.kind == "notice" else "ctx_staff"] = 1.0
        residents = {d.sender for d in recent if not self._is_staff(d.sender)} - {m.sender}
        if len(residents) >= 2:
            f["ctx_busy"] = 1.0
        named = set(c.mentions) | ({c.quote_sender} if c.quote_sender else set())
        if any(n and n != m.sender and not self._is_staff(n) for n in named) and not any(
                self._is_staff(n) for n in named if n):
            f["ctx_neighbour"] = 1.0
        return f

    def _fresh_problem(self, m: Message, tri, hits: dict) -> bool:
        """A message that says something is wrong at a place (a fault word and a place word) that no
        report of the past week shares a concept or two content characters with: a lone
        "采菱二期20幢楼道灯坏了" is a new report, where the same words after a neighbour's report are an echo."""
        if "problem" not in hits or "place" not in hits:
            return False
        recent = self._recent_clusters(m)
        return not _sharing_concepts(recent, _specific(tri)) and \
            not self._sharing_most(self._content_chars(tri.text), recent, at_least=2)

    def _is_staff(self, sender: str | None) -> bool:
        return is_staff_nick(sender or "") or sender in self.staff_senders

    def _own_last(self, m: Message, within: timedelta = timedelta(hours=6)) -> Decision | None:
        """The sender's own last substantive message (not a greeting, thanks, media…)."""
        for d in reversed(self.history):
            if d.time and m.time and m.time - d.time > within:
                return None
            if d.sender == m.sender and d.kind not in ("system", "media", "ack", "greeting", "thanks"):
                return d
        return None

    def _adjacent_demand(self, m: Message, within: timedelta = timedelta(minutes=60)) -> Decision | None:
        """The demand this message directly follows (only staff replies, system lines and media may
        come between), or None."""
        for d in reversed(self.history):
            if d.time and m.time and m.time - d.time > within:
                return None
            if d.kind in ("system", "media", "staff"):
                continue
            if not d.demand and d.cleaned is not None and (d.cleaned.quote_sender == m.sender or any(
                    n and (m.sender.startswith(n) or n.startswith(m.sender)) for n in d.cleaned.mentions)):
                continue                      # someone asked me something: my answer continues my report
            return d if d.demand and d.cluster is not None else None
        return None

    def _cluster_by_id(self, cid: int | None) -> _Cluster | None:
        for cl in self.clusters:
            if cl.id == cid:
                return cl
        return None

    def _target_by_quote(self, c: Cleaned) -> Decision | None:
        """The earlier message a quoted reply 「张三：…」 quotes (sender and the start of the text)."""
        def norm(t: str) -> str:
            return re.sub(r"[\s，,。.!！?？…~、]+", "", t)

        qt = norm(clean(c.quote_text or "").text)[:10]
        best = None
        for d in reversed(self.history):
            if d.kind == "system":
                continue
            body = norm(d.text)
            same_sender = bool(c.quote_sender) and d.sender == c.quote_sender
            same_text = len(qt) >= 2 and len(body) >= 2 and (qt[:8] in body or body[:8] in qt)
            if same_sender and same_text:
                return d
            if best is None and same_text and len(qt) >= 4:
                best = d
        return best

    def _target_by_mention(self, c: Cleaned) -> Decision | None:
        for name in c.mentions:
            for d in reversed(self.history):
                if d.demand and d.sender and (d.sender == name or d.sender.startswith(name)
                                              or name.startswith(d.sender)):
                    return d
        return None

    def _content_chars(self, text: str) -> set[str]:
        """What a message says is wrong, as characters: its place words ("采菱二期12幢") and function
        words aside."""
        text = self.engine.gazetteer.problem_text(text)
        return set(_HAN_RE.findall(text)) - _FUNCTION_CHARS - _FOLLOW_CHARS - _PLACE_CHARS

    def _recent_clusters(self, m: Message) -> list[_Cluster]:
        """The problems someone spoke of within ``FOLLOW_WINDOW`` before this message."""
        return [cl for cl in self.clusters if not (cl.last and m.time and m.time - cl.last > FOLLOW_WINDOW)]

    def _sharing_most(self, mine: set[str], clusters: list[_Cluster], *, at_least: int) -> list[_Cluster]:
        """The clusters whose first message shares the most of ``mine`` (at least ``at_least`` characters)."""
        scored = [(len(mine & self._content_chars(cl.first.text)), cl) for cl in clusters]
        top = max((k for k, _cl in scored), default=0)
        return [cl for k, cl in scored if k == top] if top >= at_least else []

    def _followup_target(self, m: Message, concepts: set, *, again: bool = False, tri=None) -> Decision | None:
        """The problem a follow-up is about: one this sender reported or joined, else the most
        recently active one still open (for "又坏了" also a solved one), matching its words if any."""
        live = [cl for cl in self._recent_clusters(m) if not cl.consult]
        if concepts:
            related = _sharing_concepts(live, concepts)
            if not related and again:
                return None                  # "电梯又停了" names a problem of its own
            if not related and tri is not None:
                related = [cl for cl in live if cl.first.category == tri.category]
            if not related and tri is not None:
                # no shared concept: the one sharing the most content characters ("灯还是不亮" → 楼道灯)
                related = self._sharing_most(self._content_chars(tri.text), live, at_least=1)
            if not related:
                return None                  # "12幢停电了，什么时候来电" names a problem of its own
            live = related
        elif tri is not None and len(mine := self._content_chars(tri.text)) >= 8:
            # a chase that says what is wrong ("12幢停电了，什么时候来电啊"): only a problem it shares words with
            live = self._sharing_most(mine, live, at_least=2)
            if not live:
                return None
        if not again:
            live = [cl for cl in live if not cl.resolved] or live
        own = [cl for cl in live if m.sender in cl.senders]
        pool = own or ([] if again and not concepts else live)
        if not pool:
            return None
        return max(pool, key=lambda cl: (cl.last or datetime.min, cl.id)).first

    def _mark_resolved(self, m: Message, c: Cleaned) -> None:
        """"修好了，谢谢" closes the problem it answers (quoted, or the most recently active one)."""
        target = self._target_by_quote(c) if c.quote_text else None
        cid = target.cluster if target is not None and target.cluster is not None else \
            (target.thread if target is not None else None)
        if cid is None:
            recent = [cl for cl in self.clusters if cl.last and m.time and m.time - cl.last <= timedelta(days=2)]
            if recent:
                cid = max(recent, key=lambda cl: (cl.last, cl.id)).id
        cl = self._cluster_by_id(cid)
        if cl is not None:
            cl.resolved = True

    def _recent_demand(self, m: Message, *, within: timedelta) -> Decision | None:
        """The latest demand within ``within`` (what a staff reply without @ is about)."""
        for d in reversed(self.history):
            if d.time and m.time and m.time - d.time > within:
                return None
            if d.demand and d.cluster is not None:
                return d
        return None

    def _previous_topic(self, m: Message) -> Decision | None:
        """What a short "+1 / 我家也是" agrees with: the last message worth agreeing with (a report, a
        notice, a question to neighbours); chit-chat in between is passed over when a report came
        shortly before it."""
        passed = None
        for d in reversed(self.history):
            if d.time and m.time and m.time - d.time > ME_TOO_WINDOW:
                return passed
            if d.kind in ("system", "media", "ack", "greeting", "staff") or d.sender == m.sender and not d.demand:
                continue
            if d.demand or d.kind in ("notice", "neighbour", "question", "answered", "ad"):
                return d
            if passed is None:
                passed = d                    # chit-chat: agree with it unless a report comes before it
            if d.time and m.time and m.time - d.time > timedelta(hours=1):
                return passed
        return passed
