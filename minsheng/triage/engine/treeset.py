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


def _tree_depths(model: dict) -> list[int]:
    """Each tree's own depth (most trees are far shallower than the deepest one)."""
    depths = model.get("_tree_depths")
    if depths is None:
        left, right, leaf = model["left"], model["right"], model["leaf"]
        depths = []
        for t in range(left.shape[0]):
            best, stack = 0, [(0, 0)]
            while stack:
                i, d = stack.pop()
                if leaf[t, i]:
                    best = max(best, d)
                else:
                    stack += [(int(left[t, i]), d + 1), (int(right[t, i]), d + 1)]
            depths.append(best)
        model["_tree_depths"] = depths
    return depths


ROWS_PER_TREE_WALK = 256  # from this many rows on, one tree at a time is faster than all at once


def raw(model: dict, X: np.ndarray) -> np.ndarray:
    """Sum of the trees' leaf values plus the baseline, for every row of X (rows × features)."""
    X = np.asarray(X, dtype=np.float64)
    rows = X.shape[0]
    if rows == 0:
        return np.zeros(0)
    if rows < ROWS_PER_TREE_WALK:
        return _raw_all_trees(model, X)
    return _raw_tree_by_tree(model, X)


def _raw_all_trees(model: dict, X: np.ndarray) -> np.ndarray:
    """All trees together, level by level: few numpy steps, best for a few rows (intake)."""
    rows = X.shape[0]
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


def _walk_arrays(model: dict) -> tuple:
    """The trees with every leaf pointing to itself (threshold +inf): a walk needs no leaf test."""
    walk = model.get("_walk")
    if walk is None:
        leaf = model["leaf"]
        n, width = leaf.shape
        own = np.broadcast_to(np.arange(width), (n, width))
        left = np.where(leaf, own, model["left"]).astype(np.intp)
        right = np.where(leaf, own, model["right"]).astype(np.intp)
        thr = np.where(leaf, np.inf, model["thr"])
        feat = np.where(leaf, 0, model["feat"]).astype(np.intp)
        walk = model["_walk"] = (feat, thr, left, right)
    return walk


def _raw_tree_by_tree(model: dict, X: np.ndarray) -> np.ndarray:
    """One tree at a time, each to its own depth, over all rows: best for many rows (a batch)."""
    rows = X.shape[0]
    if np.isnan(X).any():  # missing values go the way each node learned: the general walk
        return _raw_tree_by_tree_nan(model, X)
    feat, thr, left, right = _walk_arrays(model)
    value = model["value"]
    columns = np.ascontiguousarray(X.T).ravel()  # feature-major: a row's value of feature f at f*rows+row
    every = np.arange(rows)
    total = np.full(rows, model["baseline"], dtype=np.float64)
    for t, depth in enumerate(_tree_depths(model)):
        node = np.zeros(rows, dtype=np.intp)
        f_t, thr_t, l_t, r_t = feat[t], thr[t], left[t], right[t]
        for _ in range(depth):
            x = columns.take(f_t.take(node) * rows + every)
            node = np.where(x <= thr_t.take(node), l_t.take(node), r_t.take(node))
        total += value[t].take(node)
    return total


def _raw_tree_by_tree_nan(model: dict, X: np.ndarray) -> np.ndarray:
    rows = X.shape[0]
    feat, thr, left, right = model["feat"], model["thr"], model["left"], model["right"]
    leaf, value, nan_left = model["leaf"], model["value"], model["nan_left"]
    every = np.arange(rows)
    total = np.full(rows, model["baseline"], dtype=np.float64)
    for t, depth in enumerate(_tree_depths(model)):
        node = np.zeros(rows, dtype=np.intp)
        f_t, thr_t, l_t, r_t, leaf_t, nl_t = feat[t], thr[t], left[t], right[t], leaf[t], nan_left[t]
        for _ in range(depth):
            x = X[every, f_t[node]]
            go_left = np.where(np.isnan(x), nl_t[node], x <= thr_t[node])
            node = np.where(leaf_t[node], node, np.where(go_left, l_t[node], r_t[node]))
        total += value[t][node]
    return total


def predict(model: dict, X: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-raw(model, X)))
