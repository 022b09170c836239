"""The chat extractor judged on the frozen held-out WeChat exports (``minsheng triage-eval``)."""

from __future__ import annotations

import sys

from minsheng.triage.engine import load_default
from minsheng.triage.engine.data import heldout_chats
from minsheng.triage.engine.evaluate import prf

from .chat import ChatExtractor, parse_text, score


def first_look(tri=None, out=None) -> dict:
    """The chat extractor (with the shipped models) on the frozen held-out WeChat exports."""
    tri = tri or load_default()
    w = (out or sys.stdout).write
    tot = {"tp": 0, "fp": 0, "fn": 0}
    res = {}
    for name, text, labels in heldout_chats():
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
