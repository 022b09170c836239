def test_scoped_list_with_filters_and_pagination(api, submit):
    for i in range(7):
        submit(text=f"采菱家园一期{i + 1}幢楼道灯不亮")
    submit(text="三勤新苑健身器材坏了")
    cailing = api("demo-cailing").get("/api/v1/demands", page_size=5).json()
    assert cailing["count"] == 7 and len(cailing["items"]) == 5
    page2 = api("demo-cailing").get("/api/v1/demands", page_size=5, page=2).json()
    assert len(page2["items"]) == 2
    assert api("demo-sanqin").get("/api/v1/demands").json()["count"] == 1
    assert api("demo-town").get("/api/v1/demands").json()["count"] == 8
    assert api("demo-town").get("/api/v1/demands", community="三勤社区").json()["count"] == 1
    assert api("demo-cailing-grid").get("/api/v1/demands").json()["count"] == 7  # all in 采菱第一网格
    assert api("demo-cailing").get("/api/v1/demands", status="accepted").json()["count"] == 0
    assert api("demo-cailing").get("/api/v1/demands", queue="to_classify").json()["count"] == 0  # all classified
    assert api("demo-cailing").get("/api/v1/demands", category="housing").json()["count"] == 7


def test_handler_and_resident_see_only_their_own(api, submit, bearer):
    code = submit()["code"]
    assert api("demo-handler").get("/api/v1/demands").json()["count"] == 0
    staff = api("demo-cailing")
    staff.act(code, "accept")
    staff.act(code, "assign", handler="demo-handler")
    assert api("demo-handler").get("/api/v1/demands").json()["count"] == 1
    resident = api("demo-resident")
    r = resident.post("/api/v1/demands", {"text": "采菱一期3幢电梯坏了"})
    assert r.status_code == 201
    assert api("demo-resident").get("/api/v1/demands").json()["count"] == 1


def test_list_query_count_is_bounded(api, submit, django_assert_max_num_queries):
    for i in range(20):
        submit(text=f"采菱家园一期{i + 1}幢楼道灯不亮")
    client = api("demo-cailing")
    # a fixed number, whatever the rows: per branch of the scope (community, handled, reported) one walk
    # of the dated demands (the undated too when those do not fill the page) and one count
    with django_assert_max_num_queries(14):
        client.get("/api/v1/demands")


def test_bad_filters_are_4xx(api):
    client = api("demo-cailing")
    assert client.get("/api/v1/demands", page=0).status_code == 422
    assert client.get("/api/v1/demands", page_size=10_000).status_code == 422
    assert client.get("/api/v1/demands", overdue="maybe").status_code == 422
