"""Parsing and cleaning of WeChat group exports (minsheng.collection.chat, no database)."""

import codecs
from datetime import datetime

import pytest

from minsheng.collection.chat_export import ChatFormatError, clean, decode, parse_lines, parse_text


def real(messages):
    return [m for m in messages if not m.system]


def test_formats_are_tolerated():
    text = "\n".join([
        "\ufeff2026-05-03 08:15 网格员小王: 早上好",
        "2026/05/03 08:16:22 5-302王阿姨：楼道灯又坏了",
        "[2026-05-03 08:17] 老周 : 收到",
        "2026-5-3 8:18 小李：全角冒号",
        "2026年5月3日 08:19 阿芬: 年月日",
        "2026-05-03T08:20:00 Tony:no space",
    ])
    ms = real(parse_text(text))
    assert [m.line for m in ms] == [1, 2, 3, 4, 5, 6]
    assert [m.sender for m in ms] == ["网格员小王", "5-302王阿姨", "老周", "小李", "阿芬", "Tony"]
    assert ms[0].time == datetime(2026, 5, 3, 8, 15)
    assert ms[1].time == datetime(2026, 5, 3, 8, 16, 22) and ms[1].raw == "楼道灯又坏了"
    assert ms[3].raw == "全角冒号" and ms[5].raw == "no space"


def test_continuation_lines_blank_lines_and_system_lines():
    text = "\n".join([
        "微信群“采菱家园二期5幢楼道群”的聊天记录",      # 1 title
        "",
        "2026-05-03 08:16 王阿姨: 楼道灯又坏了",        # 3
        "晚上黑乎乎的",
        "",
        "[图片]",
        '"张三"撤回了一条消息',                         # 7
        "2026-05-03 08:20 李四加入了群聊",              # 8
        "2026-05-03 08:21 老周: 我家也是",               # 9
        "2026-05-03 08:22 网格员小王邀请赵六加入了群聊",  # 10
        "2026-05-03 08:23 小李",                         # 11 header without content
        "第一行",
        "第二行",
    ])
    ms = parse_text(text)
    system = [m.line for m in ms if m.system]
    assert system == [1, 7, 8, 10]
    msgs = real(ms)
    assert [(m.line, m.end_line) for m in msgs] == [(3, 6), (9, 9), (11, 13)]
    assert msgs[0].raw == "楼道灯又坏了\n晚上黑乎乎的\n[图片]"
    assert msgs[2].sender == "小李" and msgs[2].raw == "第一行\n第二行"


def test_a_date_line_then_time_only_headers():
    ms = real(parse_text("——— 2026年5月3日 星期日 ———\n08:15 张三: 楼道灯坏了\n8:20:05 李四：我家也是\n"
                         "—— 2026-05-04 ——\n07:00 王五: 早\n"))
    assert [(m.line, m.sender, m.time) for m in ms] == [
        (2, "张三", datetime(2026, 5, 3, 8, 15)), (3, "李四", datetime(2026, 5, 3, 8, 20, 5)),
        (5, "王五", datetime(2026, 5, 4, 7, 0))]
    # with full headers in the file, a line starting with a time stays a continuation
    ms = real(parse_text("2026-05-03 08:15 张三: 通知\n09:00 集合: 社区门口\n"))
    assert len(ms) == 1 and ms[0].raw == "通知\n09:00 集合: 社区门口"


def test_invalid_dates_are_continuations_not_headers():
    ms = real(parse_text("2026-05-03 08:15 张三: 开始\n2026-13-45 99:99 李四: 这不是一行消息头"))
    assert len(ms) == 1 and "这不是一行消息头" in ms[0].raw


def test_cleaning_strips_mentions_quotes_emoji_and_media():
    c = clean("@网格员小王\u2005楼道灯又坏了😡[捂脸]\n「5-302王阿姨：楼道灯又坏了」\n- - - - - - - - - -\n还没人来修啊 [图片]")
    assert c.text == "楼道灯又坏了 还没人来修啊"
    assert c.mentions == ["网格员小王"]
    assert c.quote_sender == "5-302王阿姨" and c.quote_text == "楼道灯又坏了"
    assert c.media == 1 and "😡" in "".join(c.emoji)
    assert clean("[语音]").text == "" and clean("👍👍").text == ""


def test_streaming_parser_yields_before_the_end():
    def lines():
        yield "2026-05-03 08:15 张三: 第一条"
        yield "2026-05-03 08:16 李四: 第二条"
        raise AssertionError("read too far")

    it = parse_lines(lines())
    assert next(it).raw == "第一条"


def test_decode_accepts_utf8_bom_and_utf16_and_refuses_the_rest():
    text = "2026-05-03 08:15 张三: 楼道灯坏了\n"
    assert decode(text.encode("utf-8")) == text
    assert decode(codecs.BOM_UTF8 + text.encode("utf-8")) == text
    assert decode(codecs.BOM_UTF16_LE + text.encode("utf-16-le")) == text
    with pytest.raises(ChatFormatError, match="UTF-8"):
        decode(text.encode("gbk"))
    with pytest.raises(ChatFormatError):
        decode(bytes(range(256)) * 4)
    with pytest.raises(ChatFormatError, match="二进制"):
        decode(b"2026-05-03 08:15 a: b\x00\x00\x01\x02\x03")


@pytest.mark.parametrize("text", ["", "   \n\n", "hello\nworld\n", "没有时间的一行\n张三: 你好"])
def test_no_message_lines_is_an_error(text):
    with pytest.raises(ChatFormatError, match="没有找到聊天记录行"):
        parse_text(text)
