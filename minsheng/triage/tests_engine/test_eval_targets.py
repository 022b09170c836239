"""The shipped model's figures on text it was not trained on, and the separation of the data."""

import pytest

from minsheng.triage.engine import data
from minsheng.triage.engine.model import load_default


def test_heldout_sets_never_train():
    with pytest.raises(ValueError, match="held-out"):
        data.load_source(data.HELDOUT_DIR / "a1.jsonl")
    items = data.load_training()
    names = (*data.HELDOUT_SETS["first"], *data.HELDOUT_DEMAND_FILES)
    heldout = {it["text"] for name in names for it in data.load_heldout(name)}
    assert not heldout & {it["text"] for it in items}


def test_split_keeps_template_families_apart():
    tr, te = data.split_by_family(data.load_training())
    assert len(te) > 500 and len(tr) > 3000
    assert not {i["family"] for i in tr if i["hand"] == "generator"} & {i["family"] for i in te if i["hand"] == "generator"}
    g_tr = {i["dup_group"] for i in tr if i.get("dup_group")}
    g_te = {i["dup_group"] for i in te if i.get("dup_group")}
    assert not g_tr & g_te


def test_training_has_many_hands():
    hands = {it["hand"] for it in data.load_training()}
    assert len([h for h in hands if h.startswith("t")]) >= 6


def test_across_hands_figures():
    """Each writer's texts judged by heads fitted without that writer (computed at training time)."""
    ch = load_default().params["cross_hand"]
    full = ch["full"]
    assert full["urgent_pr"][1] >= 0.95 and full["urgent_pr"][0] >= 0.90
    assert full["urgent_or_possible_recall"] >= 0.97
    assert full["category_macro_f1"] >= 0.88
    pairs = load_default().params["pairs"]
    f1, precision, _recall = pairs["cross_hand"]["full"][str(pairs["thresholds"]["full"])]
    assert precision >= 0.7 and f1 >= 0.6
