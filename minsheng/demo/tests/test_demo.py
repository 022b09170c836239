from django.apps import apps
from django.core.management import call_command


def snapshot() -> dict:
    out = {}
    for model in apps.get_models():
        if model._meta.app_label in {"sessions", "admin", "django_tasks_db"}:
            continue
        out[model._meta.label] = sorted(map(repr, model.objects.order_by("pk").values()))
    return out


def test_demo_is_idempotent(db, capsys):
    call_command("demo")
    first = snapshot()
    out = capsys.readouterr().out
    assert "demo-town" in out and "minsheng-demo" in out
    call_command("demo")
    assert snapshot() == first
    # every demo account the full demo creates is printed, and the README lists each of them
    from pathlib import Path

    from django.contrib.auth import get_user_model

    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text(encoding="utf-8")
    for username in get_user_model().objects.filter(username__startswith="demo-").values_list("username", flat=True):
        assert username in out, username
        assert f"`{username}`" in readme, f"README does not list {username}"


def test_territory_only_loads_the_town_and_accounts(db):
    call_command("demo", "--territory-only")
    from django.contrib.auth import get_user_model

    from minsheng.territory.models import Community, Grid

    assert Community.objects.count() == 4
    assert Grid.objects.filter(community__name="采菱社区", kind="dedicated").count() == 2
    users = set(get_user_model().objects.values_list("username", flat=True))
    assert {"demo-town", "demo-cailing", "demo-cailing-grid", "demo-sanqin", "demo-handler", "demo-resident"} <= users


def test_no_real_person_from_the_article_becomes_an_account(db):
    call_command("demo")
    from django.contrib.auth import get_user_model

    article_names = ["管建新", "卞黎霞", "恽国芳", "刘宇", "潘文杰", "袁刚平"]
    for user in get_user_model().objects.all():
        for n in article_names:
            assert n not in user.username and n not in user.get_full_name()
