"""Issue #17 item 4: names on the dashboard map are text. A facility, a project or a grid whose name
holds markup shows that markup literally in its tooltip; no element from it reaches the page and the
browser asks no other host for anything (real Chromium through Playwright)."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from minsheng.demands.tests.test_browser import SHOTS, sign_in, watch

pytestmark = [
    pytest.mark.django_db(transaction=True),
]

FACILITY = "<img src=http://evil.example/f.png onerror=alert(1)><b>bold</b>健身路径"
PROJECT = '<i>改造</i><img src="https://evil.example/p.png">项目'
GRID = "<u>采菱</u><img src=//evil.example/g.png>网格"


def plant() -> None:
    from minsheng.demo.loaders import load_all
    from minsheng.facilities.models import Facility
    from minsheng.projects.models import Project
    from minsheng.territory.models import Community, Grid, Place

    load_all(territory_only=True)
    c = Community.objects.get(name="采菱社区")
    grid = Grid.objects.filter(community=c).exclude(polygon=None).order_by("id").first()
    Grid.objects.filter(pk=grid.pk).update(name=GRID)
    ring = grid.polygon["coordinates"][0]  # inside the renamed grid, so all three show together
    (x0, y0), (x1, y1) = ring[0], ring[2]
    place = Place.objects.create(community=c, name="测试点甲", lon=x0 + (x1 - x0) / 3, lat=y0 + (y1 - y0) / 3)
    other = Place.objects.create(community=c, name="测试点乙", lon=x0 + 2 * (x1 - x0) / 3, lat=y0 + 2 * (y1 - y0) / 3)
    Facility.objects.create(town=c.town, community=c, place=place, name=FACILITY, kind="fitness_point")
    Project.objects.create(town=c.town, community=c, place=other, title=PROJECT, kind="works",
                           status="implementing", budget=Decimal("1000"), created_at=timezone.now())


def open_tooltip(page, stroke: str, wanted: str, *, close: bool = True) -> str:
    """Hover each map shape of one kind until the tooltip shows `wanted`; returns the tooltip's text."""
    shapes = page.locator(f"#map path.leaflet-interactive[stroke='{stroke}']")
    for i in range(shapes.count()):
        shapes.nth(i).dispatch_event("mouseover")
        tip = page.locator(".leaflet-tooltip-pane .leaflet-tooltip").last
        text = (tip.text_content() if tip.count() else "") or ""
        if wanted in text and not close:
            return text
        shapes.nth(i).dispatch_event("mouseout")
        if wanted in text:
            return text
    raise AssertionError(f"no tooltip shows {wanted!r}")


@pytest.mark.parametrize("width", [1440, 390])
def test_map_tooltips_show_names_as_text(live_server, browser, width):
    from playwright.sync_api import expect

    expect.set_options(timeout=20000)
    plant()
    page = browser.new_page(viewport={"width": width, "height": 900})
    errors = watch(page)
    local = urlsplit(live_server.url).netloc
    foreign: list[str] = []

    def guard(route):
        url = route.request.url
        if url.startswith("data:") or urlsplit(url).netloc == local:
            route.continue_()
        else:
            foreign.append(url)
            route.abort()

    page.route("**/*", guard)
    page.on("request", lambda req: None if req.url.startswith("data:") or urlsplit(req.url).netloc == local
            else foreign.append(req.url))
    sign_in(page, live_server.url, "demo-town", "/dashboard/")
    expect(page.locator("#map path.leaflet-interactive").first).to_be_attached(timeout=30000)

    assert open_tooltip(page, "#f0ad4e", "bold").startswith(FACILITY)
    assert open_tooltip(page, "#337ab7", "<i>").startswith(PROJECT)
    # Without a base layer (as here) each grid's name is written on the map itself, as text.
    assert GRID in page.locator("#map .grid-label").all_text_contents()
    # The project list beside the map was already text; it stays so.
    expect(page.locator("#project-list")).to_contain_text(PROJECT)
    for tag in ("img", "b", "i", "u"):
        assert page.locator(f"#map {tag}, #project-list {tag}").count() == 0, tag
    page.wait_for_timeout(300)
    assert foreign == [], foreign
    assert errors == [], errors

    # The facility's tooltip left open, for the screenshot.
    open_tooltip(page, "#f0ad4e", "bold", close=False)
    page.locator("#map").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / f"dashboard-tooltip-{width}.png"))
