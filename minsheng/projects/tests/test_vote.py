"""Deliberation votes: quorum and majority. Quorum not met → vote again; voted down → back to proposed."""

from minsheng.projects.models import Project, Vote


def test_a_passing_vote_allows_the_notice(api, create, advance):
    pid = create()["id"]
    advance(pid, "deliberating")
    staff = api("demo-cailing")
    body = staff.act(pid, "vote", **{"for": 4, "against": 2, "abstain": 1, "minutes": "两委会议同意"}).json()
    assert body["status"] == "deliberating"
    v = body["votes"][-1]
    assert (v["passed"], v["quorum_met"], v["quorum"], v["members"], v["minutes"]) == (True, True, 4, 7, "两委会议同意")
    assert staff.act(pid, "notice").json()["status"] == "noticed"


def test_quorum_not_met_stays_in_deliberation(api, create, advance):
    pid = create()["id"]
    advance(pid, "deliberating")
    staff = api("demo-cailing")
    body = staff.act(pid, "vote", **{"for": 3, "against": 0, "abstain": 0}).json()  # 3 of 7: below 4
    assert body["status"] == "deliberating"
    assert body["votes"][-1]["quorum_met"] is False and body["votes"][-1]["passed"] is False
    assert staff.act(pid, "notice").status_code == 409
    body = staff.act(pid, "vote", **{"for": 5, "against": 0, "abstain": 0}).json()
    assert body["votes"][-1]["round"] == 2 and body["votes"][-1]["passed"] is True


def test_half_is_not_a_majority_and_goes_back_to_proposed(api, create, advance):
    pid = create()["id"]
    advance(pid, "deliberating")
    staff = api("demo-cailing")
    body = staff.act(pid, "vote", **{"for": 3, "against": 2, "abstain": 1}).json()  # 3 of 6 cast
    assert body["status"] == "proposed"
    assert Vote.objects.get(project_id=pid).passed is False


def test_custom_members_and_quorum(api, create, advance):
    pid = create()["id"]
    advance(pid, "deliberating")
    staff = api("demo-cailing")
    r = staff.act(pid, "vote", **{"for": 20, "against": 5, "abstain": 0, "members": 30, "quorum": 20})
    assert r.json()["votes"][-1]["passed"] is True


def test_impossible_tallies_are_refused(api, create, advance):
    pid = create()["id"]
    advance(pid, "deliberating")
    staff = api("demo-cailing")
    before = Project.objects.get(pk=pid).version
    assert staff.act(pid, "vote", **{"for": 5, "against": 3, "abstain": 0}).status_code == 422  # 8 > 7
    assert staff.act(pid, "vote", **{"for": -1, "against": 0}).status_code == 422
    assert staff.act(pid, "vote", against=1).status_code == 422  # `for` missing
    assert staff.act(pid, "vote", **{"for": 2, "against": 0, "quorum": 9}).status_code == 422
    assert Project.objects.get(pk=pid).version == before and not Vote.objects.exists()
