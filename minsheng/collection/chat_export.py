"""Reading a WeChat group export (pure logic): messages out of the text, and the text a demand keeps.

1. ``parse_lines`` — an export is lines ``YYYY-MM-DD HH:MM 昵称: 内容`` (also ``YYYY/MM/DD``, seconds,
   a full-width colon, ``[…]`` around the time, a BOM). Lines without a time header continue the
   message above; system lines (撤回, 加入了群聊, 拍了拍…) and section separators are kept apart.
2. ``clean`` — the text a demand keeps: no @mentions, no quoted replies 「张三：…」, no emoji,
   media placeholders or WeChat emoji codes; continuation lines joined.
"""

from __future__ import annotations

import codecs
import hashlib
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path


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


