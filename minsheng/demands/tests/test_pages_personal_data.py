"""domain.md §7 on the demand page: phones masked unless entitled; entitled reads are audit-logged."""

from minsheng.accounts.models import PersonalDataRead

from .pages_helpers import make_demand, text


def test_town_admin_sees_the_phone_masked_and_nothing_is_logged(user_client):
    d, _ = make_demand(phone="13812345678", name="张三丰")
    html = text(user_client("demo-town").get(f"/desk/demands/{d.code}/"))
    assert "138****5678" in html and "13812345678" not in html
    assert "张三丰" not in html and "已隐藏" in html
    assert not PersonalDataRead.objects.exists()


def test_community_staff_see_it_unmasked_and_the_read_is_logged(user_client):
    d, _ = make_demand(phone="13812345678", name="张三丰")
    html = text(user_client("demo-cailing").get(f"/desk/demands/{d.code}/"))
    assert "13812345678" in html and "张三丰" in html
    row = PersonalDataRead.objects.get()
    assert row.user.username == "demo-cailing" and row.subject == f"demand:{d.code}" and row.via == "desk"
    assert "reporter_phone" in row.fields


def test_worklist_and_track_page_never_show_the_phone(user_client):
    from django.test import Client

    d, token = make_demand(phone="13812345678", name="张三丰")
    for html in (text(user_client("demo-cailing").get("/desk/")),
                 text(Client().get("/track/", {"code": d.code, "token": token}))):
        assert "13812345678" not in html and "5678" not in html and "张三丰" not in html
    assert not PersonalDataRead.objects.exists()
