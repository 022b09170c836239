"""Photos before/after: checked by content like demand attachments, location data removed, public."""

import io

from django.test import Client
from PIL import Image

from minsheng.attachments.models import Attachment


def jpeg_with_gps() -> bytes:
    img = Image.new("RGB", (40, 30), (200, 30, 30))
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (31.0, 42.0, 0.0), 3: "E", 4: (119.0, 56.0, 0.0)}  # GPSInfo
    out = io.BytesIO()
    img.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def upload(client, pid, data, name="a.jpg", stage="before", **headers):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(f"/api/v1/projects/{pid}/photos", {"file": SimpleUploadedFile(name, data), "stage": stage,
                                                         "caption": "改造前的晾晒区"}, **headers)


def test_upload_and_view(api, create, bearer):
    pid = create()["id"]
    staff = Client()
    r = upload(staff, pid, jpeg_with_gps(), **bearer("demo-cailing"))
    assert r.status_code == 201, r.content
    url = r.json()["url"]
    got = Client().get(url)
    assert got.status_code == 200 and got["Content-Type"] == "image/jpeg"
    stored = Image.open(io.BytesIO(b"".join(got.streaming_content)))
    assert stored.getexif().get(0x8825) is None
    body = api().get(f"/api/v1/projects/{pid}").json()
    assert body["photos"][0]["stage"] == "before"
    assert f'src="{url}"' in Client().get("/projects/").content.decode()


def test_bad_uploads(api, create, bearer):
    pid = create()["id"]
    client = Client()
    assert upload(client, pid, b"<?php echo 1; ?>", name="x.jpg", **bearer("demo-cailing")).status_code == 422
    assert upload(client, pid, jpeg_with_gps(), stage="someday", **bearer("demo-cailing")).status_code == 422
    assert upload(client, pid, jpeg_with_gps(), **bearer("demo-sanqin")).status_code == 403
    assert upload(client, pid, jpeg_with_gps()).status_code == 401
    assert not Attachment.objects.exists()
    assert Client().get(f"/api/v1/projects/{pid}/photos/1").status_code == 404
