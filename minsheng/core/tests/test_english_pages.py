"""With the English cookie the main pages show English interface text: whatever Chinese is left is data
(names of the territory, people, demand texts, project titles…), taken from the database, not a list.

Each page is parsed (text outside <script>/<style>, and the placeholder, title, aria-label and alt
attributes); the data of the demo town is removed from every piece of text, and no Han character may be
left. Without the cookie the same pages are still in Chinese."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from importlib import import_module

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

HAN = re.compile(r"[\u3400-\u9fff]")
ATTRIBUTES = ("placeholder", "title", "aria-label", "alt")

# The data shown on the pages: model → text fields.
DATA_FIELDS = {
    "territory.Town": ["name"], "territory.Community": ["name"], "territory.Grid": ["name", "unit"],
    "territory.ResidentGroup": ["name"], "territory.Place": ["name"], "territory.Building": ["name"],
    "auth.User": ["first_name", "last_name"],
    "demands.Demand": ["text", "place_text", "reporter_name", "handler_label", "reply"],
    "demands.DemandEvent": ["note", "actor_label"],
    "projects.Project": ["title", "campaign", "plan", "contractor", "close_reason", "task_team"],
    "projects.WorkItem": ["name", "unit"], "projects.ProgressNote": ["note"], "projects.Spending": ["note"],
    "projects.Vote": ["minutes"], "projects.Objection": ["text", "answer"],
    "projects.Inspection": ["inspector_label", "note"], "projects.Evaluation": ["note"],
    "projects.ProjectEvent": ["note", "actor_label"],
    "facilities.Facility": ["name", "unit", "description"], "facilities.FacilityProject": ["title"],
    "facilities.MaintenancePlan": ["title", "instructions"],
    "services_activities.Activity": ["title", "place_text", "organiser", "description", "target_text"],
    "notifications.Notification": ["subject", "body"],
}


class Texts(HTMLParser):
    """The pieces of text a reader sees (or a screen reader reads)."""

    def __init__(self):
        super().__init__()
        self.hidden = 0
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.hidden += 1
        for name, value in attrs:
            if name in ATTRIBUTES and value and value.strip():
                self.found.append(value.strip())

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden and data.strip():
            self.found.append(data.strip())


def texts(html: str) -> list[str]:
    parser = Texts()
    parser.feed(html)
    return parser.found


def data_strings() -> list[str]:
    """Every piece of Chinese data the pages may show, longest first (so that a name inside a longer name
    goes with it)."""
    from django.apps import apps

    from minsheng.accounts.services import mask_name
    from minsheng.demands.models import Channel, Demand, Resolution, Satisfaction, Status
    from minsheng.projects.models import Project
    from minsheng.publishing import opendata

    found = {"简体中文"}  # the language switcher names the other language in that language
    for label, fields in DATA_FIELDS.items():
        for row in apps.get_model(label).objects.values_list(*fields):
            for value in row:
                if value and HAN.search(value):
                    found.add(value.strip())
                    found.update(line.strip() for line in value.splitlines() if line.strip())
    for name in Demand.objects.exclude(reporter_name="").values_list("reporter_name", flat=True):
        found.add(mask_name(name))
    # Open data: the CSV's own header and the values it writes are Chinese in every language, and the page
    # quotes them.
    for columns in opendata.COLUMNS.values():
        found.update(column for column, _description in columns)
    with translation.override("zh-hans"):
        for choices in (Channel, Status, Resolution, Satisfaction):
            found.update(str(label) for label in choices.labels)
        for field in ("status", "kind"):
            found.update(str(label) for _value, label in Project._meta.get_field(field).choices)
    found.update([opendata.YES, opendata.NO])
    return sorted((s for s in found if HAN.search(s)), key=len, reverse=True)


def untranslated(html: str, data: list[str]) -> list[str]:
    left = []
    for text in texts(html):
        if not HAN.search(text):
            continue
        if text.endswith("…") and any(text[:-1] in value for value in data):
            continue  # a demand text cut short
        rest = text
        for value in data:
            if value in rest:
                rest = rest.replace(value, " ")
        if HAN.search(rest):
            left.append(text)
    return left


def script_labels(html: str) -> dict:
    found = re.search(r'<script id="dashboard-labels" type="application/json">(.*?)</script>', html, re.S)
    assert found, "the dashboard hands its words to dashboard.js"
    return json.loads(found.group(1))


def english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def full_demo(demo_territory):
    """The demo town with its demands, projects, facilities and activities."""
    from minsheng.demo.loaders import FULL_ONLY, LOADERS

    for name in LOADERS:
        if name in FULL_ONLY:
            import_module(name).load(territory_only=False)
    return demo_territory


def test_main_pages_have_no_untranslated_interface_text(full_demo, user_client):
    from minsheng.demands.models import Demand
    from minsheng.projects.models import Project

    project = Project.objects.order_by("id").first()
    demand = Demand.objects.filter(community__name="采菱社区").order_by("id").first()
    assert project is not None and demand is not None
    pages = {
        None: ["/", "/submit/", "/track/", "/projects/", f"/projects/{project.pk}/", "/login/", "/open-data/",
               "/facilities/", "/activities/", "/rankings/"],
        "demo-cailing": ["/desk/", "/desk/?queue=to_accept", "/desk/?queue=ended", "/desk/?queue=to_close",
                         f"/desk/demands/{demand.code}/", "/dashboard/", "/desk/collect/",
                         "/desk/collect/meetings/new", "/desk/collect/visits/new", "/desk/facilities/plans/"],
        "demo-town": ["/desk/", "/dashboard/", "/desk/facilities/"],
        "demo-resident": ["/me/"],
    }
    data = data_strings()
    problems = {}
    for username, urls in pages.items():
        client = english(user_client(username) if username else Client())
        for url in urls:
            r = client.get(url)
            assert r.status_code == 200, (username, url, r.status_code)
            html = r.content.decode()
            assert '<html lang="en">' in html, url
            if left := untranslated(html, data):
                problems[f"{username or 'anonymous'} {url}"] = left
    assert problems == {}


def test_english_labels_on_the_desk_and_the_dashboard(full_demo, user_client):
    client = english(user_client("demo-cailing"))
    desk = client.get("/desk/").content.decode()
    for label in ("To accept", "To classify", "To assign", "In progress", "To call back", "To close", "Ended"):
        assert f">{label}<" in desk or f">{label} " in desk, label
    assert "Ended · Newest registered first" in client.get("/desk/?queue=ended").content.decode()

    dashboard = client.get("/dashboard/").content.decode()
    for label in ("Download bulletin", "Bulletin period", "Trend over the last 12 months", "Facility conditions",
                  "Overdue and not completed (top 20)", "Days overdue", 'aria-label="Three rates"',
                  'aria-label="Drill-down"'):
        assert label in dashboard, label
    # dashboard.js gets its words from the page
    assert script_labels(dashboard)["response_rate"] == "Response rate"
    # … and the data it draws is in the same language.
    body = client.get("/dashboard/data.json").json()
    shown = [r["name"] for r in body["categories"] + body["channels"] + body["projects"]["pipeline"]]
    shown += [r["status"] for r in body["overdue"]] + [r["category"] for r in body["overdue"]]
    assert shown and not [s for s in shown if HAN.search(s)]

    open_data = english(Client()).get("/open-data/").content.decode()
    assert "Open data" in open_data and "Demands (anonymised)" in open_data and "CSV column" in open_data


def test_chinese_is_still_the_default(full_demo, user_client):
    client = user_client("demo-cailing")
    desk = client.get("/desk/").content.decode()
    assert "待受理" in desk and "已结束" in desk and "To accept" not in desk
    dashboard = client.get("/dashboard/").content.decode()
    assert "下载简报" in dashboard and "近12个月趋势" in dashboard
    assert script_labels(dashboard)["response_rate"] == "响应率"
    body = client.get("/dashboard/data.json").json()
    assert any(HAN.search(r["name"]) for r in body["categories"])
    open_data = Client().get("/open-data/").content.decode()
    assert "开放数据" in open_data and "诉求（匿名）" in open_data


def test_schedule_label_is_describe_in_chinese():
    from minsheng.facilities.schedules import Schedule

    schedules = [Schedule("daily"), *(Schedule("weekly", weekday=w) for w in range(7)),
                 Schedule("monthly", day=5), Schedule("monthly", day=31), Schedule("yearly", month=5, day=5)]
    with translation.override("zh-hans"):
        assert [s.label() for s in schedules] == [s.describe() for s in schedules]
    with translation.override("en"):
        assert [s.label() for s in schedules[:2]] == ["Daily", "Every Monday"]
        assert not [s.label() for s in schedules if HAN.search(s.label())]
