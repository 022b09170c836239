"""Feature extraction shared by training and the fast inference path."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import situations
from .lexicon import CATEGORY_NAMES, CONCEPTS, STRONG_CUES, TONE_WORDS
from .textnorm import KeywordMatcher, basic_norm, strip_punct

_CONCEPT_M = KeywordMatcher()
for _cid, (_cat, _label, _kws) in CONCEPTS.items():
    for _kw in _kws:
        _CONCEPT_M.add(_kw, ("c", _cid))
for _kw, _cat in STRONG_CUES.items():
    _CONCEPT_M.add(_kw, ("s", _cat))
_TONE_RE = re.compile("|".join(map(re.escape, TONE_WORDS)))


@dataclass
class Analysis:
    norm: str
    tokens: list[str]
    concepts: dict[str, list[str]] = field(default_factory=dict)   # concept -> surface words
    strong: dict[str, list[str]] = field(default_factory=dict)     # category -> cue words
    reading: situations.Reading = field(default_factory=situations.Reading)
    tone: list[str] = field(default_factory=list)


def analyse(text: str, segment) -> Analysis:
    t = basic_norm(text)
    toks = segment(t) if segment is not None else []
    a = Analysis(norm=t, tokens=toks)
    for _s, _e, kw, (kind, val) in _CONCEPT_M.find(t):
        if kind == "c":
            a.concepts.setdefault(val, []).append(kw)
        else:
            a.strong.setdefault(val, []).append(kw)
    a.reading = situations.read(t)
    a.tone = _TONE_RE.findall(t)
    return a


def feature_counts(a: Analysis) -> dict[str, float]:
    """Sparse bag of features (raw counts) for one analysed text."""
    f: dict[str, float] = {}
    tc = strip_punct(a.norm)
    n = len(tc)
    for k in (1, 2, 3):
        for i in range(n - k + 1):
            g = "c" + tc[i:i + k]
            f[g] = f.get(g, 0.0) + 1.0
    for w in a.tokens:
        if len(w) > 1 or "\u4e00" <= w <= "\u9fff":
            g = "w" + w
            f[g] = f.get(g, 0.0) + 1.0
    for c, words in a.concepts.items():
        f["k" + c] = 1.0 + 0.5 * (len(words) - 1)
        f["K" + CONCEPTS[c][0]] = f.get("K" + CONCEPTS[c][0], 0.0) + 1.0
    for cat, words in a.strong.items():
        f["s" + cat] = float(len(words))
    for k, v in situations.features(a.reading).items():
        if v > 0:
            f["z" + k] = v
    return f


def concept_evidence(a: Analysis, category: str, limit: int = 3) -> list[str]:
    name = CATEGORY_NAMES.get(category, category)
    out = []
    for w in a.strong.get(category, []):
        s = f"关键词“{w}”→{name}"
        if s not in out:
            out.append(s)
    for c, words in a.concepts.items():
        if CONCEPTS[c][0] == category:
            s = f"关键词“{max(words, key=len)}”→{name}"
            if s not in out:
                out.append(s)
    return out[:limit]
