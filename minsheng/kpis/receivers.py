"""The KPI counters follow demand changes (minsheng.demands.signals) in the same transaction."""

from __future__ import annotations

from django.dispatch import receiver

from minsheng.demands.signals import demand_changed, demands_created, load_finished

from . import counters


@receiver(demand_changed, dispatch_uid="kpis.demand_changed")
def _demand_changed(sender, *, before, after, **kwargs) -> None:
    counters.record_change(counters.snapshot(before) if before is not None else None, counters.snapshot(after))


@receiver(demands_created, dispatch_uid="kpis.demands_created")
def _demands_created(sender, *, demands, load, **kwargs) -> None:
    # A long load touches the same day and month buckets batch after batch: gather, write once at the end.
    load.state.setdefault("kpis", counters.Gathered()).add(demands)


@receiver(load_finished, dispatch_uid="kpis.load_finished")
def _load_finished(sender, *, load, **kwargs) -> None:
    gathered = load.state.pop("kpis", None)
    if gathered is not None:
        gathered.write()
