"""The 湖塘镇 demo town as plain data (no Django imports).

Communities, grids and places named in the seed article are real names; the rest (extra grids,
buildings, invented compounds) is plausible invention so the demo is complete. Geometry is a
simple layout of rectangles around 湖塘镇 (武进区, 常州) — good enough for maps and point-in-grid
resolution, not a survey.
"""

from __future__ import annotations

TOWN = {"name": "湖塘镇", "code": "HT", "population": 98000}

# (lon, lat) of the south-west corner of the demo layout and the size of one grid cell.
ORIGIN = (119.930, 31.700)
CELL = (0.006, 0.005)

# Each community occupies a band of rows; grids are cells laid left to right.
COMMUNITIES: list[dict] = [
    {
        "name": "采菱社区",
        "code": "CL",
        "population": 12600,
        "resident_groups": 37,
        "row": 0,
        "grids": [
            ("采菱第一网格", "basic"),
            ("采菱第二网格", "basic"),
            ("采菱第三网格", "basic"),
            ("采菱第四网格", "basic"),
            ("采菱第五网格", "basic"),
            ("采菱第六网格", "basic"),
            ("采菱第七网格", "basic"),
            ("采菱第八网格", "basic"),
            ("采菱家园二期商铺专属网格", "dedicated"),
            ("采菱社区卫生服务站专属网格", "dedicated"),
        ],
    },
    {
        "name": "华家社区",
        "code": "HJ",
        "population": 9800,
        "resident_groups": 24,
        "row": 2,
        "grids": [
            ("华家第一网格", "basic"),
            ("华家第二网格", "basic"),
            ("华家第三网格", "basic"),
            ("华家第四网格", "basic"),
            ("华家第五网格", "basic"),
            ("华家综合消费品市场专属网格", "dedicated"),
        ],
    },
    {
        "name": "三勤社区",
        "code": "SQ",
        "population": 10400,
        "resident_groups": 28,
        "row": 3,
        "grids": [
            ("三勤第一网格", "basic"),
            ("三勤第二网格", "basic"),
            ("三勤第三网格", "basic"),
            ("三勤第四网格", "basic"),
            ("三勤第五网格", "basic"),
            ("三勤第六网格", "basic"),
        ],
    },
    {
        "name": "夏雷社区",
        "code": "XL",
        "population": 11200,
        "resident_groups": 30,
        "row": 4,
        "grids": [
            ("夏雷第一网格", "basic"),
            ("夏雷第二网格", "basic"),
            ("夏雷第三网格", "basic"),
            ("夏雷第四网格", "basic"),
            ("夏雷第五网格", "basic"),
            ("夏雷第六网格", "basic"),
        ],
    },
]

# Places: name, aliases, community, grid, kind. The first block is every place the seed names.
PLACES: list[dict] = [
    # 采菱社区
    {"name": "采菱家园一期", "aliases": ["采菱一期", "采菱家园1期", "采菱小区一期", "采菱1期"],
     "community": "采菱社区", "grid": "采菱第一网格", "kind": "compound"},
    {"name": "采菱家园二期", "aliases": ["采菱二期", "采菱家园2期", "采菱小区二期", "采菱2期"],
     "community": "采菱社区", "grid": "采菱第五网格", "kind": "compound"},
    {"name": "采菱家园二期商铺", "aliases": ["采菱二期商铺", "二期商铺", "采菱商铺", "采菱家园商铺"],
     "community": "采菱社区", "grid": "采菱家园二期商铺专属网格", "kind": "shops"},
    # the town's one clinic: a bare "服务站" is it (weak: a place or community named beside it wins)
    {"name": "采菱社区卫生服务站", "aliases": ["采菱卫生服务站", "采菱卫生站", "社区卫生服务站",
                                      "卫生服务站", "社区医院", "服务站"],
     "community": "采菱社区", "grid": "采菱社区卫生服务站专属网格", "kind": "clinic"},
    {"name": "采菱社区党群服务中心", "aliases": ["采菱党群服务中心", "采菱社区服务中心"],
     "community": "采菱社区", "grid": "采菱第三网格", "kind": "office"},
    {"name": "采菱公园", "aliases": ["采菱小公园"],
     "community": "采菱社区", "grid": "采菱第七网格", "kind": "park"},
    # 华家社区
    # the town's one market: a bare "市场" is it (a weak alias: a place named beside it wins)
    {"name": "华家综合消费品市场", "aliases": ["华家市场", "华家菜场", "华家农贸市场", "华家综合市场",
                                      "华家消费品市场", "市场"],
     "community": "华家社区", "grid": "华家综合消费品市场专属网格", "kind": "market"},
    {"name": "华家综合消费品市场公厕", "aliases": ["华家市场公厕", "华家市场厕所", "华家菜场公厕",
                                        "华家菜场厕所", "市场公厕"],
     "community": "华家社区", "grid": "华家综合消费品市场专属网格", "kind": "toilet"},
    {"name": "华家新村", "aliases": ["华家小区", "华家村"],
     "community": "华家社区", "grid": "华家第二网格", "kind": "compound"},
    {"name": "华家花苑", "aliases": ["华家花园"],
     "community": "华家社区", "grid": "华家第四网格", "kind": "compound"},
    # 三勤社区
    {"name": "三勤新苑", "aliases": ["三勤小区", "三勤新苑小区", "三勤新园"],
     "community": "三勤社区", "grid": "三勤第二网格", "kind": "compound"},
    {"name": "塘坊排涝站", "aliases": ["塘坊泵站", "塘坊排涝泵站"],
     "community": "三勤社区", "grid": "三勤第四网格", "kind": "drainage_station"},
    {"name": "杨家北排涝站", "aliases": ["杨家北泵站", "杨家北排涝泵站"],
     "community": "三勤社区", "grid": "三勤第五网格", "kind": "drainage_station"},
    {"name": "张家排涝站", "aliases": ["张家泵站", "张家排涝泵站"],
     "community": "三勤社区", "grid": "三勤第六网格", "kind": "drainage_station"},
    {"name": "三勤新苑健身路径", "aliases": ["三勤健身路径", "三勤新苑健身场地"],
     "community": "三勤社区", "grid": "三勤第二网格", "kind": "fitness"},
    # 夏雷社区
    {"name": "新城长岛", "aliases": ["长岛小区", "新城长岛小区", "长岛"],
     "community": "夏雷社区", "grid": "夏雷第二网格", "kind": "compound"},
    {"name": "新城长岛北门", "aliases": ["长岛北门", "新城长岛小区北门"],
     "community": "夏雷社区", "grid": "夏雷第一网格", "kind": "gate"},
    {"name": "新城长岛北门停车场", "aliases": ["长岛北门停车场", "北门停车场", "夏雷停车场"],
     "community": "夏雷社区", "grid": "夏雷第一网格", "kind": "parking"},
    {"name": "夏雷社区篮球场", "aliases": ["夏雷篮球场", "社区篮球场"],
     "community": "夏雷社区", "grid": "夏雷第三网格", "kind": "court"},
    {"name": "夏雷新村", "aliases": ["夏雷小区"],
     "community": "夏雷社区", "grid": "夏雷第四网格", "kind": "compound"},
]

# Invented buildings per compound: 幢 numbers.
BUILDINGS: dict[str, int] = {
    "采菱家园一期": 24,
    "采菱家园二期": 30,
    "华家新村": 18,
    "华家花苑": 12,
    "三勤新苑": 26,
    "新城长岛": 32,
    "夏雷新村": 16,
}


def grid_rect(community_row: int, index: int) -> tuple[float, float, float, float]:
    """Bounding box (min_lon, min_lat, max_lon, max_lat) of a grid cell.

    A community with more than 8 grids wraps onto the next row.
    """
    row = community_row + index // 8
    col = index % 8
    lon0 = ORIGIN[0] + col * CELL[0]
    lat0 = ORIGIN[1] + row * CELL[1]
    return (round(lon0, 6), round(lat0, 6), round(lon0 + CELL[0], 6), round(lat0 + CELL[1], 6))


def grid_polygon(community_row: int, index: int) -> dict:
    """GeoJSON Polygon of a grid cell."""
    x0, y0, x1, y1 = grid_rect(community_row, index)
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


def grid_index() -> dict[str, tuple[str, int, int]]:
    """Grid name -> (community name, community row, index in the community)."""
    out = {}
    for c in COMMUNITIES:
        for i, (gname, _kind) in enumerate(c["grids"]):
            out[gname] = (c["name"], c["row"], i)
    return out


def place_point(place: dict) -> tuple[float, float]:
    """A (lon, lat) point inside the place's grid, offset per place so points differ."""
    _community, row, idx = grid_index()[place["grid"]]
    x0, y0, x1, y1 = grid_rect(row, idx)
    same_grid = [p["name"] for p in PLACES if p["grid"] == place["grid"]]
    k = same_grid.index(place["name"]) + 1
    n = len(same_grid) + 1
    return (round(x0 + (x1 - x0) * k / n, 6), round(y0 + (y1 - y0) * (0.3 + 0.4 * k / n), 6))
