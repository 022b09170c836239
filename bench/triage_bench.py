"""Cost of the triage engine versus bare jieba.

    python bench/triage_bench.py [--n 300] [--batch 2000]

Prints, per item, with bare ``jieba.lcut`` (global tokenizer, default dictionary, warm) as the unit:
* intake's own triage — ``Triage.predict`` (fast heads, in the request), timed in turn with jieba for
  ``--rounds`` rounds: the median ratio and the range;
* the duplicate check at intake against 200 open candidates of one community (fast trees);
* the second look after intake — the meaning vector and the full heads (``Triage.assess``), one text
  at a time as the worker does it;
* batch triage (``minsheng triage``): the complete assessment and the clusters of ``--batch`` items;
* ``--fast-batch 5000,100000``: ``minsheng triage --fast`` (fast heads + clusters) over batches of those sizes,
  the training texts repeated with another building number each round, with the peak memory (RSS).
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def per_item(fn, texts) -> float:
    """µs an item for one pass of ``fn`` over ``texts``."""
    t0 = time.perf_counter()
    for t in texts:
        fn(t)
    return (time.perf_counter() - t0) / len(texts) * 1e6


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--rounds", type=int, default=9)
    ap.add_argument("--batch", type=int, default=2000)
    ap.add_argument("--fast-batch", default="", help="comma-separated sizes, e.g. 5000,100000")
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

    # jieba and intake in turn, round by round: the machine's other work moves both alike, and the
    # median of the rounds' ratios is not one lucky or unlucky round
    pairs = [(per_item(jieba.lcut, texts), per_item(tri.predict, texts)) for _ in range(a.rounds)]
    ratios = sorted(p / j for j, p in pairs)
    us_jieba = statistics.median(j for j, _p in pairs)
    us_pred = statistics.median(p for _j, p in pairs)

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
    print(f"intake triage (fast heads):      {us_pred:9.1f} µs/item   {statistics.median(ratios):6.2f}x jieba "
          f"(budget 5x; median of {len(ratios)} rounds, {ratios[0]:.2f}–{ratios[-1]:.2f})")
    print(f"intake duplicate check (200):    {us_dup:9.1f} µs/item")

    for size in [int(x) for x in a.fast_batch.split(",") if x]:
        fast_batch(size)
    if a.fast_batch:
        return
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


def _per_item(fn, size: int) -> float:
    t0 = time.perf_counter()
    fn()
    return (time.perf_counter() - t0) / size * 1e6


def fast_batch(size: int) -> None:
    """``minsheng triage --fast`` on ``size`` items: the fast heads, then the clusters."""
    import resource

    from minsheng.triage.engine import load_default
    from minsheng.triage.engine.data import load_training
    from minsheng.triage.engine.duplicates import cluster

    texts = [it["text"] for it in load_training()]
    items = []
    for n in range(size):
        t = texts[n % len(texts)]
        rnd = n // len(texts)
        # later rounds: the same wording about another building, as a year of reports would have
        items.append({"id": n, "text": t if rnd == 0 else f"{rnd % 30 + 1}幢{t}"})
    import jieba

    tri = load_default()
    texts_b = [it["text"] for it in items]
    rounds = 3 if size <= 20000 else 1  # best of three: this machine's other work swings single runs
    us_jieba = min(_per_item(lambda: [jieba.lcut(t) for t in texts_b], size) for _ in range(rounds))
    best = None
    for _ in range(rounds):
        t0 = time.perf_counter()
        # what BatchTriage(full=False).run_all does, without Django
        results = [tri.predict(it["text"]) for it in items]
        for r in results:
            for attr in ("_analysis", "_sparse"):
                r.__dict__.pop(attr, None)
        t1 = time.perf_counter()
        labels = cluster(results, model=tri.pairs)
        t2 = time.perf_counter()
        if best is None or t2 - t0 < best[0]:
            best = (t2 - t0, t1 - t0, t2 - t1)
        del results
    dt = best[0]
    us_heads, us_clusters = best[1] / size * 1e6, best[2] / size * 1e6
    per = dt / size * 1e6
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"--fast batch of {size}: {per:9.1f} µs/item   {per / us_jieba:6.2f}x jieba over the same texts "
          f"({us_jieba:.1f} µs/item; heads {us_heads / us_jieba:.2f}x, clusters {us_clusters / us_jieba:.2f}x), "
          f"{dt:.1f} s in all, {len(set(labels))} clusters, peak RSS {peak:.0f} MiB")


if __name__ == "__main__":
    main()
