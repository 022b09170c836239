"""Pages render in Simplified Chinese by default, English on request."""

from django.test import Client


def test_home_in_chinese(demo_territory):
    r = Client().get("/")
    html = r.content.decode()
    assert r.status_code == 200
    assert 'lang="zh-CN"' in html
    assert "湖塘镇" in html and "采菱社区" in html and "37 个居民小组" in html
    assert 'name="viewport"' in html  # mobile-friendly


def test_login_page_in_chinese(db):
    html = Client().get("/login/").content.decode()
    assert "工作人员登录" in html and "用户名" in html


def test_english_is_the_second_language_by_choice(demo_territory):
    client = Client()
    # An English browser still gets Chinese by default …
    assert "工作人员登录" in client.get("/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    # … and English once the visitor picks it with the language switcher.
    r = client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    assert r.status_code == 302
    html = client.get("/login/").content.decode()
    assert 'lang="en"' in html and "Staff sign-in" in html


def test_admin_is_scoped(user_client):
    client = user_client("demo-sanqin")
    r = client.get("/admin/territory/place/")
    assert r.status_code == 200
    html = r.content.decode()
    assert "塘坊排涝站" in html and "采菱家园一期" not in html
