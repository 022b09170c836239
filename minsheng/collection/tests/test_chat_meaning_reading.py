"""The meaning reading of an uploaded WeChat export: background work reads each message once, the
review page says how far it is and offers a refresh when done, and the review then uses the readings."""

import re

from django_tasks_db.models import DBTaskResult

from minsheng.collection.models import ChatMessage
from minsheng.collection.services.chat import read_meaning
from minsheng.collection.tests.test_chat_pages import FIRST, checked_lines, upload


def test_upload_queues_the_reading_and_the_review_uses_it(user_client):
    client = user_client("demo-cailing")
    export = upload(client, FIRST)
    task = DBTaskResult.objects.get(task_path="minsheng.collection.tasks.read_meaning")
    assert task.args_kwargs["args"] == [export.pk]

    # before the reading: cues alone decide, the page says so and polls
    html = client.get(f"/desk/intake/chat/{export.pk}/").content.decode()
    assert 'data-testid="reading"' in html and "0/7" in html and "every 4s" in html
    assert "语义像诉求" not in html
    assert checked_lines(html) == [3, 4, 7]

    assert read_meaning(export.pk) == 7
    assert not ChatMessage.objects.filter(export=export, meaning__isnull=True).exists()
    assert all(0.0 <= p <= 1.0 for p in ChatMessage.objects.values_list("meaning", flat=True))
    assert read_meaning(export.pk) == 0                      # nothing is read twice

    # the poll now offers a refresh, and stops polling
    part = client.get(f"/desk/intake/chat/{export.pk}/reading?shown=0").content.decode()
    assert 'data-testid="reading-refresh"' in part and "hx-get" not in part
    html = client.get(f"/desk/intake/chat/{export.pk}/").content.decode()
    assert "已按消息语义和关键词判断" in html and "hx-get" not in re.search(
        r'<p id="chat-reading".*?</p>', html, re.S).group(0)
    assert "语义像诉求" in html                               # the readings decide beside the cues
    assert {3, 7} <= set(checked_lines(html))


def test_the_reading_is_for_the_exports_staff_only(user_client):
    export = upload(user_client("demo-cailing"), FIRST)
    assert user_client("demo-sanqin").get(f"/desk/intake/chat/{export.pk}/reading").status_code == 404
    assert user_client("demo-resident").get(f"/desk/intake/chat/{export.pk}/reading").status_code == 403


def test_without_an_embedder_nothing_is_queued_and_the_page_says_nothing(user_client, monkeypatch):
    monkeypatch.setattr("minsheng.triage.engine.embed.available", lambda: False)
    client = user_client("demo-cailing")
    export = upload(client, FIRST)
    assert not DBTaskResult.objects.filter(task_path="minsheng.collection.tasks.read_meaning").exists()
    assert read_meaning(export.pk) == 0
    html = client.get(f"/desk/intake/chat/{export.pk}/").content.decode()
    assert 'data-testid="reading"' not in html and checked_lines(html) == [3, 4, 7]
