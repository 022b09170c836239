"""Triage model: category, urgency (with the situation it names), type and place.

Two sets of linear heads, fitted by ``train.py`` and stored as plain numpy arrays (inference never
calls scikit-learn):

* **fast** — over sparse features: character 1–3-grams, jieba words, lexicon concepts and the
  compositional situation features (``situations.py``). About a millisecond a text: intake runs it
  inside the request.
* **full** — the same sparse features plus the text's meaning vector (``embed.py``). It is what
  ``minsheng triage`` and the background assessment after intake (``minsheng.triage.tasks``) use.

Urgency has three outcomes: urgent, "possibly urgent" (``possible``: sent to staff's 可能紧急 queue,
never silently to routine) and routine. Thresholds are chosen on predictions for writers the heads
were not trained on (``train.choose_thresholds``): recall first.
"""

from __future__ import annotations

import math
import os
import re
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from . import embed, situations
from .data import DATA_DIR
from .features import Analysis, analyse, concept_evidence, feature_counts
from .gazetteer import Gazetteer, PlaceMatch
from .lexicon import CATEGORY_NAMES
from .segment import Segmenter

DEFAULT_MODEL = DATA_DIR / "model.joblib"
MODEL_VERSION = 5
EMBED_SCALE = 0.6  # weight of the meaning vector beside the unit-norm sparse vector (chosen across hands)

TYPE_NAMES = {"consult": "咨询", "help": "求助", "complaint": "投诉", "suggestion": "建议", "praise": "表扬"}
_PRAISE = re.compile(r"表扬|点赞|锦旗|好评|感谢.{0,8}(社区|网格|辛苦|帮忙|及时)|谢谢.{0,6}(及时|帮忙|解决)|给.{0,6}点赞|👍")
_CONSULT = re.compile(r"请问|咨询|想问|问一下|问问|怎么(办|申请|交|弄|查|领|补|缴)|如何|哪里|在哪|需要(带|准备|什么)|什么材料|能不能办|吗[？?]?$|伐[？?]|\?|？")
_COMPLAINT = re.compile(r"投诉|扰民|太差|不满|没人管|不管|不作为|举报|吵死|臭死|气死|受不了|素质|拖了|一直没")
_SUGGEST = re.compile(r"建议|提议|能否|可否|最好|希望(能|社区|增|多|建|开|组织|办|在|给)|能不能(增|多|建|开|组织|办|装|搞|弄|改|换|在)|倡议")
_HELP = re.compile(r"求助|帮帮|帮忙|救命|快来|赶紧|马上|立即|请.{0,4}(来|派)")

# A text whose only words are these says that there is a matter, not what it is ("有个事情想找社区反映
# 一下"): no category is trusted for it, whatever the heads make of the words.
_VAGUE_WORDS = frozenset({"反映", "一下", "事情", "有事", "事", "问题", "情况", "咨询", "请问", "问个事", "想问",
                          "社区", "居委", "居委会", "你好", "您好", "麻烦", "帮忙", "谢谢", "有个", "一个", "找"})
SITUATION_NAMES = {code: name for code, (name, _p, _o) in situations.HAZARDS.items()}


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
    possibly_urgent: bool = False        # recall first: staff look at these within hours
    urgency: float = 0.0                 # p(urgent) from the heads that assessed the text
    situation: str | None = None         # the harm it names, e.g. "老人/独居者失联"
    assessed_by: str = "fast"            # "fast" (sparse heads) or "full" (with the meaning vector)
    # internals used by duplicate detection and the full assessment (not part of the public contract)
    text: str = field(default="", repr=False)
    concepts: tuple[str, ...] = field(default=(), repr=False)
    ngrams: dict | None = field(default=None, repr=False)
    hazards: tuple[str, ...] = field(default=(), repr=False)
    tokens: frozenset = field(default=frozenset(), repr=False)
    vector: np.ndarray | None = field(default=None, repr=False)
    problem: str = field(default="", repr=False)   # the text without its place words
    category_probs: np.ndarray | None = field(default=None, repr=False)
    place_kind: str | None = field(default=None, repr=False)  # compound, market, clinic… (gazetteer)

    @property
    def category_name(self) -> str:
        return CATEGORY_NAMES.get(self.category, self.category)

    @property
    def type_name(self) -> str:
        return TYPE_NAMES.get(self.type, self.type)

    @property
    def level(self) -> str:
        return "urgent" if self.urgent else "possible" if self.possibly_urgent else "routine"

    def as_dict(self) -> dict:
        d = asdict(self)
        for k in ("text", "concepts", "ngrams", "hazards", "tokens", "vector", "problem", "category_probs", "place_kind"):
            d.pop(k, None)
        return d


def guess_type(text: str, a: Analysis, urgent: bool = False) -> str:
    t = a.norm
    if _PRAISE.search(t) and not _COMPLAINT.search(t):
        return "praise"
    if urgent or _HELP.search(t):
        return "help"
    if _CONSULT.search(t) and not _COMPLAINT.search(t):
        return "consult"
    if _COMPLAINT.search(t):
        return "complaint"
    if _SUGGEST.search(t):
        return "suggestion"
    return "help"


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max()
    e = np.exp(z)
    return e / e.sum()


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


class Triage:
    """Ready-to-use triage engine: ``Triage.load(path, gazetteer)``; ``predict(text)`` (fast heads),
    ``assess(results)`` (full heads, in bulk), ``assess_texts(texts)``."""

    def __init__(self, params: dict, gazetteer: Gazetteer | None = None):
        if gazetteer is None:
            from .demo import demo_gazetteer
            gazetteer = demo_gazetteer()
        self.gazetteer = gazetteer
        self.segment = Segmenter(sorted(gazetteer.words))
        self.params = params
        self.vocab: dict[str, int] = params["vocab"]
        self.idf = np.asarray(params["idf"], dtype=np.float64)
        self.classes: list[str] = params["classes"]
        self.th = params["thresholds"]
        self._W = {k: np.asarray(params[k], dtype=np.float64) for k in
                   ("W_cat", "b_cat", "w_urg", "W_cat_full", "E_cat_full", "b_cat_full", "w_urg_full",
                    "e_urg_full", "W_sit", "E_sit", "b_sit") if k in params}
        self.b_urg = float(params["b_urg"])
        self.b_urg_full = float(params.get("b_urg_full", 0.0))
        self.sit_classes: list[str] = params.get("sit_classes", [])
        self.has_full = "E_cat_full" in self._W
        if params.get("concept_weights"):
            from .duplicates import set_concept_weights
            set_concept_weights(params["concept_weights"])
        self._pairs = None

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
        # lzma: a third smaller than zlib for the float16 weights; loading takes ~0.2 s longer, once,
        # before a server's workers take requests
        joblib.dump(self.params, p, compress=("lzma", 6))
        return p

    @property
    def pairs(self):
        """The duplicate scorer (``duplicates.PairModel``) fitted with these heads."""
        if self._pairs is None:
            from .duplicates import PairModel

            self._pairs = PairModel(self.params.get("pairs"))
        return self._pairs

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
        """The fast assessment (sparse heads); ``assess`` upgrades it with the meaning vector."""
        text = text or ""
        a = analyse(text, self.segment)
        idx, vals = self.vectorise(feature_counts(a))
        W = self._W
        zc = (vals @ W["W_cat"][idx] if len(idx) else 0.0) + W["b_cat"]
        pu = _sigmoid(float(vals @ W["w_urg"][idx]) + self.b_urg if len(idx) else self.b_urg)
        pm: PlaceMatch = self.gazetteer.resolve(text, lat=lat, lon=lon)
        r = TriageResult(
            category="other", category_confidence=0.0, urgent=False, urgent_confidence=0.0, type="help",
            place=pm.place, community=pm.community, grid=pm.grid, building=pm.building,
            place_confidence=pm.confidence, text=text, concepts=tuple(sorted(a.concepts)),
            hazards=tuple(a.reading.hazards), tokens=self._content_words(a.tokens),
            problem=self.gazetteer.problem_text(text), place_kind=self.gazetteer.kind_of(pm.place))
        r._analysis = a  # kept for the full assessment and evidence; not serialised
        r._sparse = (idx, vals)
        r._place_evidence = pm.evidence
        self._decide(r, _softmax(zc), pu, full=False)
        return r

    def assess(self, results: list[TriageResult], vectors: np.ndarray | None = None) -> list[TriageResult]:
        """Upgrade fast results with the full heads (meaning vectors computed in one batch when not
        given). Without an embedder (turned off, wheel missing) they stay fast, and say so."""
        if not results or not self.has_full:
            return results
        if vectors is None:
            emb = embed.get()
            if emb is None:
                return results
            vectors = emb.encode([r.problem or self.meaning_text(r.text) for r in results])
        W = self._W
        for r, v in zip(results, vectors, strict=True):
            idx, vals = getattr(r, "_sparse", None) or self.vectorise(feature_counts(analyse(r.text, self.segment)))
            ve = EMBED_SCALE * np.asarray(v, dtype=np.float64)
            zc = (vals @ W["W_cat_full"][idx] if len(idx) else 0.0) + ve @ W["E_cat_full"] + W["b_cat_full"]
            zu = (float(vals @ W["w_urg_full"][idx]) if len(idx) else 0.0) + float(ve @ W["e_urg_full"])
            r.vector = np.asarray(v, dtype=np.float32)
            self._decide(r, _softmax(zc), _sigmoid(zu + self.b_urg_full), full=True)
        return results

    def meaning_text(self, text: str) -> str:
        """What the meaning vector is computed from: the text without its place words, so that it
        carries what is wrong (two reports from one building are not alike for that alone)."""
        return self.gazetteer.problem_text(text or "")

    def assess_texts(self, texts: list[str], channel: str | None = None) -> list[TriageResult]:
        return self.assess([self.predict(t, channel=channel) for t in texts])

    def _decide(self, r: TriageResult, p: np.ndarray, pu: float, *, full: bool) -> None:
        a: Analysis = r._analysis if hasattr(r, "_analysis") else analyse(r.text, self.segment)
        th = self.th["full" if full else "fast"]
        k = int(p.argmax())
        r.category, r.category_confidence = self.classes[k], round(float(p[k]), 3)
        if not a.concepts and not a.reading.hazards and r.tokens <= _VAGUE_WORDS:
            r.category_confidence = min(r.category_confidence, 0.2)
        r.category_probs = p.astype(np.float32)
        r.urgency = round(pu, 3)
        r.urgent = pu >= th["urgent"]
        r.possibly_urgent = not r.urgent and pu >= th["possible"]
        if r.urgent and a.reading.resolved:
            # "已经救出来了", "燃气公司已经处理好了": over and handled — a person looks, no alarm
            r.urgent, r.possibly_urgent = False, True
        r.urgent_confidence = round(pu if r.urgent else 1.0 - pu, 3)
        r.assessed_by = "full" if full else "fast"
        r.type = guess_type(r.text, a, r.urgent)
        r.situation = self._situation(r, a)
        r.confidence = round(math.sqrt(r.category_confidence * max(r.urgent_confidence, 0.5)), 3)
        r.evidence = self._evidence(r, a)

    def _situation(self, r: TriageResult, a: Analysis) -> str | None:
        if a.reading.hazards:
            return situations.HAZARDS[next(iter(a.reading.hazards))][0]
        if not (r.urgent or r.possibly_urgent) or "W_sit" not in self._W or not self.sit_classes:
            return None
        idx, vals = getattr(r, "_sparse", (np.zeros(0, dtype=np.intp), np.zeros(0)))
        z = (vals @ self._W["W_sit"][idx] if len(idx) else 0.0) + self._W["b_sit"]
        if r.vector is not None and "E_sit" in self._W:
            z = z + EMBED_SCALE * r.vector.astype(np.float64) @ self._W["E_sit"]
        q = _softmax(np.asarray(z, dtype=np.float64))
        j = int(q.argmax())
        return SITUATION_NAMES.get(self.sit_classes[j]) if q[j] >= 0.35 else None

    def _evidence(self, r: TriageResult, a: Analysis) -> list[str]:
        ev = concept_evidence(a, r.category)
        if not ev and hasattr(r, "_sparse"):
            ev = self._top_features(*r._sparse, self.classes.index(r.category))
        how = "完整模型（含语义向量）" if r.assessed_by == "full" else "快速模型"
        if r.urgent or r.possibly_urgent:
            label = "紧急" if r.urgent else "可能紧急"
            ev.extend(a.reading.evidence() or ([f"情形“{r.situation}”（语义判断）"] if r.situation else []))
            mods = [w for m in ("now", "people", "vulnerable", "pressure") for w in a.reading.modifiers.get(m, [])[:1]]
            if mods:
                ev.append(f"当前/人员暴露：“{'”“'.join(dict.fromkeys(mods))}”")
            if a.reading.resolved:
                ev.append("文中说已处置：请人工确认是否仍有危险")
            ev.append(f"{how}判断{label}（{r.urgency:.2f}）")
        else:
            if a.reading.hazards:
                ev.extend(a.reading.evidence()[:1])
            if a.reading.resolved:
                ev.append("已处置、未说仍在发生→不按紧急")
            ev.extend(a.reading.cancel_evidence()[:2])
            if a.tone:
                ev.append(f"语气词“{a.tone[0]}”，但未描述眼下的危险")
        return ev + list(getattr(r, "_place_evidence", []))

    def rehydrate(self, text: str, category: str, urgent: bool = False, community: str | None = None,
                  place: str | None = None, grid: str | None = None, building: str | None = None,
                  vector: np.ndarray | None = None, **extra) -> TriageResult:
        """A TriageResult for a stored (possibly human-corrected) demand, for duplicate checks: the
        cheap lexicon analysis only, with the stored category, urgency, place and meaning vector."""
        a = analyse(text or "", self.segment)
        if building is None:
            building = self.gazetteer.extract_building(text or "")
        return TriageResult(category=category, category_confidence=1.0, urgent=bool(urgent),
                            urgent_confidence=1.0, type=extra.get("type") or guess_type(text, a),
                            place=place, community=community, grid=grid, building=building,
                            place_confidence=1.0 if community else 0.0, confidence=1.0,
                            evidence=[], text=text or "", concepts=tuple(sorted(a.concepts)),
                            hazards=tuple(a.reading.hazards), tokens=self._content_words(a.tokens),
                            vector=vector, problem=self.gazetteer.problem_text(text or ""),
                            assessed_by="stored", place_kind=self.gazetteer.kind_of(place))

    def _content_words(self, tokens: list[str]) -> frozenset:
        """Words that say what is wrong: not place names, not numbers, not single characters."""
        places = self.gazetteer.words
        return frozenset(w for w in tokens if len(w) > 1 and w not in places and not any(c.isdigit() for c in w))

    def _top_features(self, idx: np.ndarray, vals: np.ndarray, k: int, n: int = 2) -> list[str]:
        if len(idx) == 0:
            return ["无明显关键词→按模型默认"]
        if not hasattr(self, "_inv_vocab"):
            self._inv_vocab = {v: kk for kk, v in self.vocab.items()}
        contrib = vals * self._W["W_cat"][idx, k]
        order = np.argsort(-contrib)[: n * 6]
        name = CATEGORY_NAMES.get(self.classes[k], "")
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
    deterministically from the training sources and caches it under ``data_dir`` (default: the
    temp cache).
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
