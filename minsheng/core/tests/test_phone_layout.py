"""Phone layout (#18 point 5), in a real browser (Playwright driving Debian's Chromium, as in
minsheng/demands/tests/test_browser.py): the public pages and the pages a grid worker or a handler opens
fit 360 and 390 px without sideways scrolling; on a phone the header is one short row whose 菜单 button
opens the links and the desk bar; on a desktop the header shows everything, as before."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from minsheng.demands.tests.test_browser import sign_in, watch

pytestmark = [
    pytest.mark.django_db(transaction=True),
]

PHONE_WIDTHS = (360, 390)
PHONE_HEIGHT = 844


@pytest.fixture
def demo(live_server):
    """The full demo, with last month's ranking published so /rankings/ has its tables."""
    from minsheng.demands.models import Demand
    from minsheng.demo.loaders import load_all
    from minsheng.kpis.services import publish_ranking
    from minsheng.projects.models import Project, Status

    load_all()
    last_month = (timezone.localdate().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    publish_ranking(last_month)
    tracked = Demand.objects.exclude(reporter_phone="").filter(community__name="采菱社区").order_by("code").first()
    handled = Demand.objects.filter(handler__username="demo-handler").order_by("code").first()
    project = Project.objects.filter(status=Status.IMPLEMENTING).order_by("pk").first()
    return {"tracked": tracked, "handled": handled, "project": project}


def pages_of(who: str, demo: dict) -> list[str]:
    if who == "public":
        t = demo["tracked"]
        return ["/", "/submit/", f"/track/?code={t.code}&phone4={t.reporter_phone[-4:]}", "/projects/",
                f"/projects/{demo['project'].pk}/", "/facilities/", "/rankings/", "/activities/", "/open-data/", "/login/"]
    desk = ["/desk/", f"/desk/demands/{demo['handled'].code}/", "/desk/inbox", "/desk/callbacks/",
            "/desk/facilities/", "/desk/activities/", "/desk/surveys/"]
    if who == "demo-cailing-grid":
        desk += ["/desk/collect/", "/desk/collect/visits/", "/desk/roster/"]
    return desk


def overflow(page) -> int:
    """How many pixels the page scrolls sideways (0 when it fits)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


@pytest.mark.parametrize("who", ["public", "demo-cailing-grid", "demo-handler"])
def test_pages_fit_a_phone(demo, live_server, browser, who):
    problems = []
    for width in PHONE_WIDTHS:
        context = browser.new_context(viewport={"width": width, "height": PHONE_HEIGHT}, locale="zh-CN")
        page = context.new_page()
        errors = watch(page)
        if who != "public":
            sign_in(page, live_server.url, who)
        for path in pages_of(who, demo):
            response = page.goto(f"{live_server.url}{path}")
            assert response.status == 200, (who, path, response.status)
            if (extra := overflow(page)) > 0:
                problems.append(f"{path} at {width} px scrolls {extra} px sideways")
        assert errors == [], errors
        context.close()
    assert problems == []


def test_staff_header_is_one_short_row_on_a_phone(demo, live_server, browser):
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 390, "height": PHONE_HEIGHT}, locale="zh-CN")
    page = context.new_page()
    sign_in(page, live_server.url, "demo-cailing-grid")
    page.goto(f"{live_server.url}/desk/")
    header = page.locator("header.topbar")
    desk_bar = page.locator("nav.desknav")
    expect(page.locator(".menu-button")).to_be_visible()
    expect(header.get_by_role("link", name="提交诉求")).to_be_hidden()
    expect(desk_bar).to_be_hidden()
    assert header.bounding_box()["height"] <= 0.15 * PHONE_HEIGHT
    page.screenshot(path="/tmp/minsheng-phone-header.png")

    page.click(".menu-button")  # opens the links and the desk bar
    expect(header.get_by_role("link", name="提交诉求")).to_be_visible()
    expect(desk_bar.get_by_role("link", name="诉求工作台")).to_be_visible()
    expect(header.get_by_role("button", name="退出")).to_be_visible()
    assert overflow(page) <= 0
    page.click(".menu-button")
    expect(desk_bar).to_be_hidden()
    context.close()


def test_desktop_header_shows_everything(demo, live_server, browser):
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    page = context.new_page()
    sign_in(page, live_server.url, "demo-cailing-grid")
    page.goto(f"{live_server.url}/desk/")
    expect(page.locator(".menu-button")).to_be_hidden()
    expect(page.locator("header.topbar").get_by_role("link", name="提交诉求")).to_be_visible()
    expect(page.locator("nav.desknav").get_by_role("link", name="诉求工作台")).to_be_visible()
    assert page.locator("header.topbar").bounding_box()["height"] < 60  # one row, as before
    context.close()


def test_labels_stay_whole_on_a_phone(demo, live_server, browser):
    """The project page's step labels do not overlap, and the facilities' 报修 link is not split in two."""
    context = browser.new_context(viewport={"width": 360, "height": PHONE_HEIGHT}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server.url}/projects/{demo['project'].pk}/")
    boxes = [s.bounding_box() for s in page.locator("ol.phase-bar.labelled li span").all()]
    assert len(boxes) == 10
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            apart = (a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"]
                     or a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"])
            assert apart, (a, b)
    assert page.evaluate("getComputedStyle(document.querySelector('ol.phase-bar li'), '::before').content") == "none"

    page.goto(f"{live_server.url}/facilities/")
    link = page.locator("table a", has_text="报修").first
    line = float(page.evaluate("parseFloat(getComputedStyle(document.body).lineHeight) || 0")) or 26
    assert link.bounding_box()["height"] < 1.5 * line
    context.close()
