"""Triage model: category + urgency + type + place, with a cheap pure-numpy inference path.

Training uses scikit-learn (LogisticRegression over TF-IDF of char 1-3-grams, jieba words,
lexicon concepts and urgency-rule features); the fitted weights are exported to plain numpy
arrays so ``Triage.predict`` never calls scikit-learn.
"""

from __future__ import annotations

import math
import os
import re
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from .features import Analysis, analyse, concept_evidence, feature_counts
from .gazetteer import Gazetteer, PlaceMatch
from .lexicon import CATEGORY_NAMES, URGENT_RULES
from .segment import Segmenter

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
DEFAULT_MODEL = DATA_DIR / "model.joblib"
MODEL_VERSION = 3

TYPE_NAMES = {"consult": "咨询", "help": "求助", "complaint": "投诉", "suggestion": "建议", "praise": "表扬"}
_PRAISE = re.compile(r"表扬|点赞|锦旗|好评|感谢.{0,8}(社区|网格|辛苦|帮忙|及时)|谢谢.{0,6}(及时|帮忙|解决)|给.{0,6}点赞|👍")
_CONSULT = re.compile(r"请问|咨询|想问|问一下|问问|怎么(办|申请|交|弄|查|领|补|缴)|如何|哪里|在哪|需要(带|准备|什么)|什么材料|能不能办|吗[？?]?$|伐[？?]|\?|？")
_COMPLAINT = re.compile(r"投诉|扰民|太差|不满|没人管|不管|不作为|举报|吵死|臭死|气死|受不了|素质|拖了|一直没")
_SUGGEST = re.compile(r"建议|提议|能否|可否|最好|希望(能|社区|增|多|建|开|组织|办|在|给)|能不能(增|多|建|开|组织|办|装|搞|弄|改|换|在)|倡议")
_HELP = re.compile(r"求助|帮帮|帮忙|救命|快来|赶紧|马上|立即|请.{0,4}(来|派)")


@dataclass
class TriageResult:
    category: str
    category_confidence: float
    urgent: bool
    urgent_confidence: float
    type: str
    place: str | None = None
    community: str | None = None
    grid: str | None = None
    building: str | None = None
    place_confidence: float = 0.0
    confidence: float = 0.0
    evidence: list[str] = field(default_factory=list)
    # internals used by duplicate detection (not part of the public contract)
    text: str = field(default="", repr=False)
    concepts: tuple[str, ...] = field(default=(), repr=False)
    ngrams: dict | None = field(default=None, repr=False)

    @property
    def category_name(self) -> str:
        return CATEGORY_NAMES.get(self.category, self.category)

    @property
    def type_name(self) -> str:
        return TYPE_NAMES.get(self.type, self.type)

    def as_dict(self) -> dict:
        d = asdict(self)
        for k in ("text", "concepts", "ngrams"):
            d.pop(k, None)
        return d


def guess_type(text: str, a: Analysis) -> str:
    t = a.norm
    if _PRAISE.search(t) and not _COMPLAINT.search(t):
        return "praise"
    if a.urgent_rules or _HELP.search(t):
        return "help"
    if _CONSULT.search(t) and not _COMPLAINT.search(t):
        return "consult"
    if _COMPLAINT.search(t):
        return "complaint"
    if _SUGGEST.search(t):
        return "suggestion"
    return "help"


class LinearHead:
    """Exported linear model: scores = x @ W + b over a fixed feature vocabulary."""

    def __init__(self, W: np.ndarray, b: np.ndarray, classes: list[str]):
        self.W = np.ascontiguousarray(W, dtype=np.float64)
        self.b = np.asarray(b, dtype=np.float64)
        self.classes = classes

    def scores(self, idx: np.ndarray, vals: np.ndarray) -> np.ndarray:
        if len(idx) == 0:
            return self.b.copy()
        return vals @ self.W[idx] + self.b


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max()
    e = np.exp(z)
    return e / e.sum()


class Triage:
    """Ready-to-use triage engine.

    ``Triage.load(path, gazetteer)``; ``predict(text, channel=None, lat=None, lon=None)``.
    """

    def __init__(self, params: dict, gazetteer: Gazetteer | None = None):
        if gazetteer is None:
            from .demo import demo_gazetteer
            gazetteer = demo_gazetteer()
        self.gazetteer = gazetteer
        self.segment = Segmenter(sorted(gazetteer.words))
        self.params = params
        self.vocab: dict[str, int] = params["vocab"]
        self.idf = np.asarray(params["idf"], dtype=np.float64)
        self.cat_head = LinearHead(params["W_cat"], params["b_cat"], params["classes"])
        self.urg_head = LinearHead(params["W_urg"], params["b_urg"], ["no", "yes"])
        self.urgent_threshold = params.get("urgent_threshold", 0.5)
        if params.get("concept_weights"):
            from .duplicates import set_concept_weights
            set_concept_weights(params["concept_weights"])

    # ---------------------------------------------------------------- persistence
    @classmethod
    def load(cls, path: str | os.PathLike | None = None, gazetteer: Gazetteer | None = None) -> Triage:
        import joblib

        params = joblib.load(path or DEFAULT_MODEL)
        if params.get("version") != MODEL_VERSION:
            raise ValueError(f"model version {params.get('version')} != {MODEL_VERSION}; retrain")
        return cls(params, gazetteer)

    def save(self, path: str | os.PathLike | None = None) -> Path:
        import joblib

        p = Path(path or DEFAULT_MODEL)
        joblib.dump(self.params, p, compress=3)
        return p

    # ---------------------------------------------------------------- inference
    def vectorise(self, counts: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
        vocab = self.vocab
        idx, tf = [], []
        for k, v in counts.items():
            j = vocab.get(k)
            if j is not None:
                idx.append(j)
                tf.append(v)
        if not idx:
            return np.zeros(0, dtype=np.intp), np.zeros(0)
        ia = np.fromiter(idx, dtype=np.intp, count=len(idx))
        vals = (1.0 + np.log(np.fromiter(tf, dtype=np.float64, count=len(tf)))) * self.idf[ia]
        vals /= math.sqrt(float(vals @ vals)) or 1.0
        return ia, vals

    def predict(self, text: str, channel: str | None = None, lat: float | None = None,
                lon: float | None = None) -> TriageResult:
        text = text or ""
        a = analyse(text, self.segment)
        counts = feature_counts(a)
        idx, vals = self.vectorise(counts)
        # category
        p = _softmax(self.cat_head.scores(idx, vals))
        k = int(p.argmax())
        category = self.cat_head.classes[k]
        cat_conf = float(p[k])
        # urgency: explicit safety rules decide; the learned head only backs them up
        zu = self.urg_head.scores(idx, vals)
        pu = float(1.0 / (1.0 + math.exp(-(zu[1] - zu[0]))))
        evidence: list[str] = []
        if a.urgent_rules:
            urgent = True
            urg_conf = max(0.9, pu)
            seen = set()
            for rid, words in a.urgent_rules.items():
                label = URGENT_RULES[rid]["label"]
                if label not in seen:
                    seen.add(label)
                    evidence.append(f"安全规则“{label}”：“{'”“'.join(words)}”→紧急")
        else:
            urgent = pu >= self.urgent_threshold
            urg_conf = pu if urgent else 1.0 - pu
            if urgent:
                evidence.append(f"模型判断涉及人身财产安全（{pu:.2f}）→紧急")
        if not urgent:
            evidence.extend(a.urgent_blocked[:2])
            if a.tone:
                evidence.append(f"语气词“{a.tone[0]}”不计入紧急")
        # place
        pm: PlaceMatch = self.gazetteer.resolve(text, lat=lat, lon=lon)
        ev_cat = concept_evidence(a, category)
        if not ev_cat:
            ev_cat = self._top_features(idx, vals, k)
        evidence = ev_cat + evidence + pm.evidence
        conf = math.sqrt(cat_conf * urg_conf)
        return TriageResult(
            category=category, category_confidence=round(cat_conf, 3), urgent=urgent,
            urgent_confidence=round(float(urg_conf), 3), type=guess_type(text, a),
            place=pm.place, community=pm.community, grid=pm.grid, building=pm.building,
            place_confidence=pm.confidence, confidence=round(conf, 3), evidence=evidence,
            text=text, concepts=tuple(sorted(a.concepts)), ngrams=None)

    def rehydrate(self, text: str, category: str, urgent: bool = False, community: str | None = None,
                  place: str | None = None, grid: str | None = None, building: str | None = None,
                  **extra) -> TriageResult:
        """A TriageResult for a stored (possibly human-corrected) demand, for duplicate checks.

        Runs only the cheap lexicon analysis (no classifier): use it for the open demands kept in
        the database, then ``find_duplicates(tri.predict(new_text), open_results)``.
        """
        a = analyse(text or "", None)
        if building is None:
            building = self.gazetteer.extract_building(text or "")
        return TriageResult(category=category, category_confidence=1.0, urgent=bool(urgent),
                            urgent_confidence=1.0, type=extra.get("type") or guess_type(text, a),
                            place=place, community=community, grid=grid, building=building,
                            place_confidence=1.0 if community else 0.0, confidence=1.0,
                            evidence=[], text=text or "", concepts=tuple(sorted(a.concepts)))

    def _top_features(self, idx: np.ndarray, vals: np.ndarray, k: int, n: int = 2) -> list[str]:
        if len(idx) == 0:
            return ["无明显关键词→按模型默认"]
        if not hasattr(self, "_inv_vocab"):
            self._inv_vocab = {v: kk for kk, v in self.vocab.items()}
        contrib = vals * self.cat_head.W[idx, k]
        order = np.argsort(-contrib)[: n * 6]
        name = CATEGORY_NAMES.get(self.cat_head.classes[k], "")
        out = []
        for o in order:
            f = self._inv_vocab[int(idx[o])]
            if f[0] == "w" and len(f) > 2 and contrib[o] > 0 and not any(ch.isdigit() for ch in f):
                e = f"词“{f[1:]}”→{name}"
                if e not in out:
                    out.append(e)
            if len(out) >= n:
                break
        return out or [f"模型判断→{name}"]


_DEFAULT: Triage | None = None
_LOCK = threading.Lock()


def load_default(data_dir: str | os.PathLike | None = None) -> Triage:
    """A cached ready instance over the demo gazetteer.

    Loads ``minsheng/triage/data/model.joblib``; when it is missing (or stale), trains it
    deterministically from the corpus and caches it under ``data_dir`` (default: the temp cache).
    """
    global _DEFAULT
    if _DEFAULT is not None:
        return _DEFAULT
    with _LOCK:
        if _DEFAULT is None:
            try:
                _DEFAULT = Triage.load()
            except (FileNotFoundError, ValueError):
                from .segment import cache_dir
                from .train import train

                target = Path(data_dir or cache_dir()) / "model.joblib"
                try:
                    _DEFAULT = Triage.load(target)
                except (FileNotFoundError, ValueError):
                    _DEFAULT = train(out_path=target)
    return _DEFAULT
