from datetime import timedelta

import pytest
from django.test import Client, TestCase

STAFF = "demo-cailing"


@pytest.fixture
def inspector(demo_territory):
    """An inspector (验收人) of 湖塘镇."""
    from django.contrib.auth import get_user_model

    from minsheng.accounts.models import Role
    from minsheng.accounts.services import grant_role

    user = get_user_model().objects.create_user("test-inspector", password="x-long-password",
                                                first_name="镇验收组（测试）")
    grant_role(user=user, role=Role.INSPECTOR, node=demo_territory)
    return user


@pytest.fixture
def api(demo_territory, bearer, inspector):
    """api(username).post(path, json) with a bearer token; api() is anonymous."""

    class Api:
        def __init__(self, username=None):
            self.client = Client(REMOTE_ADDR="10.0.0.1")
            self.headers = bearer(username) if username else {}

        # After-commit work (notifications, the signal) runs as in a real request.
        def get(self, path, **params):
            with TestCase.captureOnCommitCallbacks(execute=True):
                return self.client.get(path, params, **self.headers)

        def post(self, path, body=None, **extra):
            with TestCase.captureOnCommitCallbacks(execute=True):
                return self.client.post(path, body or {}, content_type="application/json", **self.headers, **extra)

        def act(self, pid, action, **body):
            if "for_" in body:
                body["for"] = body.pop("for_")
            return self.post(f"/api/v1/projects/{pid}/actions/{action}", body)

    return Api


@pytest.fixture
def demand(api):
    """Register a demand in 采菱社区 with a reporter; returns its code."""

    def make(text="采菱家园二期晾衣架不够用，希望增设", phone="13812345678", name="李四"):
        r = api().post("/api/v1/demands", {"text": text, "channel": "online", "community": "采菱社区",
                                          "reporter_name": name, "reporter_phone": phone})
        assert r.status_code == 201, r.content
        return r.json()["code"]

    return make


@pytest.fixture
def create(api):
    """Create a project as demo-cailing (or `who`); returns the JSON answer."""

    def make(who=STAFF, **extra):
        body = {"title": "采菱家园一期增设不锈钢晾衣架", "community": "采菱社区", "kind": "goods", "budget": 38000,
                "items": [{"name": "不锈钢晾衣架", "quantity": 100, "unit": "个", "unit_price": 380}],
                "demands": []}
        body.update(extra)
        r = api(who).post("/api/v1/projects", body)
        assert r.status_code == 201, r.content
        return r.json()

    return make


def end_notice(pid):
    """Time travel: move the notice start back so that the notice period is over."""
    from minsheng.projects.models import Project

    p = Project.objects.get(pk=pid)
    Project.objects.filter(pk=pid).update(notice_start=p.notice_start - timedelta(days=p.notice_days, minutes=1))


@pytest.fixture
def advance(api):
    """Bring a project to a state with allowed actors."""

    def go(pid, to):
        staff, insp = api(STAFF), api("test-inspector")
        steps = [
            ("screened", staff, "screen", {"passed": True, "reason": "符合民生微实事范围"}),
            ("deliberating", staff, "deliberate", {}),
            ("voted", staff, "vote", {"for": 6, "against": 1, "abstain": 0, "minutes": "两委会议纪要"}),
            ("noticed", staff, "notice", {"days": 5}),
            ("approved", staff, "approve", {}),
            ("implementing", staff, "implement", {"contractor": "常州市某某建设工程有限公司"}),
            ("built", staff, "progress", {"phase": "survey", "percent": 100}),
            ("built", staff, "progress", {"phase": "design", "percent": 100}),
            ("built", staff, "progress", {"phase": "construction", "percent": 100}),
            ("inspection", staff, "complete", {}),
            ("in_service", insp, "inspect", {"passed": True, "note": "合格"}),
            ("evaluated", staff, "evaluate", {"score": 92}),
            ("archived", staff, "archive", {}),
        ]
        order = ["proposed", "screened", "deliberating", "voted", "noticed", "approved", "implementing", "built",
                 "inspection", "in_service", "evaluated", "archived"]
        for name, who, action, body in steps:
            if order.index(name) > order.index(to):
                break
            if action == "approve":
                end_notice(pid)
            r = who.act(pid, action, **body)
            assert r.status_code == 200, (action, r.content)
        return pid

    return go
