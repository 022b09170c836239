"""Fitting the duplicate scorer (``duplicates.PairModel``) on duplicate groups written by hand.

Pairs come from each writer's own set (duplicate groups, near misses at the same places, unrelated
reports), compared the way they will be at run time: the engine's own place, category and urgency
for each text, not the writer's labels. The threshold is the one whose clusters are best (pair F1,
with precision at least ``DUP_MIN_PRECISION``) on each writer's set by trees fitted without it.
The seeded generator's groups are left out: they are paraphrases of a few fragments and teach the
trees that same place + same category is enough.

The learned meaning score (``duplicates.meaning_pair``) is itself fitted on these pairs, so the trees
learn from it as it will be at run time, on writers it has not seen: each writer's column comes from a
head fitted without that writer (and, when a writer is held out to choose the threshold, without it
too).
"""

from __future__ import annotations

import numpy as np

from . import treeset
from .duplicates import (
    FAST_FEATURES,
    FULL_FEATURES,
    MONOTONE,
    PairModel,
    comparable,
    link,
    meaning_inputs,
    meaning_score,
    pair_f1,
    pair_features,
    pair_scores,
    worth_scoring,
)

SEED = 20261202
DUP_MIN_PRECISION = 0.75
MEANING_C = 1.0  # the meaning head's regularisation: 0.3–3 gave the same average precision across writers
THRESHOLDS = (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8)


def _hgb(mode: str = "full"):
    from sklearn.ensemble import HistGradientBoostingClassifier

    names = FULL_FEATURES if mode == "full" else FAST_FEATURES
    return HistGradientBoostingClassifier(max_iter=150, learning_rate=0.08, max_leaf_nodes=15,
                                          l2_regularization=1.0, class_weight={0: 1, 1: 4},
                                          monotonic_cst=[MONOTONE.get(n, 0) for n in names],
                                          random_state=SEED)


def _meaning_head(sets: dict, hands: list[str], heads: dict) -> dict | None:
    """The logistic meaning head over the pairs of ``hands`` (balanced: duplicates are rare), fitted once
    per set of writers and kept in ``heads``: the nested fits of ``_choose`` meet each pair of left-out
    writers twice."""
    key = frozenset(hands)
    if key not in heads:
        heads[key] = _fit_meaning_head(sets, hands)
    return heads[key]


def _fit_meaning_head(sets: dict, hands: list[str]) -> dict | None:
    from sklearn.linear_model import LogisticRegression

    X = [sets[h]["meaning"] for h in hands if len(sets[h]["y"])]
    y = [sets[h]["y"] for h in hands if len(sets[h]["y"])]
    if not X or len(set(np.concatenate(y).tolist())) < 2:
        return None
    m = LogisticRegression(C=MEANING_C, class_weight="balanced", max_iter=2000).fit(np.concatenate(X),
                                                                                   np.concatenate(y))
    return {"coef": m.coef_[0].astype(np.float32), "intercept": float(m.intercept_[0])}


def _full_rows(sets: dict, hands: list[str], heads: dict) -> tuple[np.ndarray, np.ndarray]:
    """The full rows of ``hands``, each writer's meaning score from a head fitted on the others."""
    X, y = [], []
    for h in hands:
        s = sets[h]
        if not len(s["y"]):
            continue
        head = _meaning_head(sets, [o for o in hands if o != h], heads)
        X.append(np.column_stack([s["full"], meaning_score(head, s["meaning"])]))
        y.append(s["y"])
    return np.concatenate(X), np.concatenate(y)


def dup_hands(items: list[dict]) -> list[str]:
    return sorted({it["hand"] for it in items if it.get("dup_group") and it["hand"] not in ("generator", "feedback")})


def results_for(tri, items: list[dict], E: np.ndarray | None) -> list:
    rs = [tri.predict(it["text"], channel=it.get("channel")) for it in items]
    if E is not None:
        tri.assess(rs, vectors=E)
    return rs


def pairs_of(rs: list) -> list[tuple[int, int]]:
    """The pairs the scorer will meet at run time: comparable and worth scoring."""
    return [(i, j) for i in range(len(rs)) for j in range(i + 1, len(rs))
            if comparable(rs[i], rs[j]) and worth_scoring(rs[i], rs[j])]


def fit_pairs(tri, items: list[dict], E: np.ndarray | None) -> dict:
    hands = dup_hands(items)
    sets = {}
    for h in hands:
        ix = [i for i, it in enumerate(items) if it["hand"] == h]
        rs = results_for(tri, [items[i] for i in ix], E[ix] if E is not None else None)
        gold = [items[i].get("dup_group") for i in ix]
        prs = pairs_of(rs)
        y = np.array([1 if gold[i] and gold[i] == gold[j] else 0 for i, j in prs])
        fast = np.array([pair_features(rs[i], rs[j]) for i, j in prs])
        sets[h] = {"rs": rs, "gold": gold, "pairs": prs, "y": y, "fast": fast}
        if E is not None:
            sets[h]["full"] = np.array([pair_features(rs[i], rs[j], full=True) for i, j in prs]).reshape(
                len(prs), -1)
            sets[h]["meaning"] = meaning_inputs(np.array([rs[i].vector for i, _j in prs]).reshape(len(prs), -1),
                                                np.array([rs[j].vector for _i, j in prs]).reshape(len(prs), -1))
    out: dict = {}
    modes = ("fast", "full") if E is not None else ("fast",)
    out["fast"] = treeset.export(_hgb("fast").fit(np.concatenate([s["fast"] for s in sets.values()]),
                                                  np.concatenate([s["y"] for s in sets.values()])))
    heads: dict = {}  # meaning heads by the writers they were fitted on
    if E is not None:
        out["full"] = treeset.export(_hgb("full").fit(*_full_rows(sets, hands, heads)))
        out["meaning_pair"] = _meaning_head(sets, hands, heads)
    out["thresholds"], out["cross_hand"] = _choose(sets, modes, heads)
    out["threshold_fast"] = out["thresholds"]["fast"]
    out["threshold_full"] = out["thresholds"].get("full", out["threshold_fast"])
    out["hands"] = hands
    return out


def _f_half(p: float, r: float) -> float:
    return 1.25 * p * r / (0.25 * p + r) if p + r else 0.0


def _choose(sets: dict, modes: tuple[str, ...], heads: dict) -> tuple[dict, dict]:
    """Per mode, the threshold with the best pooled pair F1 over writers (each clustered by trees
    fitted without it), among those with precision ≥ DUP_MIN_PRECISION when any reaches it."""
    chosen, report = {}, {}
    for mode in modes:
        tot = {t: [0, 0, 0] for t in THRESHOLDS}
        for h, s in sets.items():
            others = [o for o in sets if o != h]
            if not others:
                continue
            if mode == "full":
                X, y = _full_rows(sets, others, heads)
                model = PairModel({mode: treeset.export(_hgb(mode).fit(X, y)),
                                   "meaning_pair": _meaning_head(sets, others, heads)})
            else:
                X = np.concatenate([sets[o][mode] for o in others])
                y = np.concatenate([sets[o]["y"] for o in others])
                model = PairModel({mode: treeset.export(_hgb(mode).fit(X, y))})
            rs = s["rs"]
            scores = pair_scores(rs, model)
            for t in THRESHOLDS:
                m = pair_f1(link(len(rs), scores, t), s["gold"])
                tot[t][0] += m["tp"]
                tot[t][1] += m["fp"]
                tot[t][2] += m["fn"]
        scored = {}
        for t, (tp, fp, fn) in tot.items():
            p = tp / (tp + fp) if tp + fp else 0.0
            r = tp / (tp + fn) if tp + fn else 0.0
            scored[t] = (2 * p * r / (p + r) if p + r else 0.0, p, r)
        ok = [t for t in THRESHOLDS if scored[t][1] >= DUP_MIN_PRECISION]
        if ok:
            best = max(ok, key=lambda t: scored[t][0])
        else:  # none precise enough: weigh precision twice (F0.5) — a wrong suggestion costs trust
            best = max(THRESHOLDS, key=lambda t: _f_half(*scored[t][1:]))
        chosen[mode] = best
        report[mode] = {str(t): [round(v, 3) for v in scored[t]] for t in THRESHOLDS}
    return chosen, report
