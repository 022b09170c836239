import json

import pytest
from django.core.management import call_command

ITEMS = [
    {"id": "a", "text": "采菱家园二期12幢下水道堵了，污水返到厨房里"},
    {"id": "b", "text": "二期12幢厨房下水道返水，麻烦尽快疏通", "channel": "hotline"},
    {"id": 3, "text": "三勤新苑健身器材坏了好几件"},
    {"id": "d", "text": "采菱一期5幢电梯困人了，里面有老人", "channel": "wechat_group"},
    {"id": "e", "text": "有件事"},
]


def run(tmp_path, capsys, items=ITEMS, raw=None):
    path = tmp_path / "in.jsonl"
    path.write_text(raw if raw is not None else "\n".join(json.dumps(i, ensure_ascii=False) for i in items),
                    encoding="utf-8")
    call_command("triage", str(path))
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_output_fields_and_order(demo_territory, tmp_path, capsys):
    out = run(tmp_path, capsys)
    assert [o["id"] for o in out] == ["a", "b", 3, "d", "e"]
    for o in out:
        assert {"id", "category", "urgent", "community", "grid", "confidence", "cluster"} <= set(o)
        assert o["assessed_by"] == "full" and "possibly_urgent" in o and "situation" in o
        assert 0 <= o["confidence"] <= 1
    a, b, c, d, e = out
    assert a["category"] == "drainage" and a["community"] == "采菱社区" and a["grid"] == "采菱第五网格"
    assert a["cluster"] == b["cluster"] != c["cluster"]
    assert c["community"] == "三勤社区" and c["category"] == "recreation"
    assert d["urgent"] is True and d["cluster"] not in (a["cluster"], c["cluster"])
    assert e["community"] is None and e["grid"] is None


def test_works_without_a_town_in_the_database(db, tmp_path, capsys):
    out = run(tmp_path, capsys, items=ITEMS[:1])
    assert out[0]["community"] == "采菱社区"


def test_bad_lines_are_reported_and_exit_nonzero(demo_territory, tmp_path, capsys):
    with pytest.raises(SystemExit):
        run(tmp_path, capsys, raw='{"id": 1, "text": "采菱一期路灯坏了"}\nnot json\n{"id": 2}\n')


def test_triage_eval_prints_the_figures(demo_territory, capsys):
    call_command("triage-eval")
    out = capsys.readouterr().out
    for word in ("macro-F1", "urgent", "community accuracy", "place accuracy", "duplicate pairs"):
        assert word in out
