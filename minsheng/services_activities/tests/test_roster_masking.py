"""The roster is seen only by staff of the community and grid workers of the grid; masked by default,
every unmasked read audit-logged (domain.md §7)."""

from datetime import date

from minsheng.accounts.models import PersonalDataRead


def test_list_is_masked_and_shows_age_not_birth_date(api, person):
    person("李秀英", date(1935, 5, 9), phone="13812345678", living_alone=True)
    r = api("demo-cailing").get("/api/v1/roster/members")
    assert r.status_code == 200
    [row] = r.json()["items"]
    assert row["name"] == "李**" and row["phone"] == "138****5678" and row["birth_date"] is None
    assert row["masked"] is True and row["age"] >= 90 and row["flags"] == ["高龄", "独居"]
    assert row["address"] == "采菱家园一期3幢1单元101"
    text = r.content.decode()
    assert "李秀英" not in text and "13812345678" not in text and "1935" not in text
    assert not PersonalDataRead.objects.exists()


def test_reveal_is_logged_and_limited_by_role(api, person):
    m = person("王建国", date(1950, 3, 1), phone="13912345678")  # 采菱家园一期 → 采菱第一网格
    staff = api("demo-cailing").get(f"/api/v1/roster/members/{m.pk}", reveal="true").json()
    assert (staff["name"], staff["phone"], staff["birth_date"], staff["masked"]) == (
        "王建国", "13912345678", "1950-03-01", False)
    read = PersonalDataRead.objects.get()
    assert read.user.username == "demo-cailing" and read.subject == f"member:{m.pk}"
    assert read.fields == "name,birth_date,phone"
    # The grid worker of that grid: the name (logged), the age, never the phone or the birth date.
    grid = api("demo-cailing-grid").get(f"/api/v1/roster/members/{m.pk}", reveal="true").json()
    assert grid["name"] == "王建国" and grid["phone"] == "139****5678" and grid["birth_date"] is None
    assert PersonalDataRead.objects.filter(user__username="demo-cailing-grid", fields="name").count() == 1
    # Without reveal: masked and not logged.
    api("demo-cailing").get(f"/api/v1/roster/members/{m.pk}")
    assert PersonalDataRead.objects.count() == 2


def test_nobody_else_sees_the_roster(api, person):
    m = person("赵桂英", date(1940, 1, 1), building="采菱家园二期5幢")  # 采菱第五网格
    for user in ("demo-town", "demo-handler", "demo-resident"):
        assert api(user).get("/api/v1/roster/members").status_code == 403
        assert api(user).get(f"/api/v1/roster/members/{m.pk}", reveal="true").status_code == 403
    assert api().get("/api/v1/roster/members").status_code == 401
    assert api("demo-sanqin").get(f"/api/v1/roster/members/{m.pk}").status_code == 404
    assert api("demo-sanqin").get("/api/v1/roster/members").json()["count"] == 0
    # The grid worker of 采菱第一网格 does not see 采菱第五网格.
    assert api("demo-cailing-grid").get(f"/api/v1/roster/members/{m.pk}", reveal="true").status_code == 404
    assert not PersonalDataRead.objects.exists()


def test_member_page_reveals_on_request_only(user_client, person):
    m = person("钱凤英", date(1932, 2, 29), phone="13700001234")
    client = user_client("demo-cailing")
    page = client.get(f"/desk/roster/members/{m.pk}/").content.decode()
    assert "钱**" in page and "钱凤英" not in page and "13700001234" not in page
    assert not PersonalDataRead.objects.exists()
    revealed = client.post(f"/desk/roster/members/{m.pk}/")
    html = revealed.content.decode()
    assert "钱凤英" in html and "13700001234" in html and "1932-02-29" in html
    assert "no-store" in revealed.headers.get("Cache-Control", "") or "no-cache" in revealed.headers.get(
        "Cache-Control", "")
    assert PersonalDataRead.objects.get().via == "page"
    listing = client.get("/desk/roster/").content.decode()
    assert "钱**" in listing and "钱凤英" not in listing
    assert user_client("demo-town").get("/desk/roster/").status_code == 403
    assert user_client("demo-sanqin").get(f"/desk/roster/members/{m.pk}/").status_code == 404


def test_roster_queries_are_bounded(api, person, user_client, django_assert_max_num_queries):
    for i in range(40):
        person(f"孙{i}号", date(1950 + i % 40, 1, 1), room=f"1单元{i + 1:02d}", phone="13800000000")
    staff = api("demo-cailing")
    staff.get("/api/v1/roster/members")
    with django_assert_max_num_queries(6):
        assert staff.get("/api/v1/roster/members").json()["count"] == 40
    client = user_client("demo-cailing")
    with django_assert_max_num_queries(14):
        assert client.get("/desk/roster/").status_code == 200
