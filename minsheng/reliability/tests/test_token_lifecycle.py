"""API tokens end (issue #17, item 5).

A token used to answer for ever: after a password change and after the holder was done with it. Now
`DELETE /api/v1/auth/token` revokes the presented token, tokens expire after MINSHENG_TOKEN_DAYS, a
password change (any path) or a deactivation revokes all of the user's tokens, and a user can list
(never the secret) and revoke their own tokens.
"""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from minsheng.accounts.models import ApiToken
from minsheng.accounts.services import issue_token

PASSWORD = "minsheng-demo"
NEW_PASSWORD = "荷塘月色-采菱-2026"
User = get_user_model()


def auth(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def answers(token: str) -> int:
    return Client().get("/api/v1/auth/me", **auth(token)).status_code


def token_for(username: str) -> str:
    r = Client().post("/api/v1/auth/token", {"username": username, "password": PASSWORD},
                      content_type="application/json")
    assert r.status_code == 200
    return r.json()["token"]


def test_delete_revokes_the_presented_token(demo_territory):
    token, other = token_for("demo-cailing"), token_for("demo-cailing")
    r = Client().delete("/api/v1/auth/token", **auth(token))
    assert r.status_code == 204
    assert answers(token) == 401
    assert answers(other) == 200  # only the presented one
    assert Client().delete("/api/v1/auth/token", **auth(token)).status_code == 401


def test_tokens_expire(demo_territory, settings):
    settings.MINSHENG_TOKEN_DAYS = 2
    token = token_for("demo-town")
    row = ApiToken.objects.get(user__username="demo-town")
    assert timedelta(days=2) - timedelta(minutes=1) < row.expires_at - timezone.now() <= timedelta(days=2)
    assert answers(token) == 200
    ApiToken.objects.filter(pk=row.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert answers(token) == 401
    assert Client().get("/api/v1/demands", **auth(token)).status_code == 401


@pytest.fixture
def admin_client(demo_territory):
    root = User.objects.create_superuser("root-admin", "root@example.gov.cn", NEW_PASSWORD + "-root")
    client = Client()
    client.force_login(root)
    return client


def _service(user, admin_client):
    user.set_password(NEW_PASSWORD)
    user.save()


def _admin_form(user, admin_client):
    r = admin_client.post(f"/admin/auth/user/{user.pk}/password/",
                          {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"})
    assert r.status_code == 302


def _own_page(user, admin_client):
    client = Client()
    client.force_login(user)
    r = client.post("/admin/password_change/", {"old_password": PASSWORD, "new_password1": NEW_PASSWORD,
                                                "new_password2": NEW_PASSWORD})
    assert r.status_code == 302


def _cli(user, admin_client):
    with mock.patch("getpass.getpass", return_value=NEW_PASSWORD):
        call_command("changepassword", user.username, stdout=mock.Mock())


@pytest.mark.parametrize("change", [_service, _admin_form, _own_page, _cli], ids=lambda f: f.__name__.strip("_"))
def test_a_password_change_revokes_every_token(demo_territory, admin_client, change):
    first, second = token_for("demo-town"), token_for("demo-town")
    bystander = token_for("demo-cailing")
    change(User.objects.get(username="demo-town"), admin_client)
    assert User.objects.get(username="demo-town").check_password(NEW_PASSWORD)
    assert answers(first) == answers(second) == 401
    assert not ApiToken.objects.filter(user__username="demo-town").exists()
    assert answers(bystander) == 200


def test_deactivation_revokes_every_token_for_good(demo_territory, admin_client):
    token = token_for("demo-handler")
    user = User.objects.get(username="demo-handler")
    user.is_active = False
    user.save()
    user.is_active = True
    user.save()
    assert answers(token) == 401


def test_signing_in_again_keeps_the_tokens(demo_territory):
    token = token_for("demo-cailing")
    assert Client().post("/login/", {"username": "demo-cailing", "password": PASSWORD}).status_code == 302
    user = User.objects.get(username="demo-cailing")
    user.first_name = "蔡玲"
    user.save()
    assert answers(token) == 200


def test_a_user_lists_and_revokes_their_own_tokens(demo_territory):
    mine, current = token_for("demo-cailing"), token_for("demo-cailing")
    theirs = token_for("demo-sanqin")
    r = Client().get("/api/v1/auth/tokens", **auth(current))
    assert r.status_code == 200
    rows = r.json()
    assert len(rows) == 2
    assert {row["prefix"] for row in rows} == {mine[:8], current[:8]}
    assert set(rows[0]) == {"id", "prefix", "created_at", "last_used_at", "expires_at", "current"}
    assert [row["current"] for row in rows if row["prefix"] == current[:8]] == [True]
    assert mine not in r.content.decode() and current not in r.content.decode()
    # Another user's token cannot be revoked (it is not found).
    other_id = ApiToken.objects.get(user__username="demo-sanqin").pk
    assert Client().delete(f"/api/v1/auth/tokens/{other_id}", **auth(current)).status_code == 404
    assert answers(theirs) == 200
    mine_id = next(row["id"] for row in rows if row["prefix"] == mine[:8])
    assert Client().delete(f"/api/v1/auth/tokens/{mine_id}", **auth(current)).status_code == 204
    assert answers(mine) == 401 and answers(current) == 200


def test_issued_tokens_store_no_secret(demo_territory):
    user = User.objects.get(username="demo-town")
    raw = issue_token(user=user)
    row = ApiToken.objects.get(user=user)
    assert raw not in (row.digest, row.prefix) and row.expires_at > timezone.now()
