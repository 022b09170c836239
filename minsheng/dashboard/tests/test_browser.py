"""Real-browser checks of the dashboard (Playwright driving Debian's Chromium, as in
minsheng/demands/tests/test_browser.py): charts drawn, map with grid polygons, project bars, and no
page or console errors (a CSP violation is a console error)."""

from __future__ import annotations

import pytest

from minsheng.demands.tests.test_browser import SHOTS, sign_in, watch

pytestmark = [
    pytest.mark.django_db(transaction=True),
]


@pytest.mark.parametrize("width", [1280, 390])
def test_dashboard_draws_charts_and_map(live_server, browser, width):
    from playwright.sync_api import expect

    expect.set_options(timeout=20000)

    from minsheng.demo.loaders import load_all

    load_all()
    page = browser.new_page(viewport={"width": width, "height": 900})
    errors = watch(page)
    sign_in(page, live_server.url, "demo-town", "/dashboard/")
    expect(page.locator("#kpi-cards .kpi-card")).to_have_count(4, timeout=30000)
    for chart in ("chart-trend", "chart-categories", "chart-channels", "chart-pipeline", "chart-facilities"):
        expect(page.locator(f"#{chart} canvas").first).to_be_attached()
    expect(page.locator("#map.leaflet-container")).to_be_visible()
    page.wait_for_timeout(1000)
    assert errors == [], errors
    expect(page.locator("#map path.leaflet-interactive").first).to_be_attached()
    assert page.locator("#map path.leaflet-interactive").count() >= 10
    expect(page.locator("#project-list progress").first).to_be_visible()
    page.screenshot(path=f"/tmp/dashboard-{width}.png", full_page=True)
    # drill down to a community
    page.click("#crumbs a:text('采菱社区')")
    page.wait_for_url("**/dashboard/?scope=*")
    expect(page.locator("#scope-name")).to_have_text("采菱社区")
    expect(page.locator("#chart-trend canvas").first).to_be_attached()
    assert page.locator("#dash-error").text_content() == ""
    assert errors == [], errors


@pytest.mark.parametrize("width", [1440, 390])
def test_without_tiles_the_map_names_communities_and_grids(live_server, browser, width, settings):
    """No MINSHENG_MAP_TILES: the outlines are the map, so each community's edge and name and each
    grid's name are drawn on it, and the page says how to get a street map."""
    from playwright.sync_api import expect

    from minsheng.demo.loaders import load_all
    from minsheng.territory.models import Community, Grid

    settings.MINSHENG_MAP_TILES = ""
    load_all()
    page = browser.new_page(viewport={"width": width, "height": 900}, locale="zh-CN")
    errors = watch(page)
    sign_in(page, live_server.url, "demo-town", "/dashboard/")
    expect(page.locator("#map .community-label").first).to_be_visible(timeout=30000)
    names = set(page.locator("#map .community-label").all_inner_texts())
    assert names == set(Community.objects.values_list("name", flat=True))
    labels = page.locator("#map .grid-label").all_text_contents()
    grids = Grid.objects.exclude(polygon=None).select_related("community")
    assert len(labels) == grids.count()
    assert all(any(g.name.endswith(label) for g in grids) for label in labels)  # 采菱第五网格 reads 第五网格
    page.locator("#map").scroll_into_view_if_needed()
    # MINSHENG_SCREENSHOTS=docs/screens refreshes the README's pictures.
    page.locator("#map").screenshot(path=str(SHOTS / f"{'phone' if width < 500 else 'desktop'}-map-without-tiles.png"))
    page.locator("#map .leaflet-control-zoom-in").click()
    page.wait_for_timeout(600)  # zoomed in, every grid's name fits
    expect(page.locator("#map .grid-label").first).to_be_visible()
    expect(page.locator("[data-testid=no-tiles]")).to_contain_text("MINSHENG_MAP_TILES")
    assert errors == [], errors
