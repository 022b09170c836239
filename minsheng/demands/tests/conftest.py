import pytest
from django.test import Client, TestCase


@pytest.fixture
def api(demo_territory, bearer):
    """A small API client: api(username).post(path, json) with a bearer token."""

    class Api:
        def __init__(self, username=None):
            self.client = Client()
            self.headers = bearer(username) if username else {}

        # Run after-commit work (notifications) as a real request would, inside the test transaction.
        def get(self, path, **params):
            with TestCase.captureOnCommitCallbacks(execute=True):
                return self.client.get(path, params, **self.headers)

        def post(self, path, body=None, **extra):
            with TestCase.captureOnCommitCallbacks(execute=True):
                return self.client.post(path, body or {}, content_type="application/json", **self.headers, **extra)

        def act(self, code, action, **body):
            return self.post(f"/api/v1/demands/{code}/actions/{action}", body)

    return Api


@pytest.fixture
def submit(api):
    """Submit a demand anonymously; returns the JSON answer."""

    def make(text="采菱家园二期12幢下水道堵塞，污水返到厨房", **extra):
        r = api().post("/api/v1/demands", {"text": text, "channel": "online", "reporter_name": "张三",
                                          "reporter_phone": "13812345678", **extra})
        assert r.status_code == 201, r.content
        return r.json()

    return make
