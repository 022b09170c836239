"""Real-browser checks (Playwright driving Debian's Chromium against the live server): the grid worker's
visit page and the resident's answer page on a phone, and the ledger import's progress bar (htmx).

Skipped only when /usr/bin/chromium is missing; never runs `playwright install`."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from minsheng.collection.models import FormResponse, LedgerImport, Visit
from minsheng.demands.models import Demand
from minsheng.demands.tests.test_browser import SHOTS, sign_in, watch

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True,
         "locale": "zh-CN"}

pytestmark = [
    pytest.mark.django_db(transaction=True),
]


def photo(path: Path) -> Path:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 120, 200)).save(out, format="JPEG")
    path.write_bytes(out.getvalue())
    return path


def test_grid_worker_records_a_visit_on_a_phone(demo_territory, live_server, browser, tmp_path):
    from playwright.sync_api import expect

    context = browser.new_context(**PHONE)
    page = context.new_page()
    errors = watch(page)
    sign_in(page, live_server.url, "demo-cailing-grid", "/desk/collect/visits/new")
    options = page.locator("#v-building option")
    assert options.count() == 25  # "请选择" and the 24 buildings of 采菱第一网格
    page.select_option("#v-building", label="采菱家园一期3幢")
    page.fill("#v-household", "2单元301")
    page.fill("#v-notes", "独居老人，身体尚好")
    page.fill("#v-demands", "楼道灯不亮，晚上上下楼不方便\n单元门禁坏了")
    page.fill("#v-phone", "13812345678")
    page.set_input_files("#v-photos", str(photo(tmp_path / "scene.jpg")))
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(SHOTS / "minsheng-visit-new.png"), full_page=True)
    page.click("form.big button[type=submit]")
    page.wait_for_url("**/desk/collect/visits/*/")
    expect(page.locator("[data-testid=visit-title]")).to_have_text("采菱家园一期3幢 2单元301")
    v = Visit.objects.get()
    codes = list(Demand.objects.filter(source_ref=f"visit:{v.pk}").order_by("source_line")
                 .values_list("code", flat=True))
    assert len(codes) == 2 and v.photos.count() == 1
    expect(page.locator("[data-testid=demands] li")).to_have_count(2)
    expect(page.locator(".photos img")).to_have_count(1)
    # The element is there before its picture has arrived: wait until the browser is done with it
    # (loaded or broken), then check it decoded. Polled from here: the page's CSP forbids the eval
    # that wait_for_function polls with inside the page.
    for _ in range(200):
        if page.evaluate("document.querySelector('.photos img').complete"):
            break
        page.wait_for_timeout(50)
    assert page.evaluate("document.querySelector('.photos img').naturalWidth") == 64
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(SHOTS / "minsheng-visit.png"), full_page=True)
    assert errors == []
    context.close()


def test_resident_answers_an_opinion_form_on_a_phone(demo_territory, live_server, browser):
    from django.contrib.auth import get_user_model
    from playwright.sync_api import expect

    from minsheng.collection.services import opinion
    from minsheng.territory.models import Community

    staff = get_user_model().objects.get(username="demo-cailing")
    f = opinion.create_form(staff, community=Community.objects.get(name="采菱社区"), title="民情征求意见表",
                            intro="请您提出宝贵意见。")
    opinion.add_question(f, staff, kind="single", text="您最关心的问题是？", required=True,
                         options_text="停车难\n环境卫生\n健身设施")
    opinion.add_question(f, staff, kind="multi", text="希望增加哪些设施？", options_text="晾衣架\n休闲椅")
    opinion.add_question(f, staff, kind="rating", text="满意程度", required=True)
    opinion.add_question(f, staff, kind="text", text="其他意见")
    opinion.set_state(f, staff, "open")

    context = browser.new_context(**PHONE)
    page = context.new_page()
    errors = watch(page)
    page.goto(f"{live_server.url}/collect/forms/{f.token}/")
    expect(page.locator("h1")).to_have_text("民情征求意见表")
    page.check("label.choice:has-text('晾衣架') input")
    page.fill("textarea[name^=q]", "二期晾衣架太少")
    page.click("#answer-form button[type=submit]")  # the required questions are still open
    expect(page.locator("[data-testid=error]")).to_be_visible()
    expect(page.locator("fieldset.question.invalid")).to_have_count(2)
    assert page.locator("label.choice:has-text('晾衣架') input").is_checked()  # kept what was given
    page.click("label.choice:has-text('停车难')")
    page.click("fieldset[data-kind=rating] label.choice:has-text('4')")
    page.fill("#a-name", "李阿姨")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(SHOTS / "minsheng-opinion-form.png"), full_page=True)
    page.click("#answer-form button[type=submit]")
    page.wait_for_url(f"**/collect/forms/{f.token}/done")
    expect(page.locator("[data-testid=thanks]")).to_be_visible()
    r = FormResponse.objects.get()
    assert r.respondent_name == "李阿姨" and not r.anonymous
    assert sorted(filter(None, r.answers.values_list("text", flat=True))) == ["二期晾衣架太少"]
    assert r.answers.get(question__kind="rating").rating == 4
    # The one refused submission (422) is expected; nothing else went wrong (no script or CSP error).
    assert [e for e in errors if "status of 422" not in e] == []
    context.close()


def test_ledger_progress_bar_polls_until_done(demo_territory, live_server, browser):
    from django.contrib.auth import get_user_model
    from playwright.sync_api import expect

    user = get_user_model().objects.get(username="demo-cailing")
    imp = LedgerImport.objects.create(uploaded_by=user, stored_name="x.xlsx", file="ledgers/x.xlsx",
                                      original_name="台账.xlsx", state="running", rows=5000, progress=30,
                                      message="检查通过，正在写入 5000 行")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    errors = watch(page)
    sign_in(page, live_server.url, "demo-cailing", f"/desk/collect/ledger/{imp.pk}/")
    page.evaluate("window.__sameDocument = 'yes'")
    expect(page.locator("[data-testid=progress-message]")).to_contain_text("30%")
    LedgerImport.objects.filter(pk=imp.pk).update(progress=64, message="已写入 3000 / 5000 行")
    expect(page.locator("[data-testid=progress-message]")).to_contain_text("已写入 3000 / 5000 行")
    LedgerImport.objects.filter(pk=imp.pk).update(state="done", progress=100, created=5000, message="导入完成")
    expect(page.locator("[data-testid=done]")).to_contain_text("新建 5000")
    assert page.evaluate("window.__sameDocument") == "yes"
    assert page.locator("#progress[hx-trigger]").count() == 0  # polling stopped
    assert errors == []
    context.close()
