"""The demo: an invented roster (no name from the article) with residents aged 90+, the four activities
of the article, and the facilities the article names (loaded by `minsheng demo`, not --territory-only)."""

from datetime import date

import pytest
from django.core.management import call_command
from django.db.models import Sum

from minsheng.facilities.models import Facility, MaintenancePlan
from minsheng.services_activities.models import Activity, Member
from minsheng.services_activities.services import target_members

ARTICLE_NAMES = ["管建新", "卞黎霞", "恽国芳", "刘宇", "潘文杰", "袁刚平", "何晓丹", "张朕", "张可馨", "金迪"]


@pytest.fixture
def full_demo(db):
    call_command("demo")


def test_roster_is_invented_and_has_nonagenarians(full_demo):
    assert 250 <= Member.objects.values("household").distinct().count() <= 400
    names = set(Member.objects.values_list("name", flat=True))
    assert not names & set(ARTICLE_NAMES)
    assert Member.objects.filter(birth_date__lte=date(1936, 10, 18)).count() >= 8


def test_the_four_activities_and_the_chongyang_visit(full_demo):
    from django.contrib.auth import get_user_model

    titles = set(Activity.objects.values_list("title", flat=True))
    assert {"“法律明白人”培训讲座", "青少年学党史", "重阳节慰问九十岁以上高龄老人", "“关爱骨骼 守护健康”义诊"} <= titles
    visit = Activity.objects.get(title="重阳节慰问九十岁以上高龄老人")
    staff = get_user_model().objects.get(username="demo-cailing")
    targets = target_members(visit, staff)
    assert targets.count() == 5  # one more turns 90 the day after
    assert visit.served.count() == 4


def test_the_facilities_of_the_article(full_demo):
    def total(community, kind):
        return Facility.objects.filter(community__name=community, kind=kind, parent=None).aggregate(
            n=Sum("quantity"))["n"]

    assert Facility.objects.filter(community__name="采菱社区", kind="fitness_point").count() == 5
    assert total("采菱社区", "fitness_point") == 50
    assert total("采菱社区", "drying_racks") == 100 and total("采菱社区", "benches") == 20
    assert set(Facility.objects.filter(kind="clinic_room").values_list("name", flat=True)) == {
        "采菱社区卫生服务站门诊室", "采菱社区卫生服务站留观室", "采菱社区卫生服务站输液室"}
    path = Facility.objects.get(name="三勤新苑健身路径")
    assert path.quantity == 25 and path.components.get().quantity == 500
    assert Facility.objects.get(name="杨家北排涝站").components.filter(name="直流泵").exists()
    assert Facility.objects.get(name="张家排涝站").components.filter(name="泥浆泵").exists()
    assert Facility.objects.get(name="塘坊排涝站").components.filter(kind="electric_cabinet").exists()
    flood = MaintenancePlan.objects.get(title="汛前排涝站集中检修")
    assert (flood.frequency, flood.month, flood.day, flood.facilities.count()) == ("yearly", 5, 5, 3)
    toilet = MaintenancePlan.objects.get(title="华家市场公厕每日保洁")
    assert toilet.frequency == "daily" and toilet.assignee.username == "demo-huajia-cleaner"
    assert total("夏雷社区", "charging_shed") == 11 and total("夏雷社区", "parking_lot") == 80
    assert Facility.objects.filter(name="夏雷社区篮球场", kind="court").exists()


def test_territory_only_loads_no_facilities_roster_or_activities(db):
    call_command("demo", "--territory-only")
    assert not Facility.objects.exists() and not Member.objects.exists() and not Activity.objects.exists()
