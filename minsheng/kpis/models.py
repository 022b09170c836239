from django.db import models


class KpiCounter(models.Model):
    """Additive KPI counts for one territory node and one local day or month (and optionally one
    category), kept up to date in the same transaction as every demand change. Reads sum at most a
    few dozen rows, whatever the number of demands."""

    key = models.CharField(max_length=80, unique=True)
    level = models.CharField(max_length=10)  # town | community | grid
    node_id = models.BigIntegerField()
    granularity = models.CharField(max_length=1)  # d (day) | m (month)
    day = models.DateField()  # the day, or the first day of the month
    category = models.CharField(max_length=20, blank=True)  # "" = all categories

    received = models.BigIntegerField(default=0)
    assigned = models.BigIntegerField(default=0)
    responded_in_time = models.BigIntegerField(default=0)
    resolved = models.BigIntegerField(default=0)
    partly = models.BigIntegerField(default=0)
    unresolved = models.BigIntegerField(default=0)
    satisfied = models.BigIntegerField(default=0)
    basically = models.BigIntegerField(default=0)
    dissatisfied = models.BigIntegerField(default=0)
    no_answer = models.BigIntegerField(default=0)
    completed = models.BigIntegerField(default=0)
    completed_in_time = models.BigIntegerField(default=0)
    close_us = models.BigIntegerField(default=0)  # Σ (completed − received) in microseconds

    class Meta:
        indexes = [models.Index(fields=["level", "node_id", "granularity", "category", "day"], name="kpi_lookup")]

    def __str__(self) -> str:
        return self.key
