"""Reproducible training (called by ``minsheng triage-train``).

    python -m minsheng.triage.engine.train [--all] [--out PATH]

Deterministic: fixed seed, deterministic liblinear/lbfgs solvers, and a held-out split by a
hash of ``dup_group`` (or ``id``) so paraphrases of one problem never straddle the split.
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path

import numpy as np

from .features import analyse, feature_counts
from .lexicon import CATEGORIES
from .model import DATA_DIR, DEFAULT_MODEL, MODEL_VERSION, Triage

SEED = 20260629
CORPUS = DATA_DIR / "corpus.jsonl"
HELDOUT_HANDWRITTEN = DATA_DIR / "heldout_handwritten.jsonl"
MIN_DF = 2


def load_jsonl(path: str | Path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def is_heldout(item: dict, folds: int = 5) -> bool:
    key = item.get("dup_group") or item["id"]
    return int(hashlib.md5(key.encode("utf-8")).hexdigest(), 16) % folds == 0


def split(items: list[dict]) -> tuple[list[dict], list[dict]]:
    tr = [i for i in items if not is_heldout(i)]
    te = [i for i in items if is_heldout(i)]
    return tr, te


_FRAMES = ("{kw}的问题希望尽快处理", "居民反映{kw}", "{kw}，麻烦社区帮忙看看", "关于{kw}，请有关部门解决")


def lexicon_items(seed: int = SEED) -> list[dict]:
    """Low-weight synthetic items: every specific lexicon keyword in a neutral frame.

    Teaches the classifier that a keyword it never met in the corpus still points to its
    category (generalisation beyond the templates)."""
    import random

    from .lexicon import BROAD_CONCEPTS, CONCEPTS

    owner: dict[str, set] = {}
    for _cid, (cat, _l, kws) in CONCEPTS.items():
        for kw in kws:
            owner.setdefault(kw, set()).add(cat)
    rng = random.Random(seed)
    out = []
    for cid, (cat, _l, kws) in sorted(CONCEPTS.items()):
        if cid in BROAD_CONCEPTS:
            continue
        for kw in kws:
            if len(kw) < 2 or len(owner[kw]) > 1:
                continue
            out.append({"id": f"lex-{cid}-{kw}", "text": rng.choice(_FRAMES).format(kw=kw),
                        "category": cat, "urgent": False, "weight": 0.3})
    return out


def fit_params(items: list[dict], segment, C_cat: float = 20.0, C_urg: float = 10.0,
               augment: bool = True) -> dict:
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression

    n_real = len(items)
    if augment:
        items = items + lexicon_items()
    sw = np.array([it.get("weight", 1.0) for it in items])
    counts = [feature_counts(analyse(it["text"], segment)) for it in items]
    df: dict[str, int] = {}
    for c in counts:
        for k in c:
            df[k] = df.get(k, 0) + 1
    keep = sorted(k for k, v in df.items() if v >= MIN_DF or k[0] in "kKsu")
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
    X = csr_matrix((vals, (rows, cols)), shape=(n, len(keep)))
    classes = [c for c in CATEGORIES if any(it["category"] == c for it in items)]
    y = np.array([classes.index(it["category"]) for it in items])
    cat = LogisticRegression(C=C_cat, max_iter=3000, random_state=SEED)
    cat.fit(X, y, sample_weight=sw)
    yu = np.array([1 if it["urgent"] else 0 for it in items])
    urg = LogisticRegression(C=C_urg, max_iter=3000, class_weight="balanced", random_state=SEED)
    urg.fit(X[:n_real], yu[:n_real])
    W_cat = cat.coef_.T.astype(np.float32)
    b_cat = cat.intercept_.astype(np.float64)
    # binary LR -> two-column head (no, yes)
    W_urg = np.stack([np.zeros(X.shape[1]), urg.coef_[0]], axis=1).astype(np.float32)
    b_urg = np.array([0.0, float(urg.intercept_[0])])
    cdf: dict[str, int] = {}
    for c in counts[:n_real]:
        for k in c:
            if k[0] == "k":
                cdf[k[1:]] = cdf.get(k[1:], 0) + 1
    concept_w = {k: round(math.log((1 + n) / (1 + v)), 4) for k, v in cdf.items()}
    return {"version": MODEL_VERSION, "vocab": vocab, "concept_weights": concept_w, "idf": idf.astype(np.float32),
            "classes": classes, "W_cat": W_cat, "b_cat": b_cat, "W_urg": W_urg, "b_urg": b_urg,
            "urgent_threshold": 0.85, "n_train": n_real, "n_augment": n - n_real, "seed": SEED}


def train(corpus_path: str | Path | None = None, out_path: str | Path | None = None,
          use_all: bool = True, gazetteer=None) -> Triage:
    """Train on the corpus (all of it by default, or only the train split) and save."""
    from .demo import demo_gazetteer
    from .segment import Segmenter

    np.random.seed(SEED)
    gaz = gazetteer or demo_gazetteer()
    items = load_jsonl(corpus_path or CORPUS)
    if not use_all:
        items, _ = split(items)
    seg = Segmenter(sorted(gaz.words))
    params = fit_params(items, seg)
    params["trained_on"] = "all" if use_all else "train-split"
    tri = Triage(params, gaz)
    if out_path is not False:
        p = Path(out_path or DEFAULT_MODEL)
        p.parent.mkdir(parents=True, exist_ok=True)
        tri.save(p)
    return tri


def main(argv: list[str] | None = None) -> None:
    import argparse

    ap = argparse.ArgumentParser(description="train the triage model")
    ap.add_argument("--split", action="store_true", help="train on the train split only")
    ap.add_argument("--out", default=None)
    a = ap.parse_args(argv)
    tri = train(out_path=a.out, use_all=not a.split)
    print(f"trained on {tri.params['n_train']} items, {len(tri.vocab)} features -> "
          f"{a.out or DEFAULT_MODEL}")


if __name__ == "__main__":
    main()
