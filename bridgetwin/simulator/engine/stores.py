"""Where a run's simulated CloudWatch datapoints are kept: one store per rule (and per pipe or
schedule that owns a target, named after it) and one per Region for the account-level metrics.

Stores are created while the model is built, by whoever owns the metric, and read by the alarms
that watch them and by result collection.
"""

from __future__ import annotations

from bridgetwin.simulator.aws.metrics import MetricStore


class MetricStores:
    """Every metric store of one run, by owner."""

    def __init__(self, horizon: float) -> None:
        self._horizon = horizon
        self.owners: dict[str, MetricStore] = {}
        """By graph id of a rule, or of a pipe or schedule that invokes a target itself."""
        self.regions: dict[str, MetricStore] = {}

    def owner(self, graph_id: str) -> MetricStore:
        """The store of a rule, pipe or schedule (made on first use)."""
        return self.owners.setdefault(graph_id, MetricStore(self._horizon))

    def region(self, region: str) -> MetricStore:
        """The account-level metrics of a Region (PutEvents*), whether or not it has traffic."""
        return self.regions.setdefault(region, MetricStore(self._horizon))
