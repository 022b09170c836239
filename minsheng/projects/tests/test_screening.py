"""Screening (初审) hints: duties of the property company and possible duplicates of other projects."""

from minsheng.projects.models import Project


def test_property_duties_are_flagged(api, create):
    body = create(title="采菱家园二期电梯维修", kind="works", budget=80000,
                  items=[{"name": "电梯钢丝绳更换", "quantity": 2, "unit": "部"}])
    flags = body["flags"]
    assert flags[0]["code"] == "property_duty" and "电梯" in flags[0]["keywords"]
    assert "物业" in flags[0]["reason"]
    staff = api("demo-cailing")
    r = staff.act(body["id"], "screen", passed=True)
    assert r.status_code == 422 and r.json()["field"] == "reason" and "物业" in r.json()["detail"]
    assert Project.objects.get(pk=body["id"]).status == "proposed"
    r = staff.act(body["id"], "screen", passed=False, reason="电梯维修属物业职责，转物业公司办理")
    assert r.json()["status"] == "rejected"


def test_keywords_in_the_plan_count_too(create):
    body = create(title="采菱家园一期楼道整治", plan="包括小区内部保洁和物业费催缴")
    assert {"小区内部保洁", "物业费"} <= set(body["flags"][0]["keywords"])


def test_possible_duplicates_are_flagged(api, create, advance):
    first = create(title="采菱家园一期增设不锈钢晾衣架")
    advance(first["id"], "approved")
    second = create(title="采菱家园一期增加不锈钢晾衣架")
    dup = [f for f in second["flags"] if f["code"] == "duplicate"]
    assert dup and dup[0]["project"] == first["id"] and "已立项" in dup[0]["reason"]
    # Same items under another title are a duplicate as well.
    third = create(title="采菱家园晾晒设施完善", items=[{"name": "不锈钢晾衣架", "quantity": 10, "unit": "个"}])
    assert any(f["code"] == "duplicate" and f["project"] == first["id"] for f in third["flags"])
    # Passing it anyway needs a reason, which is recorded.
    staff = api("demo-cailing")
    assert staff.act(second["id"], "screen", passed=True).status_code == 422
    body = staff.act(second["id"], "screen", passed=True, reason="一期东区未覆盖，非重复").json()
    assert body["status"] == "screened" and body["events"][-1]["note"] == "一期东区未覆盖，非重复"


def test_other_communities_and_cancelled_projects_are_no_duplicates(api, create):
    first = create(title="采菱家园一期增设不锈钢晾衣架")
    api("demo-cailing").act(first["id"], "cancel", reason="合并到其他项目")
    again = create(title="采菱家园一期增设不锈钢晾衣架")
    assert not again["flags"]
    elsewhere = create(who="demo-sanqin", community="三勤社区", title="采菱家园一期增设不锈钢晾衣架")
    assert not elsewhere["flags"]


def test_a_plain_project_has_no_flags(create):
    assert create(title="三勤新苑健身路径改造", who="demo-sanqin", community="三勤社区",
                  items=[{"name": "健身器材", "quantity": 25, "unit": "件"}])["flags"] == []
