"""Reproducible training (called by ``minsheng triage-train``).

    python -m minsheng.triage.engine.train [--out PATH]

Deterministic: fixed seed, deterministic solvers, meaning vectors cached by text. Every head is
fitted on all training sources (``data.load_training``); the urgency thresholds and the duplicate
threshold are chosen on predictions for each writer's texts by heads fitted without that writer
(leave-one-hand-out), so they are set for text the model has not seen — never on a held-out set.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
from pathlib import Path

import numpy as np

from . import data, embed
from .data import load_jsonl  # noqa: F401  (re-exported for callers)
from .demo import demo_gazetteer
from .evaluate import macro_f1, prf
from .features import analyse, feature_counts
from .lexicon import CATEGORIES
from .model import DEFAULT_MODEL, EMBED_SCALE, MODEL_VERSION, Triage
from .pairs import fit_pairs
from .segment import Segmenter, cache_dir
from .situations import HAZARDS

SEED = 20261202
MIN_DF = 2
C_CAT, C_URG, C_SIT = 30.0, 30.0, 10.0
GENERATOR_WEIGHT = 0.5   # the seeded generator's items count half: they are paraphrases of few fragments
RECALL_URGENT, RECALL_POSSIBLE = 0.97, 0.99   # full heads, across hands
FAST_PRECISION = 0.93                          # fast heads' own "urgent": sure enough to alert at once

# The writers' free "kind" tags → the situation codes of ``situations.HAZARDS`` (order matters).
KIND_MAP = [
    (r"self_?harm|suicid", "self_harm"), (r"violen|fight|threat|weapon|knife|domestic", "violence"),
    (r"break_?in|burglar|prowl|intrud|theft_now", "break_in"),
    (r"unreach|not_seen|silent|no_answer", "person_unreachable"),
    (r"missing|wander|lost_child|child_lost", "missing_person"),
    (r"deep_water|drown|water_child|children_water|thin_ice|river|pond", "drowning"),
    (r"animal|dog|bite|hornet|snake|wasp|bee", "animal_attack"),
    (r"shelter|stranded|homeless|evict|locked_out|nowhere", "no_shelter"),
    (r"fell|fallen|fall_person|person_fall|ill|stroke|heart|medical|sick|heat|poison|labou?r|seizure|faint",
     "fall_illness"),
    (r"gas|co_|fume|carbon|ammonia|charcoal", "gas"),
    (r"escape|exit|stair.*block|corridor.*block", "blocked_escape"),
    (r"wire|electric|spark|charg|battery|live_", "electrical"), (r"fire|smoke|burn", "fire_smoke"),
    (r"manhole", "manhole"), (r"road|hole|collapse|sinkhole|pavement|ground", "ground_collapse"),
    (r"lift|elevator", "lift_danger"),
    (r"pump|flood_def|storm|levee", "flood_defence"),
    (r"sewage|water_into|rain_into|into_home|flood", "water_ingress"),
    (r"fall|topple|tree|facade|wall|scaffold|furniture|balcony|equipment|sign|hoop|rail", "falling_object"),
]


def situation_of(kind: str | None) -> str | None:
    k = (kind or "").lower()
    for rx, code in KIND_MAP:
        if re.search(rx, k):
            return code if code in HAZARDS else None
    return None


# Loud words with nothing dangerous (taxonomy.md: "loud phrasing alone is not urgency"). Writers put them
# mostly into urgent texts, so a model learns them as urgency; copies of routine texts with them
# added, labelled routine, unlearn that. Hand-picked tone only — no situation words.
TONE = ("急死了！！", "马上来修！", "赶紧处理一下！", "十万火急！", "快点来人管管！！", "请立即处理！！",
        "救命啊，受不了了", "太急了太急了", "马上！马上！", "急急急！！！", "请务必今天就来！", "快来人啊！")
TONE_SHARE, TONE_WEIGHT = 0.3, 0.5


def tone_augment(items: list[dict], seed: int = SEED) -> list[dict]:
    """Routine hand-written items again with a loud phrase before or after (hand ``aug:<writer>``, so a
    writer left out of training is left out with its copies)."""
    import random

    rng = random.Random(seed)
    out = []
    for it in items:
        if it["urgent"] or it["hand"] in ("generator", "feedback") or rng.random() >= TONE_SHARE:
            continue
        tone = rng.choice(TONE)
        text = f"{tone}{it['text']}" if rng.random() < 0.5 else f"{it['text']}{tone}"
        out.append({**it, "id": f"{it['id']}~tone", "text": text, "hand": f"aug:{it['hand']}",
                    "family": it["family"], "weight": TONE_WEIGHT, "dup_group": None})
    out += [{"id": f"tone-{i}", "text": t, "category": "other", "urgent": False, "hand": "aug:tone",
             "family": "aug:tone", "weight": TONE_WEIGHT, "dup_group": None} for i, t in enumerate(TONE)]
    return out


# --- features and vectors ---------------------------------------------------------------------

def sparse_matrix(items: list[dict], segment, vocab: dict | None = None, idf: np.ndarray | None = None):
    from scipy.sparse import csr_matrix

    counts = [feature_counts(analyse(it["text"], segment)) for it in items]
    if vocab is None:
        df: dict[str, int] = {}
        for c in counts:
            for k in c:
                df[k] = df.get(k, 0) + 1
        keep = sorted(k for k, v in df.items() if v >= MIN_DF or k[0] in "kKsz")
        vocab = {k: i for i, k in enumerate(keep)}
        n = len(items)
        idf = np.array([math.log((1 + n) / (1 + df[k])) + 1.0 for k in keep])
    rows, cols, vals = [], [], []
    for r, c in enumerate(counts):
        ix = [(vocab[k], v) for k, v in c.items() if k in vocab]
        if not ix:
            continue
        j = np.array([a for a, _ in ix])
        v = (1.0 + np.log(np.array([b for _, b in ix]))) * idf[j]
        v /= np.linalg.norm(v) or 1.0
        rows.extend([r] * len(j))
        cols.extend(j.tolist())
        vals.extend(v.tolist())
    X = csr_matrix((vals, (rows, cols)), shape=(len(items), len(vocab)))
    return X, vocab, idf, counts


def vectors(texts: list[str]) -> np.ndarray | None:
    """Meaning vectors of the training texts, cached on disk by text (re-training is then quick)."""
    emb = embed.get()
    if emb is None:
        return None

    path = Path(cache_dir()) / "train-vectors.npz"
    cache: dict[str, np.ndarray] = {}
    if path.exists():
        z = np.load(path)
        cache = dict(zip(z["k"].tolist(), z["v"], strict=True))
    keys = [hashlib.blake2b(t.encode("utf-8"), digest_size=12).hexdigest() for t in texts]
    todo = list(dict((k, t) for k, t in zip(keys, texts, strict=True) if k not in cache).items())
    if todo:
        V = emb.encode([t for _k, t in todo])
        for (k, _t), v in zip(todo, V, strict=True):
            cache[k] = v.astype(np.float16)
        tmp = path.with_suffix(".tmp.npz")
        np.savez(tmp, k=np.array(list(cache)), v=np.stack(list(cache.values())))
        os.replace(tmp, path)
    return np.stack([cache[k] for k in keys]).astype(np.float32)


def with_vectors(X, E):
    from scipy.sparse import csr_matrix, hstack

    return hstack([X, csr_matrix(EMBED_SCALE * E)]).tocsr()


# --- heads ------------------------------------------------------------------------------------

def _lr(C: float, balanced: bool = False):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=C, max_iter=4000, class_weight="balanced" if balanced else None,
                              random_state=SEED)


def fit_heads(X, E, items: list[dict], classes: list[str], weights: np.ndarray) -> dict:
    yc = np.array([classes.index(it["category"]) for it in items])
    yu = np.array([1 if it["urgent"] else 0 for it in items])
    V = X.shape[1]
    out: dict = {}
    cat = _lr(C_CAT).fit(X, yc, sample_weight=weights)
    out["W_cat"] = _full_classes(cat, len(classes)).astype(np.float16)[:V]
    out["b_cat"] = _full_bias(cat, len(classes))
    urg = _lr(C_URG, balanced=True).fit(X, yu, sample_weight=weights)
    out["w_urg"] = urg.coef_[0].astype(np.float32)
    out["b_urg"] = float(urg.intercept_[0])
    if E is not None:
        XE = with_vectors(X, E)
        cat_f = _lr(C_CAT).fit(XE, yc, sample_weight=weights)
        W = _full_classes(cat_f, len(classes))
        out["W_cat_full"], out["E_cat_full"] = W[:V].astype(np.float16), W[V:].astype(np.float32)
        out["b_cat_full"] = _full_bias(cat_f, len(classes))
        urg_f = _lr(C_URG, balanced=True).fit(XE, yu, sample_weight=weights)
        out["w_urg_full"] = urg_f.coef_[0][:V].astype(np.float32)
        out["e_urg_full"] = urg_f.coef_[0][V:].astype(np.float32)
        out["b_urg_full"] = float(urg_f.intercept_[0])
    return out


def _full_classes(clf, n: int) -> np.ndarray:
    """Coefficients as (features × all classes), classes the fold never saw get a very low score."""
    W = np.zeros((clf.coef_.shape[1], n))
    for j, c in enumerate(clf.classes_):
        W[:, c] = clf.coef_[j]
    return W


def _full_bias(clf, n: int) -> np.ndarray:
    b = np.full(n, -30.0)
    b[clf.classes_] = clf.intercept_
    return b


def fit_situations(X, E, items: list[dict]) -> dict:
    codes = [situation_of(it.get("kind")) if it["urgent"] else None for it in items]
    ix = [i for i, c in enumerate(codes) if c]
    if len(ix) < 20:
        return {}
    classes = sorted({codes[i] for i in ix})
    y = np.array([classes.index(codes[i]) for i in ix])
    M = with_vectors(X[ix], E[ix]) if E is not None else X[ix]
    clf = _lr(C_SIT).fit(M, y)
    W = _full_classes(clf, len(classes))
    V = X.shape[1]
    out = {"sit_classes": classes, "W_sit": W[:V].astype(np.float16), "b_sit": _full_bias(clf, len(classes))}
    if E is not None:
        out["E_sit"] = W[V:].astype(np.float32)
    return out


# --- thresholds across hands ------------------------------------------------------------------

def hands_for_thresholds(items: list[dict]) -> list[str]:
    return sorted({it["hand"] for it in items if it["hand"] not in ("generator", "feedback")
                   and not it["hand"].startswith("aug:")})


def out_of_hand(X, E, items, classes, weights, jobs: int | None = None) -> dict[str, np.ndarray]:
    """p(urgent) and category probabilities for every hand-written item from heads fitted without its
    writer's texts. One fit per writer, independent of the others, so they run ``jobs`` at a time
    (default: one per core); the result does not depend on ``jobs``."""
    from joblib import Parallel, delayed

    hand = np.array([it["hand"] for it in items])
    n = len(items)
    res = {"fast": np.full(n, np.nan), "full": np.full(n, np.nan),
           "cat_fast": np.zeros((n, len(classes))), "cat_full": np.zeros((n, len(classes)))}
    folds = []
    for h in hands_for_thresholds(items):
        te = np.where(hand == h)[0]
        tr = np.where((hand != h) & (hand != f"aug:{h}"))[0]
        folds.append((te, tr))
    jobs = jobs or max(1, min(len(folds), os.cpu_count() or 1))  # no writers: nothing to fit, as before
    done = Parallel(n_jobs=jobs)(delayed(_left_out)(X, E, items, classes, weights, te, tr) for te, tr in folds)
    for (te, _tr), part in zip(folds, done, strict=True):
        for k, v in part.items():
            res[k][te] = v
    return res


def _left_out(X, E, items, classes, weights, te, tr) -> dict[str, np.ndarray]:
    heads = fit_heads(X[tr], E[tr] if E is not None else None, [items[i] for i in tr], classes, weights[tr])
    Xt = X[te]
    out = {"fast": _sig(Xt @ heads["w_urg"] + heads["b_urg"]),
           "cat_fast": _soft(Xt @ heads["W_cat"] + heads["b_cat"])}
    if E is not None:
        Et = EMBED_SCALE * E[te]
        out["full"] = _sig(Xt @ heads["w_urg_full"] + Et @ heads["e_urg_full"] + heads["b_urg_full"])
        out["cat_full"] = _soft(Xt @ heads["W_cat_full"] + Et @ heads["E_cat_full"] + heads["b_cat_full"])
    return out


def _sig(z):
    return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=np.float64)))


def _soft(z):
    z = np.asarray(z, dtype=np.float64)
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def threshold_at_recall(p: np.ndarray, y: np.ndarray, recall: float) -> float:
    """The highest threshold that keeps at least ``recall`` of the positives."""
    pos = np.sort(p[y == 1])[::-1]
    k = max(0, min(len(pos) - 1, math.ceil(recall * len(pos)) - 1))
    return float(pos[k]) if len(pos) else 0.5


def threshold_at_precision(p: np.ndarray, y: np.ndarray, precision: float) -> float:
    """The lowest threshold whose predictions are at least ``precision`` right."""
    order = np.argsort(-p)
    tp = np.cumsum(y[order])
    prec = tp / np.arange(1, len(p) + 1)
    ok = np.where(prec >= precision)[0]
    return float(p[order][ok.max()]) if len(ok) else 1.0


def choose_thresholds(oof: dict, items: list[dict]) -> dict:
    mask = np.array([it["hand"] in hands_for_thresholds(items) for it in items])
    y = np.array([1 if it["urgent"] else 0 for it in items])[mask]
    th = {}
    for mode in ("fast", "full"):
        p = oof[mode][mask]
        if np.isnan(p).any():
            continue
        possible = threshold_at_recall(p, y, RECALL_POSSIBLE)
        urgent = (threshold_at_recall(p, y, RECALL_URGENT) if mode == "full"
                  else max(threshold_at_precision(p, y, FAST_PRECISION), possible))
        th[mode] = {"urgent": round(urgent, 4), "possible": round(min(possible, urgent), 4)}
    th.setdefault("full", th["fast"])
    return th


def cross_hand_report(oof: dict, items: list[dict], classes: list[str], th: dict) -> dict:
    """What the heads do on each writer's texts when fitted without that writer (for docs/triage.md)."""

    hands = hands_for_thresholds(items)
    mask = np.array([it["hand"] in hands for it in items])
    y = np.array([1 if it["urgent"] else 0 for it in items])
    gold = [it["category"] for it in items]
    out = {"hands": hands, "n": int(mask.sum())}
    for mode in ("fast", "full"):
        p = oof[mode]
        if np.isnan(p[mask]).any():
            continue
        t = th[mode]
        pred_u = p >= t["urgent"]
        pred_p = p >= t["possible"]
        tp = int((pred_u & (y == 1) & mask).sum())
        fp = int((pred_u & (y == 0) & mask).sum())
        fn = int((~pred_u & (y == 1) & mask).sum())
        miss = int((~pred_p & (y == 1) & mask).sum())
        cats = [classes[k] for k in oof["cat_" + mode].argmax(axis=1)]
        out[mode] = {"urgent_pr": [round(v, 3) for v in prf(tp, fp, fn)[:2]],
                     "urgent_or_possible_recall": round(1 - miss / max(1, int((y[mask] == 1).sum())), 3),
                     "possible_share": round(float((pred_p & ~pred_u & mask).sum() / mask.sum()), 3),
                     "category_macro_f1": round(macro_f1([g for g, m in zip(gold, mask, strict=True) if m],
                                                         [c for c, m in zip(cats, mask, strict=True) if m]), 3)}
    return out


# --- training -----------------------------------------------------------------------------------

def train(corpus_path: str | Path | None = None, out_path: str | Path | None | bool = None,
          gazetteer=None, extra: list[dict] | None = None, use_vectors: bool = True,
          thresholds: dict | None = None, pairs: bool = True) -> Triage:
    """Fit every head on every training source and save (``out_path=False``: don't save)."""

    np.random.seed(SEED)
    gaz = gazetteer or demo_gazetteer()
    seg = Segmenter(sorted(gaz.words))
    items = data.load_training(corpus_path, extra=extra)
    items += tone_augment(items)
    X, vocab, idf, counts = sparse_matrix(items, seg)
    E = vectors([gaz.problem_text(it["text"]) for it in items]) if use_vectors else None
    classes = [c for c in CATEGORIES if any(it["category"] == c for it in items)]
    weights = np.array([GENERATOR_WEIGHT if it["hand"] == "generator" else it.get("weight", 1.0) for it in items])
    params = {"version": MODEL_VERSION, "vocab": vocab, "idf": idf.astype(np.float32), "classes": classes,
              "n_train": len(items), "seed": SEED, "embed_scale": EMBED_SCALE,
              "hands": sorted({it["hand"] for it in items})}
    params.update(fit_heads(X, E, items, classes, weights))
    params.update(fit_situations(X, E, items))
    if thresholds is None:
        oof = out_of_hand(X, E, items, classes, weights)
        thresholds = choose_thresholds(oof, items)
        params["cross_hand"] = cross_hand_report(oof, items, classes, thresholds)
    params["thresholds"] = thresholds
    params["concept_weights"] = _concept_weights(counts, len(items))
    tri = Triage(params, gaz)
    if pairs:
        params["pairs"] = fit_pairs(tri, items, E)
        tri = Triage(params, gaz)
    if out_path is not False:
        p = Path(out_path or DEFAULT_MODEL)
        p.parent.mkdir(parents=True, exist_ok=True)
        tri.save(p)
    return tri


def _concept_weights(counts: list[dict], n: int) -> dict[str, float]:
    cdf: dict[str, int] = {}
    for c in counts:
        for k in c:
            if k[0] == "k":
                cdf[k[1:]] = cdf.get(k[1:], 0) + 1
    return {k: round(math.log((1 + n) / (1 + v)), 4) for k, v in cdf.items()}


def main(argv: list[str] | None = None) -> None:
    import argparse

    ap = argparse.ArgumentParser(description="train the triage model")
    ap.add_argument("--out", default=None)
    a = ap.parse_args(argv)
    tri = train(out_path=a.out)
    print(f"trained on {tri.params['n_train']} items, {len(tri.vocab)} features -> {a.out or DEFAULT_MODEL}")
    print("thresholds", tri.params["thresholds"], "duplicates", tri.params["pairs"].get("thresholds"))


if __name__ == "__main__":
    main()
