import numpy as np

from minsheng.triage.engine.model import DEFAULT_MODEL, Triage
from minsheng.triage.engine.train import train


def test_training_is_deterministic_and_matches_shipped_model():
    a = train(out_path=False, use_all=True)
    shipped = Triage.load(DEFAULT_MODEL)
    assert a.params["classes"] == shipped.params["classes"]
    assert a.vocab == shipped.vocab
    assert np.allclose(a.params["W_cat"], shipped.params["W_cat"], atol=1e-5)
    assert np.allclose(a.params["W_urg"], shipped.params["W_urg"], atol=1e-5)


def test_model_file_is_small():
    assert DEFAULT_MODEL.stat().st_size < 5 * 1024 * 1024
