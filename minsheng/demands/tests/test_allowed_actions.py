"""`services.allowed_actions` (what the desk page shows) says yes exactly to the users the transition
itself lets through (test_permissions.TABLE), and the page shows only actions it has a form for."""

import pytest
from django.contrib.auth import get_user_model

from minsheng.demands import pages_support, services
from minsheng.demands.models import Demand

from .test_permissions import ALL_USERS, TABLE, advance


@pytest.mark.parametrize("action,state,body,allowed", TABLE, ids=[t[0] for t in TABLE])
def test_allowed_actions_follow_the_transition_rules(api, submit, action, state, body, allowed):
    code = submit(text="采菱家园一期5幢楼道灯坏了")["code"]
    if state != "received":
        advance(api, code, state)
    d = Demand.objects.get(code=code)
    users = get_user_model().objects.in_bulk(ALL_USERS, field_name="username")
    offered = {name for name in ALL_USERS if action in services.allowed_actions(d, users[name])}
    assert offered == allowed


def test_page_offers_only_its_forms(api, submit):
    code = submit(text="采菱家园一期5幢楼道灯坏了")["code"]
    advance(api, code, "assigned")
    d = Demand.objects.get(code=code)
    town = get_user_model().objects.get(username="demo-town")
    assert "supervise" in services.allowed_actions(d, town)
    page = pages_support.available_actions(town, d, ["contact", "extend", "escalate"])
    assert page == ["contact", "extend", "escalate"]
