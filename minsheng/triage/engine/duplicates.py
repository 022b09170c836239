"""Duplicate detection: "the same concrete problem at the same place" — the same object AND the same
fault, at the same place.

A pair of triaged reports is described by comparable evidence (``pair_features``): where (same place,
building, grid; a building on one side only), what (shared lexicon concepts weighted by rarity,
shared and unshared content words, character n-gram overlap, the two category distributions, the
situation of harm each names), and — in the full assessment — how close their meaning vectors are, both
as a plain cosine and as a learned reading of the two vectors (``meaning_pair``: a logistic model over
their element-wise product and distance, fitted on the same groups, which learns which directions of
meaning tell one problem from its neighbour at the same place).
A gradient-boosted tree model over these (``PairModel``, fitted by ``train.fit_pairs`` on duplicate
groups and same-place near misses written by several hands) answers p(same problem). Hard rules on
top: an urgent report is never a duplicate of a routine one; reports of different communities never
are; reports with no community are compared only with others that have none.

``cluster`` groups a batch (average linkage over candidate pairs, so a chain of look-alikes does not
snowball into one cluster); ``find_duplicates`` ranks open demands for a new one.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence

import numpy as np

from . import treeset
from .lexicon import ASPECTS, BROAD_CONCEPTS, CONCEPTS, FAULTS
from .textnorm import KeywordMatcher, basic_norm, cn_to_int, strip_punct

DEFAULT_THRESHOLD = 0.5
LINK_FLOOR = 0.5
_WEIGHTS: dict[str, float] = {}

FAST_FEATURES = ("place", "same_place", "same_building", "diff_building", "one_building", "no_community",
                 "same_grid", "same_category", "category_dot", "concepts", "specific_concepts", "bigrams",
                 "trigrams", "words", "shared_words", "unshared_words", "aspect_mismatch", "hazard_same",
                 "hazard_mismatch", "length_ratio", "type_mismatch", "urgency_gap", "specific_disjoint",
                 "faults_shared", "faults_disjoint", "facility", "diff_unit", "done_gap", "denies_same",
                 "person_case")
FULL_FEATURES = FAST_FEATURES + ("meaning", "meaning_pair")
# +1: more of it never makes a duplicate less likely; -1: never more likely; 0: free
MONOTONE = {"place": 1, "same_place": 1, "same_building": 1, "diff_building": -1, "same_category": 1,
            "category_dot": 1, "concepts": 1, "specific_concepts": 1, "bigrams": 1, "trigrams": 1, "words": 1,
            "shared_words": 1, "aspect_mismatch": -1, "hazard_same": 1, "hazard_mismatch": -1,
            "type_mismatch": -1, "urgency_gap": -1, "specific_disjoint": -1, "meaning": 1, "meaning_pair": 1,
            "faults_shared": 1, "faults_disjoint": -1, "diff_unit": -1, "done_gap": -1, "denies_same": -1}


def set_concept_weights(w: dict[str, float]) -> None:
    _WEIGHTS.clear()
    _WEIGHTS.update(w)


# --- comparable pieces of one report (cached on the result) ----------------------------------------

def _grams(r, k: int) -> tuple[dict[str, int], float]:
    cache = r.ngrams if isinstance(getattr(r, "ngrams", None), dict) else None
    if cache is None:
        cache = {}
        try:
            r.ngrams = cache
        except AttributeError:
            pass
    if k not in cache:
        t = strip_punct(basic_norm(getattr(r, "problem", "") or r.text))
        g: dict[str, int] = {}
        for i in range(len(t) - k + 1):
            s = t[i:i + k]
            g[s] = g.get(s, 0) + 1
        cache[k] = (g, math.sqrt(sum(v * v for v in g.values())) or 1.0)
    return cache[k]


def _cos(a, b, k: int) -> float:
    ga, na = _grams(a, k)
    gb, nb = _grams(b, k)
    shared = ga.keys() & gb.keys()  # in C; most pairs share few n-grams
    return sum(ga[s] * gb[s] for s in shared) / (na * nb) if shared else 0.0


def cosine(a, b) -> float:
    """Character-bigram cosine of two reports' texts."""
    return _cos(a, b, 2)


def _matcher(table: dict[str, list[str]]) -> KeywordMatcher:
    m = KeywordMatcher()
    for key, words in table.items():
        for w in words:
            m.add(w, key)
    return m


_FAULT_M = _matcher(FAULTS)
_ASPECT_M = _matcher(ASPECTS)


def _cached(r, attr: str, compute):
    """A per-report value computed once (results are compared with many others)."""
    v = getattr(r, attr, None)
    if v is None:
        v = compute(r)
        try:
            setattr(r, attr, v)
        except AttributeError:
            pass
    return v


def _faults(r) -> set:
    return _cached(r, "_faults", lambda r: {p for _s, _e, _k, p in _FAULT_M.find(
        basic_norm(getattr(r, "problem", "") or r.text))})


def _aspects(r) -> set:
    return _cached(r, "_aspects", lambda r: {p for _s, _e, _k, p in _ASPECT_M.find(basic_norm(r.text))})


def place_factor(a, b) -> float:
    """1 same place, 0.8 parent/child place, 0.5/0.45 same community with less detail, 0.3/0.2 when
    one or both name no known place, 0 else."""
    if a.community is None or b.community is None:
        return 0.3 if a.community is None and b.community is None else 0.2
    if a.community != b.community:
        return 0.0
    if a.building and b.building and a.building != b.building:
        return 0.0
    if a.place and b.place:
        if a.place == b.place:
            return 1.0
        if a.place.startswith(b.place) or b.place.startswith(a.place):
            return 0.8
        return 0.0
    if a.place or b.place:
        return 0.45
    if a.grid and b.grid and a.grid != b.grid:
        return 0.0
    return 0.5


def _weight(c: frozenset) -> float:
    w = _WEIGHTS
    return sum(w.get(x, 1.0) for x in c)


def _weighted(ca: frozenset, cb: frozenset, wa: float | None = None, wb: float | None = None) -> float:
    """Rarity-weighted overlap of two concept sets (``wa``/``wb``: their weights, when known)."""
    both = ca & cb
    if not both:
        return 0.0
    inter = _weight(both)
    wa = _weight(ca) if wa is None else wa
    wb = _weight(cb) if wb is None else wb
    smaller, union = min(wa, wb), wa + wb - inter
    return 0.75 * inter / smaller + 0.25 * inter / union if smaller else 0.0


def _concept_sets(r) -> tuple[frozenset, frozenset, float, float]:
    """(problem concepts, the specific ones, and their weights) of a report, computed once."""
    def compute(r):
        ca = frozenset(c for c in r.concepts if c in CONCEPTS)
        sa = ca - BROAD_CONCEPTS
        return ca, sa, _weight(ca), _weight(sa)
    return _cached(r, "_concept_sets", compute)


def concept_overlap(a, b) -> tuple[float, float]:
    """(overlap of all problem concepts, overlap of the specific ones), rarity-weighted."""
    ca, sa, wca, wsa = _concept_sets(a)
    cb, sb, wcb, wsb = _concept_sets(b)
    if not ca or not cb:
        return 0.0, 0.0
    return _weighted(ca, cb, wca, wcb), (_weighted(sa, sb, wsa, wsb) if sa and sb else 0.0)


def _jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a | b else 0.0


def _specific_disjoint(a, b) -> bool:
    sa, sb = _concept_sets(a)[1], _concept_sets(b)[1]
    return bool(sa and sb and not sa & sb)


def comparable(a, b) -> bool:
    """The hard rules: an urgent report is never a duplicate of a routine one (one the engine thinks
    possibly urgent may be), and two different communities never are (a report whose words name no
    known place — "菜场后门", "水产区17号摊" — is compared with every community's)."""
    if a.community is not None and b.community is not None and a.community != b.community:
        return False
    if bool(a.urgent) == bool(b.urgent):
        return True
    other = b if a.urgent else a
    return bool(getattr(other, "possibly_urgent", False))


_LANDMARK_RE = re.compile(r"水产区|熟食区|蔬菜区|肉类区|后门|侧门|[东南西北]门|桥头|桥下|河边|车库|车棚|停车场|菜场|"
                          r"菜市场|市场|幼儿园|学校|医院|超市|广场|公园|泵站|摊位|站台")
_GENERIC_LANDMARK_RE = re.compile(r"([\u4e00-\u9fff]{2})(?:门口|大门|路口|路段)")


def _landmarks(r) -> set:
    """Place words the gazetteer does not know ("菜场后门", "水产区", "桥头"): how two reports that name
    no known place can still be at the same spot."""
    def compute(r):
        t = basic_norm(r.text)
        return set(_LANDMARK_RE.findall(t)) | {m.group(0) for m in _GENERIC_LANDMARK_RE.finditer(t)}

    return _cached(r, "_landmarks", compute)


def _unplaced_place(a, b) -> tuple[float, float]:
    """(place factor, same place) for a pair where one or both name no known place: the same landmark
    words count as the same place."""
    if _landmarks(a) & _landmarks(b):
        return 0.8, 1.0
    return (0.3 if a.community is None and b.community is None else 0.2), 0.0


_FACILITY_LANDMARK_RE = re.compile(r"菜场|菜市场|市场|公园|泵站|停车场|幼儿园|学校|医院|超市|广场|站台")


def at_facility(a, b) -> bool:
    """Both at one public facility (the market, the clinic, a court…), not in a compound: many
    different problems meet at one such place, so the place says less of the problem there."""
    if a.place and a.place == b.place:
        kind = getattr(a, "place_kind", None)
        return kind is not None and kind != "compound"
    if a.community is None or b.community is None:
        la, lb = _landmarks(a), _landmarks(b)
        return any(_FACILITY_LANDMARK_RE.fullmatch(w) for w in la & lb)
    return False


_UNIT_RE = re.compile(r"(?<!\d)(\d{1,2}|[一二三四五六七八九十]{1,2})\s*单元")
# a problem put right or gone by ("已经修好了", "去年反映的…已调整", "感谢社区") is not the open one beside it
_DONE_RE = re.compile(r"(已经?|都)(修好|换新|换好|弄好|处理好|处理掉|清掉|收掉|拉走|解决|恢复|停业|拴养|好转|调整)"
                      r"|(修好|换新|换好|弄好|收掉|清走|拉走|补上|装上|换上|修复|补好|装好)了|去年|上回|之前反映|回顾|感谢社区|点个?赞"
                      r"|表扬|(亮堂|干净|安静)多了")


def _unit(r) -> str:
    """The stairwell (单元) a report names, "" for none: "一单元" and "1单元" are one (read as the
    gazetteer reads building numbers)."""
    def compute(r):
        m = _UNIT_RE.search(basic_norm(r.text or ""))
        n = cn_to_int(m.group(1)) if m else None
        return str(n) if n is not None else ""
    return _cached(r, "_unit", compute)


def _done(r) -> bool:
    return _cached(r, "_done", lambda r: bool(_DONE_RE.search(basic_norm(r.text or ""))))


# A report that sets itself apart from its neighbour ("跟男厕那个不是一个", "与空调无关") or says the part
# a neighbour's report is about is fine ("龙头正常", "扶手倒是好的", "盖子是有的") is another problem there.
_DENIES_RE = re.compile(r"不是一回事|不是同一|不是一[个家处件]|两码事|(与|跟|和).{1,10}(无关|没关系|不相干)"
                        r"|说的不是|不是[^，,。！!？?]{0,8}那[个件桩]事"
                        r"|(倒是|倒|本身|还是|都|是)(好的|好好的|亮的|牢的|稳的|在的|完好|没坏|没漏|没问题)"
                        r"|(?<![不恢复])(正常|完好)[，,。；;）)]|未缺失|没有?丢")
# harm to a person (a fall, an illness, someone missing or out of reach): two such reports are two
# people unless more than the harm is shared
_PERSON_HAZARDS = frozenset({"fall_illness", "missing_person", "self_harm", "person_unreachable"})


def _denies_same(r) -> bool:
    return _cached(r, "_denies", lambda r: bool(_DENIES_RE.search(basic_norm(r.text or ""))))


def worth_scoring(a, b) -> bool:
    """A cheap first test before the features and the trees: the same place (or a place the other may
    be at), and something of the problem in common — category, a concept, a content word, a fault or
    some wording. Across the writers' sets it keeps 98% of the duplicate pairs and a fifth of the rest."""
    if a.community is not None and b.community is not None and place_factor(a, b) == 0.0:
        return False
    if a.category == b.category or set(a.concepts) & set(b.concepts):
        return True
    if (a.tokens or frozenset()) & (b.tokens or frozenset()) or _faults(a) & _faults(b):
        return True
    return _cos(a, b, 2) > 0.2


def pair_features(a, b, full: bool = False) -> list[float]:
    pf = place_factor(a, b)
    same_place = float(bool(a.place and a.place == b.place))
    if a.community is None or b.community is None:
        pf, same_place = _unplaced_place(a, b)
    co, sco = concept_overlap(a, b)
    ta, tb = a.tokens or frozenset(), b.tokens or frozenset()
    shared = len(ta & tb)
    union = len(ta) + len(tb) - shared
    xa, xb = _aspects(a), _aspects(b)
    ha, hb = set(a.hazards or ()), set(b.hazards or ())
    fa, fb = _faults(a), _faults(b)
    pa, pb = getattr(a, "category_probs", None), getattr(b, "category_probs", None)
    cat_dot = float(pa @ pb) if pa is not None and pb is not None and len(pa) == len(pb) else float(
        a.category == b.category)
    la, lb = len(a.text or ""), len(b.text or "")
    f = [
        pf,
        same_place,
        float(bool(a.building and a.building == b.building)),
        float(bool(a.building and b.building and a.building != b.building)),
        float(bool(a.building) != bool(b.building)),
        float(a.community is None and b.community is None),
        float(bool(a.grid and a.grid == b.grid)),
        float(a.category == b.category),
        cat_dot,
        co,
        sco,
        _cos(a, b, 2),
        _cos(a, b, 3),
        shared / union if union else 0.0,
        float(shared),
        float(union - shared),
        float(bool(xa and xb and xa != xb)),
        float(bool(ha & hb)),
        float(bool(ha) != bool(hb) or bool(ha and hb and not ha & hb)),
        min(la, lb) / max(la, lb, 1),
        float(a.type != b.type),
        abs(float(getattr(a, "urgency", 0.0)) - float(getattr(b, "urgency", 0.0))),
        float(_specific_disjoint(a, b)),
        _jaccard(fa, fb),
        float(bool(fa and fb and not fa & fb)),
        float(at_facility(a, b)),
        float(bool(_unit(a) and _unit(b) and _unit(a) != _unit(b))),
        float(_done(a) != _done(b)),
        float(_denies_same(a) or _denies_same(b)),
        float(bool(ha & _PERSON_HAZARDS) and bool(hb & _PERSON_HAZARDS)),
    ]
    if full:
        va, vb = getattr(a, "vector", None), getattr(b, "vector", None)
        f.append(float(va @ vb) if va is not None and vb is not None else np.nan)
    return f


def meaning_inputs(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """What ``meaning_pair`` reads of two rows of meaning vectors: their element-wise product and
    distance (both symmetric, so the order of a pair does not matter)."""
    return np.hstack([A * B, np.abs(A - B)])


def meaning_score(head: dict | None, inputs: np.ndarray) -> np.ndarray:
    """The learned meaning score (log-odds of the same problem) of rows of ``meaning_inputs``; NaN
    without a head."""
    if head is None or not len(inputs):
        return np.full(len(inputs), np.nan)
    return inputs @ head["coef"] + head["intercept"]


def meaning_pair(head: dict | None, A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """``meaning_score`` of each row pair of meaning vectors."""
    return meaning_score(head, meaning_inputs(A, B))


class PairModel:
    """p(same problem) for pairs of reports; the fast trees without meaning vectors (intake), the full
    ones with them (after intake, batch)."""

    def __init__(self, params: dict | None):
        params = params or {}
        self.fast = params.get("fast")
        self.full = params.get("full")
        self.meaning = params.get("meaning_pair")
        self.threshold = {"fast": params.get("threshold_fast", DEFAULT_THRESHOLD),
                          "full": params.get("threshold_full", DEFAULT_THRESHOLD)}

    def mode(self, a, b) -> str:
        both = getattr(a, "vector", None) is not None and getattr(b, "vector", None) is not None
        return "full" if both and self.full else "fast"

    def scores(self, new, candidates: Sequence) -> np.ndarray:
        """p(same problem) of ``new`` against each candidate (0 where the hard rules say no)."""
        return self.pair_scores([(new, c) for c in candidates])

    def pair_scores(self, pairs: Sequence[tuple]) -> np.ndarray:
        """p(same problem) of each (a, b) pair (0 where the hard rules say no); the trees run once per
        mode over all the pairs, which is what makes a batch cheap."""
        out = np.zeros(len(pairs))
        rows: dict[str, list] = {"fast": [], "full": []}
        ix: dict[str, list[int]] = {"fast": [], "full": []}
        for i, (a, b) in enumerate(pairs):
            if b is a or not comparable(a, b) or not worth_scoring(a, b):
                continue
            mode = self.mode(a, b)
            rows[mode].append(pair_features(a, b, full=mode == "full"))
            ix[mode].append(i)
        if rows["full"]:
            A = np.stack([pairs[i][0].vector for i in ix["full"]])
            B = np.stack([pairs[i][1].vector for i in ix["full"]])
            rows["full"] = np.column_stack([np.array(rows["full"]), meaning_pair(self.meaning, A, B)])
        for mode, trees in (("fast", self.fast), ("full", self.full)):
            if len(rows[mode]) and trees:
                out[ix[mode]] = treeset.predict(trees, np.array(rows[mode]))
        return out

    def score(self, a, b) -> float:
        return float(self.scores(a, [b])[0])

    def threshold_for(self, a, b) -> float:
        return self.threshold[self.mode(a, b)]


def _model(model) -> PairModel:
    if model is not None:
        return model
    from .model import load_default

    return load_default().pairs


def similarity(a, b, model: PairModel | None = None) -> float:
    """p(same concrete problem at the same place), 0..1."""
    return round(_model(model).score(a, b), 4)


def find_duplicates(new, candidates: Sequence, threshold: float | None = None,
                    model: PairModel | None = None) -> list[tuple[int, float]]:
    """Candidates (already triaged, e.g. open demands) reporting the same problem: [(index, p)] desc."""
    m = _model(model)
    s = m.scores(new, candidates)
    out = []
    for i, p in enumerate(s):
        thr = threshold if threshold is not None else m.threshold_for(new, candidates[i])
        if p >= thr and p > 0:
            out.append((i, round(float(p), 4)))
    out.sort(key=lambda x: -x[1])
    return out


# --- batches ------------------------------------------------------------------------------------

PAIR_CHUNK = 4096  # pairs scored by one pass of the trees
EXHAUSTIVE_BLOCK = 400  # a community's reports compared all with all up to this many (80,000 pairs)
NEIGHBOURS = 10  # each report's nearest in a larger block: 70% of the writers' duplicate pairs are among the 10 nearest, 85% among 30


def candidate_pairs(items: Sequence, k: int = NEIGHBOURS) -> list[tuple[int, int]]:
    """Pairs worth scoring: within a community (reports naming none join every community), each report's ``k``
    nearest by its words, concepts, faults, place and meaning (``_neighbours``). Linear in the number of
    items for a fixed community size; whole-block comparison for blocks of at most ``EXHAUSTIVE_BLOCK``."""
    blocks: dict[str | None, list[int]] = {}
    for i, r in enumerate(items):
        blocks.setdefault(r.community, []).append(i)
    unplaced = blocks.pop(None, [])
    if not blocks:
        blocks[None] = []
    for c in blocks:
        blocks[c] = sorted(blocks[c] + unplaced)
    pairs: set[tuple[int, int]] = set()
    big = [idx for idx in blocks.values() if len(idx) > EXHAUSTIVE_BLOCK]
    M, V = _search_matrices(items) if big else (None, None)
    for idx in blocks.values():
        if len(idx) < 2:
            continue
        if len(idx) <= EXHAUSTIVE_BLOCK:
            pairs.update((idx[x], idx[y]) for x in range(len(idx)) for y in range(x + 1, len(idx)))
            continue
        for x, row in enumerate(_neighbours(M, V, np.asarray(idx), k)):
            for y in row:
                if y != x:
                    pairs.add((idx[min(x, y)], idx[max(x, y)]))
    return sorted(pairs)


PLACE_WEIGHT = 2.0  # a shared place, building or landmark outweighs any one word in the neighbour search
SIMILARITY_CELLS = 1 << 22  # at most 4M similarities (16 MB) computed at once, whatever the block's size


def _blocking_terms(r) -> dict[str, float]:
    """What the neighbour search compares: content words, concepts, fault classes and the place (a
    duplicate is the same problem at the same place, so the place must count). Character bigrams
    found no more duplicates and made the similarities dense, so they are left out."""
    f: dict[str, float] = {"w:" + t: 1.0 for t in (r.tokens or ())}
    f.update(("c:" + c, 1.0) for c in r.concepts)
    f.update(("f:" + x, 1.0) for x in _faults(r))
    if r.place:
        f["p:" + r.place] = PLACE_WEIGHT
    if r.building:
        f["b:" + str(r.building)] = PLACE_WEIGHT
    f.update(("l:" + m, PLACE_WEIGHT) for m in _landmarks(r))
    return f


def _search_matrices(items: Sequence):
    """The batch's blocking terms, TF-IDF-weighted and unit length (rare words and places weigh
    most), and its meaning vectors when every item has one."""
    from scipy.sparse import csr_matrix, diags

    terms = [_blocking_terms(r) for r in items]
    df: dict[str, int] = {}
    for t in terms:
        for s in t:
            df[s] = df.get(s, 0) + 1
    n = len(items)
    idf = {s: math.log((n + 1) / (d + 1)) + 1.0 for s, d in df.items()}
    vocab = {s: i for i, s in enumerate(df)}
    rows, cols, vals = [], [], []
    for i, t in enumerate(terms):
        rows.extend([i] * len(t))
        cols.extend(vocab[s] for s in t)
        vals.extend(v * idf[s] for s, v in t.items())
    M = csr_matrix((vals, (rows, cols)), shape=(n, max(1, len(vocab))), dtype=np.float32)
    norms = np.sqrt(np.asarray(M.multiply(M).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    vecs = [getattr(r, "vector", None) for r in items]
    V = np.stack(vecs).astype(np.float32) if vecs and all(v is not None for v in vecs) else None
    return (diags(1.0 / norms) @ M).tocsr(), V


def _neighbours(M, V, idx: np.ndarray, k: int, chunk: int = 1024) -> list[np.ndarray]:
    """Each block member's ``k`` nearest in its block (positions in ``idx``): term similarity plus the
    meaning vectors' when there are any; a chunk of rows at a time so memory stays bounded."""
    Mb = M[idx]
    Vb = V[idx] if V is not None else None
    kk = min(k + 1, len(idx))
    chunk = max(16, min(chunk, SIMILARITY_CELLS // len(idx)))  # a chunk's similarities stay this small
    out: list[np.ndarray] = []
    for start in range(0, len(idx), chunk):
        S = (Mb[start:start + chunk] @ Mb.T).toarray()
        if Vb is not None:
            S += Vb[start:start + chunk] @ Vb.T
        # a copy: a view would keep the whole chunk × block array alive for every chunk
        out.extend(np.argpartition(-S, kk - 1, axis=1)[:, :kk].copy())
    return out


def pair_scores(items: Sequence, model: PairModel) -> dict[tuple[int, int], float]:
    """p(same problem) for the candidate pairs of a batch (``candidate_pairs``), zeros left out."""
    score: dict[tuple[int, int], float] = {}
    pairs = candidate_pairs(items)
    for start in range(0, len(pairs), PAIR_CHUNK):  # chunks: the trees' work arrays stay bounded
        chunk = pairs[start:start + PAIR_CHUNK]
        s = model.pair_scores([(items[i], items[j]) for i, j in chunk])
        for (i, j), p in zip(chunk, s, strict=True):
            if p > 0:
                score[(i, j)] = float(p)
    return score


def link(n: int, score: dict[tuple[int, int], float], threshold) -> list[int]:
    """Average-linkage clusters over pair scores (a missing pair scores 0). ``threshold`` is a number
    or a function of the pair. Labels are numbered in order of first appearance."""
    thr_of = threshold if callable(threshold) else (lambda i, j: threshold)
    labels = list(range(n))
    members: dict[int, list[int]] = {i: [i] for i in range(n)}
    for p, i, j in sorted(((p, i, j) for (i, j), p in score.items()), reverse=True):
        thr = thr_of(i, j)
        if p < thr:
            continue
        a, b = labels[i], labels[j]
        if a == b:
            continue
        cross = [score.get((min(x, y), max(x, y)), 0.0) for x in members[a] for y in members[b]]
        # average linkage, and no member far from all of the other cluster: a chain of look-alikes
        # (pipe → smell → flies) does not merge into one problem
        if sum(cross) / len(cross) >= thr and min(cross) >= LINK_FLOOR * thr:
            for x in members[b]:
                labels[x] = a
            members[a].extend(members.pop(b))
    seen: dict[int, int] = {}
    return [seen.setdefault(lab, len(seen)) for lab in labels]


def cluster(items: Iterable, threshold: float | None = None, model: PairModel | None = None) -> list[int]:
    """One label per item; equal labels = judged to report the same problem."""
    items = list(items)
    m = _model(model)
    score = pair_scores(items, m)
    if threshold is not None:
        return link(len(items), score, threshold)
    return link(len(items), score, lambda i, j: m.threshold_for(items[i], items[j]))


def pair_f1(labels: Sequence[int], gold: Sequence[str | None]) -> dict:
    """Pairwise precision/recall/F1 of predicted clusters against gold dup groups."""
    n = len(labels)
    tp = fp = fn = 0
    for i in range(n):
        for j in range(i + 1, n):
            p = labels[i] == labels[j]
            g = gold[i] is not None and gold[i] == gold[j]
            if p and g:
                tp += 1
            elif p:
                fp += 1
            elif g:
                fn += 1
    prec = tp / (tp + fp) if tp + fp else 0.0
    rec = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return {"precision": prec, "recall": rec, "f1": f1, "tp": tp, "fp": fp, "fn": fn}
