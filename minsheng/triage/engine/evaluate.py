"""Evaluation (called by ``minsheng triage-eval``).

    python -m minsheng.triage.engine.evaluate

Prints, for the corpus held-out split (model trained on the train split only) and for the
hand-written held-out set (never trained on; scored with the shipped model): per-category
precision/recall/F1, macro-F1, urgent F1, community accuracy, place accuracy, duplicate pair F1.
"""

from __future__ import annotations

import sys
from collections import Counter

from .duplicates import cluster, pair_f1
from .lexicon import CATEGORIES, CATEGORY_NAMES

TARGETS = {"macro_f1": 0.90, "urgent_f1": 0.85, "community_acc": 0.99, "dup_f1": 0.75}


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def evaluate(tri, items: list[dict]) -> dict:
    preds = [tri.predict(it["text"], channel=it.get("channel")) for it in items]
    per = {}
    for c in CATEGORIES:
        tp = sum(1 for it, p in zip(items, preds, strict=False) if it["category"] == c and p.category == c)
        fp = sum(1 for it, p in zip(items, preds, strict=False) if it["category"] != c and p.category == c)
        fn = sum(1 for it, p in zip(items, preds, strict=False) if it["category"] == c and p.category != c)
        if tp + fp + fn:
            per[c] = (*prf(tp, fp, fn), tp + fn)
    main = [c for c in per if c != "other" and per[c][3] > 0]
    macro = sum(per[c][2] for c in main) / len(main) if main else 0.0
    macro_all = sum(v[2] for v in per.values() if v[3] > 0) / max(1, sum(1 for v in per.values() if v[3] > 0))
    tp = sum(1 for it, p in zip(items, preds, strict=False) if it["urgent"] and p.urgent)
    fp = sum(1 for it, p in zip(items, preds, strict=False) if not it["urgent"] and p.urgent)
    fn = sum(1 for it, p in zip(items, preds, strict=False) if it["urgent"] and not p.urgent)
    up, ur, uf = prf(tp, fp, fn)
    comm = sum(1 for it, p in zip(items, preds, strict=False) if it["community"] == p.community) / len(items)
    place = sum(1 for it, p in zip(items, preds, strict=False) if it["place"] == p.place) / len(items)
    labels = cluster(preds)
    dup = pair_f1(labels, [it.get("dup_group") for it in items])
    errors = [(it, p) for it, p in zip(items, preds, strict=False)
              if it["category"] != p.category or it["urgent"] != p.urgent or it["community"] != p.community]
    return {"n": len(items), "per_category": per, "macro_f1": macro, "macro_f1_with_other": macro_all,
            "urgent_p": up, "urgent_r": ur, "urgent_f1": uf, "community_acc": comm,
            "place_acc": place, "dup": dup, "dup_f1": dup["f1"], "errors": errors}


def report(name: str, m: dict, out=None, show_errors: int = 0) -> None:
    w = (out or sys.stdout).write
    w(f"\n== {name}: {m['n']} items ==\n")
    w(f"{'category':16s} {'P':>6s} {'R':>6s} {'F1':>6s} {'n':>5s}\n")
    for c, (p, r, f, n) in m["per_category"].items():
        w(f"{c:16s} {p:6.3f} {r:6.3f} {f:6.3f} {n:5d}  {CATEGORY_NAMES.get(c, '')}\n")
    w(f"macro-F1 (12 codes)   {m['macro_f1']:.3f}   (incl. other {m['macro_f1_with_other']:.3f})\n")
    w(f"urgent   P {m['urgent_p']:.3f}  R {m['urgent_r']:.3f}  F1 {m['urgent_f1']:.3f}\n")
    w(f"community accuracy    {m['community_acc']:.3f}\n")
    w(f"place accuracy        {m['place_acc']:.3f}\n")
    d = m["dup"]
    w(f"duplicate pairs       P {d['precision']:.3f}  R {d['recall']:.3f}  F1 {d['f1']:.3f} "
      f"(tp {d['tp']} fp {d['fp']} fn {d['fn']})\n")
    for it, p in m["errors"][:show_errors]:
        w(f"  ✗ [{it['category']}/{p.category} u{int(it['urgent'])}/{int(p.urgent)} "
          f"{it['community']}/{p.community}] {it['text']}\n")


def run(show_errors: int = 0) -> dict:
    from .model import load_default
    from .train import CORPUS, HELDOUT_HANDWRITTEN, load_jsonl, split, train

    items = load_jsonl(CORPUS)
    tr_items, te_items = split(items)
    split_model = train(out_path=False, use_all=False)
    m1 = evaluate(split_model, te_items)
    report(f"corpus held-out split (trained on {len(tr_items)} train-split items)", m1,
           show_errors=show_errors)
    hw = load_jsonl(HELDOUT_HANDWRITTEN)
    m2 = evaluate(split_model, hw)
    report("hand-written held-out set, train-split model", m2, show_errors=show_errors)
    m3 = evaluate(load_default(), hw)
    report("hand-written held-out set, shipped model (all corpus)", m3, show_errors=show_errors)
    for reg in sorted({i.get("register") for i in hw if str(i.get("register", "")).startswith("handwritten-b")}):
        sub = [i for i in hw if i.get("register") == reg]
        report(f"  of which {reg} (written after tuning), shipped model", evaluate(load_default(), sub),
               show_errors=show_errors)
    print("\ncategory counts in corpus:", dict(Counter(i["category"] for i in items)))
    return {"split": m1, "handwritten": m3, "handwritten_split_model": m2}


if __name__ == "__main__":
    run(show_errors=int(sys.argv[1]) if len(sys.argv) > 1 else 0)
