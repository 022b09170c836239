"""Issue #17 item 4: the Content-Security-Policy lets images come only from this site, data: URLs
(Leaflet's blank tile) and the configured map tile server — not from any host on the web."""

from __future__ import annotations

import re

import pytest
from django.test import Client, override_settings


def img_src(response) -> list[str]:
    csp = response["Content-Security-Policy"]
    return re.search(r"img-src ([^;]*)", csp).group(1).split()


def test_without_tiles_images_come_from_this_site_only(user_client):
    for r in (Client().get("/"), user_client("demo-town").get("/dashboard/")):
        assert r.status_code == 200
        assert img_src(r) == ["'self'", "data:"]


@pytest.mark.parametrize("tiles,origin", [
    ("https://tile.example.org/{z}/{x}/{y}.png", "https://tile.example.org"),
    ("https://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=KEY",
     "https://*.tianditu.gov.cn"),
    ("http://{s}.tiles.local:8080/{z}/{x}/{y}.png", "http://*.tiles.local:8080"),
])
def test_the_tile_server_is_the_only_other_image_host(user_client, tiles, origin):
    with override_settings(MINSHENG_MAP_TILES=tiles):
        r = user_client("demo-town").get("/dashboard/")
        assert r.status_code == 200
        assert img_src(r) == ["'self'", "data:", origin]
        assert img_src(Client().get("/healthz")) == ["'self'", "data:", origin]


@pytest.mark.parametrize("tiles", ["javascript:alert(1)//{z}", "https://evil.{s}.example/{z}.png", "not a url"])
def test_a_tile_setting_that_names_no_single_host_adds_none(user_client, tiles):
    with override_settings(MINSHENG_MAP_TILES=tiles):
        assert img_src(Client().get("/healthz")) == ["'self'", "data:"]
