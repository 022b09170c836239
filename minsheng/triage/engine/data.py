"""The labelled texts the engine learns from, and the held-out sets it is judged on.

Training sources (``SOURCES``), each item tagged with its ``hand`` (who wrote it) and ``family``
(what it was written from), so that evaluation can leave out whole hands and whole template
families — a paraphrase of a training text is not a test of generalisation:

* ``written/*.jsonl`` — free demands by several writers who saw only the spec (taxonomy.md,
  domain.md) and the town's place list, never the lexicon or the generator; one hand per file.
* ``corpus.jsonl`` — the seeded generator's compositions of hand-written fragments (family = the
  issue it was composed from) and the first hand-written items (hand ``old``).
* ``formerly_heldout.jsonl`` — an older hand-written set that lexicon cues were once tuned on, so
  it can no longer judge anything: it trains.

``heldout/`` is read only by ``evaluate.first_look``; ``load_training`` refuses it.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
CORPUS = DATA_DIR / "corpus.jsonl"
WRITTEN_DIR = DATA_DIR / "written"
FORMERLY_HELDOUT = DATA_DIR / "formerly_heldout.jsonl"
HELDOUT_DIR = DATA_DIR / "heldout"


def load_jsonl(path: str | Path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def _is_heldout(path: Path) -> bool:
    try:
        path.resolve().relative_to(HELDOUT_DIR.resolve())
    except ValueError:
        return False
    return True


def load_source(path: str | Path, hand: str | None = None) -> list[dict]:
    p = Path(path)
    if _is_heldout(p):
        raise ValueError(f"{p} is a held-out set: it judges the engine and never trains it")
    items = load_jsonl(p)
    for it in items:
        if hand is not None:
            it["hand"] = hand
        elif "hand" not in it:
            # corpus.jsonl: the generator's items and the first hand-written ones
            it["hand"] = "old" if it.get("register", "").startswith("handwritten") else "generator"
        it["family"] = it.get("family") or (
            f"gen:{it.get('issue')}" if it["hand"] == "generator" and it.get("issue") else f"{it['hand']}:{it['id']}")
    return items


def written_hands() -> list[Path]:
    return sorted(WRITTEN_DIR.glob("*.jsonl")) if WRITTEN_DIR.exists() else []


def load_training(corpus: str | Path | None = None, extra: list[dict] | None = None) -> list[dict]:
    """Every training item (all sources), each with ``hand`` and ``family``."""
    items = load_source(corpus or CORPUS)
    if FORMERLY_HELDOUT.exists():
        items += load_source(FORMERLY_HELDOUT, hand="old-heldout")
    for p in written_hands():
        items += load_source(p, hand=p.stem)
    for it in extra or []:
        it.setdefault("hand", "feedback")
        it.setdefault("family", f"feedback:{it.get('id')}")
        items.append(it)
    return items


def family_fold(item: dict, folds: int = 5) -> int:
    """A stable fold for an item by its template family (generator) or its own id (hand-written)."""
    key = item.get("dup_group") or item["family"]
    if item.get("hand") == "generator":
        key = item["family"]
    return int(hashlib.md5(key.encode("utf-8")).hexdigest(), 16) % folds


def split_by_family(items: list[dict], folds: int = 5) -> tuple[list[dict], list[dict]]:
    """Train / test split where no template family (and no duplicate group) straddles the line."""
    tr = [i for i in items if family_fold(i, folds) != 0]
    te = [i for i in items if family_fold(i, folds) == 0]
    return tr, te


def load_heldout(name: str) -> list[dict]:
    """A frozen held-out set by file name (``a1.jsonl``…); for evaluation only."""
    return load_jsonl(HELDOUT_DIR / name)


def heldout_demands(which: str = "first") -> list[dict]:
    return [it for name in HELDOUT_SETS[which] for it in load_heldout(name)]


HELDOUT_SETS = {"first": ("a1.jsonl", "a2.jsonl")}
# Every held-out demand file after a1+a2, with what it holds: ``evaluate.first_look`` reports each and
# the never-train test checks each, so a new set is registered once, here.
HELDOUT_DEMAND_FILES = {
    "b.jsonl": "48 duplicate groups + near misses",
    "set2/e1.jsonl": "300 demands, places",
    "set2/e2.jsonl": "260 demands, 110 urgent, another brief",
    "set3/g1.jsonl": "300 demands: 45 duplicate groups, 81 near misses, 94 urgent",
    "set4/i1.jsonl": "300 demands: 35 duplicate groups, 60 near misses, 94 urgent",
    "set5/k1.jsonl": "300 demands: 35 duplicate groups, 63 near misses, 97 urgent",
    "set9/o1.jsonl": "300 demands: 36 duplicate groups, 66 near misses, 97 urgent",
    "set10/q1.jsonl": "300 demands: 40 duplicate groups, 80 near misses, 100 urgent",
    "set11/u1.jsonl": "300 demands: 40 duplicate groups, 80 near misses, 100 urgent",
    "set12/y1.jsonl": "300 demands: 40 duplicate groups, 80 near misses, 100 urgent",
    "set13/z1.jsonl": "150 spring demands: 20 duplicate groups, 45 near misses, 50 urgent",
    "set13/z2.jsonl": "150 summer-autumn demands: 20 duplicate groups, 45 near misses, 50 urgent",
    "set14/s1.jsonl": "150 winter demands: 20 duplicate groups, 52 near misses, 50 urgent",
    "set14/s2.jsonl": "150 demands at busy public places: 20 duplicate groups, 55 near misses, 50 urgent",
    "set15/aa1.jsonl": "150 rainy-season demands in the hardest voices: 20 duplicate groups, 52 near misses, 50 urgent",
}
HELDOUT_CHAT_GLOBS = {"first": "c*.txt", "set2": "set2/d*.txt", "set3": "set3/f*.txt", "set4": "set4/h*.txt", "set5": "set5/j*.txt", "set6": "set6/l*.txt", "set7": "set7/m*.txt", "set8": "set8/n*.txt", "set9": "set9/p*.txt", "set10": "set10/r*.txt",
                      "set11": "set11/w*.txt", "set12": "set12/x*.txt", "set13": "set13/v*.txt",
                      "set14": "set14/sw*.txt", "set15": "set15/aw*.txt"}


def heldout_chats(which: str = "first") -> list[tuple[str, str, list[dict]]]:
    out = []
    for p in sorted(HELDOUT_DIR.glob(HELDOUT_CHAT_GLOBS[which])):
        labels = load_jsonl(p.with_suffix(".labels.jsonl"))
        out.append((p.stem, p.read_text(encoding="utf-8"), labels))
    return out
