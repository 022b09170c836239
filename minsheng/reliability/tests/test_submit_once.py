"""One tap, one demand (issue #17, item 11).

/submit/ carries a one-time key in a hidden field; a second post of the same key (a double tap, a
retry after a lost answer, several at once) answers with the first demand and makes no other.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client

from minsheng.core.tests.threads import run_in_threads
from minsheng.demands.models import Demand

TEXT = "采菱家园二期12幢下水道堵塞，污水返到厨房"


def _form_key(client: Client) -> str:
    html = client.get("/submit/?community=CL").content.decode()
    found = re.search(r'<input type="hidden" name="submit_key" value="([^"]+)"', html)
    assert found, "the form carries no one-time key"
    return found.group(1)


def _post(client: Client, key: str, text: str = TEXT):
    return client.post("/submit/?community=CL", {"community": "CL", "text": text, "reporter_phone": "13812345678",
                                                 "submit_key": key})


def _shown(client: Client) -> tuple[str, str]:
    html = client.get("/submit/done/").content.decode()
    link = re.search(r"code=([A-Z0-9-]+)&amp;token=([^\"&]+)", html)
    return link.group(1), link.group(2)


def test_a_second_post_of_the_same_form_answers_the_first_demand(demo_territory):
    client = Client()
    key = _form_key(client)
    assert _post(client, key).status_code == 302
    first = _shown(client)
    # The same form posted again (double tap, or a retry after the answer was lost).
    r = _post(client, key)
    assert r.status_code == 302 and r["Location"] == "/submit/done/"
    assert _shown(client) == first  # the same code and a working tracking link
    assert Demand.objects.count() == 1
    assert Client().get("/track/", {"code": first[0], "token": first[1]}).status_code == 200
    # A new visit of the form gets a new key and makes a new demand.
    assert _post(client, _form_key(client), "采菱一期5幢楼道灯不亮").status_code == 302
    assert Demand.objects.count() == 2


def test_the_same_key_with_other_content_is_not_a_second_demand(demo_territory):
    client = Client()
    key = _form_key(client)
    _post(client, key)
    r = _post(client, key, "别的事情：采菱一期5幢楼道灯不亮")
    assert r.status_code == 409 and "已经提交" in r.content.decode()
    assert Demand.objects.count() == 1
    assert 'name="submit_key"' in r.content.decode()  # a fresh key to send the new content with


@pytest.mark.django_db(transaction=True)
def test_concurrent_posts_of_one_form_make_one_demand():
    from minsheng.demo.loaders import load_all

    load_all(territory_only=True)
    key = _form_key(Client())
    answers = run_in_threads(lambda: _post(Client(), key), 6)
    assert {r.status_code for r in answers} == {302}
    assert Demand.objects.count() == 1
