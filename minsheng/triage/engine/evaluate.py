"""Evaluation (called by ``minsheng triage-eval``).

    python -m minsheng.triage.engine.evaluate [--errors N]

Two kinds of figures, never mixed up:

* **held-out** — the shipped model on the frozen sets of ``data/heldout/`` (written from the spec
  alone by hands that never saw the engine; never trained or tuned on). docs/triage.md keeps their
  first look (the first run of the new engine) and each later run.
* **across hands** — each training writer's texts judged by heads fitted without that writer
  (computed at training time, stored in the model): what thresholds were chosen on.

Figures: category macro-F1 over the 12 codes, urgent precision/recall (and recall of "urgent or
possibly urgent"), placed-community accuracy, duplicate pair precision/recall/F1 of the clusters.
"""

from __future__ import annotations

import sys

from .data import HELDOUT_DEMAND_FILES, heldout_demands, load_heldout
from .duplicates import cluster, pair_f1
from .lexicon import CATEGORIES, CATEGORY_NAMES
from .model import load_default

TARGETS = {"macro_f1": 0.90, "urgent_recall": 0.90, "urgent_precision": 0.75, "community_acc": 0.99,
           "dup_f1": 0.75, "dup_precision": 0.75}


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def per_category(gold: list[str], pred: list[str]) -> dict[str, tuple[float, float, float, int]]:
    out = {}
    for c in CATEGORIES:
        tp = sum(1 for g, p in zip(gold, pred, strict=True) if g == c and p == c)
        fp = sum(1 for g, p in zip(gold, pred, strict=True) if g != c and p == c)
        fn = sum(1 for g, p in zip(gold, pred, strict=True) if g == c and p != c)
        if tp + fp + fn:
            out[c] = (*prf(tp, fp, fn), tp + fn)
    return out


def macro_f1(gold: list[str], pred: list[str]) -> float:
    per = per_category(gold, pred)
    main = [c for c in per if c != "other" and per[c][3] > 0]
    return sum(per[c][2] for c in main) / len(main) if main else 0.0


def evaluate(tri, items: list[dict], full: bool = True) -> dict:
    """The complete assessment (``full``: with the meaning vectors) of labelled items."""
    preds = [tri.predict(it["text"], channel=it.get("channel")) for it in items]
    if full:
        tri.assess(preds)
    gold = [it["category"] for it in items]
    cats = [p.category for p in preds]
    tp = sum(1 for it, p in zip(items, preds, strict=True) if it["urgent"] and p.urgent)
    fp = sum(1 for it, p in zip(items, preds, strict=True) if not it["urgent"] and p.urgent)
    fn = sum(1 for it, p in zip(items, preds, strict=True) if it["urgent"] and not p.urgent)
    up, ur, uf = prf(tp, fp, fn)
    caught = sum(1 for it, p in zip(items, preds, strict=True) if it["urgent"] and (p.urgent or p.possibly_urgent))
    n_urgent = sum(1 for it in items if it["urgent"])
    labels = cluster(preds, model=tri.pairs)
    dup = pair_f1(labels, [it.get("dup_group") for it in items])
    errors = [(it, p) for it, p in zip(items, preds, strict=True)
              if it["category"] != p.category or it["urgent"] != p.urgent or it["community"] != p.community]
    return {
        "n": len(items), "per_category": per_category(gold, cats), "macro_f1": macro_f1(gold, cats),
        "urgent_precision": up, "urgent_recall": ur, "urgent_f1": uf,
        "urgent_or_possible_recall": caught / n_urgent if n_urgent else 0.0,
        "possible_share": sum(1 for p in preds if p.possibly_urgent) / len(items),
        "community_acc": sum(1 for it, p in zip(items, preds, strict=True) if it["community"] == p.community) / len(items),
        "place_acc": sum(1 for it, p in zip(items, preds, strict=True) if it["place"] == p.place) / len(items),
        "dup": dup, "dup_f1": dup["f1"], "dup_precision": dup["precision"], "errors": errors,
        "assessed_by": sorted({p.assessed_by for p in preds}),
    }


def report(name: str, m: dict, out=None, show_errors: int = 0, categories: bool = True) -> None:
    w = (out or sys.stdout).write  # looked up at call time, so redirected output is honoured
    w(f"\n== {name}: {m['n']} items ({'/'.join(m['assessed_by'])} heads) ==\n")
    if categories:
        w(f"{'category':16s} {'P':>6s} {'R':>6s} {'F1':>6s} {'n':>5s}\n")
        for c, (p, r, f, n) in m["per_category"].items():
            w(f"{c:16s} {p:6.3f} {r:6.3f} {f:6.3f} {n:5d}  {CATEGORY_NAMES.get(c, '')}\n")
    w(f"category macro-F1 (12 codes)   {m['macro_f1']:.3f}\n")
    w(f"urgent   P {m['urgent_precision']:.3f}  R {m['urgent_recall']:.3f}  F1 {m['urgent_f1']:.3f}   "
      f"urgent-or-possible R {m['urgent_or_possible_recall']:.3f}  (possible: {m['possible_share']:.1%} of items)\n")
    w(f"placed-community accuracy      {m['community_acc']:.3f}   place accuracy {m['place_acc']:.3f}\n")
    d = m["dup"]
    if d["tp"] + d["fn"]:
        w(f"duplicate pairs   P {d['precision']:.3f}  R {d['recall']:.3f}  F1 {d['f1']:.3f} "
          f"(tp {d['tp']} fp {d['fp']} fn {d['fn']})\n")
    for it, p in m["errors"][:show_errors]:
        w(f"  ✗ [{it['category']}/{p.category} u{int(it['urgent'])}/{int(p.urgent)} "
          f"{it['community']}/{p.community}] {it['text']}\n")


def first_look(tri=None, show_errors: int = 0, out=None) -> dict:
    """The shipped model on the frozen held-out sets."""
    tri = tri or load_default()
    res = {}
    res["demands"] = evaluate(tri, heldout_demands())
    report("held-out a1+a2 (350 demands, two writers)", res["demands"], out=out, show_errors=show_errors)
    for name, holds in HELDOUT_DEMAND_FILES.items():
        res[name] = evaluate(tri, load_heldout(name))
        # b.jsonl was written to judge duplicates only: its categories are not reported
        report(f"held-out {name.removesuffix('.jsonl')} ({holds})", res[name], out=out,
               show_errors=show_errors, categories=name != "b.jsonl")
    return res


def cross_hand(tri=None, out=None) -> dict:
    tri = tri or load_default()
    w = (out or sys.stdout).write
    ch = tri.params.get("cross_hand") or {}
    if ch:
        w(f"\n== across hands · each writer's texts by heads fitted without it ({ch['n']} items, "
          f"{', '.join(ch['hands'])}) ==\n")
        for mode in ("fast", "full"):
            if mode in ch:
                m = ch[mode]
                w(f"{mode:5s} urgent P {m['urgent_pr'][0]:.3f} R {m['urgent_pr'][1]:.3f}   urgent-or-possible R "
                  f"{m['urgent_or_possible_recall']:.3f}   possible {m['possible_share']:.1%}   "
                  f"category macro-F1 {m['category_macro_f1']:.3f}\n")
    pairs = tri.params.get("pairs", {})
    for mode, table in (pairs.get("cross_hand") or {}).items():
        t = pairs["thresholds"][mode]
        f, p, r = table[str(t)]
        w(f"{mode:5s} duplicates at {t}: P {p:.3f} R {r:.3f} F1 {f:.3f} (writers {', '.join(pairs.get('hands', []))})\n")
    w(f"thresholds {tri.params.get('thresholds')}\n")
    return ch


def run(show_errors: int = 0) -> dict:
    tri = load_default()
    ch = cross_hand(tri)
    fl = first_look(tri, show_errors=show_errors)
    return {"cross_hand": ch, "first_look": fl}


if __name__ == "__main__":
    run(show_errors=int(sys.argv[1]) if len(sys.argv) > 1 else 0)
