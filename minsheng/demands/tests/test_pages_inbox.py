"""/desk/inbox: a staff member's in-app messages, the unread count in the nav, marking read."""

from minsheng.notifications.models import Notification

from .pages_helpers import act, make_demand, text


def _assign(user_client, django_capture_on_commit_callbacks):
    d, _ = make_demand()
    staff = user_client("demo-cailing")
    with django_capture_on_commit_callbacks(execute=True):
        act(staff, d, "accept")
        act(staff, d, "assign", {"handler": "demo-handler"})
    return d


def test_handler_sees_the_assignment_and_marks_it_read(user_client, django_capture_on_commit_callbacks):
    d = _assign(user_client, django_capture_on_commit_callbacks)
    handler = user_client("demo-handler")
    html = text(handler.get("/"))
    assert 'class="count"' in html  # unread count in the nav
    html = text(handler.get("/desk/inbox"))
    assert f"新派单 {d.code}" in html and f'href="/desk/demands/{d.code}/"' in html and "未读" in html
    n = Notification.objects.get(recipient__username="demo-handler", channel="in_app")
    r = handler.post("/desk/inbox/read", {"id": n.pk})
    assert r.status_code == 302
    n.refresh_from_db()
    assert n.read_at is not None
    assert 'class="count"' not in text(handler.get("/"))


def test_mark_all_read_and_only_own_messages(user_client, django_capture_on_commit_callbacks):
    _assign(user_client, django_capture_on_commit_callbacks)
    other = user_client("demo-sanqin")
    assert "新派单" not in text(other.get("/desk/inbox"))
    other.post("/desk/inbox/read")  # marks only their own
    assert Notification.objects.filter(recipient__username="demo-handler", read_at=None).exists()
    user_client("demo-handler").post("/desk/inbox/read")
    assert not Notification.objects.filter(recipient__username="demo-handler", read_at=None).exists()


def test_unsafe_links_are_not_rendered(user_client):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username="demo-cailing")
    Notification.objects.create(recipient=user, channel="in_app", subject="测试", body="正文",
                                link="javascript:alert(1)", state="sent")
    Notification.objects.create(recipient=user, channel="in_app", subject="测试2", body="正文",
                                link="//evil.example/x", state="sent")
    html = text(user_client("demo-cailing").get("/desk/inbox"))
    assert "javascript:alert" not in html and "evil.example" not in html and "测试2" in html
