"""A submit button says 正在提交… and takes no second press while its form is on the way (#18 point 3),
in a real browser: the resident's form, a staff action posted by htmx, and the English label. What the
button showed is recorded in the page's sessionStorage as it changes, and read after the answer came."""

from __future__ import annotations

import pytest

from minsheng.demands.models import Demand
from minsheng.demands.tests.test_browser import sign_in, watch

pytestmark = [pytest.mark.django_db(transaction=True)]

RECORD = """s => {
  const b = document.querySelector(s);
  const note = () => {
    const seen = JSON.parse(sessionStorage.getItem("busy-log") || "[]");
    seen.push([b.textContent.trim(), b.disabled]);
    sessionStorage.setItem("busy-log", JSON.stringify(seen));
  };
  new MutationObserver(note).observe(b, {attributes: true, childList: true, characterData: true, subtree: true});
}"""


def _seen(page) -> list[list]:
    return page.evaluate("() => JSON.parse(sessionStorage.getItem('busy-log') || '[]')")


def _posts(page, part: str) -> list[str]:
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.url) if r.method == "POST" and part in r.url else None)
    return sent


def test_the_residents_submit_button_says_it_is_submitting(demo_territory, live_server, browser):
    page = browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN")
    errors = watch(page)
    page.goto(f"{live_server.url}/submit/?community=CL")
    page.fill("#f-text", "采菱家园二期12幢下水道堵塞，污水返到厨房")
    page.fill("#f-phone", "13812345678")
    page.evaluate(RECORD, "form.big button[type=submit]")
    sent = _posts(page, "/submit/")
    with page.expect_navigation(url="**/submit/done/"):
        # Two presses 50 ms apart, as an impatient thumb does.
        page.evaluate("""() => { const b = document.querySelector('form.big button[type=submit]');
                                 b.click(); setTimeout(() => b.click(), 50); }""")
    assert ["正在提交…", True] in _seen(page)
    assert len(sent) == 1 and Demand.objects.count() == 1
    assert "短信" in page.locator("[data-testid=hear-back]").inner_text()
    assert not errors, errors


def test_an_htmx_action_gets_its_button_back_with_the_answer(demo_territory, live_server, browser):
    from playwright.sync_api import expect

    from minsheng.demands.tests.pages_helpers import make_demand

    d, _token = make_demand()
    page = browser.new_page(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    errors = watch(page)
    sign_in(page, live_server.url, "demo-cailing", f"/desk/demands/{d.code}/")
    page.evaluate(RECORD, "form[data-action=accept] button[type=submit]")
    page.click("form[data-action=accept] button[type=submit]")
    expect(page.locator("[data-testid=status]").first).to_have_text("已受理")
    assert ["正在提交…", True] in _seen(page)
    assert Demand.objects.get(pk=d.pk).status == "accepted"
    assert page.locator("[aria-busy=true]").count() == 0  # nothing on the new panel is left waiting
    assert not errors, errors


def test_the_label_follows_the_language(demo_territory, live_server, browser):
    page = browser.new_page(locale="zh-CN")
    page.goto(f"{live_server.url}/submit/?community=CL")
    page.locator("form.lang button[value=en]").click()
    page.wait_for_load_state()
    page.fill("#f-text", "采菱家园二期12幢下水道堵塞，污水返到厨房")
    page.evaluate(RECORD, "form.big button[type=submit]")
    with page.expect_navigation(url="**/submit/done/"):
        page.click("form.big button[type=submit]")
    assert ["Submitting…", True] in _seen(page)
