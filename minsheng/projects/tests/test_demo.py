"""The demo town's projects carry the article's figures and are spread over the life."""

from django.core.management import call_command

from minsheng.demands.models import Demand
from minsheng.projects.models import Project


def items(title):
    return {(i.name, float(i.quantity), i.unit) for i in Project.objects.get(title=title).items.all()}


def test_the_articles_projects(db):
    call_command("demo")
    assert {("不锈钢晾衣架", 100, "个"), ("三人木质休闲椅", 20, "张")} == items("采菱家园一期、二期增设不锈钢晾衣架和休闲椅")
    assert items("采菱社区5处健身点器材维修") == {("健身器材维修", 50, "件")}
    assert items("采菱家园二期商铺及居民厨房污水管道疏通") == {("堵塞污水管道疏通", 15, "处")}
    assert Project.objects.get(title="采菱社区行道树及高杆乔木修剪").budget == 100000
    assert items("三勤新苑健身路径改造") == {("健身器材", 25, "件"), ("塑胶地面", 500, "㎡")}
    assert Project.objects.get(title="三勤新苑健身路径改造").budget == 100000
    assert items("新城长岛北门闲置地块改建停车场") == {("场地平整及地面硬化", 2000, "㎡"), ("小型汽车停车位", 80, "个")}
    assert items("夏雷社区电动车集中充电停车棚") == {("电动车充电停车棚", 11, "个")}
    for title, item in [("塘坊排涝站更换电柜", "排涝站电柜"), ("杨家北排涝站增设直流泵", "直流泵"),
                        ("张家排涝站增设泥浆泵", "泥浆泵")]:
        assert items(title) == {(item, 1, "台" if item == "排涝站电柜" else "只")}
    clinic = Project.objects.get(title="采菱社区卫生服务站门诊室、留观室、输液室改造")
    assert clinic.started_at.month == 12 and clinic.in_service_at.month in (1, 2)
    statuses = set(Project.objects.values_list("status", flat=True))
    assert {"deliberating", "noticed", "implementing", "in_service"} <= statuses
    for p in Project.objects.filter(status__in=["deliberating", "noticed", "implementing"]):
        assert p.demands.exists(), p.title
    for p in Project.objects.filter(status__in=["in_service", "evaluated"]):
        assert p.events.filter(action="inspect").exists()
        for d in p.demands.all():
            assert d.status == "callback", (p.title, d.code)
    assert all("示例" in c for c in Project.objects.exclude(contractor="").values_list("contractor", flat=True))


def test_no_real_person_from_the_article(db):
    call_command("demo")
    article_names = ["管建新", "卞黎霞", "恽国芳", "刘宇", "潘文杰", "袁刚平", "何晓丹", "张朕", "张可馨", "金迪"]
    texts = [d.text + d.reporter_name for d in Demand.objects.all()]
    for p in Project.objects.all():
        texts += [p.title, p.plan, p.task_team, p.contractor]
        texts += [e.note + e.actor_label for e in p.events.all()]
    for n in article_names:
        assert not any(n in t for t in texts), n


def test_territory_only_has_no_projects(db):
    call_command("demo", "--territory-only")
    assert not Project.objects.exists()
