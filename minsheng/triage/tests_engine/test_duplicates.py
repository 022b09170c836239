"""Duplicates are the same concrete problem at the same place: object and fault both match."""

import pytest

from minsheng.triage.engine import cluster, find_duplicates, load_default, similarity
from minsheng.triage.engine.duplicates import FULL_FEATURES, candidate_pairs, comparable, pair_features


@pytest.fixture(scope="module")
def tri():
    return load_default()


def results(tri, texts, full=True):
    rs = [tri.predict(t) for t in texts]
    if full:
        tri.assess(rs)
    return rs


DUPS = [
    ("采菱二期13幢下水管又堵了，楼下天天来敲门，通了三天又不行😭",
     "采菱2期13#污水管反复堵塞，已报",
     "来电人反映采菱家园二期13幢排污管道多次疏通后仍反复堵塞，诉求：彻底解决。"),
    ("夏雷篮球场的篮网破了一个大洞，投进去球直接漏下来", "夏雷社区篮球场篮网破损，需更换"),
    ("华家市场公厕的冲水坏了，一股臭味", "华家菜场厕所冲不了水，臭气熏天，希望尽快修"),
    ("新城长岛12幢电梯又停了，我家住18楼", "长岛12栋电梯故障停运两天，高层住户出行困难，要求维修"),
]


@pytest.mark.parametrize("group", DUPS)
def test_paraphrases_across_registers_are_duplicates(tri, group):
    rs = results(tri, group)
    assert len(set(cluster(rs, model=tri.pairs))) == 1, [similarity(rs[0], r) for r in rs[1:]]


@pytest.mark.parametrize("a,b", [
    # same problem, different place
    ("采菱二期13幢下水管堵了", "采菱二期20幢下水管堵了"),
    ("华家新村路灯不亮", "三勤新苑路灯不亮"),
    # same object, another fault
    ("新城长岛20幢电梯这个月停了四回了", "长岛20幢电梯里广告屏声音太响了"),
    ("夏雷篮球场篮筐歪了", "夏雷篮球场晚上灯不亮"),
    ("华家市场公厕太脏，地上都是尿渍", "华家市场公厕晚上灯坏了"),
    # different problem, same place
    ("采菱二期13幢下水管堵了", "采菱二期13幢楼道灯坏了"),
    ("三勤新苑健身器材坏了", "三勤新苑垃圾没人清运"),
])
def test_near_misses_are_not_duplicates(tri, a, b):
    ra, rb = results(tri, [a, b])
    assert similarity(ra, rb) < tri.pairs.threshold_for(ra, rb), (a, b)


def _features(tri, a, b) -> dict:
    ra, rb = results(tri, [a, b])
    return dict(zip(FULL_FEATURES, pair_features(ra, rb, full=True), strict=False))


def test_a_public_facility_a_stairwell_and_a_problem_put_right_are_told_apart(tri):
    """What the pair scorer sees beside the words: both at one facility (where many problems meet), two
    stairwells of one building, one report saying the problem is over, faults of another family."""
    assert _features(tri, "采菱卫生站降压药断了快一个月", "采菱卫生服务站抽血要排一个多钟头")["facility"] == 1.0
    assert _features(tri, "采菱二期13幢下水管堵了", "采菱二期13幢楼道灯坏了")["facility"] == 0.0
    assert _features(tri, "长岛7栋1单元楼道灯不亮", "长岛7栋2单元楼道灯不亮")["diff_unit"] == 1.0
    assert _features(tri, "长岛7栋1单元楼道灯不亮", "新城长岛7幢一单元楼道里灯坏了")["diff_unit"] == 0.0
    assert _features(tri, "长岛7栋12单元楼道灯不亮", "新城长岛7幢十二单元楼道里灯坏了")["diff_unit"] == 0.0
    assert _features(tri, "菜场厕所冲水已经修好了，给管理员点个赞", "华家菜场厕所冲不了水")["done_gap"] == 1.0
    assert _features(tri, "夏雷新村12幢那个丢了的井盖已经补上了，谢谢", "夏雷新村12幢井盖不见了")["done_gap"] == 1.0
    assert _features(tri, "表扬物业，长岛7幢楼道灯换了，现在亮堂多了", "长岛7栋楼道灯不亮")["done_gap"] == 1.0
    f = _features(tri, "采菱卫生站降压药断了快一个月", "采菱卫生站抽血排队排长队")
    assert f["faults_disjoint"] == 1.0 and f["faults_shared"] == 0.0


def test_a_report_that_sets_itself_apart_and_two_people_in_trouble(tri):
    """A report that says it is not the neighbour's problem, or that the neighbour's part is fine, is
    marked so for the trees; two reports of a person taken ill are marked as person cases."""
    f = _features(tri, "华家菜场公厕男厕洗手龙头坏了关不上", "华家菜场公厕女厕龙头也关不严，跟男厕那个不是一个")
    assert f["denies_same"] == 1.0
    f = _features(tri, "采菱卫生站输液室空调不制冷", "采菱卫生站输液室天花板渗水，与空调无关")
    assert f["denies_same"] == 1.0
    f = _features(tri, "长岛20幢电梯有异响", "我是长岛20幢的，我说的不是电梯响那个事，是电梯里的广告屏声音太大")
    assert f["denies_same"] == 1.0
    assert _features(tri, "夏雷篮球场的灯坏了", "夏雷篮球场的篮网破了")["denies_same"] == 0.0
    assert _features(tri, "影响居民正常出行，华家新村路面塌了个坑", "华家新村路上有个坑")["denies_same"] == 0.0
    f = _features(tri, "华家菜场里一个老伯伯突然倒地上了，喊他不应，已经打了120",
                  "隔壁王阿姨说话突然含含糊糊的，嘴巴歪了，已经打120")
    assert f["person_case"] == 1.0


def test_urgent_never_a_duplicate_of_routine(tri):
    routine, urgent = results(tri, ["华家新村3幢电梯老是坏，修了又坏", "华家新村3幢电梯停在两层之间，里面有人被困"])
    assert routine.urgent is False and urgent.urgent is True
    assert not comparable(routine, urgent)
    assert similarity(routine, urgent) == 0.0
    assert find_duplicates(urgent, [routine], model=tri.pairs) == []


def test_a_duplicate_across_categories(tri):
    """A branch over a street lamp: once a dark road, once an untrimmed tree."""
    a, b = results(tri, ["采菱二期7幢门口那盏路灯被树枝挡住了，晚上路上黑漆漆的",
                         "采菱家园二期7幢前的香樟树枝把路灯全遮住了，请修剪一下树枝"])
    assert a.category != b.category or True  # either way they must match
    assert similarity(a, b) >= tri.pairs.threshold_for(a, b)


def test_reports_naming_no_known_place_are_compared(tri):
    """Reports whose place words the gazetteer does not know are still compared, by those words."""
    a, b, other = results(tri, ["菜场后门那堆垃圾三天没人拉了，烂菜叶堆到路中间", "菜场后门垃圾点满了外溢，好几天没清运",
                                "菜场后门那盏路灯坏了，晚上黑乎乎的"])
    assert a.community is None and b.community is None
    assert comparable(a, b)
    assert similarity(a, b) > max(0.4, similarity(a, other))
    # one placed, one not: still compared (the unplaced one may be anywhere)
    c = results(tri, ["华家市场后门垃圾点好几天没人清运，垃圾堆到路上了"])[0]
    assert c.community == "华家社区" and comparable(a, c)


def test_find_duplicates_among_open_items(tri):
    open_items = results(tri, [
        "采菱二期20幢下水管堵了", "采菱2期13#污水管反复堵塞，已报", "采菱二期13幢楼道灯坏了", "华家新村路灯不亮"])
    new = results(tri, ["来电人反映采菱家园二期13幢排污管道堵塞，诉求：疏通。"])[0]
    hits = find_duplicates(new, open_items, model=tri.pairs)
    assert [i for i, _ in hits] == [1]


def test_rehydrated_open_items_fast(tri):
    """At intake (no meaning vectors yet) the fast trees judge stored demands."""
    open_items = [
        tri.rehydrate("采菱2期13#污水管反复堵塞，已报", "drainage", community="采菱社区",
                      place="采菱家园二期", building="13幢"),
        tri.rehydrate("华家新村路灯不亮", "parking_roads", community="华家社区", place="华家新村"),
    ]
    new = tri.predict("我们二期13号楼下水管又堵了，通了三天又不行")
    assert [i for i, _ in find_duplicates(new, open_items, model=tri.pairs)] == [0]


def test_candidate_pairs_are_linear_for_large_communities(tri):
    texts = [f"采菱二期{n % 30 + 1}幢{w}" for n, w in enumerate(["下水道堵了", "楼道灯坏了", "电梯停了", "垃圾没人收"] * 150)]
    rs = results(tri, texts, full=False)
    pairs = candidate_pairs(rs, k=10)
    assert len(pairs) <= len(rs) * 11
    assert all(i < j for i, j in pairs)


def test_the_neighbour_search_finds_a_reworded_report_at_the_same_place(tri):
    # 600 reports in one community: the same lift complaint in other buildings, reworded, would crowd
    # out a duplicate if only the wording counted; the place must count too
    texts = [f"采菱二期{n % 30 + 1}幢{w}" for n, w in enumerate(["电梯停了", "电梯坏了好几天", "电梯又不动了"] * 200)]
    texts += ["采菱二期31幢的电梯停运了，老人下不了楼", "二期31#电梯故障，住户反映"]
    rs = results(tri, texts, full=False)
    assert len(rs) > 400  # beyond the whole-block comparison
    assert (len(rs) - 2, len(rs) - 1) in set(candidate_pairs(rs))


def test_the_tree_walk_matches_a_walk_of_each_tree_node_by_node():
    import math

    import numpy as np

    from minsheng.triage.engine import treeset

    model = load_default().pairs.fast
    rng = np.random.default_rng(1)
    width = int(model["feat"].max()) + 1
    X = rng.random((300, width)) * rng.choice([0, 1, 3, 10], size=(300, width))
    X[rng.random(X.shape) < 0.05] = np.nan

    def by_hand(row):
        total = model["baseline"]
        for t in range(model["feat"].shape[0]):
            i = 0
            while not model["leaf"][t, i]:
                x = row[model["feat"][t, i]]
                left = model["nan_left"][t, i] if math.isnan(x) else x <= model["thr"][t, i]
                i = model["left"][t, i] if left else model["right"][t, i]
            total += model["value"][t, i]
        return total

    expected = [by_hand(row) for row in X]
    assert np.allclose(treeset.raw(model, X), expected)
    assert np.allclose(treeset.raw(model, np.nan_to_num(X[:7])), [by_hand(row) for row in np.nan_to_num(X[:7])])


def test_the_neighbour_search_keeps_only_the_neighbours(tri):
    # each chunk's similarity ranking is chunk × block; keeping a view of it for every chunk made a
    # 100,000-report batch hold gigabytes
    import numpy as np

    from minsheng.triage.engine.duplicates import _neighbours, _search_matrices

    texts = [f"采菱二期{n % 30 + 1}幢{w}" for n, w in enumerate(["下水道堵了", "楼道灯坏了", "电梯停了"] * 100)]
    rs = results(tri, texts, full=False)
    M, V = _search_matrices(rs)
    rows = _neighbours(M, V, np.arange(len(rs)), k=10, chunk=64)
    assert len(rows) == len(rs)
    assert all((r.base if r.base is not None else r).size <= 64 * 11 for r in rows)


def test_the_learned_meaning_reading_tells_a_reworded_report_from_its_neighbour(tri):
    """The meaning head reads two vectors together: the same fault told in other words scores above
    another fault of the same object at the same place, and a pair scores the same either way round."""
    from minsheng.triage.engine.duplicates import meaning_pair

    same_a, same_b, other = results(tri, ["夏雷篮球场的篮网破了一个大洞，投进去球直接漏下来",
                                          "夏雷社区篮球场篮网破损，需更换", "夏雷篮球场晚上灯不亮，黑乎乎的"])
    head = tri.pairs.meaning
    assert head is not None and head["coef"].shape == (2 * same_a.vector.shape[0],)

    def reading(a, b):
        return float(meaning_pair(head, a.vector[None, :], b.vector[None, :])[0])

    assert reading(same_a, same_b) > reading(same_a, other)
    assert reading(same_a, same_b) == pytest.approx(reading(same_b, same_a))
    assert similarity(same_a, same_b, tri.pairs) == similarity(same_b, same_a, tri.pairs)
