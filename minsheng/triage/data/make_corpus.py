"""Generate the labelled triage corpus (corpus.jsonl) deterministically.

    python -m minsheng.triage.data.make_corpus

Composes demands from the hand-written fragments in issues.py with register templates (WeChat,
grid-worker notes, meeting minutes, opinion forms, 12345 hotline summaries, forum, referrals),
place forms (full name, alias, typo, building numbers, community only, none), Changzhou dialect
and tone noise, multi-issue messages, duplicate groups and near-miss pairs; then appends the
hand-written free-form items of handwritten_train.txt. Also converts formerly_heldout.txt (a set
that lexicon cues were once tuned on, so it trains now) to formerly_heldout.jsonl.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from minsheng.territory import demo_town as dt
from minsheng.triage.data.issues import ISSUES

HERE = Path(__file__).resolve().parent
SEED = 20260629

COMM_CODE = {"CL": "采菱社区", "HJ": "华家社区", "SQ": "三勤社区", "XL": "夏雷社区"}

TYPOS = {"采菱": ["采陵", "采凌", "彩菱", "采零", "采灵"], "三勤": ["三琴", "三芹", "山勤"],
         "华家": ["华佳", "花家"], "夏雷": ["夏蕾", "下雷"], "长岛": ["常岛"],
         "塘坊": ["塘方", "堂坊"], "新苑": ["新园", "新院", "新元"], "家园": ["佳园", "家苑"],
         "杨家北": ["羊家北", "阳家北"], "张家": ["章家"]}

NAMES = ["王某", "李某", "张阿姨", "陈师傅", "刘大爷", "周某某", "吴阿姨", "钱师傅", "孙某", "恽某",
         "潘某", "蒋阿姨", "徐老师", "朱师傅", "许某", "沈某", "顾阿姨", "丁师傅", "杭某", "管某"]
HI = ["", "", "", "各位好，", "@网格员 ", "社区的同志你们好，", "请问一下，", "麻烦问下，", "在吗？",
      "打扰一下，", "网格员你好，", "楼长，", "[图片] ", "各位邻居，"]
TAIL_CALM = ["", "", "", "谢谢！", "谢谢🙏", "辛苦了", "麻烦了", "🙏", "，谢谢社区", "。"]
TAIL_LOUD = ["急死了！！！", "太气人了！", "到底有没有人管？？", "十万火急！！", "😡😡😡", "马上来修！！",
             "烦死了", "都反映好几次了！", "交关火大！", "受不了了！！！", "救命啊这日子没法过了",
             "再不修我就打12345了！", "气死我了"]
DETAIL = ["已经一个礼拜了", "好几天了", "半个多月了", "老早就这样了", "反映过好几次了", "一直没人管",
          "昨天开始的", "今天早上发现的", "辰光长了", "去年就这样", ""]
STATUS = ["已报", "已上报社区", "已拍照上报", "待处理", "已告知物业", "已联系维修", "需跟进",
          "已报，待派单", "居民情绪较大", "已登记", "已现场查看", "已电话回复居民"]
DEPTS = ["城管办", "住建办", "综治办", "民政办", "社会事业局", "建设局"]


def dialect(text: str, rng: random.Random) -> str:
    subs = [("不亮", "弗亮"), ("不通", "弗通"), ("不了", "弗了"), ("不去", "弗去"), ("很", "交关"),
            ("小孩", "小佬"), ("老人", "佬佬"), ("时候", "辰光"), ("早就", "老早就"), ("吗？", "伐？"),
            ("是不是", "阿是"), ("不知道", "弗晓得"), ("非常", "交关"), ("好的", "嗯哪")]
    for a, b in subs:
        if a in text and rng.random() < 0.5:
            text = text.replace(a, b, 1)
    return text


def typo_text(text: str, rng: random.Random) -> str:
    keys = [k for k in TYPOS if k in text]
    if not keys:
        return text
    k = rng.choice(keys)
    return text.replace(k, rng.choice(TYPOS[k]), 1)


def place_pool() -> dict[str | None, list[dict]]:
    pool: dict = {}
    for p in dt.PLACES:
        pool.setdefault(p["kind"], []).append(p)
    return pool


POOL = place_pool()
PLACE_BY_NAME = {p["name"]: p for p in dt.PLACES}


def building_text(n: int, rng: random.Random) -> str:
    cn = "一二三四五六七八九十"
    f = rng.random()
    if f < 0.4:
        return f"{n}幢"
    if f < 0.65:
        return f"{n}栋"
    if f < 0.82:
        return f"{n}号楼"
    if f < 0.9 and n <= 10:
        return f"{cn[n - 1]}幢"
    return f"{n}-{rng.choice([1, 2, 3, 4, 5, 6])}0{rng.choice([1, 2])}"


class Loc:
    """A sampled place + its surface form."""

    def __init__(self, place: dict | None, community: str | None, building: int | None):
        self.place = place
        self.community = community
        self.building = building

    def key(self):
        return (self.place["name"] if self.place else self.community, self.building)

    def render(self, rng: random.Random, form: str | None = None, short: bool = False) -> str:
        if self.place is None and self.community is None:
            return ""
        if self.place is None:
            core = self.community[:-2]
            return rng.choice([self.community, "我们" + self.community, core + "这边", "我们" + core + "社区",
                               core + "社区这块", self.community + "辖区"])
        p = self.place
        form = form or rng.choices(["full", "alias", "typo"], [0.35, 0.5, 0.15])[0]
        if form == "full":
            s = p["name"]
        else:
            s = rng.choice(p["aliases"]) if p["aliases"] else p["name"]
            if form == "typo":
                s = typo_text(s if rng.random() < 0.5 else p["name"], rng)
        if self.building:
            s = s + building_text(self.building, rng)
            if rng.random() < 0.2:
                s += rng.choice(["东单元", "西单元", "1单元", "2单元", "3单元"])
        if not short and rng.random() < 0.3:
            s = rng.choice(["", "我家住", "我们", "住在"]) + s + rng.choice(["", "的", "这边", "这里"])
        return s


def sample_loc(issue: dict, rng: random.Random, mode: str | None = None) -> Loc:
    kinds = issue["kinds"]
    mode = mode or rng.choices(["place", "community", "none"], [0.72, 0.14, 0.14])[0]
    if mode == "none":
        return Loc(None, None, None)
    if mode == "community":
        c = rng.choice(dt.COMMUNITIES)["name"]
        return Loc(None, c, None)
    kind = rng.choice(kinds)
    if kind is None or kind not in POOL:
        if kind is None:
            return Loc(None, None, None) if rng.random() < 0.5 else Loc(None, rng.choice(dt.COMMUNITIES)["name"], None)
        kind = "compound"
    p = rng.choice(POOL[kind])
    b = None
    if p["name"] in dt.BUILDINGS and rng.random() < 0.6:
        b = rng.randint(1, dt.BUILDINGS[p["name"]])
    return Loc(p, p["community"], b)


def alt(s: str, rng: random.Random) -> str:
    return rng.choice(s.split("|"))


def _bg(s: str) -> set:
    return {s[i:i + 2] for i in range(len(s) - 1)}


def aligned_pick(issue: dict, rng: random.Random) -> dict:
    """One concrete problem of an issue: a resident phrasing plus the closest note/formal."""
    res = alt(issue["res"], rng)
    out = {"res": res}
    for k in ("note", "formal"):
        opts = issue[k].split("|")
        out[k] = max(opts, key=lambda o: (len(_bg(o) & _bg(res)) / (len(_bg(o) | _bg(res)) or 1), rng.random()))
    return out


def render(issue: dict, loc: Loc, register: str, rng: random.Random, loud: bool | None = None,
           extra_issue: dict | None = None, pick: dict | None = None) -> tuple[str, str]:
    """-> (text, channel)"""
    if loud is None:
        loud = rng.random() < 0.25
    res, note, formal, ask = (alt(issue[k], rng) for k in ("res", "note", "formal", "ask"))
    if pick:
        res, note, formal = pick["res"], pick["note"], pick["formal"]
    L = loc.render(rng)
    Ls = loc.render(rng, short=True)
    det = rng.choice(DETAIL)
    sep = "，" if L and not L.endswith(("的", "这边", "这里")) else ""
    if register == "wechat":
        tail = rng.choice(TAIL_LOUD) if loud else rng.choice(TAIL_CALM)
        body = f"{L}{sep}{res}"
        if det and rng.random() < 0.5:
            body += f"，{det}"
        t = f"{rng.choice(HI)}{body}，{ask}{tail}"
        if extra_issue:
            t += "。另外" + alt(extra_issue["res"], rng)
        return dialect(t, rng) if rng.random() < 0.4 else t, "wechat_group"
    if register == "online":
        tail = rng.choice(TAIL_LOUD) if loud else ""
        t = f"{L}{sep}{res}。{ask}。{tail}"
        if extra_issue:
            t += "还有就是" + alt(extra_issue["res"], rng) + "。"
        return dialect(t, rng) if rng.random() < 0.25 else t, "online"
    if register == "visit":
        st = rng.choice(STATUS)
        f = rng.random()
        if f < 0.4:
            t = f"{Ls}{note}，{st}"
        elif f < 0.7:
            t = f"走访{Ls or '辖区'}：{note}。{st}。"
        elif f < 0.85 and loc.place and loc.place.get("grid"):
            t = f"【{loc.place['grid']}】{Ls}{note}，{st}"
        else:
            t = f"{Ls}居民反映{note}，{st}"
        return t, "visit"
    if register == "meeting":
        name = rng.choice(NAMES)
        t = rng.choice([f"居民组长{name}反映：{L}{sep}{formal}，{ask}。",
                        f"{rng.randint(1, 37)}组组长{name}反映{L}{formal}，建议尽快解决。",
                        f"会上{name}提出，{L}{formal}。",
                        f"居民组长会议：{L}{formal}（{name}反映）"])
        return t, "group_meeting"
    if register == "forum":
        name = rng.choice(NAMES)
        t = rng.choice([f"民情恳谈会上，居民{name}提出{L}{formal}，{ask}。",
                        f"座谈会上居民代表反映{L}{formal}，希望社区协调解决。"])
        return t, "forum"
    if register == "form":
        t = rng.choice([f"意见建议：{L}{res}。{ask}",
                        f"您最希望社区解决的问题：{L}{res}",
                        f"问卷答复：{res}，{ask}。（{Ls or '未填地址'}）",
                        f"对社区工作的意见：{L}{formal}，{ask}"])
        return t, "opinion_form"
    if register == "hotline":
        t = rng.choice([f"来电人反映：{L}{sep}{formal}，{det or '持续多日'}。诉求：{ask}。",
                        f"市民来电称{L}{formal}，要求{ask}。",
                        f"12345工单：来电人称其居住的{L or '小区'}{formal}，{det}，诉求：{ask}。",
                        f"来电反映{L}{res}，来电人诉求：{ask}。"])
        if loud:
            t += "来电人情绪激动。"
        return t, "hotline"
    if register == "referral":
        t = f"镇{rng.choice(DEPTS)}转办：{L}{formal}，请社区核实处理并回复。"
        return t, "referral"
    raise ValueError(register)


REGISTERS = ["wechat", "wechat", "online", "visit", "meeting", "forum", "form", "hotline", "referral"]


IMPLICIT = ("卫生服务站", "卫生站", "社区医院")
CLINIC = PLACE_BY_NAME["采菱社区卫生服务站"]


def implicit_place(text: str, loc: Loc) -> Loc:
    """Labelling policy: the town has one 社区卫生服务站 (采菱), so a bare mention names it."""
    if loc.place is None and loc.community in (None, CLINIC["community"]) and any(a in text for a in IMPLICIT):
        return Loc(CLINIC, CLINIC["community"], None)
    return loc


def to_item(idx: int, text: str, channel: str, issue: dict, loc: Loc, register: str,
            dup_group: str | None) -> dict:
    loc = implicit_place(text, loc)
    place = loc.place["name"] if loc.place else None
    return {"id": f"c{idx:05d}", "text": text, "channel": channel, "category": issue["cat"],
            "urgent": bool(issue["urgent"]), "community": loc.community, "grid":
            (loc.place.get("grid") if loc.place else None), "place": place,
            "building": f"{loc.building}幢" if loc.building else None,
            "dup_group": dup_group, "register": register, "issue": issue["key"]}


def generate() -> list[dict]:
    rng = random.Random(SEED)
    items: list[dict] = []
    used: set = set()  # (family, place-or-community, building) of every placed item
    by_cat: dict[str, list[dict]] = {}
    for iss in ISSUES:
        by_cat.setdefault(iss["cat"], []).append(iss)

    def conflict(family, place_name, building) -> bool:
        if (family, place_name, building) in used:
            return True
        if building is None:
            return any(u[0] == family and u[1] == place_name for u in used)
        return (family, place_name, None) in used

    def fresh_loc(issue, mode=None, tries=30):
        for _ in range(tries):
            loc = sample_loc(issue, rng, mode)
            if loc.place is None and loc.community is None:
                return loc
            if loc.place is None:
                if (issue["family"], "C:" + loc.community, None) in used:
                    continue
            else:
                if conflict(issue["family"], loc.place["name"], loc.building):
                    continue
                # a community-only mention of the same family would make this a possible dup
                if (issue["family"], loc.community, None) in used:
                    continue
            return loc
        return Loc(None, None, None)

    def mark(issue, loc):
        if loc.place is not None:
            used.add((issue["family"], loc.place["name"], loc.building))
            used.add((issue["family"], "C:" + loc.community, None))
        elif loc.community is not None:
            used.add((issue["family"], loc.community, None))
            used.add((issue["family"], "C:" + loc.community, None))

    # 1. duplicate groups with near misses
    n_groups = 0
    placeable = [i for i in ISSUES if i["cat"] != "other" and any(k for k in i["kinds"])]
    g = 0
    while n_groups < 190:
        iss = placeable[g % len(placeable)]
        g += 1
        loc = fresh_loc(iss, mode="place")
        if loc.place is None:
            continue
        mark(iss, loc)
        gid = f"g{n_groups:03d}"
        n_groups += 1
        k = rng.choice([2, 2, 2, 3, 3, 4])
        regs = rng.sample(["wechat", "online", "visit", "meeting", "form", "hotline", "forum", "referral"], k)
        if "wechat" not in regs and rng.random() < 0.5:
            regs[0] = "wechat"
        pick = aligned_pick(iss, rng)
        for r in regs:
            text, ch = render(iss, loc, r, rng, pick=pick)
            items.append(to_item(len(items), text, ch, iss, loc, r, gid))
        # near miss A: same problem, different place (another building or another compound)
        if rng.random() < 0.45:
            loc2 = None
            if loc.building and rng.random() < 0.6:
                nb = [b for b in range(1, dt.BUILDINGS[loc.place["name"]] + 1)
                      if (iss["family"], loc.place["name"], b) not in used]
                if nb:
                    loc2 = Loc(loc.place, loc.community, rng.choice(nb))
            if loc2 is None:
                loc2 = fresh_loc(iss, mode="place")
            if loc2.place is not None and loc2.key() != loc.key():
                mark(iss, loc2)
                r = rng.choice(REGISTERS)
                text, ch = render(iss, loc2, r, rng)
                items.append(to_item(len(items), text, ch, iss, loc2, r, None))
        # near miss B: different problem, same place
        if rng.random() < 0.45:
            others = [o for o in placeable if o["family"] != iss["family"]
                      and loc.place["kind"] in o["kinds"]
                      and not conflict(o["family"], loc.place["name"], loc.building)
                      and (o["family"], "C:" + loc.community, None) not in used]
            if others:
                o = rng.choice(others)
                mark(o, loc)
                r = rng.choice(REGISTERS)
                text, ch = render(o, loc, r, rng)
                items.append(to_item(len(items), text, ch, o, loc, r, None))
    def add_single(iss, loc, r, **kw) -> bool:
        text, ch = render(iss, loc, r, rng, **kw)
        loc2 = implicit_place(text, loc)
        if loc2 is not loc:
            if (iss["family"], "C:" + loc2.community, None) in used:
                return False
            mark(iss, loc2)
        items.append(to_item(len(items), text, ch, iss, loc, r, None))
        return True

    # 2. singletons, balanced per category
    cats = sorted(by_cat)
    target = {c: 130 for c in cats}
    target["other"] = 45
    count = {c: sum(1 for it in items if it["category"] == c) for c in cats}
    guard = 0
    while any(count[c] < target[c] for c in cats) and guard < 20000:
        guard += 1
        c = cats[guard % len(cats)]
        if count[c] >= target[c]:
            continue
        iss = rng.choice(by_cat[c])
        loc = fresh_loc(iss)
        mark(iss, loc)
        r = rng.choice(REGISTERS)
        extra = None
        if rng.random() < 0.08:
            extra = rng.choice([i for i in ISSUES if i["cat"] not in (c, "other") and not i["urgent"]])
            if r not in ("wechat", "online"):
                r = "wechat"
        if add_single(iss, loc, r, extra_issue=extra):
            count[c] += 1
    # 3. extra urgent + loud-but-not-urgent contrast items
    urg = [i for i in ISSUES if i["urgent"]]
    for n in range(70):
        iss = urg[n % len(urg)]
        loc = fresh_loc(iss)
        mark(iss, loc)
        r = rng.choice(REGISTERS)
        add_single(iss, loc, r, loud=False)
    calm = [i for i in ISSUES if not i["urgent"] and i["cat"] != "other"]
    for _n in range(90):
        iss = rng.choice(calm)
        loc = fresh_loc(iss)
        mark(iss, loc)
        r = rng.choice(["wechat", "online", "hotline"])
        add_single(iss, loc, r, loud=True)
    return items


def parse_handwritten(path: Path, prefix: str) -> list[dict]:
    """Lines: category|u(0/1)|CL/HJ/SQ/XL/-|place or -|dup_group or -|channel|text"""
    out = []
    register = "handwritten"
    for ln, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
        line = line.strip()
        if line.startswith("# batch "):
            register = "handwritten-b" + line.split()[2].rstrip(":")
        if not line or line.startswith("#"):
            continue
        cat, u, cc, place, grp, ch, text = line.split("|", 6)
        community = COMM_CODE.get(cc)
        place = None if place == "-" else place
        grid = PLACE_BY_NAME[place]["grid"] if place else None
        if place and PLACE_BY_NAME[place]["community"] != community:
            raise ValueError(f"{path.name}:{ln + 1}: {place} not in {community}")
        out.append({"id": f"{prefix}{len(out):04d}", "text": text, "channel": ch, "category": cat,
                    "urgent": u == "1", "community": community, "grid": grid, "place": place,
                    "building": None, "dup_group": None if grp == "-" else f"{prefix}{grp}",
                    "register": register, "issue": None})
    return out


def write_jsonl(items: list[dict], path: Path) -> None:
    with path.open("w", encoding="utf-8") as f:
        for it in items:
            f.write(json.dumps(it, ensure_ascii=False) + "\n")


def main() -> None:
    items = generate()
    hw = parse_handwritten(HERE / "handwritten_train.txt", "h")
    items.extend(hw)
    write_jsonl(items, HERE / "corpus.jsonl")
    ho = parse_handwritten(HERE / "formerly_heldout.txt", "x")
    write_jsonl(ho, HERE / "formerly_heldout.jsonl")
    from collections import Counter
    print(len(items), "corpus items;", len(ho), "held-out hand-written")
    print(Counter(i["category"] for i in items))
    print("urgent", sum(i["urgent"] for i in items), "dup groups",
          len({i["dup_group"] for i in items if i["dup_group"]}))


if __name__ == "__main__":
    main()
