"""WeChat group exports → resident demands (pure logic: no web request, no database).

    from minsheng.intake.chat import extract_text
    for d in extract_text(open("群聊.txt", encoding="utf-8").read()):
        if d.demand: print(d.line, d.text, d.category, d.cluster)

Three steps, each usable on its own:

1. ``parse_lines`` — an export is lines ``YYYY-MM-DD HH:MM 昵称: 内容`` (also ``YYYY/MM/DD``, seconds,
   a full-width colon, ``[…]`` around the time, a BOM). Lines without a time header continue the
   message above; system lines (撤回, 加入了群聊, 拍了拍…) and section separators are kept apart.
2. ``clean`` — the text a demand keeps: no @mentions, no quoted replies 「张三：…」, no emoji,
   media placeholders or WeChat emoji codes; continuation lines joined.
3. ``ChatExtractor`` — for each message, whether it is a demand. A small linear model over
   transparent cues (request/complaint verbs, problem words from the triage lexicon, place words,
   questions; notices, ads, thanks, greetings, staff senders…) decides messages that stand on their
   own; follow-ups ("还没人来修啊", "我家也是", a quoted reply) join the problem they follow and
   are demands only when it is. Category and urgency come from the triage engine on the cleaned
   text; ``cluster`` groups messages that report the same problem (the engine's duplicate
   similarity, incrementally, with the group's own place filled in where a message names none).
"""

from __future__ import annotations

import codecs
import hashlib
import math
import re
import unicodedata
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
MODEL_PATH = DATA_DIR / "chat_model.joblib"
MODEL_VERSION = 1


class ChatFormatError(ValueError):
    """The input is not a readable WeChat group export."""


# ---------------------------------------------------------------------------------------------
# 1. Parsing

_HEADER_RE = re.compile(
    r"^\s*[\[【(（]?\s*(?P<y>\d{4})\s*[-/.年]\s*(?P<mo>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?"
    r"(?:\s+|\s*[Tt,，]\s*)(?P<h>\d{1,2})\s*[:：]\s*(?P<mi>\d{2})(?:\s*[:：]\s*(?P<s>\d{2}))?"
    r"\s*[\]】)）]?\s*(?P<rest>.*)$")
_SENDER_SPLIT_RE = re.compile(r"[:：]")
_SYSTEM_RE = re.compile(
    r"撤回了?一条消息|加入了?群聊|加入群聊|邀请.{0,40}加入|退出了?群聊|移出了?群聊|被移出|修改群名|修改了群名|"
    r"拍了拍|成为新群主|已成为群主|开启了|关闭了|设置了群公告|发布了群公告|以下(是|为)新消息|以上是历史消息|"
    r"recalled a message|joined the group|invited .+ to the group|领取了.{0,20}红包|"
    r"^\s*\[(系统消息|system)\]", re.IGNORECASE)
_SEPARATOR_RE = re.compile(r"^\s*(?:[-—=─━*#~_·]{3,}.*|.*聊天记录.*|.*(群聊|群名称|群名)[:：].*|\s*[-—=─━]{2,}\s*\d{4}.*)$")
_DATE_ONLY_RE = re.compile(r"^\s*[-—=─━ ]*\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?(\s*(星期|周)[一二三四五六日天])?[-—=─━ ]*$")
_MAX_SENDER = 40
_TIME_ONLY_RE = re.compile(r"^\s*[\[【(（]?\s*(?P<h>\d{1,2})\s*[:：]\s*(?P<mi>\d{2})(?:\s*[:：]\s*(?P<s>\d{2}))?"
                           r"\s*[\]】)）]?\s+(?P<rest>\S.*)$")
_DATE_PARTS_RE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")


@dataclass
class Message:
    """One message of an export (or a system line, ``system=True``)."""

    line: int                       # 1-based line of the message's first line
    time: datetime | None
    sender: str
    raw: str                        # content, continuation lines joined with "\n"
    end_line: int = 0
    system: bool = False
    section: int = 0                # increments at a separator line (several exports in one file)
    title: bool = False             # a title or separator line (may name the group)

    @property
    def lines(self) -> list[str]:
        return self.raw.split("\n")


def _header(line: str) -> tuple[datetime, str] | None:
    m = _HEADER_RE.match(line)
    if not m:
        return None
    try:
        when = datetime(int(m["y"]), int(m["mo"]), int(m["d"]), int(m["h"]), int(m["mi"]),
                        int(m["s"] or 0))
    except ValueError:
        return None
    return when, m["rest"]


def _time_only_header(line: str, day: datetime) -> tuple[datetime, str] | None:
    """"08:15 张三: 内容" in an export that gives the date once per day ("—— 2026-05-03 ——")."""
    m = _TIME_ONLY_RE.match(line)
    if not m or _split_sender(m["rest"]) is None:
        return None
    try:
        return day.replace(hour=int(m["h"]), minute=int(m["mi"]), second=int(m["s"] or 0)), m["rest"]
    except ValueError:
        return None


def _split_sender(rest: str) -> tuple[str, str] | None:
    """'张三: 内容' → ('张三', '内容'); None when the line has no sender (a system line)."""
    m = _SENDER_SPLIT_RE.search(rest)
    if not m or m.start() == 0 or m.start() > _MAX_SENDER:
        return None
    sender = rest[:m.start()].strip()
    if not sender or _SYSTEM_RE.search(sender):
        return None
    if sender.lower() in _SYSTEM_SENDERS and _SYSTEM_RE.search(rest[m.end():]):
        return None       # "系统消息: "某某"被移出了群聊"
    return sender, rest[m.end():].strip()


_SYSTEM_SENDERS = {"系统消息", "系统", "system", "群消息", "微信"}


def parse_lines(lines: Iterable[str]) -> Iterator[Message]:
    """Messages in file order (streaming). Blank lines are skipped; a title (text before the first
    message) and separator lines come out as ``title`` system lines; a date line followed by
    time-only headers ("08:15 张三: …") is understood when the file has no full headers."""
    current: Message | None = None
    section = 0
    day: datetime | None = None          # from a date line ("—— 2026-05-03 ——") before time-only headers
    full_headers = False
    for number, line in enumerate(lines, start=1):
        if number == 1:
            line = line.lstrip("\ufeff")
        line = line.rstrip("\r\n").replace("\u2028", " ")
        if not line.strip():
            continue
        head = _header(line)
        if head is not None:
            full_headers = True
        elif day is not None and not full_headers:
            head = _time_only_header(line, day)
        if head is not None:
            when, rest = head
            if current is not None:
                yield current
                current = None
            split = _split_sender(rest)
            if split is None:
                if rest.strip() and not _SYSTEM_RE.search(rest) and len(rest.strip()) <= _MAX_SENDER \
                        and " " not in rest.strip():
                    # "2026-05-03 08:15 张三" with the content on the following lines
                    current = Message(number, when, rest.strip(), "", number, section=section)
                    continue
                yield Message(number, when, "", rest.strip(), number, system=True, section=section)
                continue
            sender, content = split
            current = Message(number, when, sender, content, number, section=section)
            continue
        stripped = line.strip()
        if _SYSTEM_RE.search(stripped) and len(stripped) < 80:
            if current is not None:
                yield current
                current = None
            yield Message(number, None, "", stripped, number, system=True, section=section)
            continue
        if _SEPARATOR_RE.match(stripped) or _DATE_ONLY_RE.match(stripped):
            if current is not None:
                yield current
                current = None
            if _DATE_ONLY_RE.match(stripped):
                y, mo, d = map(int, _DATE_PARTS_RE.search(stripped).groups())
                try:
                    day = datetime(y, mo, d)
                except ValueError:
                    pass
            else:
                section += 1
                yield Message(number, None, "", stripped, number, system=True, section=section, title=True)
            continue
        if current is None:
            # a title or other text before the first message
            yield Message(number, None, "", stripped, number, system=True, section=section, title=True)
            continue
        current.raw = f"{current.raw}\n{stripped}" if current.raw else stripped
        current.end_line = number
    if current is not None:
        yield current


def decode(data: bytes) -> str:
    """Bytes of an export → text. UTF-8 (with or without BOM) or UTF-16 with a BOM; anything else
    (GBK, binary junk) is refused with a clear message rather than guessed."""
    if data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise ChatFormatError("文件编码无法识别（UTF-16 内容有误）") from exc
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            where = data[:exc.start].count(b"\n") + 1
            raise ChatFormatError(
                f"文件不是 UTF-8 编码的文本（第 {where} 行附近有无法识别的字节），"
                "请用记事本“另存为 UTF-8”后再导入") from exc
    bad = sum(1 for ch in text[:20000] if unicodedata.category(ch) == "Cc" and ch not in "\n\r\t")
    if bad > 3 or "\x00" in text:
        raise ChatFormatError("文件含有二进制内容，不是文本格式的聊天记录")
    return text


def parse_text(text: str) -> list[Message]:
    """Parse an export held in memory; raises ChatFormatError when no message line is found."""
    messages = list(parse_lines(text.splitlines()))
    if not any(not m.system for m in messages):
        raise ChatFormatError("没有找到聊天记录行（每条消息应以“YYYY-MM-DD HH:MM 昵称: 内容”开头）")
    return messages


def read_file(path: str | Path) -> str:
    """Read and decode an export file (OSError for an unreadable file, ChatFormatError for content)."""
    data = Path(path).read_bytes()
    if not data.strip():
        raise ChatFormatError("文件是空的")
    return decode(data)


# ---------------------------------------------------------------------------------------------
# 2. Cleaning

_QUOTE_RE = re.compile(r"「(?P<body>[^「」]{0,600})」", re.S)
_QUOTE_WHO_RE = re.compile(r"^\s*(?P<who>[^：:\n]{1,30})[：:]\s*(?P<text>.*)$", re.S)
_QUOTE_SEP_RE = re.compile(r"^\s*(?:-\s*){3,}\s*$|^\s*[-—]{4,}\s*$", re.M)
_MENTION_RE = re.compile(r"@[^\s\u2005\u2006@，,。:：!！?？]{1,20}[\u2005\u2006 ]?")
_MEDIA_RE = re.compile(r"\[(?:图片|照片|语音|表情|动画表情|视频|文件|链接|位置|小程序|红包|转账|聊天记录|名片|"
                       r"语音通话|视频通话|音乐|Photo|Image|Sticker|Voice|Video|Link|File)\]", re.I)
_EMOJI_CODE_RE = re.compile(r"\[[\u4e00-\u9fffA-Za-z]{1,5}\]|/:[a-z<>@#!?$%&*()\-]{1,8}")
_EMOJI_RE = re.compile(
    "[\U0001F000-\U0001FAFF\U00002600-\U000027BF\U0001F900-\U0001F9FF\u2B00-\u2BFF\u2190-\u21FF"
    "\u2300-\u23FF\uFE0F\u200D\u20E3\U000E0020-\U000E007F\u3030\u303D\u3297\u3299]+")
_SPACE_RE = re.compile(r"[ \t\u3000\u2005\u2006\u00a0]+")


@dataclass
class Cleaned:
    text: str                                  # what a demand keeps
    quote_sender: str | None = None
    quote_text: str | None = None
    mentions: list[str] = field(default_factory=list)
    media: int = 0
    emoji: list[str] = field(default_factory=list)


def clean(raw: str) -> Cleaned:
    """Strip quotes, @mentions, media placeholders and emoji; join lines."""
    out = Cleaned(text="")
    quotes = list(_QUOTE_RE.finditer(raw))
    if quotes:
        m = _QUOTE_WHO_RE.match(quotes[0]["body"])
        if m:
            out.quote_sender, out.quote_text = m["who"].strip(), m["text"].strip()
        else:
            out.quote_text = quotes[0]["body"].strip()
        raw = _QUOTE_RE.sub(" ", raw)
    raw = _QUOTE_SEP_RE.sub(" ", raw)
    out.mentions = [m.group(0)[1:].strip() for m in _MENTION_RE.finditer(raw)]
    t = _MENTION_RE.sub(" ", raw)
    out.media = len(_MEDIA_RE.findall(t))
    t = _MEDIA_RE.sub(" ", t)
    out.emoji = _EMOJI_RE.findall(t) + _EMOJI_CODE_RE.findall(t)
    t = _EMOJI_CODE_RE.sub(" ", t)
    t = _EMOJI_RE.sub(" ", t)
    lines = [_SPACE_RE.sub(" ", ln).strip() for ln in t.split("\n")]
    t = " ".join(ln for ln in lines if ln)
    out.text = t.strip(" ，,、。.;；")
    return out


def sender_hash(sender: str) -> str:
    return hashlib.sha256(f"minsheng-chat-sender|{sender.strip()}".encode()).hexdigest()


def text_hash(raw: str) -> str:
    return hashlib.sha256(re.sub(r"\s+", " ", raw).strip().encode()).hexdigest()


# ---------------------------------------------------------------------------------------------
# 3. Cues: transparent features of one message

def _rx(*parts: str) -> re.Pattern:
    return re.compile("|".join(parts))


# 楼道长/楼长/单元长 are residents who speak for their neighbours: their problem reports are demands
# (domain.md §2), their notices and replies are not — as for the 网格员 reporting on residents' behalf.
LEADER_NICK_RE = _rx(r"楼道长", r"楼长", r"单元长", r"楼栋长", r"居民组长", r"组长")
STAFF_NICK_RE = _rx(r"网格", r"楼道长", r"楼长", r"单元长", r"楼栋长", r"社区", r"居委", r"村委", r"书记", r"主任",
                    r"物业", r"管家", r"客服", r"前台", r"值班", r"工作人员", r"社工", r"志愿者", r"保安", r"民警",
                    r"警官", r"派出所", r"管理处", r"管理员", r"经理", r"维修", r"工程部", r"党委", r"党支部",
                    r"服务中心", r"城管", r"环卫", r"市政", r"群主")
CUES: dict[str, tuple[str, re.Pattern]] = {
    "problem": ("问题描述", _rx(
        r"(?<!高兴)(?<!开心)坏|堵|漏|渗|不亮|弗亮|不通|弗通|不灵|失灵|没反应|故障|卡住|卡在|关不上|打不开|刷不开",
        r"异响|响声|咣当|哐当|咚咚|嗡嗡|噼里啪啦|臭|味道(很|太|好|交关)?(大|重|难闻|冲)|怪味|异味|焦味|腥",
        r"吵|噪|脏|乱[停扔倒堆丢放接]|满了|满出|满溢|溢|积水|淹了|被淹|水淹|淹到|坑|破|裂|断|塌|掉下|掉了一|脱落|松了|松动|歪",
        r"倒[了在]|锈|冒烟|冒火|火花|漏电|裸露|困人|被困|困在|堆|占[了道着用]|挡|遮|飞线|拉线|老鼠|蟑螂|蚊|苍蝇|虫|蛀|偷|撬",
        r"垃圾|没人[管清扫修理来收倒]|太[少多差吵脏臭暗高低慢小]|不够|没水|没电|不出水|水压|发黄|翘|晃|摔|绊|滑倒",
        r"黑乎乎|黑漆漆|黑咕隆咚|摸黑|不安全|危险|扰民|睡不着|受不了|没法|弗好用|不好用|不能用|用不了|抢不到|停不",
        r"进不去|过不去|出不去|不敢|缺货|没地方|黑了|全黑|碎了|玻璃碎|不拴绳|乱叫|狗叫|狗屎|狗粪|黏糊糊",
        r"(多久|好久|几天|半个月)没(人|来|扫|清|修|打扫|收|倒)")),
    "danger": ("安全隐患", _rx(r"危险|隐患|砸|差点|摔|着火|起火|冒烟|火花|漏电|触电|煤气|燃气味|困人|被困|救命|紧急|出人命|吓死|吓人",
                                r"要掉|要倒|摇摇欲坠|歪了|随时")),
    "request": ("求助/请求用语", _rx(
        r"麻烦(?![了你您大])|请(尽快|赶紧|社区|物业|网格|相关|帮|派|安排|来|处理|管|问|人)|帮忙|帮(我|看|问|处理|弄|修|联系)",
        r"能不能|能否|可不可以|可否|希望|建议|求助|谁(来)?管|有没有人管|管一管|管管|处理一下|修一下|看一下|看看",
        r"来人|快来|赶紧|尽快|反映|投诉|举报|报修|怎么办|咋办|找谁|申请|怎么(申请|办|弄|交|报名|补)|在哪(里)?[办交补]",
        r"报名|要带什么|需要(带|什么)|协调|出面|检查一下|检测|清一清|修一修|弄一下|派人|叫人|安排人")),
    "question": ("提问", _rx(r"[?？]|吗|呢|伐|是不是|请问|有没有|咋|怎么|哪里|哪儿|哪块|多少|几点|什么时候|啥辰光|阿是")),
    "place": ("地点", _rx(
        r"\d+\s*(幢|栋|号楼|单元|楼|室|#)|[一二三四五六七八九十两]+(幢|栋|号楼|单元|楼|期)|楼道|楼梯|楼下|楼上|楼顶|顶楼",
        r"门口|电梯|地下室|车库|小区|[东南西北]门|厨房|卫生间|阳台|窗|过道|路口|河|广场|绿化带|草坪|花坛",
        r"车棚|垃圾房|菜场|市场|公厕|厕所|路灯|停车场|篮球场|健身|泵站|排涝站|巷|路上|路面|人行道")),
    "first_person": ("本人/本户", _rx(r"我家|我们家|我们(楼|单元|这|那|小区|幢|栋)|俺|阿拉|我(妈|爸|父亲|母亲|老人|孩子|儿子|女儿|老头|老伴|孙)",
                                      r"家里老人|我住|住在|我就住")),
    "duration": ("持续/反复", _rx(r"[一二两三四五六七八九十\d]+天了|前[两几]天|早就|昨天就|上个?(礼拜|星期|月)就|好几天|几天了|[一二两三几]个(礼拜|星期|月)|天天|每天|一直|又|还是|老是|总是|经常|每次|好久|半个月|一年")),
    "followup": ("催办用语", _rx(
        r"还没(人)?(来|修|处理|弄|解决|好|动静|下文|人理|人管|换|抽|清)|怎么还|到现在|催一下|再催|有人管吗|有人理吗",
        r"(还是|都|一直|根本|怎么)没人(管|理|回|来)|没人(管|理)吗",
        r"还是(老样子|没人|没(换|修|来|弄|好|清|抽|装)|不|弗|坏|那样|一样|敞)|又要|什么时候(来|修|能)|有下文|进展|结果呢|怎么样了|说好的|等到",
        r"能来吗|来了没|来不来|啥时候来|[修弄]好没|修好了没|弄好了没|归谁管|谁来管|到底谁管|到底有没有人")),
    "again": ("又/仍然", _rx(r"又(坏|堵|漏|不亮|停|来了|这样|滴|响|吵)|今天又|还在[响漏滴吵堵冒]|还是[^，,。]{0,6}[坏堵漏响吵]")),
    "relay": ("转述居民反映", _rx(r"(居民|住户|邻居|业主|老人|大家|几户|好几家|有人|几位|老板|摊主|阿姨|大爷|老伯|奶奶)[^，。,]{0,6}(反映|讲|说|来问|问)",
                                r"跟我(讲|说|反映)|向我反映|托我|让我(问|反映)|问我|替.{0,4}反映|帮.{0,4}问一下|(她|他)问社区")),
    "metoo": ("附和", _rx(r"我家也|我们(家|这|楼|单元|这边|那边)?也|也是|同样|一样|\+1|同问|同感|附议|顶一下|支持|同意|我也",
                          r"俺家也|确实|对的|^对[，, ]|是的是的|^是的|^是额|^是格|^对额|赞成|也[有是没不弗被在闻看听]|也想|也要|也需要")),
    "notice": ("通知用语", _rx(
        r"通知|温馨提示|温馨提醒|提醒(大家|各位)|公告|请(大家|各位|广大)|各位(业主|居民|邻居|住户|老板|居民朋友)|@所有人",
        r"届时|将于|特此|敬请|知悉|接龙|报名请|欢迎(大家|参加)|注意安全|相互转告|请配合|配合一下|【|不要在群里",
        r"请.{0,6}(邻居|住户|居民|业主)们?(帮忙|注意|把|自己|及时)|大家(注意|记得|把|别|不要)")),
    "ad": ("广告用语", _rx(r"出售|转让|出租|求租|招聘(?!信息)|招收|代购|加微信|加v|vx|私聊|优惠|特价|特惠|团购|批发|包邮|兼职",
                          r"日结|上门回收|收购|回收|价格|\d+\s*元|\d+块|九成新|八成新|电话[:：]?\s*\d|\*{3,}|招生|打[八九七]折")),
    "thanks": ("致谢", _rx(r"谢谢|感谢|多谢|辛苦|点赞|给力|👍|效率(真|很)?高|谢啦|谢了|麻烦(你|您|大家)?了|及时")),
    "resolved": ("已解决", _rx(r"(修|弄|通|清|换|装|处理|解决|搞|拉|锯|焊|摘|办|剪|抽|补|调)(好|掉|完|走|定|死|小)了|已经(修|处理|弄|清|换|解决|通|拉走|锯|剪|抽|办)",
                               r"好了[，,!！。]|好了$|搞定|恢复了|没事了|终于|干净多了|没声音了|安静了",
                               r"找到了|(火|烟)(已经)?灭了|(声音|噪音)?小多了|好多了|(120|消防车?|救护车|民警|警察|师傅|物业|电工)(也)?(已经)?(来了|到了)",
                               r"人(都)?没事|停下来了|抽筋停了|(沙子|灯|锁|门)(已经)?换了")),
    "greeting": ("问候", _rx(r"^(各位|大家|亲们)?(早|早上好|早安|晚安|中午好|下午好|晚上好|好|新年好)[呀啊哈]?[!！~。 ]*$",
                             r"快乐|安康|大家好|早上好|早安|晚安|欢迎欢迎|请多关照")),
    "ack": ("确认回复", _rx(r"^(收到|好的|好滴|ok|嗯+|明白|明白了|知道了|了解|1|好|行|可以|好好好|好嘞|收到收到|好的好的)[!！~。 ]*$",
                            r"^(那就好|那就放心了|没事就好|放心了|好的好的|谢谢[啦了]?|ok)",
                            r"^(收到|好的)[，, ]?(谢谢|谢谢提醒|辛苦了)?[!！~。 ]*$")),
    "laugh": ("说笑", _rx(r"哈哈|呵呵|笑死|嘻嘻|羡慕|恭喜|新闻|听说|据说|朋友圈|开心|原来是|虚惊一场|开玩笑")),
    "commit": ("答复/承诺用语", _rx(
        r"已(经)?(安排|通知|联系|上报|报给|报了|派|反映|反馈|记下|登记)|马上(去|来|安排|联系|叫|打|通知)|稍等|别急",
        r"我(去|来|下午|明天|马上|私信|帮您|帮你|记下|中午)|(今天|明天|下午|上午|这两天|这周).{0,6}(来|去|过来|安排|修|处理|装|换)",
        r"会(尽快|安排|来|处理|公布|和)|在路上|记下了|列入|整改|上报|帮您|帮你|您")),
    "neighbour_ask": ("问邻居", _rx(r"谁家|有没有人(?![管来理])|谁知道|有人知道|谁有|求推荐|推荐|拼车|借|有人要|谁在|大家有没有|有没有推荐")),
    "lost_found": ("失物招领", _rx(r"捡到|(钥匙|钱包|手机|卡|狗|猫)丢了|丢了(一|个|只)|走丢|寻[狗猫人物]|启事|谁家.{0,10}的|下来拿|来拿|认领|放错")),
    "advice": ("给邻居出主意", _rx(r"你(可以|去|打|找|试试|问问)|试试|建议你|私信你")),
    "service": ("办事咨询", _rx(
        r"申请|补贴|办理|证明|社保|医保|低保|疫苗|接种|报名|课堂|养老|助餐|补办|年审|残疾|养老金|户籍|户口|居住证",
        r"体检|义诊|家庭医生|配药|健康证|托班|暑托|尊老金|高龄|法律|就业|培训|招聘信息|助浴|护理|上门服务|老年卡|公交卡",
        r"图书室|图书馆|阅览室|开不开|开放时间|几点开门|上班时间|老年大学|书法班|四点半|课堂|活动室")),
}
CUE_LABELS = {k: v[0] for k, v in CUES.items()}
EXTRA_LABELS = {
    "staff_nick": "工作人员昵称", "staff_seen": "此前发过通知/答复", "concepts": "诉求关键词",
    "urgent_rule": "紧急规则", "cat_conf": "分类把握", "mention_staff": "@工作人员", "mention": "@他人",
    "quote": "引用回复", "short": "消息很短", "len": "消息长度", "emoji_only": "只有表情",
    "type_consult": "咨询", "type_complaint": "投诉", "type_suggestion": "建议", "type_praise": "表扬",
    "type_help": "求助", "multiline": "多行", "q_service": "办事提问", "q_plain": "普通提问",
    "problem_first": "本人遇到的问题", "laugh_emoji": "笑哭表情", "thanks_only": "只是致谢", "problem_resolved": "问题已解决", "staff_problem": "工作人员转述",
    "leader_nick": "楼道长/楼长", "leader_problem": "楼道长转述问题", "urgency": "涉及安全",
}
FEATURE_NAMES = list(CUES) + list(EXTRA_LABELS)
_HAN_RE = re.compile(r"[\u4e00-\u9fff]")


_RESIDENT_NICK_RE = re.compile(r"居民|业主|住户|家属|妈妈|爸爸|奶奶|外婆")


def is_staff_nick(sender: str) -> bool:
    """网格员小王, 楼道长老周, 采菱社区-李书记, 物业客服… (not "采菱社区居民小李")."""
    return bool(STAFF_NICK_RE.search(sender or "")) and not _RESIDENT_NICK_RE.search(sender or "")


_EMOJI_CUES = {"laugh_emoji": ("😂", "🤣", "😄", "😆", "[偷笑]", "[破涕为笑]", "[呲牙]", "😁"),
               "thanks": ("👍", "🙏", "[强]", "[抱拳]", "[合十]", "[玫瑰]", "🌹", "👏", "💐", "[鼓掌]"),
               "greeting": ("☀️", "🌞", "🌙", "[太阳]", "[月亮]")}


def cue_hits(text: str, emoji: Iterable[str] = ()) -> dict[str, list[str]]:
    """Cue name → the words that matched (for features and for the reason shown to staff); emoji
    removed from the text still count (😂 laughs, 👍 thanks)."""
    out = {}
    for name, (_label, rx) in CUES.items():
        found = [m.group(0) for m in rx.finditer(text)]
        if found:
            out[name] = found
    for e in emoji:
        for name, marks in _EMOJI_CUES.items():
            if any(mk in e for mk in marks):
                out.setdefault(name, []).append(e)
    return out


def features(c: Cleaned, msg: Message, tri, *, staff_seen: bool, hits: dict | None = None) -> dict[str, float]:
    """The model's input for one message (every value 0..~1)."""
    from minsheng.triage.engine.lexicon import BROAD_CONCEPTS, CONCEPTS

    t = c.text.lower()
    hits = hits if hits is not None else cue_hits(t, c.emoji)
    f = {k: min(1.0, 0.6 + 0.2 * len(v)) for k, v in hits.items()}
    n_han = len(_HAN_RE.findall(c.text))
    f["len"] = min(1.0, math.log1p(n_han) / math.log(80))
    f["short"] = 1.0 if n_han <= 4 else 0.0
    f["multiline"] = 1.0 if "\n" in msg.raw.strip() else 0.0
    f["emoji_only"] = 1.0 if n_han == 0 and (c.emoji or c.media) else 0.0
    f["staff_nick"] = 1.0 if is_staff_nick(msg.sender) else 0.0
    f["staff_seen"] = 1.0 if staff_seen else 0.0
    f["mention"] = 1.0 if c.mentions else 0.0
    f["mention_staff"] = 1.0 if any(is_staff_nick(m) for m in c.mentions) else 0.0
    f["quote"] = 1.0 if c.quote_text else 0.0
    if tri is not None:
        specific = [k for k in tri.concepts if k in CONCEPTS and k not in BROAD_CONCEPTS]
        f["concepts"] = min(1.0, 0.5 * len(specific) + 0.25 * (len(tri.concepts) - len(specific)))
        f["urgent_rule"] = 1.0 if tri.urgent else 0.0
        f["cat_conf"] = float(tri.category_confidence) if tri.category != "other" else 0.0
        f[f"type_{tri.type}"] = 1.0
    q = f.get("question", 0.0)
    prob = max(f.get("problem", 0.0), f.get("concepts", 0.0))
    f["q_service"] = q * f.get("service", 0.0)
    f["q_plain"] = q * (1.0 - prob) * (1.0 - f.get("service", 0.0))
    f["problem_first"] = prob * max(f.get("first_person", 0.0), f.get("place", 0.0))
    f["problem_resolved"] = prob * f.get("resolved", 0.0)
    f["thanks_only"] = f.get("thanks", 0.0) * (1.0 - prob) * (1.0 - f.get("request", 0.0))
    f["staff_problem"] = prob * max(f["staff_nick"], f["staff_seen"])
    f["leader_nick"] = 1.0 if LEADER_NICK_RE.search(msg.sender or "") else 0.0
    f["leader_problem"] = prob * f["leader_nick"]
    if tri is not None:
        f["urgency"] = float(getattr(tri, "urgency", 0.0))
    return {k: v for k, v in f.items() if v}


class DemandModel:
    """A linear model over ``FEATURE_NAMES``: p(demand) = σ(w·x + b). Weights are plain floats."""

    def __init__(self, weights: dict[str, float], bias: float, threshold: float = 0.5, meta: dict | None = None):
        self.weights, self.bias, self.threshold, self.meta = weights, bias, threshold, meta or {}

    @classmethod
    def load(cls, path: str | Path | None = None) -> DemandModel:
        import joblib

        d = joblib.load(path or MODEL_PATH)
        if d.get("version") != MODEL_VERSION:
            raise ValueError(f"chat model version {d.get('version')} != {MODEL_VERSION}; retrain")
        return cls(d["weights"], d["bias"], d.get("threshold", 0.5), d.get("meta"))

    def save(self, path: str | Path | None = None) -> Path:
        import joblib

        p = Path(path or MODEL_PATH)
        joblib.dump({"version": MODEL_VERSION, "weights": self.weights, "bias": self.bias,
                     "threshold": self.threshold, "meta": self.meta}, p, compress=3)
        return p

    def score(self, f: dict[str, float]) -> tuple[float, list[tuple[str, float]]]:
        contrib = [(k, v * self.weights.get(k, 0.0)) for k, v in f.items()]
        z = self.bias + sum(c for _k, c in contrib)
        p = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))
        return p, sorted(contrib, key=lambda kc: -abs(kc[1]))


_MODEL: DemandModel | None = None


def default_model() -> DemandModel:
    global _MODEL
    if _MODEL is None:
        _MODEL = DemandModel.load()
    return _MODEL


# ---------------------------------------------------------------------------------------------
# 4. The extractor: model + follow-up rules + clustering, streaming in file order

FOLLOW_WINDOW = timedelta(days=7)
ME_TOO_WINDOW = timedelta(hours=6)
DETAIL_WINDOW = timedelta(minutes=30)
ANSWER_WINDOW = timedelta(hours=2)
CLUSTER_WINDOW = timedelta(days=10)
LOOKAHEAD = 5
_ANSWER_RE = re.compile(r"^(在|是的|是|不是|可以|要|不用|一般|大概|有的|没有|应该|好像|可能|去|带|到|坐|就在|对面|旁边|这个要|不要"
                        r"|我(帮|来|有|去|知道|家有|也不知道))"
                        r"|\d+\s*点|左右|就行|就可以|就好")
_UNPLACED = "（本群）"
_FOLLOW_CHARS = set("没人修弄理管催天礼拜星期今明昨早晚又再呢啦")
_FUNCTION_CHARS = set("的了是在有我你他她们吗呢啊吧呀什么几点要不会能可以怎么请问一下这那个哪里还就都也和跟到去来说")
_STRONG_COMMIT_RE = re.compile(r"已(经)?(安排|通知|联系|上报|报给|派单|派人|反映给|反馈给|记下|登记)|马上(安排|联系|通知|派)|"
                               r"列入|派单|[我我们]+(下午|明天|马上|这就)(去|来|过来)")


@dataclass
class Decision:
    """What the extractor decided about one message."""

    message: Message
    text: str
    demand: bool
    score: float
    reason: str
    kind: str                       # report | follow_up | me_too | detail | staff | system | media | chat …
    category: str | None = None
    urgent: bool = False
    cluster: int | None = None
    follows: int | None = None      # line of the message this one follows up / answers
    cleaned: Cleaned | None = field(default=None, repr=False)
    result: object = field(default=None, repr=False)   # the triage engine's TriageResult
    thread: int | None = field(default=None, repr=False)  # cluster a staff reply / non-demand relates to

    @property
    def line(self) -> int:
        return self.message.line

    @property
    def sender(self) -> str:
        return self.message.sender

    @property
    def time(self) -> datetime | None:
        return self.message.time

    @property
    def category_name(self) -> str:
        from minsheng.triage.engine.lexicon import CATEGORY_NAMES

        return CATEGORY_NAMES.get(self.category or "", self.category or "")

    def as_json(self) -> dict:
        """The `minsheng extract-chat` line (interfaces.md), with time and sender as extras."""
        return {"line": self.line, "text": self.text, "category": self.category, "urgent": bool(self.urgent),
                "cluster": self.cluster, "time": self.time.strftime("%Y-%m-%d %H:%M") if self.time else None,
                "sender": self.sender}


@dataclass
class _Cluster:
    id: int
    first: Decision
    results: list = field(default_factory=list)
    senders: set = field(default_factory=set)
    last: datetime | None = None
    resolved: bool = False
    consult: bool = False           # a question (nothing to repair: "还没人来修" is not about it)


_FUNCTION_BIGRAMS = {"请问", "问一", "一下", "什么", "时候", "怎么", "是不", "不是", "可以", "我们", "大家", "社区",
                     "今天", "明天", "有没", "没有", "需要", "要不", "几点", "哪里", "的话", "一个", "这个", "那个"}


class ChatExtractor:
    """Decide, message by message, which messages of an export are demands.

    ``group`` names the group, compound or community when known (the web page's choice, a title
    line): messages that name no place are taken to be about it when clustering.
    """

    def __init__(self, engine=None, model: DemandModel | None = None, *, group: str | None = None,
                 lookahead: int = LOOKAHEAD):
        if engine is None:
            from minsheng.triage.engine import load_default

            engine = load_default()
        self.engine = engine
        self.model = model or default_model()
        self.group = group
        self.lookahead = lookahead
        self.record: list | None = None        # (line, features) of model decisions, for training
        self.next_cluster = 0
        self._cleaned: dict[int, Cleaned] = {}
        self._section: int | None = None
        self._reset()

    # --- state per section ---------------------------------------------------------------------
    def _reset(self) -> None:
        self.history: deque[Decision] = deque(maxlen=400)
        self.clusters: list[_Cluster] = []
        self.staff_senders: set[str] = set()
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
        staff = is_staff_nick(m.sender) or m.sender in self.staff_senders
        tri = self.engine.predict(text, channel="wechat_group")
        if tri.community:
            self.community_votes[tri.community] += 1
        n_han = len(_HAN_RE.findall(text))

        if not staff and self._looks_staff(m, c, hits):
            self.staff_senders.add(m.sender)
            staff = True
        if staff and self._staff_talk(m, c, hits, tri):
            return self._staff(m, c, hits, tri)
        joined = None if staff else self._follow(m, c, hits, tri, n_han)
        if joined is not None:
            return joined
        if len(set(hits.get("ad", ()))) >= 2 and "first_person" not in hits and "request" not in hits:
            return Decision(m, text, False, 0.0, f"否：广告（“{'、'.join(dict.fromkeys(hits['ad']))[:16]}”）", "ad",
                            cleaned=c, result=tri)

        f = features(c, m, tri, staff_seen=staff, hits=hits)
        if self.record is not None:
            self.record.append((m.line, f))
        p, contrib = self.model.score(f)
        demand = p >= self.model.threshold
        reason = self._reason(demand, contrib, hits)
        kind = "report" if demand else self._kind(hits)
        if demand and "question" in hits and "problem" not in hits and "danger" not in hits and not tri.urgent:
            notice = self._recent_notice(m, c)
            if notice is not None:
                if self.record:
                    self.record.pop()
                return Decision(m, text, False, p, f"否：询问第 {notice.line} 行通知的细节", "question",
                                cleaned=c, result=tri, follows=notice.line)
        if demand and (self._is_plain_question(hits, tri) or "neighbour_ask" in hits and "question" in hits
                       and not tri.urgent):
            ans = self._answered(m, ahead)
            if ans is not None:
                if self.record:
                    self.record.pop()        # decided by the rule, not the model
                return Decision(m, text, False, p, f"否：邻居已在群内解答（第 {ans.line} 行）", "answered",
                                cleaned=c, result=tri, follows=ans.line)
        d = Decision(m, text, demand, p, reason, kind, cleaned=c, result=tri)
        if demand:
            d.category, d.urgent = tri.category, bool(tri.urgent)
            self._cluster(d)
        elif kind == "resolved":
            self._mark_resolved(m, c)
        return d

    def _staff_talk(self, m: Message, c: Cleaned, hits: dict, tri) -> bool:
        """What staff and 楼道长 say as staff: notices, replies, progress, thanks, greetings, questions to
        residents. A problem they report on residents' behalf ("5幢电梯又坏了", "楼上王奶奶两天没开门了")
        is not: it goes to the model like a resident's message."""
        from minsheng.triage.engine.lexicon import BROAD_CONCEPTS, CONCEPTS

        specific = [k for k in tri.concepts if k in CONCEPTS and k not in BROAD_CONCEPTS]
        relay = "relay" in hits
        leader = bool(LEADER_NICK_RE.search(m.sender or ""))
        reports = leader or relay or "problem" in hits or "danger" in hits or tri.urgent or bool(specific)
        if not reports or any(k in hits for k in ("greeting", "ack", "ad")):
            return True
        if "notice" in hits or "@所有人" in m.raw or "resolved" in hits:
            return True
        if relay:
            return False
        if "thanks" in hits:
            return True
        if "commit" in hits and not tri.urgent:
            return True
        return bool(c.mentions or c.quote_text) and "request" not in hits and not tri.urgent

    def _looks_staff(self, m: Message, c: Cleaned, hits: dict) -> bool:
        """A sender whose nickname says nothing, writing as staff do: a notice ("各位居民：…请在群里接龙"),
        or a reply that reports action taken ("@张三 收到，已通知物业")."""
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
        d = Decision(m, c.text, False, 0.0, f"否：{why}（昵称“{m.sender}”）", kind, cleaned=c, result=tri)
        target = self._target_by_mention(c) or self._recent_demand(m, within=timedelta(hours=3))
        if target is not None and target.cluster is not None:
            d.thread = target.cluster
        if "resolved" in hits and "question" not in hits:
            self._mark_resolved(m, c)
        return d

    # --- follow-ups, me-too, details ---------------------------------------------------------------
    def _follow(self, m: Message, c: Cleaned, hits: dict, tri, n_han: int) -> Decision | None:
        """A message that continues an earlier problem joins it (and is a demand exactly when that
        problem is): a quoted reply, a follow-up ("还没人来修啊"), a "+1 / 我家也是", a neighbour's
        short agreement right after a report, or the reporter's own next detail."""
        from minsheng.triage.engine.lexicon import BROAD_CONCEPTS, CONCEPTS

        specific = {k for k in tri.concepts if k in CONCEPTS and k not in BROAD_CONCEPTS}
        negative = any(k in hits for k in ("resolved", "greeting", "ad", "laugh", "ack", "lost_found", "notice",
                                           "neighbour_ask")) or ("thanks" in hits and "request" not in hits)
        negative = negative and "followup" not in hits
        target, how = None, ""
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
            target, how = self._previous_topic(m), "附和"
        if target is None and not negative and n_han <= 25:
            prev = self._adjacent_demand(m)
            deictic = re.search(r"那边|这边|那里|这里|那个|这个|门口|楼下|楼上", c.text)
            agree = any(k in hits for k in ("metoo", "again", "danger")) or "problem" in hits and (
                deictic or "first_person" in hits or "duration" in hits)
            detailish = any(k in hits for k in ("place", "duration", "problem", "first_person", "request", "again",
                                                 "metoo", "danger")) or c.mentions or re.search(r"\d", c.text)
            quick = prev is not None and prev.time and m.time and m.time - prev.time <= timedelta(minutes=5)
            if prev is not None and prev.sender == m.sender and (detailish or quick):
                target, how = prev, "补充"
            elif prev is not None and agree and "advice" not in hits:
                target, how = prev, "附和"
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
            kind = {"引用": "follow_up", "跟进": "follow_up", "附和": "me_too", "补充": "detail"}[how]
            d = Decision(m, c.text, True, 1.0, f"是：{how}第 {target.line} 行的诉求（同一问题）", kind,
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

    def _followup_target(self, m: Message, concepts: set, *, again: bool = False, tri=None) -> Decision | None:
        """The problem a follow-up is about: one this sender reported or joined, else the most
        recently active one still open (for "又坏了" also a solved one), matching its words if any."""
        live = [cl for cl in self.clusters if not (cl.last and m.time and m.time - cl.last > FOLLOW_WINDOW)
                and not cl.consult]
        if concepts:
            related = [cl for cl in live if any(set(r.concepts) & concepts for r in cl.results)]
            if not related and again:
                return None                  # "电梯又停了" names a problem of its own
            if not related and tri is not None:
                related = [cl for cl in live if cl.first.category == tri.category]
            if not related and tri is not None:
                # no shared concept: the one sharing the most content characters ("灯还是不亮" → 楼道灯)
                mine = set(_HAN_RE.findall(tri.text)) - _FUNCTION_CHARS - _FOLLOW_CHARS
                scored = [(len(mine & set(_HAN_RE.findall(cl.first.text))), cl) for cl in live]
                top = max((k for k, _cl in scored), default=0)
                related = [cl for k, cl in scored if k == top] if top else []
            live = related or ([] if again else live)
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
        from minsheng.triage.engine.lexicon import BROAD_CONCEPTS, CONCEPTS

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
            if is_staff_nick(a.sender) or a.sender in self.staff_senders:
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
            label = CUE_LABELS.get(name) or EXTRA_LABELS.get(name, name)
            words = hits.get(name)
            parts.append(f"{label}“{'、'.join(dict.fromkeys(words))[:16]}”" if words else label)
            if len(parts) == 3:
                break
        return ("是：" if demand else "否：") + ("；".join(parts) or ("像诉求" if demand else "不像诉求"))


def extract(messages: Iterable[Message], *, engine=None, model: DemandModel | None = None,
            group: str | None = None) -> Iterator[Decision]:
    """Every message's decision, in file order (streaming)."""
    return ChatExtractor(engine, model, group=group).run(messages)


def extract_text(text: str, **kw) -> list[Decision]:
    return list(extract(parse_text(text), **kw))


# ---------------------------------------------------------------------------------------------
# 5. Evaluation against labels ({"line", "category", "cluster"} per demand; other messages are not)


def score(decisions: list[Decision], labels: list[dict]) -> dict:
    """Demand detection P/R/F1 and category accuracy on true demands that were detected, plus the
    category accuracy over all true demands (a missed demand counts as wrong) and pairwise cluster F1."""
    gold = {lab["line"]: lab for lab in labels}
    pred = {d.line: d for d in decisions if d.demand}
    tp = len(gold.keys() & pred.keys())
    fp, fn = len(pred.keys() - gold.keys()), len(gold.keys() - pred.keys())
    prec = tp / (tp + fp) if tp + fp else 0.0
    rec = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    both = gold.keys() & pred.keys()
    cat_ok = sum(1 for ln in both if pred[ln].category == gold[ln]["category"])
    urg_ok = sum(1 for ln in both if bool(pred[ln].urgent) == bool(gold[ln].get("urgent")))
    lines = sorted(both)
    ctp = cfp = cfn = 0
    for i, a in enumerate(lines):
        for b in lines[i + 1:]:
            p_same = pred[a].cluster == pred[b].cluster
            g_same = gold[a].get("cluster") is not None and gold[a].get("cluster") == gold[b].get("cluster")
            ctp += p_same and g_same
            cfp += p_same and not g_same
            cfn += g_same and not p_same
    cp = ctp / (ctp + cfp) if ctp + cfp else 0.0
    cr = ctp / (ctp + cfn) if ctp + cfn else 0.0
    return {
        "messages": sum(1 for d in decisions if d.kind != "system"), "demands": len(gold),
        "tp": tp, "fp": fp, "fn": fn, "precision": prec, "recall": rec, "f1": f1,
        "category_accuracy": cat_ok / len(both) if both else 0.0,
        "category_accuracy_all": cat_ok / len(gold) if gold else 0.0,
        "urgent_accuracy": urg_ok / len(both) if both else 0.0,
        "cluster_pair_f1": 2 * cp * cr / (cp + cr) if cp + cr else 0.0,
        "false_positives": sorted(pred.keys() - gold.keys()), "false_negatives": sorted(gold.keys() - pred.keys()),
        "wrong_category": sorted(ln for ln in both if pred[ln].category != gold[ln]["category"]),
    }


def load_heldout() -> tuple[str, list[dict]]:
    import json

    text = (DATA_DIR / "chat_heldout.txt").read_text(encoding="utf-8")
    with open(DATA_DIR / "chat_heldout_labels.jsonl", encoding="utf-8") as f:
        labels = [json.loads(line) for line in f if line.strip()]
    return text, labels
