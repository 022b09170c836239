"""Duplicate detection: "the same concrete problem at the same place".

similarity(a, b) combines
  * place compatibility (same place / parent-child place / same community; different buildings
    or different places -> 0),
  * category agreement,
  * problem-concept overlap (lexicon concepts, weighted by rarity: 堵/不通/返水 -> blockage …),
  * character-bigram cosine.
Works on ``TriageResult`` objects (they carry their text and concepts).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from .textnorm import basic_norm, strip_punct

DEFAULT_THRESHOLD = 0.75
# What `problem` gets from all but the category term: at most 0.5 * concept overlap + 0.1 * bigram term.
# It is also the highest score two texts of different categories can reach (the place factor only lowers
# it), so above this threshold only same-category candidates need fetching.
CROSS_CATEGORY_MAX = 0.6
_WEIGHTS: dict[str, float] = {}


def set_concept_weights(w: dict[str, float]) -> None:
    _WEIGHTS.clear()
    _WEIGHTS.update(w)


def _bigrams(text: str) -> dict[str, int]:
    t = strip_punct(basic_norm(text))
    out: dict[str, int] = {}
    for i in range(len(t) - 1):
        g = t[i:i + 2]
        out[g] = out.get(g, 0) + 1
    return out


def _ngrams(r) -> tuple[dict[str, int], float]:
    ng = getattr(r, "ngrams", None)
    if not ng:
        bg = _bigrams(r.text)
        ng = {"bg": bg, "norm": math.sqrt(sum(v * v for v in bg.values())) or 1.0}
        try:
            r.ngrams = ng
        except AttributeError:
            pass
    return ng["bg"], ng["norm"]


def cosine(a, b) -> float:
    ba, na = _ngrams(a)
    bb, nb = _ngrams(b)
    if len(ba) > len(bb):
        ba, bb = bb, ba
    dot = sum(v * bb.get(k, 0) for k, v in ba.items())
    return dot / (na * nb)


def place_factor(a, b) -> float:
    """1 same place, 0.8 parent/child place, 0.6/0.5 same community with less detail, 0 else."""
    if a.community is None or b.community is None:
        return 0.0
    if a.community != b.community:
        return 0.0
    if a.building and b.building and a.building != b.building:
        return 0.0
    if a.place and b.place:
        if a.place == b.place:
            return 1.0
        if a.place.startswith(b.place) or b.place.startswith(a.place):
            return 0.8
        return 0.0
    if a.place or b.place:
        return 0.45
    if a.grid and b.grid and a.grid != b.grid:
        return 0.0
    return 0.5


def _problem_concepts(r, cats) -> set:
    from .lexicon import CONCEPTS

    return {c for c in r.concepts if CONCEPTS.get(c, ("",))[0] in cats}


def _weighted(ca: set, cb: set) -> float:
    w = _WEIGHTS
    inter = sum(w.get(c, 1.0) for c in ca & cb)
    smaller = min(sum(w.get(c, 1.0) for c in ca), sum(w.get(c, 1.0) for c in cb))
    union = sum(w.get(c, 1.0) for c in ca | cb)
    return 0.75 * inter / smaller + 0.25 * inter / union if smaller else 0.0


def concept_overlap(a, b) -> float:
    """Rarity-weighted overlap of the problem concepts (those of the two predicted categories).

    Specific concepts (堵塞, 井盖, 飞线…) are compared when both texts have some; broad ones
    (噪音, 物业, 老人…) only when one side has nothing more specific, and then count less.
    """
    from .lexicon import BROAD_CONCEPTS

    cats = {a.category, b.category}
    ca, cb = _problem_concepts(a, cats), _problem_concepts(b, cats)
    if not ca or not cb:
        return 0.0
    sa, sb = ca - BROAD_CONCEPTS, cb - BROAD_CONCEPTS
    if sa and sb:
        return _weighted(sa, sb)
    return 0.85 * _weighted(ca, cb)


_ASPECT_M = None


def _aspects(r) -> set:
    global _ASPECT_M
    if _ASPECT_M is None:
        from .lexicon import ASPECTS
        from .textnorm import KeywordMatcher

        m = KeywordMatcher()
        for k, words in ASPECTS.items():
            for w in words:
                m.add(w, k)
        _ASPECT_M = m
    asp = getattr(r, "_aspects", None)
    if asp is None:
        asp = {p for _s, _e, _k, p in _ASPECT_M.find(basic_norm(r.text))}
        try:
            r._aspects = asp
        except AttributeError:
            pass
    return asp


def similarity(a, b, floor: float = 0.0) -> float:
    """0..1; >= DEFAULT_THRESHOLD means "same concrete problem at the same place".

    With a ``floor``, a pair is answered 0.0 as soon as its score provably stays below it (the
    bigram and aspect terms, the dearest, are then not computed).
    """
    pf = place_factor(a, b)
    if pf == 0.0:
        return 0.0
    scale = 0.65 + 0.35 * pf
    floor -= 0.00005 if floor else 0.0  # the score is rounded to 4 places: keep what rounds up to it
    cat = 1.0 if a.category == b.category else 0.0
    if floor and (0.4 * cat + CROSS_CATEGORY_MAX) * scale < floor:
        return 0.0
    co = concept_overlap(a, b)
    problem = 0.4 * cat + 0.5 * co
    halve = cat == 0.0 and co < 0.5
    if floor and (problem + 0.1) * (0.5 if halve else 1.0) * scale < floor:
        return 0.0
    cos = cosine(a, b)
    problem += 0.1 * min(1.0, cos * 1.6)
    if halve:
        problem *= 0.5
    if a.urgent != b.urgent:
        problem *= 0.8
    xa, xb = _aspects(a), _aspects(b)
    if xa and xb and len(xa) == 1 and len(xb) == 1 and xa != xb:
        problem *= 0.85   # "build a new one" vs "the existing one is broken"
    return round(problem * scale, 4)


def same_category_suffices(threshold: float = DEFAULT_THRESHOLD) -> bool:
    """Whether a candidate of another category can never reach ``threshold`` (see CROSS_CATEGORY_MAX)."""
    return threshold > CROSS_CATEGORY_MAX


def find_duplicates(new, candidates: Sequence, threshold: float = DEFAULT_THRESHOLD) -> list[tuple[int, float]]:
    """Candidates (already triaged, e.g. open demands) similar to ``new``: [(index, score)] desc."""
    out = []
    same_category_only = same_category_suffices(threshold)
    for i, c in enumerate(candidates):
        if c is new:
            continue
        if c.community != new.community or new.community is None:
            continue
        if same_category_only and c.category != new.category:
            continue  # cheaper than the floor's own check, which comes after the place factor
        s = similarity(new, c, floor=threshold)
        if s >= threshold:
            out.append((i, s))
    out.sort(key=lambda x: -x[1])
    return out


def cluster(items: Iterable, threshold: float = DEFAULT_THRESHOLD) -> list[int]:
    """Greedy incremental clustering; returns one label per item (singletons get own labels)."""
    items = list(items)
    labels: list[int] = []
    members: dict[int, list[int]] = {}
    for i, it in enumerate(items):
        best, best_s = None, 0.0
        for lab, mem in members.items():
            ss = [similarity(it, items[j]) for j in mem]
            top = max(ss)
            avg = sum(ss) / len(ss)
            if top >= threshold and avg >= threshold * 0.8 and min(ss) >= threshold * 0.7 \
                    and top > best_s:
                best, best_s = lab, top
        if best is None:
            best = len(members)
            members[best] = []
        members[best].append(i)
        labels.append(best)
    return labels


def pair_f1(labels: Sequence[int], gold: Sequence[str | None]) -> dict:
    """Pairwise precision/recall/F1 of predicted clusters against gold dup groups."""
    n = len(labels)
    tp = fp = fn = 0
    for i in range(n):
        for j in range(i + 1, n):
            p = labels[i] == labels[j]
            g = gold[i] is not None and gold[i] == gold[j]
            if p and g:
                tp += 1
            elif p:
                fp += 1
            elif g:
                fn += 1
    prec = tp / (tp + fp) if tp + fp else 0.0
    rec = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return {"precision": prec, "recall": rec, "f1": f1, "tp": tp, "fp": fp, "fn": fn}
