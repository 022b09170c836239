"""Real browser: a resident picks a photo on /submit/ on a phone, sees its preview (shrunk in the
browser), submits, and staff see its thumbnail on the desk demand page."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from minsheng.demands.models import Demand

from .test_browser import SHOTS, sign_in, watch

pytestmark = [pytest.mark.django_db(transaction=True)]


def test_resident_picks_a_photo_and_staff_see_it(demo_territory, live_server, browser, tmp_path):
    from playwright.sync_api import expect

    big = tmp_path / "drain.png"
    Image.effect_noise((2400, 1800), 60).convert("RGB").save(big, format="PNG")  # larger than 1600 px
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                                  has_touch=True, locale="zh-CN")
    page = context.new_page()
    errors = watch(page)
    page.goto(f"{live_server.url}/submit/?community=CL")
    page.fill("#f-text", "采菱家园二期12幢下水道堵塞，污水返到厨房")
    small = tmp_path / "extra.jpg"
    Image.new("RGB", (40, 30), (10, 120, 200)).save(small, format="JPEG")
    page.set_input_files("#f-photos", [str(big), str(small)])
    preview = page.locator("ul.photo-previews li img")
    expect(preview).to_have_count(2)
    page.locator("ul.photo-previews li").nth(1).locator("button.remove").click()  # changed their mind
    expect(preview).to_have_count(1)
    expect(page.locator("ul.photo-previews button.remove")).to_have_text("移除")
    expect(page.locator("form.big button[type=submit]")).to_be_enabled()
    # What the form will send: the photo shrunk to JPEG in the browser.
    sent = page.evaluate("(() => { const fs = document.getElementById('f-photos').files;"
                         " return [fs[0].name, fs[0].type, fs[0].size, fs.length]; })()")
    assert sent[3] == 1 and sent[0] == "drain.jpg" and sent[1] == "image/jpeg" and sent[2] < big.stat().st_size
    page.screenshot(path=str(SHOTS / "minsheng-submit-photos.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.click("form.big button[type=submit]")
    page.wait_for_url("**/submit/done/")
    d = Demand.objects.get()
    stored = d.attachments.get()
    assert stored.kind == "before" and stored.content_type == "image/jpeg"
    assert max(Image.open(io.BytesIO(stored.file.read())).size) == 1600
    context.close()

    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = context.new_page()
    errors += watch(page)
    sign_in(page, live_server.url, "demo-cailing", f"/desk/demands/{d.code}/")
    thumb = page.locator("[data-testid=photos-before] img")
    expect(thumb).to_have_count(1)
    thumb.scroll_into_view_if_needed()
    expect(thumb).to_have_js_property("complete", True)
    assert thumb.evaluate("img => img.naturalWidth") > 0  # the file really loads through the permission check
    page.screenshot(path=str(SHOTS / "minsheng-demand-photos.png"), full_page=True)
    assert errors == []
    context.close()
