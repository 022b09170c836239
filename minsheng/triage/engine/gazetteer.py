"""Place resolution: words (aliases, typos, homophones, building numbers) and points -> place.

``Gazetteer(places, grids).resolve(text, lat=None, lon=None) -> PlaceMatch``.
Pure Python + shapely; no Django.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .textnorm import KeywordMatcher, basic_norm, cn_to_int

# Homophones / look-alikes of characters that occur in place names. Every character of a group
# maps to the group's first character. Used only for aliases of >= 4 characters (short aliases
# match exactly, so ordinary words like 经常倒 never turn into 长岛).
_HOMOPHONE_GROUPS = [
    "采彩菜才材财踩睬", "菱陵凌灵零岭玲苓铃龄羚伶翎绫聆棱", "华花化桦滑哗划话骅", "家佳嘉加夹伽枷",
    "勤琴芹秦禽擒沁亲噙", "夏下厦霞吓虾暇", "雷蕾磊擂类累垒镭儡", "新心欣鑫信辛馨芯昕锌",
    "苑园院圆源元原远媛缘垣猿员", "城成程诚承乘呈橙丞", "长常昌场厂肠尝偿", "岛导道倒到蹈捣祷",
    "塘堂唐糖棠膛搪溏", "坊方芳房防仿访放舫", "杨羊阳扬洋样养痒漾佯", "张章彰樟涨掌仗漳璋",
    "期其奇骑齐旗棋琪祺淇", "排牌派徘", "涝劳捞唠痨", "站战占栈湛", "泵蹦崩绷", "市是事式试士",
    "村存寸", "商伤尚赏", "铺扑普浦谱蒲", "厕测侧策册", "篮蓝兰拦栏澜", "球求秋囚", "港岗冈",
    "消肖销萧宵霄", "费废肺沸", "品拼聘", "综宗棕踪鬃", "合和何河荷盒禾",
    "健建件见剑", "身深申伸绅", "径经劲竟竞", "北背贝被备", "门们闷扪",
    "卫为位未味魏慰", "生声升胜省", "服福付富扶符伏", "务物误悟雾勿", "党挡档荡",
    "群裙", "心新",
]
HOMOPHONE: dict[str, str] = {}
for _g in _HOMOPHONE_GROUPS:
    for _c in _g:
        HOMOPHONE.setdefault(_c, _g[0])
_DIGITS = {"一": "1", "二": "2", "三": "3", "四": "4", "五": "5", "六": "6", "七": "7",
           "八": "8", "九": "9", "壹": "1", "贰": "2", "叁": "3"}
# characters dropped before matching: filler and punctuation
_DROP = set(" 的之那个这个,.，。!！?？、~～…·-—:：;；\"'“”‘’()（）[]【】")
_DROP_RE = re.compile(r"(那个|这个|那边|这边)")

_BUILDING_RE = re.compile(
    r"(?<![\d\-/.])(\d{1,3}|[一二三四五六七八九十两]{1,3})\s*(?:号楼|幢|栋|号房|座(?!椅|位|谈)|#楼|#)")
_KIND_WORD = {"toilet": "公厕", "court": "篮球场", "clinic": "卫生服务站", "drainage_station": "排涝站",
              "parking": "停车场", "fitness": "健身路径", "market": "市场", "gate": "大门", "shops": "商铺",
              "office": "服务中心", "park": "公园"}
_ROOM_RE = re.compile(r"(\d{1,2}|[一二三四五六七八九十两])\s*单元|\d{3,4}\s*(室|号)?|\d{1,2}\s*(楼|层)(?![道梯顶下上])")
_DASH_BUILDING_RE = re.compile(r"(?<![\d\-])(\d{1,2})-(?:\d{1,2}-)?\d{3,4}(?![\d\-])")

_GENERIC_PREFIX = ("社区", "卫生", "服务站", "二期", "一期", "市场", "北门", "门口", "党群", "菜场", "家园")
# words that end many place names: a near miss must not rest on them alone
_GENERIC_TAILS = {"小区", "新村", "花园", "公园", "北门", "市场"}
# stripped aliases too generic to name one place even in a small town
_STRIP_STOP = {"健身路径", "健身场地", "新苑小区", "农贸市场", "消费品市场", "综合市场", "小区一期",
               "小区二期", "服务中心", "北门停车场", "停车场", "篮球场", "小公园", "新苑", "花苑"}
# a two-character alias that is also a common word (市场) is not a place inside a longer word
_COMPOUND_AFTER = re.compile(r"监管|监督|价|化|经济|行情|营销|份额|主体|准入|调研|需求|部门|规律")
# a bare "服务站" is the town's clinic, not a 养老服务站, 党群服务站, 快递服务站…
_OTHER_STATION = re.compile(r"(养老|党群|快递|志愿|实践|便民|就业|邮政|物流|家政|助残|残联|调解|法律|政务|警务|"
                            r"老年|儿童|妇女|青年|军人|人才|劳动|社工|驿|文化|体育|农技|农业|气象|环卫|消防)$")
# after a short alias heard with a homophone (常岛, 华佳村) we need a place-like continuation
_SHORT_CTX = re.compile(r"\d|小区|家园|新村|北门|大门|门口|里面|这边|那边|[东南西北]门")
# where the writer lives, said before the problem's place: "我住华家新村，…每天去采菱公园…",
# "来电人住夏雷新村，反映…经过三勤新苑南门时…", "我是一期的 但这个事是二期那边的"
_HOME_BEFORE = re.compile(r"(住在?|家住|家在|我是|本人是)$")
_NOT_HOME = re.compile(r"不过|但是?|可是|跟[^，。,]{0,4}没关系|不是(我们|本|在)|这个事|这事")
# a stretch between two places: "华家新村跟华家花苑中间那条小路", "从长岛北门到夏雷新村那段路"
_BETWEEN = re.compile(r"[^，。,；;！!？?]{0,3}(跟|和|与|到|至)[^，。,；;！!？?]{0,3}")
_STRETCH_AFTER = re.compile(r"[^，。,；;！!？?]{0,6}?(中间|之间|那段|这段|那一段|一段路|那条路|那条小路)")


def _other_meaning(te: str, s: int, e: int) -> bool:
    """A generic alias found at te[s:e] that means something else here: 市场监管所, 养老服务站."""
    return (e - s <= 2 and _COMPOUND_AFTER.match(te, e) is not None) or \
        (te[s:e] == "服务站" and _OTHER_STATION.search(te, 0, s) is not None)


def norm_exact(text: str) -> str:
    t = _DROP_RE.sub("", basic_norm(text))
    out = []
    for c in t:
        if c in _DROP:
            continue
        out.append(_DIGITS.get(c, c))
    return "".join(out)


def norm_exact_map(text: str) -> tuple[str, list[int]]:
    """norm_exact plus, for every kept character, its index in basic_norm(text)."""
    t = basic_norm(text)
    drop = [False] * len(t)
    for m in _DROP_RE.finditer(t):
        for i in range(m.start(), m.end()):
            drop[i] = True
    out, idx = [], []
    for i, c in enumerate(t):
        if drop[i] or c in _DROP:
            continue
        out.append(_DIGITS.get(c, c))
        idx.append(i)
    return "".join(out), idx


def norm_sound(t_exact: str) -> str:
    return "".join(HOMOPHONE.get(c, c) for c in t_exact)


@dataclass
class PlaceMatch:
    place: str | None = None
    community: str | None = None
    grid: str | None = None
    building: str | None = None
    confidence: float = 0.0
    evidence: list[str] = field(default_factory=list)
    span: str | None = None  # the words that matched


@dataclass
class _Entry:
    kind: str          # place | community | grid
    target: str        # place / community / grid name
    community: str
    grid: str | None
    alias: str         # original alias text
    weak: bool = False


def _community_core(name: str) -> str:
    return name[:-2] if name.endswith("社区") else name


class Gazetteer:
    def __init__(self, places: list[dict], grids: list[dict]) -> None:
        self.places = {p["name"]: p for p in places}
        self.grids = {g["name"]: g for g in grids}
        communities = []
        for g in grids:
            if g["community"] not in communities:
                communities.append(g["community"])
        for p in places:
            if p["community"] not in communities:
                communities.append(p["community"])
        self.communities = communities
        self._exact = KeywordMatcher()   # aliases matched on norm_exact text
        self._sound = KeywordMatcher()   # long aliases matched on norm_sound text
        self._long_aliases: dict[str, _Entry] = {}
        self._bigrams = None
        self._last_scan: tuple[str, tuple] | None = None
        self._children: dict[str, list[tuple[str, str]]] = {}  # parent -> [(remainder_norm, child)]
        self.words: set[str] = set()
        self._build_aliases()
        self._build_geometry()

    # ------------------------------------------------------------------ build
    def _add(self, alias: str, entry: _Entry) -> None:
        ne = norm_exact(alias)
        if len(ne) < 2:
            return
        self.words.add(alias)
        self._exact.add(ne, entry)
        if len(ne) >= 4:
            ns = norm_sound(ne)
            if ns not in self._long_aliases:
                self._long_aliases[ns] = entry
                self._sound.add(ns, entry)

    def _place_aliases(self, p: dict) -> list[str]:
        names = [p["name"], *p.get("aliases", [])]
        extra = []
        for a in names:
            m = re.search(r"([一二三四1234])期$", a)
            if m:
                extra.append(a[: m.start()] + "第" + a[m.start():])
            if p.get("kind") == "compound" and not a.endswith("小区"):
                extra.append(a + "小区")
            for old, new in (("家园", "小区"), ("新苑", "小区"), ("新村", "小区"), ("花苑", "小区"),
                             ("公厕", "厕所"), ("公厕", "卫生间"), ("北门", "北大门"), ("党群服务中心", "党群中心")):
                if old in a:
                    extra.append(a.replace(old, new))
            # a station is called by its village name and "站": 塘坊站, 杨家北站
            for tail in ("排涝泵站", "排涝站", "泵站"):
                if p.get("kind") == "drainage_station" and a.endswith(tail) and len(a) - len(tail) >= 2:
                    extra.append(a[: -len(tail)] + "站")
                    break
        return names + extra

    def _build_aliases(self) -> None:
        cores = {c: _community_core(c) for c in self.communities}
        for p in self.places.values():
            grid = p.get("grid")
            for a in self._place_aliases(p):
                weak = norm_exact(a).startswith(_GENERIC_PREFIX) and not any(
                    core in a for core in cores.values())
                self._add(a, _Entry("place", p["name"], p["community"], grid, a, weak))
        # core-stripped aliases: 采菱党群服务中心 -> 党群服务中心, 华家菜场厕所 -> 菜场厕所 (weak)
        stripped: dict[str, set] = {}
        for p in self.places.values():
            core = _community_core(p["community"])
            for a in self._place_aliases(p):
                if a.startswith(core) and len(a) - len(core) >= 3:
                    stripped.setdefault(a[len(core):], set()).add(p["name"])
        known = set()
        known.update(k for k, _ in self._exact.items())
        stop = {norm_sound(norm_exact(x)) for x in _STRIP_STOP}
        for a, names in stripped.items():
            if len(names) == 1 and norm_sound(norm_exact(a)) not in stop and norm_exact(a) not in known \
                    and not a.endswith(("小区", "新村", "花园", "公园")) and not a.startswith("小区") \
                    and not re.match(r"^第?[一二三四1-4]期$", a):
                p = self.places[next(iter(names))]
                self._add(a, _Entry("place", p["name"], p["community"], p.get("grid"), a, True))
        # short aliases (长岛, 华家村) heard with a homophone: only before a building/gate word
        self._short_sound: dict[str, _Entry] = {}
        for k, ent in self._exact.items():
            if 2 <= len(k) <= 3 and ent.kind == "place":
                self._short_sound.setdefault(norm_sound(k), ent)
        self._short_m = KeywordMatcher()
        for k, ent in self._short_sound.items():
            self._short_m.add(k, ent)
        # unique compound suffixes (华家花苑 -> 花苑) before a building number
        suffix: dict[str, set] = {}
        for p in self.places.values():
            if p.get("kind") == "compound":
                suffix.setdefault(p["name"][-2:], set()).add(p["name"])
        self._suffix_re = None
        uniq = {k: next(iter(v)) for k, v in suffix.items() if len(v) == 1}
        if uniq:
            self._suffix_place = uniq
            self._suffix_re = re.compile("(" + "|".join(map(re.escape, uniq)) + r")(?=\d|里|小区|门口|这边|那边)")
            self._suffix_start_re = re.compile(r"(?:^|[^\u4e00-\u9fff]|们|住|在|到|是)(" + "|".join(map(re.escape, uniq)) + ")")
        # children: place names that extend another place's name (新城长岛 -> 新城长岛北门)
        for p in self.places.values():
            for q in self.places.values():
                if q is not p and p["name"].startswith(q["name"]) and p["community"] == q["community"]:
                    rem = p["name"][len(q["name"]):]
                    rems = {rem, rem.replace("公厕", "厕所"), rem.replace("北门", "北大门")}
                    for r in rems:
                        self._children.setdefault(q["name"], []).append((norm_exact(r), p["name"]))
        # bare phase words ("二期13号楼") when only one compound in town has that phase
        phases: dict[str, list[dict]] = {}
        for p in self.places.values():
            m = re.match(r"(.+?)([一二三四1234])期$", p["name"])
            if m:
                phases.setdefault(norm_exact(m.group(2)), []).append(p)
        self._phase = {}
        for d, ps in phases.items():
            if len(ps) == 1:
                p = ps[0]
                self._phase[d] = _Entry("place", p["name"], p["community"], p.get("grid"), p["name"][-2:], True)
        # not 第二期, 上一期, 每期 …; after 上/下 only where a place follows (晚上二期门口, 问一下二期9幢)
        self._phase_re = re.compile(
            r"(?:(?<![第这那上下前后每本首末同当一二三四五六七八九十\d])|(?<=[上下])(?=[1-4]期(?:\d|门|大门|车|小区|里|"
            r"这边|那边|业主|居民|物业|楼|[东南西北])))([1-4])期(?!培训|课|活动|次|刊|会|班|届|节目|杂志|学员)")
        # compound groups (采菱家园 of 采菱家园一期/二期): community-level alias
        for p in self.places.values():
            m = re.match(r"(.+?)([一二三四1234])期$", p["name"])
            if m:
                for a in (m.group(1), m.group(1).replace("家园", "小区")):
                    self._add(a, _Entry("community", p["community"], p["community"], None, a))
        for c in self.communities:
            core = cores[c]
            for a in (c, core, core + "居委", core + "居委会", core + "村委", core + "社区居委会"):
                self._add(a, _Entry("community", c, c, None, a))
        for g in self.grids.values():
            name = g["name"]
            aliases = [name]
            m = re.match(r"(.+?)第([一二三四五六七八九十]+)网格$", name)
            if m:
                aliases += [m.group(1) + m.group(2) + "网格", m.group(1) + "社区第" + m.group(2) + "网格"]
            elif name.endswith("专属网格"):
                aliases.append(name.replace("专属网格", "网格"))
            for a in aliases:
                self._add(a, _Entry("grid", name, g["community"], name, a))
        self.community_of_grid = {g["name"]: g["community"] for g in self.grids.values()}
        # a community with one residential compound: "三勤9幢" is a building of that compound
        compounds: dict[str, list[dict]] = {}
        for p in self.places.values():
            if p.get("kind") == "compound":
                compounds.setdefault(p["community"], []).append(p)
        self._sole_compound = {c: ps[0] for c, ps in compounds.items() if len(ps) == 1}

    def _build_geometry(self) -> None:
        self._tree = None
        try:
            from shapely.geometry import shape
            from shapely.prepared import prep
            from shapely.strtree import STRtree
        except Exception:  # pragma: no cover - shapely is a hard requirement in practice
            return
        geoms, names = [], []
        for g in self.grids.values():
            if g.get("polygon"):
                geoms.append(shape(g["polygon"]))
                names.append(g["name"])
        if geoms:
            self._tree = STRtree(geoms)
            self._geoms = geoms
            self._prepared = [prep(x) for x in geoms]
            self._grid_names = names

    # ------------------------------------------------------------------ resolve
    def grid_at(self, lat: float, lon: float) -> str | None:
        if self._tree is None:
            return None
        from shapely.geometry import Point
        pt = Point(lon, lat)
        cands = sorted(int(i) for i in self._tree.query(pt))
        for i in cands:
            if self._prepared[i].covers(pt):
                return self._grid_names[i]
        return None

    @staticmethod
    def extract_building(text: str) -> str | None:
        t = basic_norm(text)
        m = _BUILDING_RE.search(t)
        if m:
            n = cn_to_int(m.group(1).replace("两", "二"))
            if n is not None and 0 < n < 200:
                return f"{n}幢"
        return None

    def _matches(self, te: str, ts: str, raw: str = "") -> list[tuple[int, int, _Entry, str]]:
        found = {}
        for s, e, _kw, ent in self._exact.find(te):
            if _other_meaning(te, s, e):
                continue
            found[(s, e, ent.target)] = (s, e, ent, "exact")
        for s, e, _kw, ent in self._sound.find(ts):
            if (s, e, ent.target) not in found and not _other_meaning(te, s, e):
                found[(s, e, ent.target)] = (s, e, ent, "sound")
        for s, e, _kw, ent in self._short_m.find(ts):
            if (s, e, ent.target) in found or not _SHORT_CTX.match(te, e) or _other_meaning(te, s, e):
                continue
            if any(a <= s < b or a < e <= b for a, b, _t in found):
                continue
            found[(s, e, ent.target)] = (s, e, ent, "sound")
        if self._suffix_re is not None:
            for m in self._suffix_re.finditer(te):
                if any(a <= m.start() < b for a, b, _t in found):
                    continue
                p = self.places[self._suffix_place[m.group(1)]]
                ent = _Entry("place", p["name"], p["community"], p.get("grid"), m.group(1), True)
                found[(m.start(), m.end(), ent.target)] = (m.start(), m.end(), ent, "exact")
        if self._suffix_re is not None and not any(v[2].kind == "place" for v in found.values()):
            m = self._suffix_start_re.search(basic_norm(raw))
            if m:
                p = self.places[self._suffix_place[m.group(1)]]
                ent = _Entry("place", p["name"], p["community"], p.get("grid"), m.group(1), True)
                found[(0, 0, ent.target)] = (0, 0, ent, "exact")
        if self._phase:
            for m in self._phase_re.finditer(te):
                ent = self._phase.get(m.group(1))
                if ent and not any(a <= m.start() < b for a, b, _t in found):
                    found[(m.start(), m.end(), ent.target)] = (m.start(), m.end(), ent, "exact")
        return list(found.values())

    def _scan(self, text: str) -> tuple[str, list[int], str, list]:
        """The normalised text, its index map, its homophone form and the names in it. Intake asks
        for the place and then the text without places, of one text: the last scan is kept."""
        last = self._last_scan
        if last is not None and last[0] == text:
            return last[1]
        te, idx_map = norm_exact_map(text)
        ts = norm_sound(te)
        scan = (te, idx_map, ts, self._matches(te, ts, text) if te else [])
        self._last_scan = (text, scan)
        return scan

    def _fuzzy(self, ts: str) -> list[tuple[int, int, _Entry, str]]:
        """One-character substitution against long aliases (only when nothing matched)."""
        if self._bigrams is None:
            idx: dict[str, list[tuple[str, int]]] = {}
            for alias, ent in self._long_aliases.items():
                if ent.kind != "place" or ent.weak:
                    continue
                for off in (0, 2):
                    idx.setdefault(alias[off:off + 2], []).append((alias, off))
            self._bigrams = idx
        out, seen = [], set()
        n = len(ts)
        for j in range(n - 1):
            lst = self._bigrams.get(ts[j:j + 2])
            if not lst:
                continue
            for alias, off in lst:
                k = j - off
                L = len(alias)
                if k < 0 or k + L > n or (k, alias) in seen:
                    continue
                seen.add((k, alias))
                w = ts[k:k + L]
                wrong = [i for i, (x, y) in enumerate(zip(w, alias, strict=False)) if x != y]
                # one character off, and not half of a two-character name before 小区/新村…
                # ("知道小区" is not 长岛小区)
                if len(wrong) == 1 and not (L <= 4 and alias[-2:] in _GENERIC_TAILS and wrong[0] < L - 2):
                    out.append((k, k + L, self._long_aliases[alias], "fuzzy"))
        return out

    def kind_of(self, place: str | None) -> str | None:
        """The kind of a known place (compound, market, clinic…), None for none."""
        return self.places.get(place, {}).get("kind") if place else None

    def problem_text(self, text: str) -> str:
        """The text without its place words (names, aliases, buildings, rooms): what is wrong, not
        where — so that two reports from one building do not look alike for that alone."""
        te, idx_map, _ts, matches = self._scan(text or "")
        raw = basic_norm(text or "")
        if not te:
            return raw
        drop = [False] * len(raw)
        say: dict[int, str] = {}  # a place that is itself a thing (公厕, 篮球场…) keeps its kind's word
        for s, e, ent, _how in matches:
            if e > s and e <= len(idx_map):
                for i in range(idx_map[s], idx_map[e - 1] + 1):
                    drop[i] = True
                if ent.kind == "place":
                    word = _KIND_WORD.get(self.places.get(ent.target, {}).get("kind") or "")
                    if word:
                        say[idx_map[s]] = word
        kept = "".join(say.get(i, "") + ("" if drop[i] else c) for i, c in enumerate(raw))
        kept = _ROOM_RE.sub("", _BUILDING_RE.sub("", _DASH_BUILDING_RE.sub("", kept)))
        return kept.strip(" ，,。：:") or raw

    @staticmethod
    def _raw_span(m: tuple, idx_map: list[int]) -> tuple[int, int] | None:
        s, e = m[0], m[1]
        return (idx_map[s], idx_map[e - 1] + 1) if 0 <= s < e <= len(idx_map) else None

    def _not_home(self, matches: list, raw: str, idx_map: list[int]) -> list:
        """Drop the place where the writer lives when another place is named: that one has the problem."""
        home, other = [], []
        for m in matches:
            span = self._raw_span(m, idx_map)
            is_home = span is not None and _HOME_BEFORE.search(raw, max(0, span[0] - 4), span[0]) is not None
            (home if is_home and m[2].kind != "community" else other).append(m)
        if not home:
            return matches
        targets = {m[2].target for m in home}
        away = [m for m in other if m[2].kind in ("place", "grid") and m[2].target not in targets]
        # another community's place, or the writer says the matter is not at home ("但这个事是二期那边的");
        # "我住长岛25栋，几个问题：…北门停车场道闸…" stays at home
        home_end = max(self._raw_span(m, idx_map)[1] for m in home)
        home_comms = {h[2].community for h in home}
        if any(m[2].community not in home_comms for m in away) or \
                (away and _NOT_HOME.search(raw, home_end)):
            return other
        return matches

    def _stretch(self, matches: list, raw: str, idx_map: list[int]) -> tuple[str, str] | None:
        """A stretch between two named places of one community: (that community, the words)."""
        places = sorted((m for m in matches if m[2].kind == "place" and self._raw_span(m, idx_map)),
                        key=lambda m: m[0])
        for a, b in zip(places, places[1:], strict=False):
            if a[2].target == b[2].target or a[2].community != b[2].community:
                continue
            (a_start, a_end), (b_start, b_end) = self._raw_span(a, idx_map), self._raw_span(b, idx_map)
            if a_end <= b_start and _BETWEEN.fullmatch(raw, a_end, b_start) and _STRETCH_AFTER.match(raw, b_end):
                if self.places.get(b[2].target, {}).get("name", "").startswith(a[2].target):
                    continue             # 新城长岛 … 北门: the child place, not a stretch
                return a[2].community, raw[a_start:b_end]
        return None

    def resolve(self, text: str, lat: float | None = None, lon: float | None = None) -> PlaceMatch:
        te, idx_map, ts, matches = self._scan(text or "")
        if te and not any(m[2].kind == "place" for m in matches):
            matches = matches + [f for f in self._fuzzy(ts)
                                 if not any(m[0] < f[1] and f[0] < m[1] and m[1] - m[0] >= f[1] - f[0]
                                            for m in matches)]
        building = self.extract_building(text or "")
        pm = PlaceMatch(building=building)
        if building is None and matches:
            m = _DASH_BUILDING_RE.search(basic_norm(text))
            if m and 0 < int(m.group(1)) < 100:
                building = pm.building = f"{int(m.group(1))}幢"
        if matches:
            raw = basic_norm(text)
            matches = self._not_home(matches, raw, idx_map)
            between = self._stretch(matches, raw, idx_map)
            # a name written out (三勤, 采菱社区) outweighs a homophone or near miss elsewhere ("延长到6点")
            exact_comms = {m[2].community for m in matches if m[3] == "exact" and not m[2].weak}
            cand = [m for m in matches if m[3] == "exact" or not exact_comms or m[2].community in exact_comms]
            strong_comms = {m[2].community for m in cand if not m[2].weak}
            cand = [m for m in cand if not (m[2].weak and strong_comms and m[2].community not in strong_comms)]
            kind_rank = {"place": 3, "grid": 2, "community": 1}
            how_rank = {"exact": 2, "sound": 1, "fuzzy": 0}

            def key(m):
                s, e, ent, how = m
                return (kind_rank[ent.kind] if ent.kind != "community" else 0, e - s - (2 if ent.weak else 0),
                        how_rank[how], -s)

            best = max(cand, key=key)
            s, e, ent, how = best
            # a more specific child right after the parent (新城长岛 … 北门)
            if ent.kind == "place" and ent.target in self._children:
                tail = te[e:e + 8]
                for rem, child in self._children[ent.target]:
                    k = tail.find(rem)
                    if 0 <= k <= 3:
                        c = self.places[child]
                        ent = _Entry("place", child, c["community"], c.get("grid"), ent.alias + "…" + rem)
                        break
            # a place inside the named community beats the bare community mention
            if ent.kind == "community":
                same = [m for m in cand if m[2].kind in ("place", "grid") and m[2].community == ent.community]
                if same:
                    s, e, ent, how = max(same, key=key)
            conf = {"exact": 0.97, "sound": 0.85, "fuzzy": 0.7}[how]
            if ent.weak:
                conf -= 0.15
            if ent.kind == "community":
                conf -= 0.05
            if ent.kind == "community" and building and between is None and ent.community in self._sole_compound:
                c = self._sole_compound[ent.community]
                ent = _Entry("place", c["name"], c["community"], c.get("grid"), ent.alias + building, True)
            if between is not None:
                # the stretch between two places of one community is that community's, no one place's
                ent = _Entry("community", between[0], between[0], None, between[1])
            pm.community = ent.community
            pm.grid = ent.grid
            pm.place = ent.target if ent.kind == "place" else None
            pm.span = ent.alias
            pm.confidence = round(conf, 2)
            label = {"place": ent.target, "grid": ent.target, "community": ent.community}[ent.kind]
            typo = {"exact": "", "sound": "（同音/错字）", "fuzzy": "（近似）"}[how]
            shown = ent.alias
            if between is None and e > s and e <= len(idx_map):
                shown = raw[idx_map[s]:idx_map[e - 1] + 1]
            pm.evidence.append(f"地名“{shown}”{typo}→{label}")
        if lat is not None and lon is not None:
            g = self.grid_at(lat, lon)
            if g:
                gc = self.community_of_grid.get(g)
                if pm.community is None:
                    pm.community, pm.grid, pm.confidence = gc, g, 0.8
                    pm.evidence.append(f"坐标落在{g}")
                elif pm.community == gc and pm.grid is None:
                    pm.grid = g
                    pm.evidence.append(f"坐标落在{g}")
        if building:
            pm.evidence.append(f"楼幢“{building}”")
            if pm.community is None:
                pm.confidence = 0.0
        return pm
