"""Split meeting minutes into the issues residents raised (one candidate per issue).

Plain text in, candidates out; no database. The rules follow how minutes are written:

- numbered items (`1.` `2、` `（3）` `一、` `①`) are one issue each, unless they are agenda points
  (传达…, 学习…, 通报…) or headings (`一、居民反映的问题：`);
- a speaker prefix (`第3组组长：`, `张阿姨：`, `2组组长:`) starts what one person raised; the
  chairman's and the clerk's lines are procedure, not issues;
- inside a line, a sentence with 反映 / 提出 / 建议 / 希望 / 要求 / 呼吁 / 投诉 starts an issue; a sentence
  that only asks for action on it (希望尽快解决, 要求物业维修) and sentences without such a word belong
  to the issue before them;
- header lines (会议时间：, 地点：, 参加人员：…) and answers (针对…, 答复…, 社区将…) are skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_TEXT = 2000
MIN_TEXT = 6

HEADER_KEYS = {
    "会议时间", "时间", "日期", "地点", "会议地点", "主持", "主持人", "记录", "记录人", "参加人员", "参会人员",
    "参加对象", "出席", "出席人员", "列席", "列席人员", "缺席", "缺席人员", "议题", "会议议题", "会议主题",
    "主题", "会议名称", "应到", "实到", "会议内容",
}
PROCEDURAL_SPEAKERS = re.compile(r"^(主持人?|记录人?|会议主持|司仪)$")
KEYWORD = re.compile(r"反映|提出|建议|希望|要求|呼吁|投诉|诉求|提议")
PROPOSAL = re.compile(r"建议|希望|要求|呼吁|提议")
# A sentence that starts a new issue even if one is already open.
NEW_ISSUE = re.compile(r"^(另外|此外|还有|同时|另|再有|其次|[二三四五六七八九十]是)|反映|提出|提议|投诉")
# 希望/要求/建议 followed by these asks for action on the issue just raised.
FOLLOW_UP = re.compile(
    r"^(?:并|也|都|大家|居民)?(?:希望|要求|建议|请求?|恳请|呼吁)"
    r"(?:尽快|早日|及时|能够|能|可以|社区|有关|相关|物业|帮忙|帮助|协调|解决|处理|予以|落实|跟进|重视|关注|考虑)"
)
ANSWER = re.compile(r"^(针对|对于|关于大家|答复|回复|会后|下一步|社区将|我们将|社区表示|书记表示|主任表示)")
AGENDA = re.compile(r"^(传达|学习|通报|部署|宣读|总结|介绍|布置|听取|审议|讨论通过|会议|本次会议|首先|最后|散会)")
NOTHING = re.compile(r"^(本组)?(无|没有|暂无|没)(其他|别的|什么)?(问题|意见|建议|诉求)")
HEADING = re.compile(r"^[^。！？!?；;，,]{0,14}(问题|情况|事项|意见|建议|诉求)(如下|汇总|清单)?[：:]?$")
NUMBER = re.compile(
    r"^\s*(?:[（(]\s*(?:\d{1,2}|[一二三四五六七八九十]{1,3})\s*[)）]|\d{1,2}\s*[.、．)）](?!\d)"
    r"|[一二三四五六七八九十]{1,3}\s*、|[①-⑳]|第[一二三四五六七八九十\d]{1,3}[条项点][，,、：:]?)\s*"
)
INLINE_NUMBER = re.compile(r"(?<=[；;。！？!?\s])\s*(?=(?:\d{1,2}[.、．](?!\d)|[（(]\d{1,2}[)）]|[①-⑳]))")
SPEAKER = re.compile(r"^\s*(?P<speaker>[^：:，,。；;！？!?、\s]{1,16})\s*[：:]\s*(?P<rest>.*)$")
SENTENCE = re.compile(r"[^。！？!?；;]+[。！？!?；;]*")
TRIM = " \t\u3000，,、：:"


@dataclass
class Candidate:
    line: int  # 1-based line of the minutes
    part: int  # 1-based position among the issues found on that line
    text: str
    speaker: str = ""


def _is_header(speaker: str) -> bool:
    return speaker in HEADER_KEYS or speaker.startswith("会议")


def _clean(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip(TRIM)
    return text[:MAX_TEXT]


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in SENTENCE.findall(text) if s.strip(TRIM + "。！？!?；;")]


def _group(sentences: list[str], *, need_keyword: bool) -> list[str]:
    """Group sentences into issues. Without a keyword anywhere, the whole utterance is one issue
    unless `need_keyword`."""
    sentences = [s for s in sentences if not ANSWER.match(s.strip(TRIM))]
    if not sentences:
        return []
    if not any(KEYWORD.search(s) for s in sentences):
        return [] if need_keyword else ["".join(sentences)]
    groups: list[list[str]] = []
    proposed: list[bool] = []  # whether each issue already carries a proposal (建议/希望…)
    leading: list[str] = []
    for s in sentences:
        bare = s.strip(TRIM)
        if not KEYWORD.search(bare):
            if groups:
                groups[-1].append(s)
            elif not AGENDA.match(bare):
                leading.append(s)
            continue
        proposal = bool(PROPOSAL.search(bare)) and not NEW_ISSUE.search(bare)
        if not groups:
            starts = True
        elif FOLLOW_UP.match(bare):
            starts = False
        elif NEW_ISSUE.search(bare):
            starts = True
        else:  # a proposal: the fix for the problem just described, or a new one after a fix
            starts = proposed[-1]
        if starts:
            groups.append([s])
            proposed.append(proposal)
        else:
            groups[-1].append(s)
            proposed[-1] = proposed[-1] or proposal
    if groups and leading and not need_keyword:  # what a speaker said before their request is its context
        groups[0] = leading + groups[0]
    return ["".join(g) for g in groups]


def _keep(text: str) -> bool:
    bare = text.strip(TRIM + "。！？!?；;")
    return (len(bare) >= MIN_TEXT and not HEADING.match(text.strip()) and not AGENDA.match(bare)
            and not NOTHING.match(bare))


def _numbered_items(body: str) -> list[str]:
    parts = [p for p in INLINE_NUMBER.split(body) if p.strip()]
    return [NUMBER.sub("", p, count=1) for p in parts]


def extract(minutes: str) -> list[Candidate]:
    """The issues raised in `minutes`, in order; each with its line number and speaker."""
    out: list[Candidate] = []
    seen: set[str] = set()
    for number, raw in enumerate((minutes or "").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        numbered = bool(NUMBER.match(line))
        body = NUMBER.sub("", line, count=1) if numbered else line
        speaker = ""
        m = SPEAKER.match(body)
        if m:
            speaker = re.sub(r"(反映|提出|建议|说|发言|表示)$", "", m.group("speaker")) or m.group("speaker")
            if _is_header(speaker) or PROCEDURAL_SPEAKERS.match(speaker):
                continue
            body = m.group("rest")
            if not body.strip():
                continue
        if numbered and not speaker:
            texts = []
            for item in _numbered_items(line):
                texts.extend(_group(_sentences(item), need_keyword=False))
        else:
            texts = _group(_sentences(body), need_keyword=not speaker)
        part = 0
        for text in texts:
            text = _clean(text)
            if not _keep(text) or text in seen:
                continue
            seen.add(text)
            part += 1
            out.append(Candidate(line=number, part=part, text=text, speaker=speaker[:40]))
    return out
