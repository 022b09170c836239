"""The one service: stored in the owner's folder under a random name, re-encoded; served only through
the owner's registered scope check, with the owner's caching; unknown owners refused."""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.test import RequestFactory
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from minsheng.attachments import services, views
from minsheng.attachments.owners import owner_of
from minsheng.demands.services import register
from minsheng.territory.models import Community


def png_with_text() -> bytes:
    img = Image.new("RGB", (32, 24), (10, 200, 30))
    out = io.BytesIO()
    info = PngInfo()
    info.add_text("Comment", "secret location")
    img.save(out, format="PNG", pnginfo=info)
    return out.getvalue()


@pytest.fixture
def demand(demo_territory):
    d, token = register(text="采菱家园二期12幢下水道堵塞", channel="online",
                        community=Community.objects.get(name="采菱社区"))
    return d, token


def test_store_puts_the_file_in_the_owners_folder_under_a_random_name(demand):
    d, _token = demand
    a = services.add_photo(d, SimpleUploadedFile("evil.php", png_with_text()))
    assert re.fullmatch(rf"demands/{d.code}/[0-9a-f]{{16}}\.png", a.file.name)
    assert a.stored_name == a.file.name.rsplit("/", 1)[1] and a.content_type == "image/png"
    stored = a.file.read()
    assert b"secret location" not in stored and a.size == len(stored)
    assert a.owner == d and list(d.attachments.all()) == [a]


def test_serve_asks_the_owners_scope_check(demand):
    d, token = demand
    a = services.add_photo(d, SimpleUploadedFile("p.png", png_with_text()))
    rf = RequestFactory()
    anonymous = rf.get("/")
    with pytest.raises(Http404):
        views.serve(anonymous, type(d), a.pk, not_found=Http404())
    with pytest.raises(Http404):  # the right token but another demand's code
        views.serve(rf.get("/", {"token": token}), type(d), a.pk, not_found=Http404(), owner_filter={"code": "X"})
    response = views.serve(rf.get("/", {"token": token}), type(d), a.pk, not_found=Http404(),
                           owner_filter={"code": d.code})
    assert response["Content-Type"] == "image/png" and response["Cache-Control"] == "private, max-age=3600"
    assert b"".join(response.streaming_content) == a.file.open("rb").read()


def test_an_unregistered_owner_is_refused(demo_territory):
    with pytest.raises(LookupError):
        owner_of(Community)
