"""Uploads (polyglots, oversize files, decompression bombs, look-alikes) and escaping of every user text
(demand text, place, reporter name, reply, note) on the desk, the demand page, the track page, home and /me/."""

from __future__ import annotations

import io
import struct
import time
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from minsheng.attachments.models import Attachment
from minsheng.demands import services
from minsheng.demands.models import Demand
from minsheng.territory.models import Community, Grid


def jpeg(size=(32, 24)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (120, 80, 40)).save(out, format="JPEG")
    return out.getvalue()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_bomb(width: int, height: int, mode_bits: int = 1) -> bytes:
    """A tiny PNG that claims width × height pixels of black (a grey 1-bit image compresses ~1000:1)."""
    row = b"\x00" + b"\x00" * ((width * mode_bits + 7) // 8)
    comp = zlib.compressobj(9)
    chunks = []
    block = row * 256
    for _ in range(height // 256):
        chunks.append(comp.compress(block))
    chunks.append(comp.compress(row * (height % 256)))
    chunks.append(comp.flush())
    ihdr = struct.pack(">IIBBBBB", width, height, mode_bits, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", b"".join(chunks)) + png_chunk(b"IEND", b"")


@pytest.fixture
def demand(demo_territory):
    d, token = services.register(text="采菱家园二期12幢下水道堵塞", channel="online", reporter_phone="13812345678")
    return d, token


def upload(d, token, data, name="photo.jpg"):
    return Client().post(f"/api/v1/demands/{d.code}/attachments?token={token}", {"file": SimpleUploadedFile(name, data)})


def test_polyglot_jpeg_is_reencoded_without_the_payload(demand):
    d, token = demand
    payload = b"<script>alert(document.cookie)</script><?php system($_GET['c']); ?>"
    r = upload(d, token, jpeg() + payload, name="x.html")
    assert r.status_code == 201, r.content
    a = Attachment.objects.get()
    stored = a.file.read()
    assert payload not in stored and b"<script" not in stored
    assert a.content_type == "image/jpeg" and a.stored_name.endswith(".jpg")  # the name given is ignored
    served = Client().get(r.json()["url"], {"token": token})
    assert served["Content-Type"] == "image/jpeg" and served["X-Content-Type-Options"] == "nosniff"


def test_html_svg_gif_and_zip_look_alikes_are_refused(demand):
    d, token = demand
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="1" height="1"/></svg>'
    gif = io.BytesIO()
    Image.new("RGB", (4, 4)).save(gif, format="GIF")
    zip_with_jpeg_name = b"PK\x03\x04" + b"\x00" * 100
    for data, name in ((svg, "a.svg"), (svg, "a.png"), (gif.getvalue(), "a.jpg"), (zip_with_jpeg_name, "a.jpg"),
                       (b"<html><body>hi</body></html>", "a.jpeg")):
        r = upload(d, token, data, name=name)
        assert r.status_code == 422 and r.json()["field"] == "file", name
    assert not Attachment.objects.exists()


def test_oversize_upload_is_refused(demand, settings):
    d, token = demand
    settings.MINSHENG_MAX_UPLOAD = 64 * 1024
    big = jpeg() + b"\x00" * (65 * 1024)  # valid JPEG start, padded past the limit
    r = upload(d, token, big)
    assert r.status_code == 422 and "MB" in r.json()["detail"]
    assert upload(d, token, b"").status_code in (400, 422)
    assert not Attachment.objects.exists()


@pytest.mark.parametrize("width,height", [(10_000, 5_000), (30_000, 30_000)])
def test_decompression_bombs_are_refused_quickly(demand, width, height):
    """50 Mpx (over our 40 Mpx cap, under Pillow's own) and 900 Mpx (Pillow's bomb error)."""
    d, token = demand
    data = png_bomb(width, height)
    assert len(data) < 2 * 1024 * 1024
    started = time.monotonic()
    r = upload(d, token, data, name="bomb.png")
    assert r.status_code == 422 and r.json()["field"] == "file"
    assert time.monotonic() - started < 5  # refused from the header, not after decoding
    assert not Attachment.objects.exists()


def test_photo_limit_per_demand(demand):
    d, token = demand
    for _ in range(services.MAX_ATTACHMENTS):
        assert upload(d, token, jpeg()).status_code == 201
    assert upload(d, token, jpeg()).status_code == 422


# -- escaping ---------------------------------------------------------------------------------------

XSS = '<script>alert("x")</script>'
IMG = '"><img src=x onerror=alert(1)>'


def test_user_text_is_shown_as_text_everywhere(user_client, demo_territory):
    cailing = Community.objects.get(name="采菱社区")
    grid = Grid.objects.get(name="采菱第一网格")
    from django.contrib.auth import get_user_model

    resident = get_user_model().objects.get(username="demo-resident")
    d, token = services.register(
        text=f"楼道灯坏了{XSS}", channel="online", community=cailing, grid=grid, place_text=f"采菱家园{IMG}",
        reporter_name=f"张{IMG}"[:60], reporter_phone="13812345678", reporter_user=resident)
    staff = user_client("demo-cailing")
    town = user_client("demo-town")
    for action, data in (("accept", {"note": f"受理{XSS}"}), ("assign", {"handler": "demo-handler", "note": XSS}),
                         ("contact", {"note": f"联系{IMG}"}), ("reply", {"reply": f"已修复{XSS}"})):
        r = staff.post(f"/desk/demands/{d.code}/act/{action}",
                       {**data, "version": Demand.objects.get(pk=d.pk).version})
        assert r.status_code == 302, (action, r.content[:300])
    pages = {
        "desk": staff.get("/desk/"),
        "desk-town": town.get("/desk/", {"q": d.code}),
        "demand": staff.get(f"/desk/demands/{d.code}/"),
        "track": Client().get("/track/", {"code": d.code, "token": token}),
        "home": Client().get("/"),
        "home-signed-in": staff.get("/"),
        "me": user_client("demo-resident").get("/me/"),
    }
    for name, r in pages.items():
        html = r.content.decode()
        assert r.status_code == 200, name
        assert "<script>alert" not in html and "<img src=x" not in html, name
    assert "&lt;script&gt;" in pages["demand"].content.decode()
    assert "&lt;img src=x" in pages["demand"].content.decode()
    assert "&lt;script&gt;" in pages["track"].content.decode()
    assert "&lt;img src=x" in pages["me"].content.decode()


# -- NUL characters (PostgreSQL cannot hold them: once a 5xx, found by schemathesis) ----------------------


def test_nul_characters_are_refused_not_a_server_error(user_client, bearer, demo_territory):
    api = Client()
    staff = bearer("demo-cailing")
    cases = [
        api.get("/api/v1/demands", {"status": "\x00"}, **staff),
        api.get("/api/v1/demands", {"q\x00": "x"}, **staff),
        api.post("/api/v1/auth/token", {"username": "demo\x00", "password": "x"}, content_type="application/json"),
        api.post("/api/v1/demands", {"text": "路灯\x00不亮"}, content_type="application/json"),
        api.get("/api/v1/demands/CL-2026-00001%00"),
        api.get("/api/v1/kpis", {"scope": "采菱\x00", "period": "2026"}),
        user_client("demo-cailing").get("/desk/", {"q": "\x00"}),
        Client().get("/track/", {"code": "CL\x00", "token": "x"}),
        Client().post("/login/", {"username": "a\x00", "password": "b"}),
    ]
    for r in cases:
        assert 400 <= r.status_code < 500, (r.status_code, r.content[:200])
    assert cases[0].status_code == 422 and cases[0].json()["field"] == "status"
    assert cases[3].status_code == 422 and cases[3].json()["field"] == "text"
    assert cases[6].status_code == 400
    # Ordinary text with a backslash-u sequence written out is fine.
    ok = api.post("/api/v1/demands", {"text": "路灯不亮 \\u0000 是什么"}, content_type="application/json")
    assert ok.status_code == 201
