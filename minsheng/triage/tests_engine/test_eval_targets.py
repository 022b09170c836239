"""The held-out figures meet the targets (model trained on the train split only)."""

import pytest

from minsheng.triage.engine.evaluate import TARGETS, evaluate
from minsheng.triage.engine.train import CORPUS, HELDOUT_HANDWRITTEN, load_jsonl, split, train


@pytest.fixture(scope="module")
def split_model():
    return train(out_path=False, use_all=False)


def test_split_is_by_dup_group():
    tr, te = split(load_jsonl(CORPUS))
    assert len(te) > 200 and len(tr) > 1200
    g_tr = {i["dup_group"] for i in tr if i["dup_group"]}
    g_te = {i["dup_group"] for i in te if i["dup_group"]}
    assert not g_tr & g_te


def test_corpus_shape():
    items = load_jsonl(CORPUS)
    assert len(items) >= 1500
    from collections import Counter

    c = Counter(i["category"] for i in items)
    assert all(c[k] >= 100 for k in c if k != "other")
    assert len({i["dup_group"] for i in items if i["dup_group"]}) >= 150
    assert 0.1 < sum(i["urgent"] for i in items) / len(items) < 0.2


def test_heldout_split_meets_targets(split_model):
    _, te = split(load_jsonl(CORPUS))
    m = evaluate(split_model, te)
    for k, v in TARGETS.items():
        assert m[k] >= v, (k, m[k])


def test_handwritten_heldout(split_model):
    m = evaluate(split_model, load_jsonl(HELDOUT_HANDWRITTEN))
    assert m["macro_f1"] >= 0.90
    assert m["urgent_f1"] >= 0.85
    assert m["community_acc"] >= 0.95
    assert m["dup_f1"] >= 0.6
