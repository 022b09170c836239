"""Feature extraction shared by training and the fast inference path, plus the urgency rules."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .lexicon import (
    CATEGORY_NAMES,
    CONCEPTS,
    HYPOTHETICAL,
    NEGATORS,
    RESOLVED_PHRASES,
    STRONG_CUES,
    TONE_WORDS,
    URGENT_RULES,
)
from .textnorm import KeywordMatcher, basic_norm, strip_punct

_CONCEPT_M = KeywordMatcher()
for _cid, (_cat, _label, _kws) in CONCEPTS.items():
    for _kw in _kws:
        _CONCEPT_M.add(_kw, ("c", _cid))
for _kw, _cat in STRONG_CUES.items():
    _CONCEPT_M.add(_kw, ("s", _cat))

_URG_M = KeywordMatcher()
for _rid, _rule in URGENT_RULES.items():
    for _ri, _role in enumerate(_rule["roles"]):
        for _kw in _role:
            _URG_M.add(_kw, (_rid, _ri))
_RESOLVED_RE = re.compile("|".join(map(re.escape, RESOLVED_PHRASES)))
_TONE_RE = re.compile("|".join(map(re.escape, TONE_WORDS)))
_CLAUSE_RE = re.compile(r"[。！？!?;；\n]")


@dataclass
class Analysis:
    norm: str
    tokens: list[str]
    concepts: dict[str, list[str]] = field(default_factory=dict)   # concept -> surface words
    strong: dict[str, list[str]] = field(default_factory=dict)     # category -> cue words
    urgent_rules: dict[str, list[str]] = field(default_factory=dict)  # rule -> words
    urgent_blocked: list[str] = field(default_factory=list)        # human notes on cancelled cues
    tone: list[str] = field(default_factory=list)


def _preceded_by(text: str, start: int, words: tuple[str, ...], window: int) -> str | None:
    seg = text[max(0, start - window):start]
    for w in words:
        if w in seg:
            return w
    return None


def urgent_analysis(t: str, a: Analysis) -> None:
    hits = _URG_M.find(t)
    if not hits:
        return
    resolved = _RESOLVED_RE.search(t)
    # clause index per char, to keep a rule's roles together (same or adjacent clause)
    by_rule: dict[str, dict[int, list[tuple[int, str]]]] = {}
    for s, _e, kw, (rid, ri) in hits:
        rule = URGENT_RULES[rid]
        neg = _preceded_by(t, s, NEGATORS, 3)
        if neg and not (kw.startswith(("没", "不")) or ri > 0 and rid in ("water_into_home",)):
            a.urgent_blocked.append(f"否定“{neg}{kw}”不计")
            continue
        if kw in rule.get("hypothetical_sensitive", ()):
            hyp = _preceded_by(t, s, HYPOTHETICAL, 8)
            if hyp:
                a.urgent_blocked.append(f"假设“{hyp}…{kw}”不计")
                continue
        by_rule.setdefault(rid, {}).setdefault(ri, []).append((s, kw))
    for rid, roles in by_rule.items():
        rule = URGENT_RULES[rid]
        if len(roles) < len(rule["roles"]):
            continue
        strong = rule.get("needs_strong")
        if strong and not any(kw in strong for s, kw in roles[0]):
            continue
        # all roles within a 40-char span: pick the closest combination greedily around role 0
        ok_words = None
        for s0, kw0 in roles[0]:
            words = [kw0]
            good = True
            for ri in range(1, len(rule["roles"])):
                best = min(roles[ri], key=lambda x: abs(x[0] - s0))
                if abs(best[0] - s0) > 40:
                    good = False
                    break
                words.append(best[1])
            if good:
                ok_words = words
                break
        if ok_words is None:
            continue
        if resolved:
            a.urgent_blocked.append(f"已处置“{resolved.group(0)}”→不计紧急")
            continue
        a.urgent_rules[rid] = ok_words


def analyse(text: str, segment) -> Analysis:
    t = basic_norm(text)
    toks = segment(t) if segment is not None else []
    a = Analysis(norm=t, tokens=toks)
    for _s, _e, kw, (kind, val) in _CONCEPT_M.find(t):
        if kind == "c":
            a.concepts.setdefault(val, []).append(kw)
        else:
            a.strong.setdefault(val, []).append(kw)
    urgent_analysis(t, a)
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
    for rid in a.urgent_rules:
        f["u" + rid] = 2.0
    if a.urgent_rules:
        f["u*"] = 2.0
    if a.urgent_blocked:
        f["ub"] = 1.0
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
