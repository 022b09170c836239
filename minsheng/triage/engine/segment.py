"""jieba tokenizer with a runtime user dictionary built from a gazetteer.

A private ``jieba.Tokenizer`` is used (never the global one); its prefix-dict cache goes to a
writable temp directory, never into site-packages. Initialisation is cached per word set.
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
from functools import lru_cache

import jieba

from .lexicon import CONCEPTS, STRONG_CUES

_LOCK = threading.Lock()
_CN_NUMS = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二", "十三", "十四",
            "十五", "十六", "十七", "十八", "十九", "二十", "二十一", "二十二", "二十三", "二十四",
            "二十五", "二十六", "二十七", "二十八", "二十九", "三十", "三十一", "三十二"]


def cache_dir() -> str:
    d = os.environ.get("MINSHENG_TRIAGE_CACHE") or os.path.join(tempfile.gettempdir(),
                                                                 "minsheng-triage")
    os.makedirs(d, exist_ok=True)
    return d


def building_words(max_no: int = 40) -> list[str]:
    words = []
    for n in range(1, max_no + 1):
        for suf in ("幢", "栋", "号楼", "座", "单元"):
            words.append(f"{n}{suf}")
    for cn in _CN_NUMS:
        for suf in ("幢", "栋", "号楼", "单元"):
            words.append(f"{cn}{suf}")
    for w in ("东单元", "西单元", "中单元", "南单元", "北单元"):
        words.append(w)
    return words


@lru_cache(maxsize=8)
def _build(words: tuple[str, ...]) -> jieba.Tokenizer:
    logging.getLogger("jieba").setLevel(logging.WARNING)
    tk = jieba.Tokenizer()
    tk.tmp_dir = cache_dir()
    with _LOCK:
        tk.initialize()
        for w in words:
            # high frequency so the word survives the DAG max-probability route
            tk.add_word(w, freq=max(2000, 400 * len(w)))
    return tk


def lexicon_words() -> list[str]:
    out = set(STRONG_CUES)
    for _cat, _label, kws in CONCEPTS.values():
        out.update(k for k in kws if len(k) >= 3)
    return sorted(out)


class Segmenter:
    """Callable tokenizer: ``Segmenter(extra_words)(text) -> list[str]``."""

    def __init__(self, words: list[str] | tuple[str, ...] = ()) -> None:
        allw = set(w for w in words if w and len(w) >= 2)
        allw.update(building_words())
        allw.update(lexicon_words())
        self.words = tuple(sorted(allw))
        self.tk = _build(self.words)
        self._cut = self.tk.cut

    def __call__(self, text: str) -> list[str]:
        return [w for w in self._cut(text, HMM=False) if w.strip()]

    def lcut(self, text: str, HMM: bool = False) -> list[str]:
        return list(self._cut(text, HMM=HMM))
