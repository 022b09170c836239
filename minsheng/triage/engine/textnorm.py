"""Text normalisation and a tiny first-character keyword matcher (pure Python, no deps)."""

from __future__ import annotations

import re

_FW = {i: i - 0xFEE0 for i in range(0xFF01, 0xFF5F)}
_FW[0x3000] = 0x20

CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
             "七": 7, "八": 8, "九": 9, "十": 10, "壹": 1, "贰": 2, "叁": 3}


def cn_to_int(s: str) -> int | None:
    """'12' / '十二' / '二十三' / '三十' -> int; None when not a number."""
    if not s:
        return None
    if s.isdigit():
        return int(s)
    if any(c not in CN_DIGITS for c in s):
        return None
    if "十" in s:
        a, _, b = s.partition("十")
        tens = CN_DIGITS.get(a, 1) if a else 1
        ones = CN_DIGITS.get(b, 0) if b else 0
        return tens * 10 + ones
    if len(s) == 1:
        return CN_DIGITS[s]
    # '一二' style digit-by-digit
    return int("".join(str(CN_DIGITS[c]) for c in s))


def basic_norm(text: str) -> str:
    """Full-width -> half-width, lower case, collapse whitespace."""
    t = text.translate(_FW).lower()
    return re.sub(r"\s+", " ", t).strip()


_PUNCT_RE = re.compile(r"[\s,.!?;:'\"()\[\]{}<>~`@#$%^&*_+=|\\/，。！？；：、“”‘’（）《》【】…—·～\-]+")


def strip_punct(text: str) -> str:
    return _PUNCT_RE.sub("", text)


class KeywordMatcher:
    """Finds every occurrence of a set of keywords.

    ``add(keyword, payload)``; ``find(text)`` -> list of (start, end, keyword, payload), all
    matches (overlapping allowed), each position tries its keywords longest first.
    """

    def __init__(self) -> None:
        self._by_first: dict[str, list[tuple[str, object]]] = {}
        self._index: tuple[re.Pattern, dict, dict] | None = None

    def add(self, kw: str, payload: object) -> None:
        if not kw:
            return
        lst = self._by_first.setdefault(kw[0], [])
        lst.append((kw, payload))
        lst.sort(key=lambda x: -len(x[0]))
        self._index = None

    def items(self) -> list[tuple[str, object]]:
        """Every (keyword, payload), grouped by first character, longest first within a group."""
        return [x for lst in self._by_first.values() for x in lst]

    def _build(self) -> tuple[re.Pattern, dict, dict]:
        # A character class finds the positions where some keyword may start (in C, most characters
        # start none); the first two characters then pick the few keywords worth trying there.
        two: dict[str, list[tuple[str, int, object]]] = {}
        one: dict[str, list[tuple[str, object]]] = {}
        for ch, lst in self._by_first.items():
            for kw, payload in lst:
                if len(kw) > 1:
                    two.setdefault(kw[:2], []).append((kw, len(kw), payload))
                else:
                    one.setdefault(ch, []).append((kw, payload))
        first = re.compile("[" + "".join(re.escape(c) for c in self._by_first) + "]")
        self._index = (first, two, one)
        return self._index

    def find(self, text: str) -> list[tuple[int, int, str, object]]:
        if not self._by_first:
            return []
        first, two, one = self._index or self._build()
        out = []
        sw = text.startswith
        for m in first.finditer(text):
            i = m.start()
            for kw, n, payload in two.get(text[i:i + 2], ()):
                if n == 2 or sw(kw, i):
                    out.append((i, i + n, kw, payload))
            for kw, payload in one.get(text[i], ()):
                out.append((i, i + 1, kw, payload))
        return out
