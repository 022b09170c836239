"""minsheng demand-triage engine (pure Python; no Django imports).

    from minsheng.triage.engine import load_default
    tri = load_default()
    r = tri.predict("采菱二期12幢下水道堵了", channel="wechat_group")
"""

from .duplicates import cluster, find_duplicates, similarity
from .gazetteer import Gazetteer, PlaceMatch
from .model import Triage, TriageResult, load_default

__all__ = ["Gazetteer", "PlaceMatch", "Triage", "TriageResult", "load_default", "similarity",
           "cluster", "find_duplicates"]
