from minsheng.triage.engine.textnorm import KeywordMatcher


def _m(*kws):
    m = KeywordMatcher()
    for k in kws:
        m.add(k, k.upper())
    return m


def test_every_occurrence_longest_first_at_each_position():
    m = _m("电梯", "电梯坏", "梯", "坏了")
    assert m.find("电梯坏了，梯子也坏了") == [
        (0, 3, "电梯坏", "电梯坏"), (0, 2, "电梯", "电梯"), (1, 2, "梯", "梯"),
        (2, 4, "坏了", "坏了"), (5, 6, "梯", "梯"), (8, 10, "坏了", "坏了"),
    ]


def test_no_keywords_and_no_match():
    assert KeywordMatcher().find("什么都没有") == []
    assert _m("路灯").find("路面") == []
    assert _m("路灯").find("") == []
    assert _m("路灯").find("路") == []  # a keyword longer than what is left of the text


def test_keywords_added_after_a_search_are_found():
    m = _m("积水")
    assert m.find("地下室积水漏电") == [(3, 5, "积水", "积水")]
    m.add("漏电", "电")
    assert m.find("地下室积水漏电") == [(3, 5, "积水", "积水"), (5, 7, "漏电", "电")]


def test_characters_regex_treats_specially():
    m = _m("a.b", "[x]", "^")
    assert m.find("a.b [x] ^ axb") == [(0, 3, "a.b", "A.B"), (4, 7, "[x]", "[X]"), (8, 9, "^", "^")]


def test_items_in_order():
    m = _m("电梯", "电梯坏", "梯")
    assert m.items() == [("电梯坏", "电梯坏"), ("电梯", "电梯"), ("梯", "梯")]
