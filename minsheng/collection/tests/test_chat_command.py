"""`minsheng extract-chat FILE.txt`: one JSON object per extracted demand, in file order; clear errors."""

import io
import json

import pytest
from django.core.management import call_command

EXPORT = """微信群“采菱家园二期5幢楼道群”的聊天记录
2026-05-03 07:50 网格员小王: 大家早上好
2026-05-03 08:15 5-302王阿姨: 5幢楼道灯又坏了，晚上上楼黑乎乎的
好几天了
2026-05-03 08:16 老周: 我家也是
2026-05-03 08:20 网格员小王: 收到，马上联系物业
2026-05-03 09:30 Tony: 出售九成新电动车，有意私聊
2026-05-03 10:02 李师傅: 5幢楼下有人飞线充电，电线从三楼窗户拉下来，太危险了，谁来管管
2026-05-04 08:00 小雨妈妈: 灯还是不亮，还没人来修啊
"""


def run(path, *args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("extract-chat", str(path), *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, [json.loads(line) for line in out.getvalue().splitlines() if line.strip()], err.getvalue()


@pytest.mark.parametrize("with_town", [False, True])
def test_output_format_and_order(db, tmp_path, with_town, request):
    if with_town:
        request.getfixturevalue("demo_territory")
    path = tmp_path / "群聊.txt"
    path.write_text(EXPORT, encoding="utf-8")
    code, rows, err = run(path)
    assert code == 0 and not err
    assert [r["line"] for r in rows] == [3, 5, 8, 9]
    for r in rows:
        assert {"line", "text", "category", "urgent", "cluster", "time", "sender"} <= set(r)
        assert isinstance(r["line"], int) and isinstance(r["urgent"], bool) and isinstance(r["cluster"], int)
    light, me_too, wire, again = rows
    assert light["text"] == "5幢楼道灯又坏了，晚上上楼黑乎乎的 好几天了" and light["category"] == "housing"
    assert light["time"] == "2026-05-03 08:15" and light["sender"] == "5-302王阿姨"
    assert me_too["cluster"] == light["cluster"] == again["cluster"] != wire["cluster"]
    assert wire["category"] == "ebike_fire"


def test_the_heldout_export_through_the_command(db):
    from minsheng.collection.chat_cues import DATA_DIR
    from minsheng.collection.chat_eval import load_heldout

    code, rows, _err = run(DATA_DIR / "chat_heldout.txt")
    assert code == 0 and rows == sorted(rows, key=lambda r: r["line"])
    _text, labels = load_heldout()
    gold = {lab["line"] for lab in labels}
    got = {r["line"] for r in rows}
    tp = len(gold & got)
    assert 2 * tp / (len(gold) + len(got)) >= 0.85


@pytest.mark.parametrize("content, message", [
    (bytes(range(256)) * 8, "UTF-8"),
    (b"2026-05-03 08:15 a: b\x00\x00\x01\x02\x03\x04", "二进制"),
    ("2026-05-03 08:15 张三: 楼道灯坏了\n".encode("gbk"), "UTF-8"),
    (b"", "空"),
    (b"\n\n  \n", "空"),
    ("只是一些文字\n没有消息头\n".encode(), "没有找到聊天记录行"),
])
def test_malformed_exports_fail_clearly(db, tmp_path, content, message):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    code, rows, err = run(path)
    assert code == 1 and rows == [] and message in err and "错误" in err


def test_unreadable_file(db, tmp_path):
    code, rows, err = run(tmp_path / "missing.txt")
    assert code == 1 and "无法读取" in err
    code, rows, err = run(tmp_path)          # a directory
    assert code == 1 and "无法读取" in err


def test_no_demands_prints_nothing(db, tmp_path):
    path = tmp_path / "quiet.txt"
    path.write_text("2026-05-03 07:50 网格员小王: 大家早上好\n2026-05-03 07:51 阿芬: 早\n", encoding="utf-8")
    assert run(path)[:2] == (0, [])
