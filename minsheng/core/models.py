from django.db import models


class RateBucket(models.Model):
    """Requests counted per key and fixed window (database-backed so every worker agrees)."""

    key = models.CharField(max_length=120)
    window = models.BigIntegerField(help_text="window start, seconds since the epoch")
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "window"], name="ratebucket_unique")]

    def __str__(self) -> str:
        return f"{self.key}@{self.window}={self.count}"


class PeriodicRun(models.Model):
    """When each periodic job last ran, so several workers run it once."""

    name = models.CharField(max_length=80, unique=True)
    last_run = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} {self.last_run:%Y-%m-%d %H:%M}"


class HealthProbe(models.Model):
    """One row `/healthz` rewrites (at most every couple of seconds) to learn that the database can
    still write — a full disk lets reads succeed while every write fails."""

    name = models.CharField(max_length=40, unique=True)
    at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name}@{self.at:%Y-%m-%d %H:%M:%S}"
