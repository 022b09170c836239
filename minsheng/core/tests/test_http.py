"""Paths of the foundation answer as interfaces.md says."""

from django.test import Client


def test_healthz(db):
    r = Client().get("/healthz")
    assert r.status_code == 200 and r.json()["status"] == "ok"


def test_openapi_and_docs(db):
    client = Client()
    doc = client.get("/api/v1/openapi.json")
    assert doc.status_code == 200
    paths = doc.json()["paths"]
    assert "/api/v1/auth/token" in paths and "/api/v1/territory" in paths
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()


def test_territory_tree(demo_territory):
    data = Client().get("/api/v1/territory").json()
    (town,) = data["towns"]
    assert town["name"] == "湖塘镇"
    communities = {c["name"]: c for c in town["communities"]}
    assert set(communities) == {"采菱社区", "华家社区", "三勤社区", "夏雷社区"}
    cl = communities["采菱社区"]
    assert cl["resident_groups"] == 37
    kinds = [g["kind"] for g in cl["grids"]]
    assert kinds.count("basic") == 8 and kinds.count("dedicated") == 2
    places = {p["name"]: p for c in communities.values() for p in c["places"]}
    expected = {
        "采菱家园一期": "采菱社区", "采菱家园二期": "采菱社区", "采菱家园二期商铺": "采菱社区",
        "采菱社区卫生服务站": "采菱社区", "华家综合消费品市场": "华家社区", "华家综合消费品市场公厕": "华家社区",
        "三勤新苑": "三勤社区", "塘坊排涝站": "三勤社区", "杨家北排涝站": "三勤社区", "张家排涝站": "三勤社区",
        "新城长岛": "夏雷社区", "新城长岛北门": "夏雷社区", "夏雷社区篮球场": "夏雷社区",
    }
    for name, community in expected.items():
        assert places[name]["community"] == community and places[name]["grid"]
    assert "采菱二期" in places["采菱家园二期"]["aliases"]


def test_territory_tree_query_count_does_not_grow(demo_territory, django_assert_max_num_queries):
    with django_assert_max_num_queries(5):
        Client().get("/api/v1/territory")


def test_unknown_api_path_is_json_404(db):
    r = Client().get("/api/v1/nope")
    assert r.status_code == 404


def test_security_headers(db):
    r = Client().get("/healthz")
    assert "default-src 'self'" in r["Content-Security-Policy"]
    assert r["X-Frame-Options"] == "DENY"
    assert r["X-Content-Type-Options"] == "nosniff"


def test_migrations_are_up_to_date(db):
    from django.core.management import call_command

    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_static_files_collect_with_the_serving_storage(tmp_path):
    """`minsheng serve` collects with hashed names; every file a CSS or JS refers to must exist."""
    import os
    import subprocess
    import sys

    env = dict(os.environ, MINSHENG_SERVE="1", MINSHENG_DATA_DIR=str(tmp_path))
    env.pop("DATABASE_URL", None)
    done = subprocess.run([sys.executable, "-m", "minsheng", "collectstatic", "--noinput", "-v0"], env=env,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert (tmp_path / "static" / "staticfiles.json").exists()
