import pytest

from minsheng.triage.engine import cluster, find_duplicates, load_default, similarity
from minsheng.triage.engine.duplicates import DEFAULT_THRESHOLD


@pytest.fixture(scope="module")
def tri():
    return load_default()


DUPS = [
    ("采菱二期13幢下水管又堵了，楼下天天来敲门，通了三天又不行😭",
     "采菱2期13#污水管反复堵塞，已报",
     "来电人反映采菱家园二期13幢排污管道多次疏通后仍反复堵塞，诉求：彻底解决。"),
    ("长岛北门那块空地又有人乱倒垃圾，臭死了",
     "新城长岛北门闲置地块偷倒垃圾，已拍照上报"),
    ("三勤健身路径的塑胶地坑坑洼洼，一下雨就积水",
     "居民组长反映：三勤新苑健身路径塑胶地面破损，雨后积水，希望改造。"),
    ("夏雷篮球场的篮筐掉了一半，挂在那晃",
     "夏雷社区篮球场篮筐脱落，已拉警示带"),
]


@pytest.mark.parametrize("group", DUPS)
def test_paraphrases_across_registers_are_duplicates(tri, group):
    rs = [tri.predict(t) for t in group]
    for i in range(len(rs)):
        for j in range(i + 1, len(rs)):
            assert similarity(rs[i], rs[j]) >= DEFAULT_THRESHOLD, (group[i], group[j])
    assert len(set(cluster(rs))) == 1


@pytest.mark.parametrize("a,b", [
    # same problem, different place
    ("采菱二期13幢下水管堵了", "采菱二期20幢下水管堵了"),
    ("华家新村路灯不亮", "三勤新苑路灯不亮"),
    ("长岛北门有人乱倒垃圾", "采菱公园有人乱倒垃圾"),
    # different problem, same place
    ("采菱二期13幢下水管堵了", "采菱二期13幢楼道灯坏了"),
    ("三勤新苑健身器材坏了", "三勤新苑垃圾没人清运"),
    ("华家市场公厕太脏", "华家市场门口乱停车"),
    ("新城长岛21幢电梯坏了", "新城长岛21幢楼道灯坏了"),
])
def test_near_misses_are_not_duplicates(tri, a, b):
    assert similarity(tri.predict(a), tri.predict(b)) < DEFAULT_THRESHOLD


def test_no_place_never_duplicate(tri):
    assert similarity(tri.predict("下水道堵了"), tri.predict("下水道堵塞了")) < DEFAULT_THRESHOLD


def test_find_duplicates_incremental(tri):
    open_items = [tri.predict(t) for t in [
        "采菱二期20幢下水管堵了", "采菱2期13#污水管反复堵塞，已报", "采菱二期13幢楼道灯坏了",
        "华家新村路灯不亮"]]
    new = tri.predict("来电人反映采菱家园二期13幢排污管道堵塞，诉求：疏通。")
    hits = find_duplicates(new, open_items)
    assert [i for i, _ in hits] == [1]
    assert all(s >= DEFAULT_THRESHOLD for _, s in hits)


def test_rehydrated_open_items(tri):
    open_items = [
        tri.rehydrate("采菱2期13#污水管反复堵塞，已报", "drainage", community="采菱社区",
                      place="采菱家园二期", building="13幢"),
        tri.rehydrate("华家新村路灯不亮", "parking_roads", community="华家社区", place="华家新村"),
    ]
    new = tri.predict("我们二期13号楼下水管又堵了，通了三天又不行")
    assert [i for i, _ in find_duplicates(new, open_items)] == [0]


def corpus_items(n: int) -> list[dict]:
    from minsheng.triage.engine.train import CORPUS, load_jsonl

    return load_jsonl(CORPUS)[:n]


def at_one_place(tri, items: list[dict]) -> list:
    """The texts triaged, then all put at one place of one community: only category and wording differ."""
    import dataclasses

    return [dataclasses.replace(tri.predict(item["text"]), community="采菱社区", place="采菱家园二期", building=None,
                                grid=None) for item in items]


def test_other_categories_never_reach_the_cross_category_bound(tri):
    """`open_duplicates` leaves other categories in the database on the strength of this bound:
    two texts of different categories score at most CROSS_CATEGORY_MAX, even at the same place."""
    import dataclasses

    from minsheng.triage.engine.duplicates import CROSS_CATEGORY_MAX, same_category_suffices

    rs = at_one_place(tri, corpus_items(300))
    # Each one also under every other category (e.g. after a staff correction): same words, other label.
    cats = sorted({r.category for r in rs})
    relabelled = [dataclasses.replace(r, category=c) for r in rs[:40] for c in cats if c != r.category]
    worst = max(similarity(a, b) for a in rs + relabelled for b in rs if a.category != b.category)
    assert worst <= CROSS_CATEGORY_MAX
    assert same_category_suffices(DEFAULT_THRESHOLD)
    assert not same_category_suffices(CROSS_CATEGORY_MAX)


def test_floor_changes_nothing_at_or_above_it(tri):
    """`similarity(floor=)` may stop early only for pairs that end below the floor."""
    items = corpus_items(250)
    rs = at_one_place(tri, items) + [tri.predict(item["text"]) for item in items[:100]]
    seen_above = 0
    for a in rs:
        for b in rs:
            exact = similarity(a, b)
            for floor in (0.3, 0.5, DEFAULT_THRESHOLD):
                fast = similarity(a, b, floor=floor)
                assert fast == (exact if exact >= floor else fast), (a.text, b.text, floor)
                assert fast in (0.0, exact)
            seen_above += exact >= DEFAULT_THRESHOLD and a is not b
    assert seen_above > 20  # the check met real duplicates, not only misses
