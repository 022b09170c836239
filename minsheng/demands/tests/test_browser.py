"""Real-browser checks of the pages (Playwright driving Debian's Chromium against the live server).

Skipped only when /usr/bin/chromium is missing; CI installs it, so there these run. Never runs
`playwright install`: the browser is the system's.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from minsheng.demands.models import Demand

from .pages_helpers import make_demand

SHOTS = Path(os.environ.get("MINSHENG_SCREENSHOTS", "/tmp"))

pytestmark = [
    pytest.mark.django_db(transaction=True),
]


def watch(page) -> list[str]:
    """Collect script errors and console errors (CSP violations are console errors too)."""
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
    page.on("console", lambda msg: errors.append(f"console: {msg.text}") if msg.type == "error" else None)
    return errors


def sign_in(page, base: str, username: str, path: str | None = None) -> None:
    """Sign in through the login form with the demo password. With `path`, open it first (the site asks
    to sign in) and land on it; without, land wherever the role lands."""
    if path:
        page.goto(f"{base}{path}")
        page.wait_for_url(f"**/login/?next={path}")
    else:
        page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "minsheng-demo")
    page.click("main form button[type=submit]")
    page.wait_for_url(f"**{path}" if path else (lambda url: "/login/" not in url))


def test_resident_submits_on_a_phone_and_tracks_it(demo_territory, live_server, browser):
    from playwright.sync_api import expect

    context = browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True,
        locale="zh-CN", geolocation={"latitude": 31.7025, "longitude": 119.933}, permissions=["geolocation"],
    )
    page = context.new_page()
    errors = watch(page)
    page.goto(f"{live_server.url}/submit/?community=CL")
    expect(page.locator("[data-testid=preset]")).to_contain_text("采菱社区")
    page.fill("#f-text", "采菱家园二期12幢下水道堵塞，污水返到厨房")
    page.fill("#f-place", "采菱家园二期12幢")
    page.fill("#f-name", "张阿姨")
    page.fill("#f-phone", "13812345678")
    page.click("#locate-btn")  # the static script fills the hidden lat/lon
    expect(page.locator("#locate-status")).to_contain_text("已附上您的位置")
    page.screenshot(path=str(SHOTS / "minsheng-submit.png"), full_page=True)
    page.click("form.big button[type=submit]")
    page.wait_for_url("**/submit/done/")
    code = page.locator("[data-testid=code]").inner_text().strip()
    d = Demand.objects.get(code=code)
    assert d.community.name == "采菱社区" and (round(d.lat, 4), round(d.lon, 3)) == (31.7025, 119.933)
    page.screenshot(path=str(SHOTS / "minsheng-submit-done.png"), full_page=True)
    page.click("[data-testid=track-link]")
    page.wait_for_url("**/track/?code=*")
    expect(page.locator("[data-testid=status]")).to_have_text("已登记")
    expect(page.locator("ol.steps li.current")).to_have_text("已登记")
    page.screenshot(path=str(SHOTS / "minsheng-track.png"), full_page=True)
    # Nothing overflows the phone's width.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert errors == []
    context.close()


def test_staff_accepts_and_assigns_without_reloading(demo_territory, live_server, browser):
    from playwright.sync_api import expect

    d, _token = make_demand()
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    errors = watch(page)
    sign_in(page, live_server.url, "demo-cailing", "/desk/")
    row = page.locator(f"tr[data-code='{d.code}']")
    expect(row).to_contain_text("排水防汛")  # classified by triage on intake
    page.screenshot(path=str(SHOTS / "minsheng-desk.png"), full_page=True)

    # The filter form swaps the table in place (htmx).
    page.evaluate("window.__sameDocument = 'yes'")
    page.select_option("#filters select[name=status]", "received")
    page.wait_for_url("**/desk/?*status=received*")
    expect(row).to_be_visible()
    assert page.evaluate("window.__sameDocument") == "yes"

    page.click(f"a:text-is('{d.code}')")
    page.wait_for_url(f"**/desk/demands/{d.code}/")
    page.evaluate("window.__sameDocument = 'yes'")
    status = page.locator("[data-testid=status]")
    expect(status).to_have_text("已登记")
    page.click("form[data-action=accept] button[type=submit]")
    expect(status).to_have_text("已受理")
    page.select_option("form[data-action=assign] select[name=handler]", "demo-handler")
    page.click("form[data-action=assign] button[type=submit]")
    expect(status).to_have_text("已派单")
    expect(page.locator("[data-testid=notice]")).to_have_text("已派单")
    expect(page.locator("[data-testid=due]")).to_be_visible()
    assert page.evaluate("window.__sameDocument") == "yes"  # no full reload happened
    page.screenshot(path=str(SHOTS / "minsheng-demand.png"), full_page=True)
    d.refresh_from_db()
    assert d.status == "assigned" and d.handler.username == "demo-handler"
    assert errors == []
    context.close()
