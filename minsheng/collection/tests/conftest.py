import pytest
from django.contrib.auth import get_user_model
from django.test import TestCase

MINUTES = """采菱社区2026年10月居民组长会议纪要
会议时间：2026年10月8日 19:00
地点：社区二楼会议室
主持人：请各组长反映本组情况
一、传达镇民生工作会议精神
二、居民反映的问题：
1. 采菱家园二期12幢下水道堵塞，污水返到厨房。
2、采菱家园一期3幢楼道灯不亮，晚上老人上下楼不方便，希望尽快维修。
第3组组长：反映二期晾衣架不够用，居民只能在绿化带拉绳晾衣服。希望社区增加不锈钢晾衣架。
第5组组长：小区北门空地有人种菜、乱倒垃圾，夏天臭气很大。建议改成停车场。另外反映北门路灯不亮。
第2组组长：本组没有其他问题。
针对大家提出的问题，社区将逐一落实。
"""


@pytest.fixture
def users(demo_territory):
    User = get_user_model()
    return {u.username: u for u in User.objects.filter(username__startswith="demo-")}


@pytest.fixture
def cailing(demo_territory):
    from minsheng.territory.models import Community

    return Community.objects.select_related("town").get(name="采菱社区")


@pytest.fixture
def sanqin(demo_territory):
    from minsheng.territory.models import Community

    return Community.objects.select_related("town").get(name="三勤社区")


@pytest.fixture
def on_commit():
    """Run after-commit callbacks inside the test transaction (notifications, task enqueueing)."""
    return TestCase.captureOnCommitCallbacks
