"""Signals of the OZG monitoring. Apps that react connect a receiver in their AppConfig.ready(); ozg_monitoring
imports none of them (opendata publishes its monthly files this way)."""

from django.dispatch import Signal

#: Sent once the aggregates of a snapshot date are computed and committed, by `services.snapshot_create`, whichever
#: door computed them (the monthly task, the admin's "recompute"). Keyword arguments: `date` (the snapshot's date)
#: and `snapshot` (the MonthlySnapshot). Receivers must be safe to run twice for the same date.
snapshot_computed = Signal()
