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
