import pytest
from django.test import Client, override_settings


def post_token(client, username, password, ip="10.0.0.1"):
    return client.post(
        "/api/v1/auth/token", {"username": username, "password": password},
        content_type="application/json", REMOTE_ADDR=ip,
    )


def test_right_password_gives_a_token_that_authenticates(demo_territory):
    client = Client()
    r = post_token(client, "demo-cailing", "minsheng-demo")
    assert r.status_code == 200
    token = r.json()["token"]
    me = client.get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert me.status_code == 200
    assert me.json()["username"] == "demo-cailing"
    assert me.json()["roles"][0]["node"] == "采菱社区"


def test_wrong_password_is_401_with_json_detail(demo_territory):
    r = post_token(Client(), "demo-cailing", "wrong")
    assert r.status_code == 401
    assert r.json()["detail"]


def test_bad_token_and_no_token_are_401(demo_territory):
    client = Client()
    assert client.get("/api/v1/auth/me").status_code == 401
    assert client.get("/api/v1/auth/me", HTTP_AUTHORIZATION="Bearer nope").status_code == 401


@override_settings(MINSHENG_LOGIN_MAX_FAILURES=3)
def test_repeated_failures_are_throttled_even_with_the_right_password(demo_territory):
    client = Client()
    for _ in range(3):
        assert post_token(client, "demo-town", "bad").status_code == 401
    r = post_token(client, "demo-town", "minsheng-demo")
    assert r.status_code == 429
    assert "detail" in r.json()
    # Another user from another address is not affected.
    assert post_token(client, "demo-sanqin", "minsheng-demo", ip="10.0.0.2").status_code == 200


@pytest.mark.parametrize("body", ["{", "[]", '{"username": 1}', '{"username": "a"}'])
def test_malformed_token_requests_are_4xx_json(demo_territory, body):
    r = Client().post("/api/v1/auth/token", body, content_type="application/json")
    assert 400 <= r.status_code < 500
    assert "detail" in r.json()


@override_settings(MINSHENG_LOGIN_MAX_FAILURES=2)
def test_login_page_throttles_too(demo_territory):
    client = Client()
    for _ in range(2):
        assert client.post("/login/", {"username": "demo-town", "password": "bad"}).status_code == 401
    r = client.post("/login/", {"username": "demo-town", "password": "minsheng-demo"})
    assert r.status_code == 429
    assert "登录失败次数过多" in r.content.decode()


def test_login_page_signs_in_and_redirects_only_to_own_site(demo_territory):
    client = Client()
    r = client.post("/login/", {"username": "demo-town", "password": "minsheng-demo", "next": "https://evil.example/"})
    assert r.status_code == 302 and r["Location"] == "/dashboard/"  # the town admin's landing, not the foreign next


def test_the_token_lookup_brings_the_holders_roles_in_the_same_query(demo_territory, django_user_model):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from minsheng.accounts.models import Role
    from minsheng.accounts.selectors import is_staff_member, roles
    from minsheng.accounts.services import grant_role, issue_token, token_for

    staff = django_user_model.objects.get(username="demo-cailing")
    raw = issue_token(user=staff)
    with CaptureQueriesContext(connection) as q:
        row = token_for(raw)
        assert is_staff_member(row.user)
    assert not any("accounts_membership" in x["sql"] and "accounts_apitoken" not in x["sql"]
                   for x in q.captured_queries)
    assert Role.COMMUNITY_STAFF in roles(row.user)

    # A user without any role: an empty set, not None; a role granted later is seen on the next call.
    plain = django_user_model.objects.create_user("no-role-yet", password="x-Very-long-pw-1")
    raw = issue_token(user=plain)
    assert roles(token_for(raw).user) == set()
    grant_role(user=plain, role=Role.HANDLER, node=demo_territory)
    assert Role.HANDLER in roles(token_for(raw).user)
