"""Synthetic towns for district-scale benchmarks (`minsheng bench-data --towns N`). Never on a real install.

Town i (1-based) is named after the towns and streets around 湖塘镇 in 武进区 (numbered 测试16镇… beyond
the list), with `communities` communities of `grids` grids each, built through the territory services
and laid out as rectangles east of the demo town so maps and point-in-grid work. Codes are letters
only (a ledger import reads `[A-Z]{1,8}-year-number`) and unique across the whole install, because a
demand code's prefix — and its CodeCounter row — is the community's code, or the town's:

    town i         B + two letters of i-1               BAA, BAB, … (676 towns)
    community k    the town's code + two letters of k-1   BAAAA, BAAAB, … (676 per town)

Each town gets a town administrator `bench-tNN-town` and a community staff member `bench-tNN-c01` for
its first community; the install gets `bench-district`, a district administrator. All share BENCH_PASSWORD. Building is idempotent: only missing towns, communities, grids,
accounts and roles are created.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction

from minsheng.accounts.models import Role
from minsheng.accounts.services import ensure_user, grant_role
from minsheng.territory.models import Community, Grid, Town
from minsheng.territory.services import upsert_community, upsert_grid, upsert_town

BENCH_PASSWORD = "minsheng-bench"
DISTRICT_USER = "bench-district"
MAX_TOWNS = 26 * 26
MAX_COMMUNITIES = 26 * 26
MAX_GRIDS = 99

# The towns and streets of 武进区 around the demo's 湖塘镇.
TOWN_NAMES = [
    "牛塘镇", "洛阳镇", "遥观镇", "横林镇", "横山桥镇", "雪堰镇", "前黄镇", "礼嘉镇", "嘉泽镇", "湟里镇",
    "西湖街道", "南夏墅街道", "丁堰街道", "戚墅堰街道", "潞城街道",
]
COMMUNITY_WORDS = [
    "花园", "东苑", "西苑", "南苑", "北苑", "新村", "河滨", "和平", "建设", "幸福", "文化", "府前", "锦绣",
    "永安", "丰乐", "长虹", "金城", "阳光", "翠竹", "梅园", "兰园", "桂园", "荷花", "青松", "龙泉", "凤凰",
    "新华", "人民", "友谊", "振兴", "东升", "康乐", "怡景", "春江", "秀水", "太平", "广成", "三元", "五星",
    "同心", "新桥", "虹桥",
]
DIGITS = "零一二三四五六七八九"

# Layout: town i's block starts TOWN_STEP east of the previous one; a community takes one row of up
# to 8 grid cells per 8 grids (the demo's cell size), rows going north.
ORIGIN = (119.930, 31.700)
CELL = (0.006, 0.005)
TOWN_STEP = 0.06


def _letters(index: int) -> str:
    return chr(65 + index // 26) + chr(65 + index % 26)


def _chinese(n: int) -> str:
    """1..99 in Chinese numerals (一, 十, 十二, 二十, 九十九)."""
    if n < 10:
        return DIGITS[n]
    tens, units = divmod(n, 10)
    return ("" if tens == 1 else DIGITS[tens]) + "十" + (DIGITS[units] if units else "")


def town_name(i: int) -> str:
    return TOWN_NAMES[i - 1] if i <= len(TOWN_NAMES) else f"测试{i}镇"


def town_code(i: int) -> str:
    return "B" + _letters(i - 1)


def _short(name: str) -> str:
    return name.removesuffix("街道").removesuffix("镇")


def community_name(town: str, k: int) -> str:
    """Unique across the install (the town's short name leads), so a scope or a lookup by name is never
    ambiguous: 牛塘花园社区, …, 牛塘第43社区."""
    word = COMMUNITY_WORDS[k - 1] if k <= len(COMMUNITY_WORDS) else f"第{k}"
    return f"{_short(town)}{word}社区"


def community_code(i: int, k: int) -> str:
    return town_code(i) + _letters(k - 1)


def grid_name(community: str, j: int) -> str:
    """Includes the community's name (find_node looks grids up by name alone): 牛塘花园第一网格."""
    return f"{community.removesuffix('社区')}第{_chinese(j)}网格"


def grid_polygon(i: int, k: int, j: int, grids: int) -> dict:
    rows_per_community = (grids + 7) // 8
    row = (k - 1) * rows_per_community + (j - 1) // 8
    col = (j - 1) % 8
    x0 = round(ORIGIN[0] + i * TOWN_STEP + col * CELL[0], 6)
    y0 = round(ORIGIN[1] + row * CELL[1], 6)
    x1, y1 = round(x0 + CELL[0], 6), round(y0 + CELL[1], 6)
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


def check(n: int, communities: int, grids: int) -> None:
    """ValueError (a Chinese message naming the option) for sizes that cannot be built."""
    if not 1 <= n <= MAX_TOWNS:
        raise ValueError(f"--towns 须在 1 与 {MAX_TOWNS} 之间")
    if not 1 <= communities <= MAX_COMMUNITIES:
        raise ValueError(f"--communities 须在 1 与 {MAX_COMMUNITIES} 之间")
    if not 1 <= grids <= MAX_GRIDS:
        raise ValueError(f"--grids 须在 1 与 {MAX_GRIDS} 之间")


def _clashes(n: int, communities: int) -> list[str]:
    """Names and codes the synthetic towns need that other rows already hold."""
    out = []
    for i in range(1, n + 1):
        name, code = town_name(i), town_code(i)
        other = Town.objects.filter(name=name).exclude(code=code).first() or \
            Town.objects.filter(code=code).exclude(name=name).first()
        if other is not None:
            out.append(f"镇/街道“{other.name}”（代码 {other.code}）")
        codes = {community_code(i, k): community_name(name, k) for k in range(1, communities + 1)}
        for c in Community.objects.filter(code__in=codes).select_related("town"):
            if c.town.code != code or c.name != codes[c.code]:
                out.append(f"社区“{c.name}”（代码 {c.code}）")
    # A demand code's prefix is a community's code or a town's: neither may equal one of the other kind.
    prefixes = {town_code(i) for i in range(1, n + 1)}
    for c in Community.objects.filter(code__in=prefixes):
        out.append(f"社区“{c.name}”（代码 {c.code}）")
    prefixes = {community_code(i, k) for i in range(1, n + 1) for k in range(1, communities + 1)}
    for t in Town.objects.filter(code__in=prefixes):
        out.append(f"镇/街道“{t.name}”（代码 {t.code}）")
    return out


@dataclass
class Built:
    towns: list[Town] = field(default_factory=list)  # the synthetic towns 1..n, in order
    created_towns: int = 0
    created_communities: int = 0
    created_grids: int = 0
    created_users: int = 0


def build(n: int, *, communities: int = 40, grids: int = 6) -> Built:
    """Ensure synthetic towns 1..n exist with their communities, grids and accounts; create only what
    is missing (a town built earlier with fewer communities or grids is completed). All or nothing."""
    check(n, communities, grids)
    if clashes := _clashes(n, communities):
        raise ValueError("合成镇的名称或代码已被占用：" + "、".join(clashes[:5]))
    out = Built()
    with transaction.atomic():
        for i in range(1, n + 1):
            name = town_name(i)
            town = Town.objects.filter(name=name).first()
            if town is None:
                town = upsert_town(name=name, code=town_code(i), population=40 * 9000)
                out.created_towns += 1
            out.towns.append(town)
            have = {c.name: c for c in town.communities.all()}
            have_grids = set(Grid.objects.filter(community__town=town).values_list("community_id", "name"))
            first = None
            for k in range(1, communities + 1):
                cname = community_name(name, k)
                community = have.get(cname)
                if community is None:
                    community = upsert_community(town=town, name=cname, code=community_code(i, k),
                                                 population=7000 + 137 * (k % 23))
                    out.created_communities += 1
                first = first or community
                for j in range(1, grids + 1):
                    gname = grid_name(cname, j)
                    if (community.pk, gname) in have_grids:
                        continue
                    upsert_grid(community=community, name=gname, polygon=grid_polygon(i, k, j, grids),
                                households=380 + 17 * j)
                    out.created_grids += 1
            for username, display, role, node in (
                (f"bench-t{i:02d}-town", f"{name}管理员（压测）", Role.TOWN_ADMIN, town),
                (f"bench-t{i:02d}-c01", f"{first.name}工作人员（压测）", Role.COMMUNITY_STAFF, first),
            ):
                user, created = ensure_user(username=username, password=BENCH_PASSWORD, display_name=display,
                                            validate=False)
                out.created_users += created
                grant_role(user=user, role=role, node=node)
        user, created = ensure_user(username=DISTRICT_USER, password=BENCH_PASSWORD, display_name="区级管理员（压测）",
                                    validate=False)
        out.created_users += created
        grant_role(user=user, role=Role.DISTRICT_ADMIN, node=None)
    return out


def grids_of(selected: list[Town]) -> list[Grid]:
    """Every grid of these towns, with its community (what the generator spreads demands over)."""
    return list(Grid.objects.filter(community__town__in=selected).select_related("community__town")
                .order_by("community__town__code", "community__code", "id"))
