"""A session cookie alone does not sign an API write (issue #17, item 12).

A same-site page on another origin could POST `text/plain` JSON to /api/v1/demands with a resident's
cookie: the demand was filed under the resident and skipped the anonymous limit. Now a session write
without a valid CSRF token is anonymous (no user, anonymous limits), or 403 where a user is needed;
bearer-token calls need no CSRF token.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.test import Client

from minsheng.demands.models import Demand

BODY = '{"text": "采菱家园二期12幢下水道堵塞"}'


def signed_in(username: str) -> Client:
    client = Client(enforce_csrf_checks=True, REMOTE_ADDR="203.0.113.7")
    client.force_login(get_user_model().objects.get(username=username))
    return client


def csrf_token(client: Client) -> str:
    client.get("/login/")
    return client.cookies["csrftoken"].value


def test_cross_origin_plain_text_post_is_anonymous(demo_territory, settings):
    settings.MINSHENG_ANON_INTAKE_LIMIT = 1
    victim = signed_in("demo-resident")
    forged = dict(content_type="text/plain", HTTP_ORIGIN="https://evil.example.gov.cn")
    r = victim.post("/api/v1/demands", BODY, **forged)
    assert r.status_code == 201
    d = Demand.objects.get(code=r.json()["code"])
    assert d.reporter_user is None
    assert not d.events.filter(actor__isnull=False).exists()
    # …and it counts against the anonymous limit of the address.
    assert victim.post("/api/v1/demands", BODY, **forged).status_code == 429


def test_session_write_with_the_csrf_token_is_the_user(demo_territory, settings):
    settings.MINSHENG_ANON_INTAKE_LIMIT = 1
    resident = signed_in("demo-resident")
    token = csrf_token(resident)
    for _ in range(2):  # not limited as anonymous
        r = resident.post("/api/v1/demands", BODY, content_type="application/json", HTTP_X_CSRFTOKEN=token)
        assert r.status_code == 201
        assert Demand.objects.get(code=r.json()["code"]).reporter_user.username == "demo-resident"


def test_bearer_calls_need_no_csrf_token(demo_territory, bearer):
    client = Client(enforce_csrf_checks=True)
    r = client.post("/api/v1/demands", BODY, content_type="application/json", **bearer("demo-resident"))
    assert r.status_code == 201
    assert Demand.objects.get(code=r.json()["code"]).reporter_user.username == "demo-resident"


def test_attachment_by_session_without_csrf_is_not_the_reporter(demo_territory):
    resident = signed_in("demo-resident")
    token = csrf_token(resident)
    code = resident.post("/api/v1/demands", BODY, content_type="application/json",
                         HTTP_X_CSRFTOKEN=token).json()["code"]
    from django.core.files.uploadedfile import SimpleUploadedFile

    from minsheng.reliability.tests.test_authorization import jpeg

    r = resident.post(f"/api/v1/demands/{code}/attachments", {"file": SimpleUploadedFile("p.jpg", jpeg())})
    assert r.status_code == 404  # anonymous without the tracking token
    r = resident.post(f"/api/v1/demands/{code}/attachments", {"file": SimpleUploadedFile("p.jpg", jpeg())},
                      HTTP_X_CSRFTOKEN=token)
    assert r.status_code == 201
