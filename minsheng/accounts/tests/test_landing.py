"""After signing in each role lands on its work (and the page opens for it); an explicit ?next= wins."""

import pytest
from django.test import Client

from minsheng.accounts.demo import DEMO_PASSWORD

LANDINGS = {
    "demo-town": "/dashboard/",
    "demo-cailing": "/desk/",
    "demo-handler": "/desk/?queue=in_work",
    "demo-cailing-grid": "/desk/collect/visits/",
    "demo-resident": "/",
}


def sign_in(client: Client, username: str, path: str = "/login/"):
    return client.post(path, {"username": username, "password": DEMO_PASSWORD})


@pytest.mark.parametrize(("username", "landing"), LANDINGS.items())
def test_each_role_lands_on_its_work(demo_territory, username, landing):
    client = Client()
    r = sign_in(client, username)
    assert r.status_code == 302 and r["Location"] == landing
    assert client.get(landing).status_code == 200


def test_inspector_lands_on_the_projects(demo_territory):
    from django.contrib.auth import get_user_model

    from minsheng.accounts.models import Role
    from minsheng.accounts.services import grant_role

    user = get_user_model().objects.create_user("test-inspector", password=DEMO_PASSWORD)
    grant_role(user=user, role=Role.INSPECTOR, node=demo_territory)
    r = sign_in(Client(), "test-inspector")
    assert r["Location"] == "/desk/projects/"


@pytest.mark.parametrize("username", ["demo-town", "demo-handler"])
def test_an_explicit_next_wins(demo_territory, username):
    r = sign_in(Client(), username, "/login/?next=/projects/")
    assert r["Location"] == "/projects/"


def test_a_foreign_next_is_ignored(demo_territory):
    r = sign_in(Client(), "demo-cailing", "/login/?next=https://example.com/")
    assert r["Location"] == "/desk/"
