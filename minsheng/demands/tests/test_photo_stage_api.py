"""The API's photos carry their stage: POST …/attachments takes an optional `stage` (by default the
reporter's and staff's photos are before, the handler's after); GET of a demand lists its photos."""

from django.contrib.auth import get_user_model
from django.test import Client

from minsheng.demands import services

from .pages_helpers import photo


def _post(code, *, stage=None, token=None, headers=None):
    body = {"file": photo()}
    if stage is not None:
        body["stage"] = stage
    url = f"/api/v1/demands/{code}/attachments" + (f"?token={token}" if token else "")
    return Client().post(url, body, **(headers or {}))


def test_stage_defaults_by_who_uploads_and_can_be_given(submit, api, bearer):
    created = submit()
    code, token = created["code"], created["tracking_token"]
    r = _post(code, token=token)
    assert r.status_code == 201 and r.json()["stage"] == "before"
    assert set(r.json()) == {"id", "content_type", "size", "url", "stage"}
    assert _post(code, headers=bearer("demo-cailing")).json()["stage"] == "before"
    assert _post(code, stage="after", headers=bearer("demo-cailing")).json()["stage"] == "after"

    staff = get_user_model().objects.get(username="demo-cailing")
    d = services.accept(code, staff)
    services.assign(d, staff, handler="demo-handler")
    assert _post(code, headers=bearer("demo-handler")).json()["stage"] == "after"

    r = _post(code, stage="after", token=token)  # the reporter shows the problem only
    assert r.status_code == 422 and r.json()["field"] == "stage"
    assert _post(code, stage="soon", headers=bearer("demo-cailing")).status_code == 422


def test_get_lists_the_photos_with_their_stage(submit, api, bearer):
    created = submit()
    code, token = created["code"], created["tracking_token"]
    first = _post(code, token=token).json()
    _post(code, stage="after", headers=bearer("demo-cailing"))
    staff_view = api("demo-cailing").get(f"/api/v1/demands/{code}").json()
    assert [(a["stage"], a["content_type"]) for a in staff_view["attachments"]] == [
        ("before", "image/jpeg"), ("after", "image/jpeg")]
    assert staff_view["attachments"][0] == first
    public = Client().get(f"/api/v1/demands/{code}", {"token": token}).json()
    assert [a["stage"] for a in public["attachments"]] == ["before", "after"]
    assert Client().get(public["attachments"][1]["url"], {"token": token}).status_code == 200
