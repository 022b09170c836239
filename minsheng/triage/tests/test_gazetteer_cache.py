"""The engine's gazetteer follows renames, alias edits and moves between grids without a restart."""

import pytest

from minsheng.territory.models import Grid, Place
from minsheng.triage import services


@pytest.fixture(autouse=True)
def no_check_interval(monkeypatch):
    monkeypatch.setattr(services, "_CHECK_EVERY", 0.0)
    services.clear_cache()


def resolve(town, text):
    engine, _objects = services.engine_for(town)
    r = engine.predict(text)
    return r.place, r.grid


def test_rename_alias_and_move_are_seen(demo_territory):
    town = demo_territory
    assert resolve(town, "夏雷新村3幢路灯不亮") == ("夏雷新村", "夏雷第四网格")
    p = Place.objects.get(name="夏雷新村")
    # move to another grid
    p.grid = Grid.objects.get(name="夏雷第五网格")
    p.save()
    assert resolve(town, "夏雷新村3幢路灯不亮") == ("夏雷新村", "夏雷第五网格")
    # rename, same count and same aliases length
    p.name = "夏雷佳苑"
    p.save()
    assert resolve(town, "夏雷佳苑3幢路灯不亮") == ("夏雷佳苑", "夏雷第五网格")
    # an alias edited in place (same number of characters)
    p.aliases = ["雷苑小区"]
    p.save()
    assert resolve(town, "雷苑小区3幢路灯不亮")[0] == "夏雷佳苑"
