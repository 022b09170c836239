"""A resident's own pages (/me/, /me/export.json) and the staff review of deletion requests (/desk/privacy/)
cost the same number of queries with 2 rows as with 6 (issue #10: no N+1)."""

from django.contrib.auth import get_user_model
from django.test import TestCase

from minsheng.accounts.models import PersonalDataRead, Role
from minsheng.accounts.services import ensure_user, grant_role
from minsheng.core.tests.query_counts import assert_flat
from minsheng.demands import services
from minsheng.reliability import services as rights
from minsheng.territory.models import Community

FEW, MORE = 2, 4  # 2 rows, then 6


def _user(username):
    return get_user_model().objects.get(username=username)


def _report(resident, i):
    """A demand reported online by `resident`, accepted (two public events)."""
    d, _ = services.register(text=f"采菱家园{i}幢楼道灯不亮", channel="online",
                             community=Community.objects.get(name="采菱社区"), reporter_name="钱七",
                             reporter_phone="13855556666", reporter_user=resident, run_triage=False,
                             category="sanitation")
    services.accept(d, _user("demo-cailing"))
    return d


def test_my_page(user_client, django_assert_max_num_queries):
    resident = _user("demo-resident")

    def add(n, start):
        for i in range(start, start + n):
            _report(resident, i)

    add(FEW, 0)
    client = user_client("demo-resident")
    assert_flat(lambda: client.get("/me/"), lambda: add(MORE, FEW), 10, django_assert_max_num_queries,
                check=lambda r: r.content.decode().count("楼道灯不亮") == FEW + MORE)
    # Every demand shown with its personal data is still one audit row.
    assert PersonalDataRead.objects.filter(user=resident, via="me", subject__startswith="demand:").count() == \
        FEW * 2 + (FEW + MORE) * 3  # warm-up and first count with 2; warm-up, second count and ceiling with 6


def test_my_export(user_client, django_assert_max_num_queries):
    resident = _user("demo-resident")

    def add(n, start):
        for i in range(start, start + n):
            _report(resident, i)

    add(FEW, 0)
    client = user_client("demo-resident")
    assert_flat(lambda: client.get("/me/export.json"), lambda: add(MORE, FEW), 12, django_assert_max_num_queries,
                check=lambda r: len(r.json()["demands"]) == FEW + MORE and all(
                    len(d["events"]) == 2 for d in r.json()["demands"]))


def test_privacy_requests_page(user_client, django_assert_max_num_queries):
    cailing = Community.objects.get(name="采菱社区")

    def add(n, start):
        for i in range(start, start + n):
            resident, _ = ensure_user(username=f"resident-{i}", password="x" * 12)
            if i % 2:  # a resident of the community…
                grant_role(user=resident, role=Role.RESIDENT, node=cailing)
            else:  # …or someone who reported a demand there
                _report(resident, i)
            with TestCase.captureOnCommitCallbacks(execute=True):
                rights.request_deletion(resident, reason=f"第{i}份申请")

    add(FEW, 0)
    client = user_client("demo-cailing")
    assert_flat(lambda: client.get("/desk/privacy/"), lambda: add(MORE, FEW), 11, django_assert_max_num_queries,
                check=lambda r: all(f"resident-{i}" in r.content.decode() for i in range(FEW + MORE)))
