import numpy as np

from minsheng.triage.engine.model import DEFAULT_MODEL, Triage
from minsheng.triage.engine.train import train


def test_fast_heads_are_reproducible_from_the_sources():
    """Training again from the committed sources gives the shipped fast heads (the full heads and the
    duplicate trees add meaning vectors; `minsheng triage-train` rebuilds everything)."""
    shipped = Triage.load(DEFAULT_MODEL)
    a = train(out_path=False, use_vectors=False, thresholds=shipped.params["thresholds"], pairs=False)
    assert a.params["classes"] == shipped.params["classes"]
    assert a.vocab == shipped.vocab
    assert np.allclose(a.params["W_cat"].astype(np.float32), shipped.params["W_cat"].astype(np.float32), atol=2e-3)
    assert np.allclose(a.params["w_urg"], shipped.params["w_urg"], atol=1e-4)


def test_model_file_is_small():
    # grows with the written corpus (13,146 texts, 124,042 features at 5.0 MiB, 2026-12-06): a float64
    # matrix or a stored corpus would take it far past this
    assert DEFAULT_MODEL.stat().st_size < 6 * 1024 * 1024


def test_each_writer_is_judged_by_heads_fitted_without_it():
    """The thresholds rest on each writer's texts scored by heads that never saw that writer: changing
    one writer's labels leaves its own scores alone, and running the fits side by side changes nothing."""
    from minsheng.triage.engine import data
    from minsheng.triage.engine.demo import demo_gazetteer
    from minsheng.triage.engine.segment import Segmenter
    from minsheng.triage.engine.train import out_of_hand, sparse_matrix

    items = [it for it in data.load_training() if it["hand"] in ("t1", "t2", "t3")]
    items = [it for h in ("t1", "t2", "t3") for it in [i for i in items if i["hand"] == h][:80]]
    X, *_ = sparse_matrix(items, Segmenter(sorted(demo_gazetteer().words)))
    classes = sorted({it["category"] for it in items})
    w = np.ones(len(items))
    one = out_of_hand(X, None, items, classes, w, jobs=1)
    two = out_of_hand(X, None, items, classes, w, jobs=2)
    assert np.allclose(one["fast"], two["fast"]) and np.allclose(one["cat_fast"], two["cat_fast"])
    flipped = [{**it, "urgent": not it["urgent"]} if it["hand"] == "t2" else it for it in items]
    again = out_of_hand(X, None, flipped, classes, w, jobs=1)
    t2 = np.array([it["hand"] == "t2" for it in items])
    assert np.allclose(again["fast"][t2], one["fast"][t2])
    assert not np.allclose(again["fast"][~t2], one["fast"][~t2])
    generated = [{**it, "hand": "generator"} for it in items]  # no writer to leave out
    assert np.isnan(out_of_hand(X, None, generated, classes, w)["fast"]).all()
