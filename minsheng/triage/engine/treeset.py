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


def raw(model: dict, X: np.ndarray) -> np.ndarray:
    """Sum of the trees' leaf values plus the baseline, for every row of X (rows × features)."""
    X = np.asarray(X, dtype=np.float64)
    rows = X.shape[0]
    if rows == 0:
        return np.zeros(0)
    feat, thr, left, right = model["feat"], model["thr"], model["left"], model["right"]
    leaf, value, nan_left = model["leaf"], model["value"], model["nan_left"]
    n_trees = feat.shape[0]
    tree_ix = np.repeat(np.arange(n_trees), rows)
    row_ix = np.tile(np.arange(rows), n_trees)
    node = np.zeros(n_trees * rows, dtype=np.int32)
    for _ in range(model["depth"]):
        at_leaf = leaf[tree_ix, node]
        if at_leaf.all():
            break
        f = feat[tree_ix, node]
        x = X[row_ix, f]
        go_left = np.where(np.isnan(x), nan_left[tree_ix, node], x <= thr[tree_ix, node])
        nxt = np.where(go_left, left[tree_ix, node], right[tree_ix, node])
        node = np.where(at_leaf, node, nxt)
    return value[tree_ix, node].reshape(n_trees, rows).sum(axis=0) + model["baseline"]


def predict(model: dict, X: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-raw(model, X)))
