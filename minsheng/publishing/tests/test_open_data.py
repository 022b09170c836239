"""Open data: the page and the three CSV extracts, anonymised."""

import csv
import io

from django.utils import timezone

from minsheng.publishing.opendata import COLUMNS

from .test_open311 import make


def read(response):
    raw = b"".join(response.streaming_content)
    assert raw.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def test_page_lists_downloads_and_columns(client, demo_territory):
    r = client.get("/open-data/")
    assert r.status_code == 200
    html = r.content.decode()
    month = timezone.localdate().strftime("%Y-%m")
    for ds in ("demands", "projects", "kpis"):
        assert f"/open-data/{ds}/{month}.csv" in html
    assert "满意度" in html and "不含诉求人姓名" in html


def test_demands_csv_has_no_personal_data(client, demo_territory):
    d = make(text="我叫李四，电话13900001111，采菱家园3幢漏水", phone="13900001111", days_ago=0)
    month = timezone.localdate().strftime("%Y-%m")
    r = client.get(f"/open-data/demands/{month}.csv")
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    assert "attachment" in r["Content-Disposition"]
    rows = read(r)
    assert rows[0] == [c for c, _ in COLUMNS["demands"]]
    mine = [row for row in rows[1:] if row[0] == d.code]
    assert len(mine) == 1
    assert mine[0][3] == "采菱社区" and mine[0][5] == "居民自助" and mine[0][6] == "房屋与物业"
    text = "\n".join(",".join(row) for row in rows)
    for secret in ("李四", "13900001111", "张三", "漏水", "3幢"):
        assert secret not in text


def test_projects_and_kpis_csv(client, demo_territory):
    from decimal import Decimal

    from minsheng.projects.models import Project, WorkItem
    from minsheng.territory.models import Community

    c = Community.objects.get(name="三勤社区")
    p = Project.objects.create(town=c.town, community=c, title="三勤新苑健身路径改造", kind="works",
                               status="implementing", budget=Decimal("100000"), spent=Decimal("40000"),
                               progress=Decimal("40"), created_at=timezone.now())
    WorkItem.objects.create(project=p, name="健身器材", quantity=25, unit="件")
    WorkItem.objects.create(project=p, name="塑胶地面", quantity=500, unit="平方米")
    year = str(timezone.localdate().year)
    rows = read(client.get(f"/open-data/projects/{year}.csv"))
    assert rows[0] == [c for c, _ in COLUMNS["projects"]]
    row = next(r for r in rows if r[0] == "三勤新苑健身路径改造")
    assert row[2:] == ["三勤社区", "工程类", "实施", "100000", "40000", "40", "健身器材 25 件；塑胶地面 500 平方米"]
    make(days_ago=0)
    month = timezone.localdate().strftime("%Y-%m")
    rows = read(client.get(f"/open-data/kpis/{month}.csv"))
    assert rows[0] == [c for c, _ in COLUMNS["kpis"]]
    assert rows[1][:3] == ["镇", "湖塘镇", month]
    assert any(r[1] == "采菱社区" for r in rows)


def test_bad_dataset_or_period(client, demo_territory):
    assert client.get("/open-data/people/2026.csv").status_code == 404
    assert client.get("/open-data/demands/soon.csv").status_code == 404


def test_csv_is_the_same_in_english(client, demo_territory):
    """The page may be in English; the file it links to is not (header and values stay Chinese)."""
    from django.conf import settings

    d = make(text="采菱家园3幢路灯不亮", phone="", days_ago=0)
    month = timezone.localdate().strftime("%Y-%m")
    chinese = read(client.get(f"/open-data/demands/{month}.csv"))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "Demands (anonymised)" in client.get("/open-data/").content.decode()
    english = read(client.get(f"/open-data/demands/{month}.csv"))
    assert english == chinese
    mine = [row for row in english[1:] if row[0] == d.code]
    assert mine[0][5] == "居民自助" and mine[0][6] == "房屋与物业"
