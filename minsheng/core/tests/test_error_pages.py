"""The site's own 404, 403, CSRF-failure and 500 pages: Chinese, inside the site's frame, with a way back."""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.views.defaults import permission_denied, server_error


def test_tests_run_without_debug():
    assert settings.DEBUG is False  # the error templates, not Django's debug pages, answer


def test_404_is_the_site_page_with_menu_and_ways_back(demo_territory):
    r = Client().get("/no-such-page/", HTTP_REFERER="http://testserver/projects/")
    html = r.content.decode()
    assert r.status_code == 404
    assert "页面不存在" in html and "Not Found" not in html
    assert 'class="topbar"' in html and "提交诉求" in html and 'href="/facilities/"' in html
    assert 'href="http://testserver/projects/">返回上一页' in html and "返回首页" in html


def test_404_for_staff_offers_the_desk(user_client):
    r = user_client("demo-handler").get("/desk/projects/")  # the project desk is not the handler's
    html = r.content.decode()
    assert r.status_code == 404 and "页面不存在" in html and "返回工作台" in html and "返回上一页" not in html


def test_403_is_the_site_page_with_the_reason(demo_territory):
    request = RequestFactory().get("/desk/somewhere/")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    r = permission_denied(request, PermissionDenied("您不是采菱社区的工作人员"))
    html = r.content.decode()
    assert r.status_code == 403
    assert "无权访问" in html and "您不是采菱社区的工作人员" in html and "返回首页" in html
    assert "登录后再试" in html and 'class="topbar"' in html


def test_csrf_failure_is_the_site_page(demo_territory):
    r = Client(enforce_csrf_checks=True).post("/login/", {"username": "x", "password": "y"})
    html = r.content.decode()
    assert r.status_code == 403 and "页面已过期" in html and "CSRF verification failed" not in html
    assert 'class="topbar"' in html and "返回首页" in html


def test_500_needs_no_context():
    html = render_to_string("500.html")
    assert "系统繁忙" in html and 'href="/"' in html
    r = server_error(RequestFactory().get("/"))
    assert r.status_code == 500 and "系统繁忙" in r.content.decode()
