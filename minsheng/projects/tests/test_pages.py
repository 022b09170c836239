"""The public board and project page (mobile, Chinese, no inline scripts) and the staff desk pages."""

from django.test import Client, TestCase

from minsheng.projects.models import Objection, Project

from .conftest import end_notice


def test_board_in_chinese_with_cards(api, create, advance, demand):
    pid = create(demands=[demand()])["id"]
    advance(pid, "implementing")
    api("demo-cailing").act(pid, "progress", phase="survey", percent=100)
    api("demo-cailing").act(pid, "spend", amount=19000)
    r = Client().get("/projects/")
    html = r.content.decode()
    assert r.status_code == 200 and 'lang="zh-CN"' in html and 'name="viewport"' in html
    assert "采菱家园一期增设不锈钢晾衣架" in html and "实施" in html
    assert '<progress max="100" value="10.0"' in html
    assert "38,000" in html and "19,000" in html and "50.0%" in html  # budget, spent, execution rate
    assert "回应诉求" in html and "1 件" in html
    assert 'name="community"' in html and 'name="kind"' in html and 'name="status"' in html


def test_board_in_english(create):
    create()
    client = Client()
    client.cookies["django_language"] = "en"  # chosen with the language switcher
    html = client.get("/projects/").content.decode()
    assert 'lang="en"' in html and "Micro-projects" in html


def test_bad_filters_are_ignored(create):
    create()
    r = Client().get("/projects/?status=<x>&kind=nope&community=nowhere&page=abc")
    assert r.status_code == 200 and "采菱家园一期增设不锈钢晾衣架" in r.content.decode()


def test_project_page_shows_notice_end_and_takes_objections(api, create, advance):
    pid = create()["id"]
    advance(pid, "noticed")
    p = Project.objects.get(pk=pid)
    client = Client()
    html = client.get(f"/projects/{pid}/").content.decode()
    from django.utils import timezone

    assert timezone.localtime(p.notice_end).strftime("%Y-%m-%d %H:%M") in html
    assert f'action="/projects/{pid}/object/"' in html
    with TestCase.captureOnCommitCallbacks(execute=True):
        r = client.post(f"/projects/{pid}/object/", {"text": "建议晾衣架装在楼侧"})
    assert r.status_code == 302
    assert Objection.objects.get(project_id=pid).text == "建议晾衣架装在楼侧"
    assert client.post(f"/projects/{pid}/object/", {"text": ""}).status_code == 422
    end_notice(pid)
    html = client.get(f"/projects/{pid}/").content.decode()
    assert "公示期已结束" in html and "/object/" not in html
    assert client.post(f"/projects/{pid}/object/", {"text": "晚了"}).status_code == 409


def test_support_button_for_signed_in_residents(user_client, create, inspector):
    pid = create()["id"]
    assert "我支持这个项目" not in Client().get(f"/projects/{pid}/").content.decode()
    resident = user_client("demo-resident")
    html = resident.get(f"/projects/{pid}/").content.decode()
    assert "我支持这个项目" in html
    assert resident.post(f"/projects/{pid}/support/").status_code == 302
    assert "您已支持这个项目" in resident.get(f"/projects/{pid}/").content.decode()
    assert resident.post(f"/projects/{pid}/support/").status_code == 409
    assert user_client("demo-sanqin").post(f"/projects/{pid}/support/").status_code == 403
    assert Client().post(f"/projects/{pid}/support/").status_code == 302  # to the sign-in page
    assert Project.objects.get(pk=pid).supports.count() == 1


def test_unknown_project_page_is_404(demo_territory):
    assert Client().get("/projects/99999/").status_code == 404


def test_desk_create_and_act(user_client, demand, inspector):
    staff = user_client("demo-cailing")
    assert staff.get("/desk/projects/").status_code == 200
    html = staff.get("/desk/projects/new/").content.decode()
    assert "提议新项目" in html and "采菱社区" in html and "三勤社区" not in html
    assert "generator object" not in html  # the empty work-items box, not a method's repr
    code = demand()
    r = staff.post("/desk/projects/new/", {
        "title": "采菱家园二期增设休闲椅", "community": "采菱社区", "kind": "goods", "budget": "26000",
        "items": "三人木质休闲椅, 20, 张, 1300", "demands": code, "place": "采菱二期",
    })
    assert r.status_code == 302
    p = Project.objects.get(title="采菱家园二期增设休闲椅")
    assert p.place.name == "采菱家园二期" and p.items.get().quantity == 20 and p.demands.get().code == code
    html = staff.get(f"/desk/projects/{p.pk}/").content.decode()
    assert "初审" in html and "/act/screen/" in html
    r = staff.post(f"/desk/projects/{p.pk}/act/screen/", {"passed": "yes", "reason": "", "version": p.version})
    assert r.status_code == 302
    p.refresh_from_db()
    assert p.status == "screened"
    # A refusal is shown with its status and changes nothing.
    r = staff.post(f"/desk/projects/{p.pk}/act/approve/", {})
    assert r.status_code == 409 and "不能执行" in r.content.decode()
    r = staff.post(f"/desk/projects/{p.pk}/act/cancel/", {"reason": ""})
    assert r.status_code == 422
    p.refresh_from_db()
    assert p.status == "screened"


def test_desk_create_errors_are_shown(user_client):
    staff = user_client("demo-cailing")
    r = staff.post("/desk/projects/new/", {"title": "大项目", "community": "采菱社区", "kind": "works",
                                           "budget": "900000", "items": ""})
    assert r.status_code == 422 and "上限" in r.content.decode()
    r = staff.post("/desk/projects/new/", {"title": "x", "community": "采菱社区", "kind": "goods", "budget": "10",
                                           "items": "只有名称"})
    assert r.status_code == 422
    assert "只有名称</textarea>" in r.content.decode()  # what was typed comes back to be corrected
    assert not Project.objects.exists()


def test_desk_is_for_staff_and_inspectors(user_client, create, advance, inspector):
    pid = create()["id"]
    assert Client().get("/desk/projects/").status_code == 302
    assert user_client("demo-resident").get("/desk/projects/").status_code == 404
    assert user_client("demo-sanqin").get(f"/desk/projects/{pid}/").status_code == 404
    sanqin_list = user_client("demo-sanqin").get("/desk/projects/").content.decode()
    assert "采菱家园一期增设不锈钢晾衣架" not in sanqin_list
    advance(pid, "inspection")
    insp = Client()
    insp.force_login(inspector)
    assert "采菱家园一期增设不锈钢晾衣架" in insp.get("/desk/projects/").content.decode()
    html = insp.get(f"/desk/projects/{pid}/").content.decode()
    assert "/act/inspect/" in html and "/act/cancel/" not in html
    with TestCase.captureOnCommitCallbacks(execute=True):
        r = insp.post(f"/desk/projects/{pid}/act/inspect/", {"passed": "no", "note": "扶手松动",
                                                            "checklist": "数量\n扶手 | 不通过"})
    assert r.status_code == 302
    p = Project.objects.get(pk=pid)
    assert p.status == "implementing"
    assert p.inspections.get().checklist == [{"item": "数量", "passed": True}, {"item": "扶手", "passed": False}]
