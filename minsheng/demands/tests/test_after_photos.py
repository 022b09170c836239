"""After-photos: the handler adds photos of the work done with the reply (办结答复); staff see them under
处理后 on the desk page, the reporter on /track/ with the tracking token, nobody else."""

import re

from django.contrib.auth import get_user_model
from django.test import Client

from minsheng.attachments.models import Attachment
from minsheng.demands import services
from minsheng.demands.models import Demand, DemandEvent

from .pages_helpers import act, make_demand, not_a_photo, photo, text


def _user(name):
    return get_user_model().objects.get(username=name)


def _in_progress():
    """A demand with a before-photo from its reporter, assigned to demo-handler and contacted."""
    d, token = make_demand()
    services.add_attachment(d, None, photo("problem.jpg"), by_reporter=True)
    staff = _user("demo-cailing")
    services.accept(d, staff)
    services.assign(d, staff, handler="demo-handler")
    services.contact(d, _user("demo-handler"))
    return Demand.objects.get(pk=d.pk), token


def _group(html: str, stage: str) -> str:
    m = re.search(rf'<ul class="thumbs" data-testid="photos-{stage}">(.*?)</ul>', html, re.S)
    return m.group(1) if m else ""


def _urls(group: str) -> list[str]:
    return [u.replace("&amp;", "&") for u in re.findall(r'<img src="([^"]+)"', group)]


def test_handler_replies_with_after_photos_and_staff_see_them_grouped(user_client):
    d, _token = _in_progress()
    handler = user_client("demo-handler")
    page = text(handler.get(f"/desk/demands/{d.code}/"))
    assert 'data-action="reply" enctype="multipart/form-data" hx-encoding="multipart/form-data"' in page
    assert "完工照片（选填，最多 3 张）" in page
    r = act(handler, d, "reply", {"reply": "已疏通下水道", "photos": [photo("done1.jpg"), photo("done2.jpg")]})
    assert r.status_code == 302
    d.refresh_from_db()
    assert d.status == "replied"
    assert sorted(d.attachments.values_list("kind", flat=True)) == ["after", "after", "before"]
    # one line in the timeline for the form's photos, not one a photo
    attached = DemandEvent.objects.get(demand=d, action="attach", data__stage="after")
    assert attached.note == "上传处理后照片 2 张" and attached.data["photos"] == 2

    html = text(user_client("demo-cailing").get(f"/desk/demands/{d.code}/"))
    assert "处理前" in html and "处理后" in html
    before, after = _urls(_group(html, "before")), _urls(_group(html, "after"))
    assert len(before) == 1 and len(after) == 2
    assert 'loading="lazy"' in _group(html, "after")
    assert f'<a href="{after[0]}" target="_blank"' in _group(html, "after").replace("&amp;", "&")
    staff = user_client("demo-cailing")
    assert staff.get(after[0]).status_code == 200 and staff.get(after[0])["Content-Type"] == "image/jpeg"


def test_a_bad_after_photo_keeps_the_reply_unsaved(user_client):
    d, _token = _in_progress()
    handler = user_client("demo-handler")
    r = act(handler, d, "reply", {"reply": "已疏通", "photos": [photo(), not_a_photo("x.jpg")]}, htmx=True)
    assert r.status_code == 422
    assert "照片：第 2 张照片（x.jpg）不是有效的图片文件" in text(r)
    d.refresh_from_db()
    assert d.status == "in_progress" and d.attachments.count() == 1 and not d.reply


def test_staff_add_photos_with_a_stage(user_client):
    d, _token = _in_progress()
    staff = user_client("demo-cailing")
    r = act(staff, d, "attach", {"stage": "after", "photos": [photo("site.jpg")]}, htmx=True)
    assert r.status_code == 200 and 'data-testid="notice">已上传照片' in text(r)
    assert len(_urls(_group(text(r), "after"))) == 1
    assert act(staff, d, "attach", {"stage": "after"}).status_code == 422  # no photo chosen
    assert act(staff, d, "attach", {"stage": "later", "photos": [photo()]}).status_code == 422
    assert d.attachments.count() == 2


def test_the_reporter_sees_them_on_track_and_nobody_else_does(user_client):
    d, token = _in_progress()
    services.reply(d, _user("demo-handler"), reply="已疏通下水道", photos=[photo("done.jpg")])
    other, other_token = make_demand("采菱家园一期3幢楼道灯不亮", phone="13900001111")

    client = Client()
    html = text(client.get("/track/", {"code": d.code, "token": token}))
    after = _urls(_group(html, "after"))
    assert len(after) == 1 and len(_urls(_group(html, "before"))) == 1 and "处理后" in html
    assert f"token={token}" in after[0]
    assert client.get(after[0]).status_code == 200

    bare = after[0].split("?")[0]
    assert Client().get(bare).status_code == 404  # the public
    assert Client().get(bare, {"token": other_token}).status_code == 404  # another resident's token
    assert Client().get("/track/", {"code": d.code, "token": other_token}).status_code == 404
    assert user_client("demo-sanqin").get(bare).status_code == 404  # staff of another community
    # The other resident's own page lists no photo of this demand.
    mine = text(Client().get("/track/", {"code": other.code, "token": other_token}))
    assert 'data-testid="photos' not in mine and bare not in mine
    # With the last four digits of the phone the page says how to see the photos, and shows none.
    by_phone = text(Client().get("/track/", {"code": d.code, "phone4": "5678"}))
    assert 'data-testid="photos-need-token"' in by_phone and "<img" not in by_phone
    assert Attachment.objects.count() == 2
