"""Cost of the triage engine versus bare jieba.

    python bench/triage_bench.py [--n 300] [--batch 2000]

Prints, per item, with bare ``jieba.lcut`` (global tokenizer, default dictionary, warm) as the unit:
* intake's own triage — ``Triage.predict`` (fast heads, in the request);
* the duplicate check at intake against 200 open candidates of one community (fast trees);
* the second look after intake — the meaning vector and the full heads (``Triage.assess``), one text
  at a time as the worker does it;
* batch triage (``minsheng triage``): the complete assessment and the clusters of ``--batch`` items.
"""

from __future__ import annotations

import argparse
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
    ap.add_argument("--batch", type=int, default=2000)
    a = ap.parse_args()

    import jieba
    import numpy as np

    from minsheng.triage.engine import embed, find_duplicates, load_default
    from minsheng.triage.engine.data import load_training
    from minsheng.triage.engine.duplicates import cluster

    logging.getLogger("jieba").setLevel(logging.WARNING)
    items = [it for it in load_training() if it["hand"] != "generator"]
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
    news = [tri.predict(t) for t in texts[:100]]
    for p in pool:  # a hard pool: every candidate in the new item's community
        p.community = "采菱社区"
    t0 = time.perf_counter()
    for r in news:
        r.community = "采菱社区"
        find_duplicates(r, pool, model=tri.pairs)
    us_dup = (time.perf_counter() - t0) / len(news) * 1e6

    avg_len = sum(map(len, texts)) / len(texts)
    print(f"texts: {len(texts)} (mean {avg_len:.0f} chars), OMP threads {os.environ.get('OMP_NUM_THREADS', '1')}")
    print(f"bare jieba.lcut:                 {us_jieba:9.1f} µs/item")
    print(f"intake triage (fast heads):      {us_pred:9.1f} µs/item   {us_pred / us_jieba:6.2f}x jieba (budget 5x)")
    print(f"intake duplicate check (200):    {us_dup:9.1f} µs/item")

    if embed.get() is None:
        print("meaning model off: no background or batch figures")
        return
    one = texts[:60]
    t0 = time.perf_counter()
    for t in one:
        r = tri.predict(t)
        tri.assess([r], vectors=np.asarray([embed.get().encode_one(tri.meaning_text(t) + " ")]))
    us_bg = (time.perf_counter() - t0) / len(one) * 1e6
    print(f"second look (vector + full):     {us_bg:9.1f} µs/item   {us_bg / us_jieba:6.1f}x jieba")

    batch = [it["text"] for it in load_training()][: a.batch]
    t0 = time.perf_counter()
    rs = [tri.predict(t) for t in batch]
    for s in range(0, len(rs), 256):
        tri.assess(rs[s:s + 256])
    t1 = time.perf_counter()
    cluster(rs, model=tri.pairs)
    t2 = time.perf_counter()
    per = (t2 - t0) / len(batch) * 1e6
    print(f"batch of {len(batch)} (complete):      {per:9.1f} µs/item   {per / us_jieba:6.1f}x jieba "
          f"(assess {(t1 - t0) / len(batch) * 1e3:.2f} ms, clusters {(t2 - t1) / len(batch) * 1e3:.2f} ms per item)")


if __name__ == "__main__":
    main()
