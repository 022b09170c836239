import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from minsheng.attachments.models import Attachment


def jpeg_with_gps() -> bytes:
    img = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N", 2: (31.0, 42.0, 0.0), 3: "E", 4: (119.0, 56.0, 0.0)}
    out = io.BytesIO()
    img.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def upload(client, code, data, name="photo.jpg", token=None, headers=None):
    url = f"/api/v1/demands/{code}/attachments" + (f"?token={token}" if token else "")
    return client.post(url, {"file": SimpleUploadedFile(name, data)}, **(headers or {}))


def test_reporter_uploads_photo_and_location_is_stripped(submit):
    created = submit()
    data = jpeg_with_gps()
    assert b"Exif" in data
    r = upload(Client(), created["code"], data, token=created["tracking_token"])
    assert r.status_code == 201, r.content
    a = Attachment.objects.get()
    stored = a.file.read()
    assert a.content_type == "image/jpeg"
    assert Image.open(io.BytesIO(stored)).getexif().get(0x8825) is None
    assert b"PhoneMaker" not in stored


def test_type_is_checked_by_content(submit):
    created = submit()
    r = upload(Client(), created["code"], b"<html>not an image</html>", name="x.jpg", token=created["tracking_token"])
    assert r.status_code == 422 and r.json()["field"] == "file"
    gif = io.BytesIO()
    Image.new("RGB", (4, 4)).save(gif, format="GIF")
    r = upload(Client(), created["code"], gif.getvalue(), name="x.png", token=created["tracking_token"])
    assert r.status_code == 422
    assert not Attachment.objects.exists()


def test_size_limit(submit, settings):
    settings.MINSHENG_MAX_UPLOAD = 1000
    created = submit()
    big = io.BytesIO()
    Image.effect_noise((200, 200), 50).convert("RGB").save(big, format="PNG")
    r = upload(Client(), created["code"], big.getvalue(), name="big.png", token=created["tracking_token"])
    assert r.status_code == 422 and "MB" in r.json()["detail"]


def test_wrong_token_cannot_upload_or_read(submit, bearer):
    created = submit()
    assert upload(Client(), created["code"], jpeg_with_gps(), token="nope").status_code == 404
    r = upload(Client(), created["code"], jpeg_with_gps(), headers=bearer("demo-cailing"))
    assert r.status_code == 201
    url = r.json()["url"]
    assert Client().get(url).status_code == 404
    assert Client().get(url, {"token": created["tracking_token"]}).status_code == 200
    assert Client().get(url, **bearer("demo-sanqin")).status_code == 404


def test_signed_in_reporter_attaches_to_own_demand_without_token(api, bearer):
    """The owner (reporter_user) needs no tracking token; another resident's demand stays out of reach."""
    r = api("demo-resident").post("/api/v1/demands", {"text": "采菱家园二期12幢下水道堵塞，污水返到厨房"})
    assert r.status_code == 201, r.content
    code = r.json()["code"]
    up = upload(Client(), code, jpeg_with_gps(), headers=bearer("demo-resident"))
    assert up.status_code == 201, up.content
    assert Client().get(up.json()["url"], **bearer("demo-resident")).status_code == 200
    other = api().post("/api/v1/demands", {"text": "采菱家园一期3幢楼道灯不亮", "reporter_phone": "13812345678"})
    assert upload(Client(), other.json()["code"], jpeg_with_gps(), headers=bearer("demo-resident")).status_code == 404
    assert Attachment.objects.count() == 1
