"""Gradient-boosted trees as plain arrays: fitted by scikit-learn at training time, evaluated here
with numpy (a pickled scikit-learn estimator would tie the model file to one library version).

``export(HistGradientBoostingClassifier) -> dict``; ``predict(dict, X) -> p(class 1)``.
"""

from __future__ import annotations

import numpy as np


def export(clf) -> dict:
    """The fitted binary classifier's trees, padded into equal-width arrays."""
    trees = [p[0].nodes for p in clf._predictors]
    width = max(len(t) for t in trees)
    n = len(trees)
    feat = np.zeros((n, width), dtype=np.int32)
    thr = np.zeros((n, width), dtype=np.float64)
    left = np.zeros((n, width), dtype=np.int32)
    right = np.zeros((n, width), dtype=np.int32)
    leaf = np.ones((n, width), dtype=bool)
    value = np.zeros((n, width), dtype=np.float64)
    nan_left = np.zeros((n, width), dtype=bool)
    for i, t in enumerate(trees):
        m = len(t)
        feat[i, :m] = t["feature_idx"]
        thr[i, :m] = t["num_threshold"]
        left[i, :m] = t["left"]
        right[i, :m] = t["right"]
        leaf[i, :m] = t["is_leaf"]
        value[i, :m] = t["value"]
        nan_left[i, :m] = t["missing_go_to_left"]
    depth = int(max(_depth(t) for t in trees))
    return {"feat": feat, "thr": thr, "left": left, "right": right, "leaf": leaf, "value": value,
            "nan_left": nan_left, "depth": depth, "baseline": float(np.ravel(clf._baseline_prediction)[0])}


def _depth(nodes) -> int:
    best, stack = 0, [(0, 0)]
    while stack:
        i, d = stack.pop()
        if nodes["is_leaf"][i]:
            best = max(best, d)
        else:
            stack.append((int(nodes["left"][i]), d + 1))
            stack.append((int(nodes["right"][i]), d + 1))
    return best


def _walk_arrays(model: dict) -> tuple:
    """The trees as flat arrays with every leaf pointing to itself (threshold +inf), so a walk needs
    no leaf test and extra levels change nothing."""
    walk = model.get("_walk")
    if walk is None:
        leaf = model["leaf"]
        n, width = leaf.shape
        own = np.broadcast_to(np.arange(width), (n, width))
        walk = model["_walk"] = (
            np.where(leaf, 0, model["feat"]).astype(np.intp).ravel(),
            np.where(leaf, np.inf, model["thr"]).ravel(),
            np.where(leaf, own, model["left"]).astype(np.intp).ravel(),
            np.where(leaf, own, model["right"]).astype(np.intp).ravel(),
            model["nan_left"].ravel(),
            model["value"].ravel(),
        )
    return walk


def raw(model: dict, X: np.ndarray) -> np.ndarray:
    """Sum of the trees' leaf values plus the baseline, for every row of X (rows × features): all
    trees and rows walked together, one level at a time, with a few flat numpy steps per level."""
    X = np.asarray(X, dtype=np.float64)
    rows = X.shape[0]
    if rows == 0:
        return np.zeros(0)
    feat, thr, left, right, nan_left, value = _walk_arrays(model)
    n_trees, width = model["leaf"].shape
    base = np.repeat(np.arange(n_trees) * width, rows)  # where each (tree, row)'s tree starts
    cell = np.tile(np.arange(rows), n_trees)
    columns = np.ascontiguousarray(X.T).ravel()  # feature-major: a row's value of feature f at f*rows+row
    missing = bool(np.isnan(columns).any())
    at = base.copy()
    for _ in range(model["depth"]):
        x = columns.take(feat.take(at) * rows + cell)
        go_left = x <= thr.take(at)
        if missing:  # a missing value goes the way its node learned
            go_left = np.where(np.isnan(x), nan_left.take(at), go_left)
        at = base + np.where(go_left, left.take(at), right.take(at))
    return value.take(at).reshape(n_trees, rows).sum(axis=0) + model["baseline"]


def predict(model: dict, X: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-raw(model, X)))
