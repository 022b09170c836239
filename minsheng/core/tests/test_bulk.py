"""core.bulk: raw bulk inserts hand out ids that later ORM inserts never collide with."""

import pytest
from django.db import transaction

from minsheng.core import bulk
from minsheng.demands.models import CodeCounter


@pytest.mark.django_db(transaction=True)
def test_insert_and_insert_values_then_orm_inserts_do_not_collide():
    with transaction.atomic():
        objs = [CodeCounter(prefix=f"A{i}", year=2026, last=i) for i in range(7)]
        bulk.insert(objs)
        assert [o.pk for o in objs] == sorted({o.pk for o in objs}) and all(o.pk for o in objs)
        bulk.insert_values(CodeCounter, [{"prefix": f"B{i}", "year": 2025} for i in range(5)])
    later = CodeCounter.objects.create(prefix="C", year=2026)
    assert CodeCounter.objects.count() == 13
    assert later.pk > max(CodeCounter.objects.exclude(pk=later.pk).values_list("pk", flat=True))
    # Defaults fill what insert_values leaves out.
    assert set(CodeCounter.objects.filter(prefix__startswith="B").values_list("last", flat=True)) == {0}
    assert CodeCounter.objects.get(prefix="A3").last == 3


@pytest.mark.django_db(transaction=True)
def test_deleted_ids_are_not_reused_and_a_transaction_is_required():
    top = CodeCounter.objects.create(prefix="X", year=2026)
    top_id = top.pk
    top.delete()
    with transaction.atomic():
        bulk.insert_values(CodeCounter, [{"prefix": "Y", "year": 2026}])
    assert CodeCounter.objects.get(prefix="Y").pk > top_id
    with pytest.raises(RuntimeError):
        bulk.insert_values(CodeCounter, [{"prefix": "Z", "year": 2026}])

