"""The public home page says what a resident can do here and shows each town's live figures of the year."""

import re

import pytest
from django.test import Client
from django.utils import timezone

from minsheng.kpis import periods
from minsheng.kpis.selectors import counts_from_counters, kpis
from minsheng.territory.selectors import find_node


@pytest.fixture
def full_demo(db):
    from minsheng.demo.loaders import load_all

    load_all()


def test_home_offers_what_a_resident_can_do(demo_territory):
    html = Client().get("/").content.decode()
    intro = re.search(r'data-testid="what-you-can-do">(.*?)</section>', html, re.S).group(1)
    for href, label in (("/submit/", "我要反映"), ("/track/", "查询进度"), ("/projects/", "微实事项目")):
        assert f'<a href="{href}">{label}</a>' in intro


def test_home_shows_the_towns_figures_of_the_year(full_demo):
    from minsheng.projects.models import Project

    year = timezone.localdate().year
    k = kpis("湖塘镇", str(year))
    in_service = Project.objects.filter(town__name="湖塘镇", in_service_at__year=year).count()
    html = Client().get("/").content.decode()
    completed = counts_from_counters(find_node("湖塘镇"), periods.parse(str(year))).completed
    stats = re.findall(r'<div class="stat">([^<]*)</div>', html)
    assert f"湖塘镇 · 民生微实事 · {year}</h2>" in html
    assert stats[:2] == [str(k["received"]), str(completed)] and k["received"] > 0 and completed > 0
    assert stats[2] == f"{round(k['satisfaction_rate'] * 100)}%"
    assert stats[3] == str(in_service) and in_service > 0
    assert "采菱社区" in html and "37 个居民小组" in html


def test_home_without_demands_shows_a_dash_for_satisfaction(demo_territory):
    stats = re.findall(r'<div class="stat">([^<]*)</div>', Client().get("/").content.decode())
    assert stats == ["0", "0", "—", "0"]
