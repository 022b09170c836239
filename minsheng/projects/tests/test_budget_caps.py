"""Budget caps per kind and town: over the cap is refused (422 naming `budget`) and nothing is created."""

from decimal import Decimal

import pytest

from minsheng.projects.models import BudgetCap, Project

BODY = {"title": "采菱家园二期道路修补", "community": "采菱社区", "items": []}


@pytest.mark.parametrize("kind,cap", [("works", 500000), ("goods", 200000), ("services", 100000)])
def test_default_caps(api, kind, cap):
    staff = api("demo-cailing")
    r = staff.post("/api/v1/projects", {**BODY, "kind": kind, "budget": cap + 0.01})
    assert r.status_code == 422 and r.json()["field"] == "budget"
    assert "上限" in r.json()["detail"]
    assert not Project.objects.exists()
    r = staff.post("/api/v1/projects", {**BODY, "kind": kind, "budget": cap})
    assert r.status_code == 201 and r.json()["budget"] == cap


def test_a_town_sets_its_own_cap(api, demo_territory):
    BudgetCap.objects.create(town=demo_territory, kind="services", cap=Decimal("150000"))
    staff = api("demo-cailing")
    assert staff.post("/api/v1/projects", {**BODY, "kind": "services", "budget": 120000}).status_code == 201
    r = staff.post("/api/v1/projects", {**BODY, "kind": "services", "budget": 150001})
    assert r.status_code == 422 and r.json()["field"] == "budget"


def test_settings_override_the_defaults(api, settings):
    settings.MINSHENG_PROJECT_BUDGET_CAPS = {"goods": 1000}
    r = api("demo-cailing").post("/api/v1/projects", {**BODY, "kind": "goods", "budget": 1001})
    assert r.status_code == 422 and r.json()["field"] == "budget"


def test_budget_must_be_positive_and_kind_known(api):
    staff = api("demo-cailing")
    r = staff.post("/api/v1/projects", {**BODY, "kind": "goods", "budget": 0})
    assert r.status_code == 422 and r.json()["field"] == "budget"
    r = staff.post("/api/v1/projects", {**BODY, "kind": "palace", "budget": 10})
    assert r.status_code == 422 and r.json()["field"] == "kind"


def test_raising_the_budget_later_is_capped_too(api, create):
    pid = create()["id"]
    from django.contrib.auth import get_user_model

    from minsheng.core.errors import InvalidInput
    from minsheng.projects import services

    user = get_user_model().objects.get(username="demo-cailing")
    with pytest.raises(InvalidInput) as exc:
        services.update(pid, user, budget=200001)
    assert exc.value.field == "budget"
    p = services.update(pid, user, budget=50000)
    assert p.budget == Decimal("50000.00")
