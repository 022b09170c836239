"""Cost of the triage engine versus bare jieba.

    python bench/triage_bench.py [--n 300]

Prints: number of texts, mean µs per item for bare ``jieba.lcut`` (global tokenizer, default
dictionary, warm), for ``Triage.predict`` (warm), their ratio, and the duplicate check cost per
item against 200 open candidates.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def timeit(fn, texts, rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        t0 = time.perf_counter()
        for t in texts:
            fn(t)
        best = min(best, time.perf_counter() - t0)
    return best / len(texts) * 1e6


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--rounds", type=int, default=5)
    a = ap.parse_args()

    import jieba

    from minsheng.triage.engine import find_duplicates, load_default

    logging.getLogger("jieba").setLevel(logging.WARNING)
    data = ROOT / "minsheng/triage/data"
    items = [json.loads(x) for x in (data / "heldout_handwritten.jsonl").read_text("utf-8").splitlines() if x]
    items += [json.loads(x) for x in (data / "corpus.jsonl").read_text("utf-8").splitlines() if x]
    texts = [it["text"] for it in items][: a.n]

    os.environ.setdefault("MINSHENG_TRIAGE_CACHE", "/tmp/minsheng-triage")
    jieba.dt.tmp_dir = os.environ["MINSHENG_TRIAGE_CACHE"]
    jieba.initialize()
    tri = load_default()
    for t in texts[:50]:  # warm both
        jieba.lcut(t)
        tri.predict(t)

    us_jieba = timeit(jieba.lcut, texts, a.rounds)
    us_pred = timeit(tri.predict, texts, a.rounds)

    pool = [tri.predict(it["text"]) for it in items[a.n:a.n + 200]]
    # make the pool hard: put every candidate in the same community as the new item
    news = [tri.predict(t) for t in texts[:100]]
    for p in pool:
        p.community = news[0].community or "采菱社区"
    t0 = time.perf_counter()
    for r in news:
        r.community = pool[0].community
        find_duplicates(r, pool)
    us_dup = (time.perf_counter() - t0) / len(news) * 1e6

    avg_len = sum(map(len, texts)) / len(texts)
    print(f"texts: {len(texts)} (mean {avg_len:.0f} chars)")
    print(f"bare jieba.lcut:        {us_jieba:8.1f} µs/item")
    print(f"Triage.predict (warm):  {us_pred:8.1f} µs/item")
    print(f"ratio predict/jieba:    {us_pred / us_jieba:8.2f}x  (budget 5x)")
    print(f"duplicate check vs 200 open candidates (same community): {us_dup:8.1f} µs/item")


if __name__ == "__main__":
    main()
