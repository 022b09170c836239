"""Photos with the resident's form: /submit/ takes up to 3 photos as a plain multipart post, saves them
with the demand in one go (or nothing at all), strips their location and keeps the one-time form key."""

import io
import re

import pytest
from django.test import Client
from PIL import Image

from minsheng.attachments.models import Attachment
from minsheng.demands.models import Demand, DemandEvent

from .pages_helpers import TEXT, not_a_photo, photo, text


def _key(client: Client) -> str:
    return re.search(r'name="submit_key" value="([^"]+)"', text(client.get("/submit/"))).group(1)


def _post(client: Client, photos, **extra):
    return client.post("/submit/", {"text": TEXT, "place": "采菱家园二期12幢", "reporter_phone": "13812345678",
                                    "photos": photos, **extra})


def test_the_form_takes_photos_without_javascript(demo_territory):
    html = text(Client().get("/submit/"))
    assert 'enctype="multipart/form-data"' in html
    assert re.search(r'<input type="file" name="photos" accept="image/\*" multiple data-photos="3" id="f-photos"', html)
    assert "照片（选填，最多 3 张）" in html and "minsheng/photos.js" in html


@pytest.mark.parametrize("count", [0, 1, 3])
def test_submit_with_up_to_three_photos(demo_territory, count):
    client = Client()
    r = _post(client, [photo(f"p{i}.jpg") for i in range(count)], submit_key=_key(client))
    assert r.status_code == 302 and r["Location"] == "/submit/done/"
    d = Demand.objects.get()
    photos = list(d.attachments.all())
    assert len(photos) == count
    assert all(a.kind == "before" and a.uploaded_by is None for a in photos)
    assert DemandEvent.objects.filter(demand=d, action="attach").count() == min(count, 1)  # one step for the form


def test_a_fourth_photo_is_refused_and_nothing_is_saved(demo_territory):
    client = Client()
    r = _post(client, [photo(f"p{i}.jpg") for i in range(4)], submit_key=_key(client))
    assert r.status_code == 422
    html = text(r)
    assert 'id="e-photos">最多上传 3 张照片' in html
    assert TEXT in html  # the text is kept
    assert not Demand.objects.exists() and not Attachment.objects.exists()


def test_a_file_that_is_not_an_image_is_refused_naming_it(demo_territory):
    client = Client()
    key = _key(client)
    r = _post(client, [photo("good.jpg"), not_a_photo("notes.jpg")], submit_key=key)
    assert r.status_code == 422
    html = text(r)
    assert "第 2 张照片（notes.jpg）不是有效的图片文件" in html and 'aria-invalid="true" aria-describedby="e-photos"' in html
    assert TEXT in html and f'value="{key}"' in html  # the same key may be used again
    assert not Demand.objects.exists() and not Attachment.objects.exists()
    # Sent again with the photo fixed, the same form key registers it.
    assert _post(client, [photo("good.jpg")], submit_key=key).status_code == 302
    assert Demand.objects.get().attachments.count() == 1


def test_another_field_error_says_the_photos_must_be_chosen_again(demo_territory):
    client = Client()
    r = _post(client, [photo()], submit_key=_key(client), reporter_phone="12")
    assert r.status_code == 422 and "请重新选择照片" in text(r)
    assert not Attachment.objects.exists()


def test_location_in_the_photo_is_removed(demo_territory):
    client = Client()
    upload = photo(gps=True)
    assert b"PhoneMaker" in upload.read()
    upload.seek(0)
    assert _post(client, [upload], submit_key=_key(client)).status_code == 302
    stored = Demand.objects.get().attachments.get().file.read()
    assert Image.open(io.BytesIO(stored)).getexif().get(0x8825) is None
    assert b"PhoneMaker" not in stored


def test_a_second_post_of_the_form_key_adds_no_photos(demo_territory):
    client = Client()
    key = _key(client)
    assert _post(client, [photo("a.jpg"), photo("b.jpg")], submit_key=key).status_code == 302
    assert _post(client, [photo("a.jpg"), photo("b.jpg")], submit_key=key).status_code == 302
    assert Demand.objects.count() == 1 and Attachment.objects.count() == 2
