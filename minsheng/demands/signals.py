"""What other apps may follow about demands (the KPI counters do), sent inside the transaction that
makes the change, so a follower's writes commit or roll back with it. demands imports none of its
followers: they connect in their AppConfig.ready()."""

from __future__ import annotations

from django.dispatch import Signal

# One demand was created or changed: `before` is a copy of it as it was (None when new), `after` the
# demand as saved.
demand_changed = Signal()

# A bulk load (a ledger import, generated history) wrote `demands`, one batch of many; `load` is the
# same object for every batch of one load, for followers that gather over the batches.
demands_created = Signal()

# The bulk load `load` has written its last batch.
load_finished = Signal()


class BulkLoad:
    """One bulk load; followers may keep what they gather in `state` until load_finished."""

    def __init__(self) -> None:
        self.state: dict = {}
