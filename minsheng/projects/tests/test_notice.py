"""The public notice (公示): approval only once the period is over and every objection is answered;
objections from anyone during the period, anonymous ones rate-limited."""

from datetime import timedelta

from django.utils import timezone

from minsheng.projects.models import Objection, Project

from .conftest import end_notice


def test_notice_days_default_and_range(api, create, advance):
    pid = create()["id"]
    advance(pid, "voted")
    staff = api("demo-cailing")
    assert staff.act(pid, "notice", days=0).status_code == 422
    assert staff.act(pid, "notice", days=31).status_code == 422
    body = staff.act(pid, "notice").json()
    assert body["status"] == "noticed"
    p = Project.objects.get(pk=pid)
    assert p.notice_days == 5 and p.notice_end - p.notice_start == timedelta(days=5)
    assert body["notice_end"] == p.notice_end.isoformat()


def test_approve_refused_before_the_period_ends(api, create, advance):
    pid = create()["id"]
    advance(pid, "noticed")
    staff = api("demo-cailing")
    r = staff.act(pid, "approve")
    assert r.status_code == 409 and "公示期" in r.json()["detail"]
    # One minute before the end: still refused.
    p = Project.objects.get(pk=pid)
    Project.objects.filter(pk=pid).update(notice_start=timezone.now() - timedelta(days=p.notice_days) + timedelta(minutes=1))
    assert staff.act(pid, "approve").status_code == 409
    assert Project.objects.get(pk=pid).status == "noticed"
    end_notice(pid)
    assert staff.act(pid, "approve").json()["status"] == "approved"


def test_approve_refused_while_an_objection_is_unanswered(api, create, advance):
    pid = create()["id"]
    advance(pid, "noticed")
    r = api().act(pid, "object", text="晾衣架装在楼前会挡住一楼采光")
    assert r.status_code == 200
    assert r.json()["objections_count"] == 1 and r.json()["objections_open"] == 1
    end_notice(pid)
    staff = api("demo-cailing")
    r = staff.act(pid, "approve")
    assert r.status_code == 409 and "异议" in r.json()["detail"]
    objection = Objection.objects.get(project_id=pid)
    assert staff.act(pid, "answer_objection", objection=objection.pk, answer="").status_code == 422
    r = staff.act(pid, "answer_objection", objection=objection.pk, answer="已调整到楼侧空地安装")
    assert r.status_code == 200
    objection.refresh_from_db()
    assert objection.answered_at is not None and objection.answer == "已调整到楼侧空地安装"
    assert staff.act(pid, "answer_objection", objection=objection.pk, answer="再答").status_code == 409
    assert staff.act(pid, "approve").json()["status"] == "approved"


def test_objections_only_during_the_notice(api, create, advance):
    pid = create()["id"]
    advance(pid, "noticed")
    assert api("demo-resident").act(pid, "object", text="希望多装几个").status_code == 200
    end_notice(pid)
    r = api().act(pid, "object", text="来晚了")
    assert r.status_code == 409 and "公示期" in r.json()["detail"]
    assert Objection.objects.filter(project_id=pid).count() == 1


def test_objection_text_is_checked(api, create, advance):
    pid = create()["id"]
    advance(pid, "noticed")
    assert api().act(pid, "object", text="").status_code == 422
    assert api().act(pid, "object", text="长" * 1001).status_code == 422


def test_anonymous_objections_are_rate_limited(api, create, advance, settings):
    settings.MINSHENG_ANON_OBJECTION_LIMIT = 3
    pid = create()["id"]
    advance(pid, "noticed")
    anon = api()
    for i in range(3):
        assert anon.act(pid, "object", text=f"意见 {i}").status_code == 200
    r = anon.act(pid, "object", text="再来一条")
    assert r.status_code == 429
    assert Objection.objects.filter(project_id=pid).count() == 3
    # Signed-in residents are not held back by the anonymous limit.
    assert api("demo-resident").act(pid, "object", text="实名意见").status_code == 200


def test_staff_are_told_about_an_objection(api, create, advance):
    from minsheng.notifications.models import Notification

    pid = create()["id"]
    advance(pid, "noticed")
    api().act(pid, "object", text="担心噪音")
    assert Notification.objects.filter(recipient__username="demo-cailing", subject__contains="公示异议").exists()
