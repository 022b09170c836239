"""Every link the site menu offers a demo user opens for that user (no 403 or 404 behind a menu link)."""

import re

import pytest

ROLES = ["demo-town", "demo-cailing", "demo-cailing-grid", "demo-handler", "demo-resident"]


def menu_links(html: str) -> list[str]:
    menus = re.findall(r'<header class="topbar">.*?</header>|<nav class="desknav".*?</nav>', html, re.S)
    return sorted({href for block in menus for href in re.findall(r'<a [^>]*href="([^"]+)"', block)})


@pytest.mark.parametrize("username", ROLES)
def test_every_menu_link_opens(user_client, username):
    client = user_client(username)
    links = menu_links(client.get("/").content.decode())
    assert "/facilities/" in links
    failed = {href: client.get(href).status_code for href in links}
    assert {h: s for h, s in failed.items() if s != 200} == {}


def test_anonymous_menu_links_open(demo_territory):
    from django.test import Client

    client = Client()
    links = menu_links(client.get("/").content.decode())
    assert "/facilities/" in links and "/login/" in links
    assert {h: s for h in links if (s := client.get(h).status_code) != 200} == {}


def test_menu_hides_what_the_role_may_not_open(user_client):
    town = menu_links(user_client("demo-town").get("/").content.decode())
    handler = menu_links(user_client("demo-handler").get("/").content.decode())
    grid = menu_links(user_client("demo-cailing-grid").get("/").content.decode())
    staff = menu_links(user_client("demo-cailing").get("/").content.decode())
    assert "/desk/roster/" not in town and "/desk/roster/" not in handler
    assert "/desk/projects/" not in handler and "/desk/projects/" not in grid
    assert "/desk/roster/" in staff and "/desk/projects/" in staff and "/desk/projects/" in town


def test_inspector_menu_links_open(demo_territory):
    from django.contrib.auth import get_user_model
    from django.test import Client

    from minsheng.accounts.models import Role
    from minsheng.accounts.services import grant_role

    user = get_user_model().objects.create_user("test-inspector", password="x-long-password")
    grant_role(user=user, role=Role.INSPECTOR, node=demo_territory)
    client = Client()
    client.force_login(user)
    links = menu_links(client.get("/").content.decode())
    assert "/desk/projects/" in links and "/desk/roster/" not in links
    assert {h: s for h in links if (s := client.get(h).status_code) != 200} == {}
