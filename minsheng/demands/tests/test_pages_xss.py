"""What residents type is shown as text, never run: on the desk, the demand page and the track page."""

from django.test import Client

from .pages_helpers import act, make_demand, text

PAYLOAD = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def test_script_in_a_demand_is_escaped_everywhere(user_client):
    d, token = make_demand(f"采菱家园二期12幢{PAYLOAD}下水道堵塞", name='"><img src=x onerror=alert(2)>')
    staff = user_client("demo-cailing")
    act(staff, d, "accept", {"note": PAYLOAD})
    act(staff, d, "answer", {"reply": f"已答复{PAYLOAD}"})
    pages = [
        staff.get("/desk/"),
        staff.get(f"/desk/demands/{d.code}/"),
        Client().get("/track/", {"code": d.code, "token": token}),
    ]
    for r in pages:
        html = text(r)
        assert r.status_code == 200
        assert PAYLOAD not in html and "<img src=x" not in html
        assert "&lt;script&gt;" in html
    assert ESCAPED in text(pages[1]) and ESCAPED in text(pages[2])


def test_pages_send_a_strict_csp(demo_territory):
    r = Client().get("/submit/")
    csp = r["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
