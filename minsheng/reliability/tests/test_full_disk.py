"""A full disk: writes answer 503 with Retry-After (JSON for the API), nothing is half-written, sign-in
too, and /healthz says so; once space is back, everything works again.

The disk is really full: a real `minsheng serve` runs with its data directory on a small tmpfs that
the test fills (root can mount one; where mounting is not allowed the live test says so and skips).
On PostgreSQL the database lives elsewhere, so a trigger makes the database itself raise SQLSTATE
53100 (disk_full), the way the server does when it cannot extend a file."""

import io
import json
import os
import subprocess
import time
import uuid

import pytest
from django.db import connection
from django.test import Client
from PIL import Image

from minsheng.core import health
from minsheng.demands.models import Demand

from .live import LiveServer, fresh_database, on_postgres


def jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 64), (200, 30, 30)).save(buf, "JPEG")
    return buf.getvalue()


def multipart(field: str, name: str, data: bytes, ctype: str) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{name}\"\r\n"
            f"Content-Type: {ctype}\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


@pytest.fixture
def small_disk(tmp_path):
    mnt = tmp_path / "disk"
    mnt.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=96m", "tmpfs", str(mnt)], capture_output=True)
    if done.returncode:
        pytest.skip(f"cannot mount a small file system here: {done.stderr.decode().strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def fill(path) -> None:
    """Write zeros until the file system refuses another byte."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for size in (1 << 20, 1 << 12, 1):
            try:
                while True:
                    os.write(fd, b"\0" * size)
            except OSError:
                pass
    finally:
        os.close(fd)


def test_live_server_on_a_full_disk(small_disk):
    data = small_disk / "data"
    with fresh_database() as url, LiveServer(data, url, workers=1, threads=2,
                                             MINSHENG_HEALTH_PROBE_SECONDS="0") as server:
        server.prepare()
        server.start()
        token = server.token("demo-cailing")
        first = server.post("/api/v1/demands", {"text": "采菱家园一期3幢楼道灯不亮", "channel": "online"})
        assert first.status == 201
        code, tracking = first.json()["code"], first.json()["tracking_token"]

        fill(small_disk / "filler")
        r = server.post("/api/v1/demands", {"text": "采菱家园一期5幢门口垃圾没人清" * 40, "channel": "online"})
        if not on_postgres():
            assert r.status == 503, r.body[:300]
            assert r.headers.get("retry-after") and "空间" in r.json()["detail"]
            login = server.post("/login/", b"username=demo-town&password=minsheng-demo",
                                headers={"Content-Type": "application/x-www-form-urlencoded"})
            assert login.status in (403, 503) and login.status != 500
        body, ctype = multipart("file", "x.jpg", jpeg(), "image/jpeg")
        up = server.post(f"/api/v1/demands/{code}/attachments?token={tracking}", body,
                         headers={"Content-Type": ctype})
        assert up.status == 503, up.body[:300]
        assert up.headers.get("retry-after") and "detail" in json.loads(up.body)
        h = server.get("/healthz")
        assert h.status == 503 and h.json()["disk"] == "full"

        os.unlink(small_disk / "filler")
        time.sleep(0.2)
        assert server.get("/healthz").status == 200
        again = server.post("/api/v1/demands", {"text": "采菱家园一期5幢门口垃圾没人清", "channel": "online"})
        assert again.status == 201
        listed = server.get("/api/v1/demands?page_size=100", headers=token).json()
        texts = [d["text"] for d in listed["items"]]
        assert texts.count("采菱家园一期5幢门口垃圾没人清") == 1  # nothing half-written or doubled
        assert not any(t.startswith("采菱家园一期5幢门口垃圾没人清采菱") for t in texts) or on_postgres()


@pytest.fixture
def database_refuses_writes(demo_territory):
    """PostgreSQL: the database answers every write to these tables with disk_full (53100)."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite lives in the data directory: the live full-disk test covers it")
    health.forget()
    with connection.cursor() as c:
        c.execute("""CREATE FUNCTION minsheng_test_disk_full() RETURNS trigger AS $$
                     BEGIN RAISE EXCEPTION 'could not extend file: No space left on device'
                     USING ERRCODE = 'disk_full'; END $$ LANGUAGE plpgsql""")
        for table in ("demands_demand", "core_healthprobe", "accounts_signinattempt"):
            c.execute("SELECT to_regclass(%s)", [table])
            if c.fetchone()[0]:
                c.execute(f"CREATE TRIGGER full_{table} BEFORE INSERT OR UPDATE ON {table} "
                          "FOR EACH ROW EXECUTE FUNCTION minsheng_test_disk_full()")
    yield
    health.forget()


def test_postgres_disk_full_answers_503_on_api_and_pages(database_refuses_writes):
    r = Client().post("/api/v1/demands", {"text": "采菱家园二期12幢楼道灯不亮", "channel": "online"},
                      content_type="application/json")
    assert r.status_code == 503 and r["Retry-After"] and "空间" in r.json()["detail"]
    c = Client()
    c.get("/submit/")
    page = c.post("/submit/", {"text": "采菱家园二期12幢楼道灯不亮", "place": "采菱家园二期12幢"})
    assert page.status_code == 503 and page["Retry-After"]
    assert not Demand.objects.exists()
    h = Client().get("/healthz")
    assert h.status_code == 503 and h.json()["database"] == "read-only" and h.json()["disk"] == "full"


def test_healthz_reports_a_data_directory_without_room(demo_territory, settings):
    health.forget()
    assert Client().get("/healthz").status_code == 200
    settings.MINSHENG_MIN_FREE_MB = 10**9  # more than any disk has
    health.forget()
    r = Client().get("/healthz")
    assert r.status_code == 503 and r.json()["disk"] == "full" and r["Retry-After"]
    health.forget()


def test_healthz_probe_is_cached(demo_territory, django_assert_max_num_queries):
    health.forget()
    Client().get("/healthz")
    with django_assert_max_num_queries(0):
        for _ in range(5):
            assert Client().get("/healthz").status_code == 200
