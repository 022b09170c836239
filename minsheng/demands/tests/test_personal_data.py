"""Phones are masked unless the viewer is entitled (domain.md §7); unmasked reads are audit-logged."""

from minsheng.accounts.models import PersonalDataRead


def test_masking_and_audit(api, submit):
    code = submit()["code"]
    # Town admin: not the handler nor staff of the reporter's community → masked, no audit row.
    town = api("demo-town").get(f"/api/v1/demands/{code}").json()
    assert town["reporter_phone"] == "138****5678" and town["reporter_name"] == "张*"
    assert not PersonalDataRead.objects.exists()
    grid = api("demo-cailing-grid")  # 采菱第五网格 is not theirs: cannot see at all
    assert grid.get(f"/api/v1/demands/{code}").status_code == 404
    staff = api("demo-cailing").get(f"/api/v1/demands/{code}").json()
    assert staff["reporter_phone"] == "13812345678" and staff["reporter_name"] == "张三"
    log = PersonalDataRead.objects.get()
    assert log.user.username == "demo-cailing" and log.subject == f"demand:{code}"


def test_handler_is_entitled_once_assigned(api, submit):
    code = submit()["code"]
    staff = api("demo-cailing")
    staff.act(code, "accept")
    staff.act(code, "assign", handler="demo-handler")
    body = api("demo-handler").get(f"/api/v1/demands/{code}").json()
    assert body["reporter_phone"] == "13812345678"


def test_lists_carry_no_personal_data(api, submit):
    submit()
    items = api("demo-cailing").get("/api/v1/demands").json()["items"]
    assert items and "reporter_phone" not in items[0] and "reporter_name" not in items[0]


def test_public_tracking_never_shows_phone_or_staff_names(api, submit):
    created = submit()
    code = created["code"]
    staff = api("demo-cailing")
    staff.act(code, "accept", note="已受理")
    public = api().get(f"/api/v1/demands/{code}", token=created["tracking_token"]).content.decode()
    assert "13812345678" not in public and "138****" not in public
    assert "采菱社区工作人员（演示）" not in public
