"""The staff project page names each event's action and statuses (提议 → 初审), never the stored codes."""

import re


def _timeline(html: str) -> str:
    return re.search(r'<ol class="events">(.*?)</ol>', html, re.S).group(1)


def test_desk_timeline_shows_names_not_codes(user_client, create, advance):
    pid = create()["id"]
    advance(pid, "screened")
    events = _timeline(user_client("demo-cailing").get(f"/desk/projects/{pid}/").content.decode())
    assert "提议" in events and "初审" in events and "提议 → 初审" in events
    for code in ("create", "screen", "proposed", "screened"):
        assert code not in events


def test_desk_timeline_in_english(user_client, create, advance):
    pid = create()["id"]
    advance(pid, "screened")
    client = user_client("demo-cailing")
    client.cookies["django_language"] = "en"
    events = _timeline(client.get(f"/desk/projects/{pid}/").content.decode())
    assert "提议" not in events and "screened" not in events
