"""The chat extractor judged on the frozen held-out WeChat exports (``minsheng triage-eval``)."""

from __future__ import annotations

import sys

from minsheng.triage.engine import load_default
from minsheng.triage.engine.data import HELDOUT_CHAT_GLOBS, heldout_chats
from minsheng.triage.engine.evaluate import prf

from .chat import ChatExtractor, Decision
from .chat_cues import DATA_DIR
from .chat_export import parse_text


def first_look(tri=None, out=None) -> dict:
    """The chat extractor (with the shipped models) on the frozen held-out WeChat exports, each set."""
    tri = tri or load_default()
    return {which: _first_look(tri, which, out) for which in HELDOUT_CHAT_GLOBS}


def _first_look(tri, which: str, out=None) -> dict:
    w = (out or sys.stdout).write
    tot = {"tp": 0, "fp": 0, "fn": 0}
    res = {}
    for name, text, labels in heldout_chats(which):
        s = score(list(ChatExtractor(tri).run(parse_text(text))), labels)
        res[name] = s
        for k in tot:
            tot[k] += s[k]
    p, r, f = prf(tot["tp"], tot["fp"], tot["fn"])
    res["all"] = {"precision": p, "recall": r, "f1": f, **tot}
    w(f"\n== held-out WeChat exports ({', '.join(n for n in res if n != 'all')}) ==\n")
    for name, s in res.items():
        if name != "all":
            w(f"{name}: demands {s['demands']}  P {s['precision']:.3f} R {s['recall']:.3f} F1 {s['f1']:.3f}  "
              f"category acc {s['category_accuracy']:.3f}  urgent acc {s['urgent_accuracy']:.3f}\n")
    w(f"all: P {p:.3f} R {r:.3f} F1 {f:.3f}\n")
    return res



def score(decisions: list[Decision], labels: list[dict]) -> dict:
    """Demand detection P/R/F1 and category accuracy on true demands that were detected, plus the
    category accuracy over all true demands (a missed demand counts as wrong) and pairwise cluster F1."""
    gold = {lab["line"]: lab for lab in labels}
    pred = {d.line: d for d in decisions if d.demand}
    tp = len(gold.keys() & pred.keys())
    fp, fn = len(pred.keys() - gold.keys()), len(gold.keys() - pred.keys())
    prec = tp / (tp + fp) if tp + fp else 0.0
    rec = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    both = gold.keys() & pred.keys()
    cat_ok = sum(1 for ln in both if pred[ln].category == gold[ln]["category"])
    urg_ok = sum(1 for ln in both if bool(pred[ln].urgent) == bool(gold[ln].get("urgent")))
    lines = sorted(both)
    ctp = cfp = cfn = 0
    for i, a in enumerate(lines):
        for b in lines[i + 1:]:
            p_same = pred[a].cluster == pred[b].cluster
            g_same = gold[a].get("cluster") is not None and gold[a].get("cluster") == gold[b].get("cluster")
            ctp += p_same and g_same
            cfp += p_same and not g_same
            cfn += g_same and not p_same
    cp = ctp / (ctp + cfp) if ctp + cfp else 0.0
    cr = ctp / (ctp + cfn) if ctp + cfn else 0.0
    return {
        "messages": sum(1 for d in decisions if d.kind != "system"), "demands": len(gold),
        "tp": tp, "fp": fp, "fn": fn, "precision": prec, "recall": rec, "f1": f1,
        "category_accuracy": cat_ok / len(both) if both else 0.0,
        "category_accuracy_all": cat_ok / len(gold) if gold else 0.0,
        "urgent_accuracy": urg_ok / len(both) if both else 0.0,
        "cluster_pair_f1": 2 * cp * cr / (cp + cr) if cp + cr else 0.0,
        "false_positives": sorted(pred.keys() - gold.keys()), "false_negatives": sorted(gold.keys() - pred.keys()),
        "wrong_category": sorted(ln for ln in both if pred[ln].category != gold[ln]["category"]),
    }


def load_heldout() -> tuple[str, list[dict]]:
    import json

    text = (DATA_DIR / "chat_heldout.txt").read_text(encoding="utf-8")
    with open(DATA_DIR / "chat_heldout_labels.jsonl", encoding="utf-8") as f:
        labels = [json.loads(line) for line in f if line.strip()]
    return text, labels
