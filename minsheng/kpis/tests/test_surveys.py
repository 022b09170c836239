"""Community sense surveys: indices on hand-computed answers, one answer per resident, anonymous limits,
the staff desk, trends and the public API."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from minsheng.kpis import services as kpi_services
from minsheng.kpis import surveys
from minsheng.kpis.models import SenseSurvey, SurveyResponse
from minsheng.territory.models import Community

from .conftest import user


def make(period="2026-Q3", community="采菱社区", by="demo-cailing"):
    return kpi_services.create_survey(user(by), community=Community.objects.get(name=community), period=period)


def sheet(**ratings):
    return {k: str(v) for k, v in ratings.items()}


@pytest.fixture
def q3(demo_territory):
    """Three sheets (— = left blank):
         获得感 幸福感 安全感 归属感 认同感
    r1     5     4     3     2     1
    r2     3     4     5     —     1
    r3     4     5     4     4     —      (paper)
    means  4   13/3    4     3     1   → indices (mean − 1) × 25: 75.0, 83.3, 75.0, 50.0, 0.0
    counts 3     3     3     2     2     overall (75 + 83.33 + 75 + 50 + 0) / 5 = 56.7
    """
    s = make()
    kpi_services.answer_survey(s, ratings=sheet(gain=5, happiness=4, security=3, belonging=2, identity=1), comment="路灯要修")
    kpi_services.answer_survey(s, ratings=sheet(gain=3, happiness=4, security=5, identity=1))
    kpi_services.enter_paper(user("demo-cailing"), s, ratings=sheet(gain=4, happiness=5, security=4, belonging=4),
                        comment="希望多办活动")
    return s


def test_indices(q3):
    figures = surveys.indices([q3.pk])[q3.pk]
    assert figures["responses"] == 3
    got = {k: (v["index"], v["count"]) for k, v in figures["indices"].items()}
    assert got == {"gain": (75.0, 3), "happiness": (83.3, 3), "security": (75.0, 3), "belonging": (50.0, 2),
                   "identity": (0.0, 2)}
    assert figures["indices"]["happiness"]["mean"] == pytest.approx(4.333, abs=1e-3)
    assert figures["overall"] == 56.7


def test_a_survey_without_answers(demo_territory):
    s = make()
    figures = surveys.indices([s.pk])[s.pk]
    assert figures["responses"] == 0 and figures["overall"] is None
    assert all(v["index"] is None and v["count"] == 0 for v in figures["indices"].values())


def test_one_answer_per_signed_in_resident(q3, user_client):
    client = user_client("demo-resident")
    assert client.get(f"/surveys/{q3.pk}/").status_code == 200
    r = client.post(f"/surveys/{q3.pk}/", {"gain": "5", "happiness": "5", "comment": "很好"})
    assert r.status_code == 302
    assert "您已参与本次调查" in client.get(f"/surveys/{q3.pk}/").content.decode()
    r = client.post(f"/surveys/{q3.pk}/", {"gain": "1"})
    assert r.status_code == 409
    assert SurveyResponse.objects.filter(survey=q3, respondent__username="demo-resident").count() == 1
    # A fresh session of the same account is refused too (the rule is the account, not the browser).
    assert user_client("demo-resident").post(f"/surveys/{q3.pk}/", {"gain": "1"}).status_code == 409
    # The service refuses as well.
    with pytest.raises(Exception) as exc:
        kpi_services.answer_survey(q3, ratings={"gain": "2"}, respondent=user("demo-resident"))
    assert "已参与" in str(exc.value)


def test_anonymous_answers_are_rate_limited(q3, settings):
    settings.MINSHENG_SURVEY_ANON_LIMIT = 1
    before = q3.responses.count()
    first = Client()
    assert first.post(f"/surveys/{q3.pk}/", {"gain": "4"}).status_code == 302
    assert first.post(f"/surveys/{q3.pk}/", {"gain": "4"}).status_code == 409  # same browser
    assert Client().post(f"/surveys/{q3.pk}/", {"gain": "4"}).status_code == 429  # limit reached for the address
    assert q3.responses.count() == before + 1


def test_bad_answers_are_named(q3):
    client = Client()
    r = client.post(f"/surveys/{q3.pk}/", {"gain": "6"})
    assert r.status_code == 422 and "获得感须为 1 到 5 的整数" in r.content.decode()
    r = client.post(f"/surveys/{q3.pk}/", {"comment": "只写意见"})
    assert r.status_code == 422 and "请至少评价一项" in r.content.decode()
    r = client.post(f"/surveys/{q3.pk}/", {"gain": "3", "comment": "长" * 501})
    assert r.status_code == 422
    assert q3.responses.count() == 3


def test_closed_survey_takes_no_online_answers_but_paper_still(q3, user_client):
    staff = user_client("demo-cailing")
    assert staff.post(f"/desk/surveys/{q3.pk}/status", {"status": "closed"}).status_code == 302
    q3.refresh_from_db()
    assert q3.status == "closed" and q3.closed_at is not None
    assert "本次调查已结束" in Client().get(f"/surveys/{q3.pk}/").content.decode()
    assert Client().post(f"/surveys/{q3.pk}/", {"gain": "5"}).status_code == 409
    assert staff.post(f"/desk/surveys/{q3.pk}/paper", {"gain": "2", "identity": "3"}).status_code == 302
    assert q3.responses.count() == 4


def test_unknown_survey(demo_territory):
    assert Client().get("/surveys/999/").status_code == 404


# ---------------------------------------------------------------------------------------------
# The staff desk


def test_create_from_the_desk(demo_territory, user_client):
    client = user_client("demo-cailing")
    cailing = Community.objects.get(name="采菱社区")
    r = client.post("/desk/surveys/new", {"community": cailing.pk, "period": "2026-q4"})
    s = SenseSurvey.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/desk/surveys/{s.pk}/"
    assert (s.period, str(s.first_day), str(s.last_day), s.status) == ("2026-Q4", "2026-10-01", "2026-12-31", "open")
    assert "采菱社区2026-Q4" in s.title
    assert client.post("/desk/surveys/new", {"community": cailing.pk, "period": "2026-Q4"}).status_code == 409
    assert client.post("/desk/surveys/new", {"community": cailing.pk, "period": "秋天"}).status_code == 422
    # Another community's staff, and a grid worker, may not start one for 采菱.
    assert user_client("demo-sanqin").post("/desk/surveys/new", {"community": cailing.pk,
                                                                  "period": "2026"}).status_code == 422
    assert user_client("demo-cailing-grid").post("/desk/surveys/new", {"community": cailing.pk,
                                                                        "period": "2026"}).status_code == 422
    assert SenseSurvey.objects.count() == 1


def test_results_page_shows_indices_trend_and_comments(q3, user_client):
    q2 = make("2026-Q2")
    kpi_services.answer_survey(q2, ratings=sheet(gain=3, happiness=3, security=3, belonging=3, identity=3))
    html = user_client("demo-cailing").get(f"/desk/surveys/{q3.pk}/").content.decode()
    cards = dict(re.findall(r'data-dim="(\w+)"><div>[^<]+</div><div class="stat">([^<]+)</div>', html))
    assert cards == {"gain": "75.0", "happiness": "83.3", "security": "75.0", "belonging": "50.0",
                     "identity": "0.0", "overall": "56.7"}
    assert html.index(">2026-Q2</a>") < html.index(">2026-Q3</a>")  # oldest first
    assert "<svg" in html and html.count("<polyline") == 5  # five dimensions, each with a point in Q2 and Q3
    assert "路灯要修" in html and "希望多办活动" in html


def test_visibility_of_results_and_paper_entry(q3, user_client):
    assert user_client("demo-sanqin").get(f"/desk/surveys/{q3.pk}/").status_code == 404
    assert user_client("demo-sanqin").post(f"/desk/surveys/{q3.pk}/paper", {"gain": "5"}).status_code == 404
    grid = user_client("demo-cailing-grid")
    assert grid.get(f"/desk/surveys/{q3.pk}/").status_code == 200
    assert grid.post(f"/desk/surveys/{q3.pk}/paper", {"gain": "5"}).status_code == 302  # grid workers enter paper
    assert grid.post(f"/desk/surveys/{q3.pk}/status", {"status": "closed"}).status_code == 403
    assert user_client("demo-resident").get("/desk/surveys/").status_code == 403
    assert q3.responses.count() == 4 and SenseSurvey.objects.get(pk=q3.pk).status == "open"


def test_desk_list_is_scoped(q3, user_client):
    make("2026-Q3", community="三勤社区", by="demo-sanqin")
    assert len(re.findall(r"data-survey=", user_client("demo-cailing").get("/desk/surveys/").content.decode())) == 1
    assert len(re.findall(r"data-survey=", user_client("demo-town").get("/desk/surveys/").content.decode())) == 2


def test_desk_pages_queries_do_not_grow(q3, user_client):
    client = user_client("demo-town")
    client.get("/desk/surveys/")
    with CaptureQueriesContext(connection) as few:
        client.get("/desk/surveys/")
        client.get(f"/desk/surveys/{q3.pk}/")
    for period in ("2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4", "2026-Q1"):
        s = make(period)
        kpi_services.answer_survey(s, ratings=sheet(gain=4, happiness=4), comment=f"{period} 意见")
        kpi_services.answer_survey(s, ratings=sheet(gain=2, security=5))
    with CaptureQueriesContext(connection) as many:
        client.get("/desk/surveys/")
        client.get(f"/desk/surveys/{q3.pk}/")
    assert len(many) == len(few) <= 20


# ---------------------------------------------------------------------------------------------
# The public API: aggregates only


def test_public_indices_api(q3):
    q2 = make("2026-Q2")
    kpi_services.answer_survey(q2, ratings=sheet(gain=3, happiness=3, security=3, belonging=3, identity=3))
    r = Client().get("/api/v1/surveys/indices", {"community": "采菱社区"})
    assert r.status_code == 200
    data = r.json()
    assert (data["community"], data["town"]) == ("采菱社区", "湖塘镇")
    assert [s["period"] for s in data["surveys"]] == ["2026-Q2", "2026-Q3"]
    latest = data["surveys"][1]
    assert latest["responses"] == 3 and latest["overall"] == 56.7
    assert latest["indices"]["belonging"] == {"label": "归属感", "index": 50.0, "mean": 3.0, "count": 2}
    assert data["surveys"][0]["indices"]["gain"]["index"] == 50.0
    assert "路灯要修" not in r.content.decode() and "comment" not in r.content.decode()
    assert Client().get("/api/v1/surveys/indices", {"community": "湖塘镇/采菱社区"}).json() == data
    assert Client().get("/api/v1/surveys/indices", {"community": "火星社区"}).status_code == 404
    assert Client().get("/api/v1/surveys/indices").status_code == 422
